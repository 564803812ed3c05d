/* The system log scanner behind clpkit.formats.syslog: one pass over a whole file.
 *
 * scan_syslog(data) takes the file's bytes as clpkit.text.decode leaves them
 * (valid UTF-8, LF line ends, no BOM: the strings are exported unchecked) and
 * sorts every line into one of four kinds:
 *
 * - a cluster line of the usual classic shape, read here in full: exactly
 *   `Mon dd HH:MM:SS host ident[pid]: ` (an English month name, a day that
 *   exists in that month in a non-leap year, a valid clock, ident clusterpro
 *   or expresscls in any ASCII case) followed by a body that either starts
 *   with the `<type: ..><event: ..>` head (module text in ASCII) or does not
 *   contain "<event:" anywhere;
 * - a blank line (ASCII white space only): counted;
 * - a candidate: any other line holding a non-ASCII byte or one of the
 *   idents in any ASCII case. Its number and text are handed back, and the
 *   polars code decides what it is (blank, a cluster line of another shape,
 *   or an unrelated line mentioning the ident), with its Unicode rules;
 * - an unrelated line: neither counted nor returned (the caller derives the
 *   skipped count).
 *
 * scan_syslog(data: bytes-like) -> dict, line numbers 1-based, split on "\n" (a final line feed
 * makes no extra line):
 *   lines (int), blank (int): all lines, and the ASCII-blank ones;
 *   line, month, year_ms, pid, event_id: Int64 columns of the lines read here (year_ms: the
 *     milliseconds from 1 January 00:00:00 in a common year; pid and event_id null when
 *     absent or past Int64);
 *   host, ident (lower case), module (lower case, trimmed; null without the head),
 *     message: String columns of the same rows;
 *   candidate_line (Int64), candidate_text (String): the lines handed back.
 *
 * Every field of a line read here equals what syslog.py's polars
 * expressions give for it: the shapes are the regular expressions
 * _FAST_CLASSIC and _FAST_EVENT, character for character, and whatever
 * needs a Unicode rule (white space, case) or a year (Feb 29) is left to
 * polars. The tests compare both paths on the same inputs.
 */
#include "arrow.h"
#include "civil.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

typedef struct {
    I64Builder line, month, year_ms, pid, event_id, cand_line;
    StrBuilder host, ident, module, message, cand_text;
    int64_t lines, blank;
} Scan;

static void scan_free(Scan *s) {
    I64Builder *ints[] = {&s->line, &s->month, &s->year_ms, &s->pid, &s->event_id, &s->cand_line};
    StrBuilder *strs[] = {&s->host, &s->ident, &s->module, &s->message, &s->cand_text};
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) i64_free(ints[i]);
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++) str_free(strs[i]);
}

#if defined(__GNUC__)
#define HOT static inline __attribute__((always_inline))
#else
#define HOT static inline
#endif

/* i64_append and str_append (valid values) without a call in the usual case: room left, no null yet. */
HOT int put_i64(I64Builder *b, int64_t value) {
    if (b->valid.bits.data != NULL || b->values.len + 8 > b->values.cap) return i64_append(b, value, 1);
    memcpy(b->values.data + b->values.len, &value, 8);
    b->values.len += 8;
    b->len++;
    return 0;
}

HOT int put_str(StrBuilder *b, const uint8_t *s, int64_t n) {
    if (b->valid.bits.data != NULL || b->views.len + 16 > b->views.cap || n > 12) return str_append(b, s, n, 1);
    uint8_t *view = b->views.data + b->views.len;
    int32_t len32 = (int32_t)n;
    memset(view, 0, 16);
    memcpy(view, &len32, 4);
    memcpy(view + 4, s, (size_t)n);
    b->views.len += 16;
    b->len++;
    return 0;
}

/* White space as Rust's char::is_whitespace sees it within ASCII (\x1c-\x1f are not). */
static inline int is_space(uint8_t c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* The month (1-12) of an English three-letter abbreviation, or 0. */
static int month_of(const uint8_t *s) {
    static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    for (int m = 0; m < 12; m++)
        if (s[0] == names[3 * m] && s[1] == names[3 * m + 1] && s[2] == names[3 * m + 2]) return m + 1;
    return 0;
}

/* True when the n bytes at s spell `lower` (ASCII lower case) in any ASCII case. */
static inline int ascii_ieq(const uint8_t *s, const char *lower, int n) {
    for (int i = 0; i < n; i++)
        if ((s[i] | 0x20) != (uint8_t)lower[i]) return 0; /* `lower` is all letters: |0x20 only folds A-Z */
    return 1;
}

/* The value of a run of ASCII digits; valid=0 when it does not fit an Int64 (polars' cast gives null). */
static int64_t digits_value(const uint8_t *s, int64_t n, int *valid) {
    uint64_t v = 0;
    *valid = 1;
    for (int64_t i = 0; i < n; i++) {
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_C(9223372036854775807) - d) / 10) { *valid = 0; return 0; }
        v = v * 10 + d;
    }
    return (int64_t)v;
}

static inline int64_t digit_run(const uint8_t *s, int64_t from, int64_t end) {
    int64_t i = from;
    while (i < end && is_digit(s[i])) i++;
    return i - from;
}

static const uint8_t *find(const uint8_t *s, int64_t n, const char *needle, int64_t k) {
    if (n < k) return NULL;
    const uint8_t *end = s + n - k;
    for (const uint8_t *p = s; p <= end; p++) {
        p = memchr(p, needle[0], (size_t)(end - p + 1));
        if (p == NULL) return NULL;
        if (memcmp(p, needle, (size_t)k) == 0) return p;
    }
    return NULL;
}

/* Reads a line of the usual classic shape into the builders.
 * Returns 1 when read, 0 when the line is not of that shape (nothing appended), or a BUILD_* code. */
static int read_classic(Scan *out, int64_t number, const uint8_t *s, int64_t n) {
    static const int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}; /* Feb 29: polars, with the year */
    static const int days_before[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    if (n < 30 || s[3] != ' ' || s[6] != ' ' || s[9] != ':' || s[12] != ':' || s[15] != ' ') return 0;
    int month = month_of(s);
    if (!month) return 0;
    if (!(s[4] == ' ' || is_digit(s[4])) || !is_digit(s[5])) return 0;
    int day = (s[4] == ' ' ? 0 : s[4] - '0') * 10 + (s[5] - '0');
    int h = digits(s + 7, 2), mi = digits(s + 10, 2), sec = digits(s + 13, 2);
    if (day < 1 || day > month_days[month - 1] || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return 0;
    /* host: `[^ ]+`, then one space and the ident */
    int64_t host_end = 16;
    while (host_end < n && s[host_end] != ' ') host_end++;
    if (host_end == 16 || host_end == n) return 0;
    int64_t id = host_end + 1;
    if (id + 12 > n) return 0;
    const char *ident;
    if (ascii_ieq(s + id, "clusterpro", 10)) ident = "clusterpro";
    else if (ascii_ieq(s + id, "expresscls", 10)) ident = "expresscls";
    else return 0;
    int64_t p = id + 10, pid_from = 0, pid_len = 0;
    if (s[p] == '[') {
        pid_len = digit_run(s, p + 1, n);
        if (pid_len == 0 || p + 1 + pid_len >= n || s[p + 1 + pid_len] != ']') return 0;
        pid_from = p + 1;
        p += pid_len + 2;
    }
    if (p + 2 > n || s[p] != ':' || s[p + 1] != ' ') return 0;
    const uint8_t *body = s + p + 2;
    int64_t m = n - p - 2;

    /* the body: `^<type: ?[^<>]*><event: ?[0-9]+>` or no "<event:" at all */
    int has_head = 0, event_valid = 0;
    int64_t module_from = 0, module_to = 0, event_value = 0, rest = 0;
    if (m >= 6 && memcmp(body, "<type:", 6) == 0) {
        int64_t q = 6;
        while (q < m && body[q] != '<' && body[q] != '>') q++;
        if (q < m && body[q] == '>' && q + 8 <= m && memcmp(body + q + 1, "<event:", 7) == 0) {
            int64_t e = q + 8;
            if (e < m && body[e] == ' ') e++;
            int64_t len = digit_run(body, e, m);
            if (len > 0 && e + len < m && body[e + len] == '>') {
                has_head = 1;
                module_from = 6;
                module_to = q;
                event_value = digits_value(body + e, len, &event_valid);
                rest = e + len + 1;
            }
        }
    }
    if (has_head) {
        /* polars: str.slice(6).str.strip_chars() and str.to_lowercase(); Unicode rules left to polars */
        for (int64_t i = module_from; i < module_to; i++)
            if (body[i] >= 0x80) return 0;
        while (module_from < module_to && is_space(body[module_from])) module_from++;
        while (module_to > module_from && is_space(body[module_to - 1])) module_to--;
        if (rest < m && body[rest] == ' ') rest++; /* str.strip_prefix(" ") */
    } else if (find(body, m, "<event:", 7) != NULL) {
        return 0; /* another event layout: polars' full pattern */
    }

    int pid_valid = 0;
    int64_t pid = pid_len ? digits_value(s + pid_from, pid_len, &pid_valid) : 0;
    uint8_t module[64];
    const uint8_t *module_text = body + module_from;
    int64_t module_len = module_to - module_from;
    uint8_t *lowered = NULL;
    if (has_head) {
        uint8_t *dst = module;
        if (module_len > (int64_t)sizeof module) {
            lowered = malloc((size_t)module_len);
            if (!lowered) return BUILD_NOMEM;
            dst = lowered;
        }
        for (int64_t i = 0; i < module_len; i++) {
            uint8_t c = module_text[i];
            dst[i] = c >= 'A' && c <= 'Z' ? c | 0x20 : c;
        }
        module_text = dst;
    }
    int rc = 0;
    int64_t year_ms = ((days_before[month - 1] + day - 1) * 86400LL + h * 3600 + mi * 60 + sec) * 1000;
    if (!rc) rc = put_i64(&out->line, number);
    if (!rc) rc = put_i64(&out->month, month);
    if (!rc) rc = put_i64(&out->year_ms, year_ms);
    if (!rc) rc = put_str(&out->host, s + 16, host_end - 16);
    if (!rc) rc = put_str(&out->ident, (const uint8_t *)ident, 10);
    if (!rc) rc = pid_valid ? put_i64(&out->pid, pid) : i64_append(&out->pid, 0, 0);
    if (!rc) rc = has_head ? put_str(&out->module, module_text, module_len) : str_append(&out->module, NULL, 0, 0);
    if (!rc) rc = has_head && event_valid ? put_i64(&out->event_id, event_value) : i64_append(&out->event_id, 0, 0);
    if (!rc) rc = has_head ? put_str(&out->message, body + rest, m - rest) : put_str(&out->message, body, m);
    free(lowered);
    return rc ? rc : 1;
}

/* Whether the 16 positions at s hold a non-ASCII byte or the start of "lu" or "xp" in any
 * ASCII case (reads 17 bytes). */
#if defined(__SSE2__)
static inline int block_hit(const uint8_t *s) {
    __m128i a = _mm_loadu_si128((const __m128i *)s), b = _mm_loadu_si128((const __m128i *)(s + 1));
    __m128i fold = _mm_set1_epi8(0x20);
    __m128i fa = _mm_or_si128(a, fold), fb = _mm_or_si128(b, fold);
    __m128i lu = _mm_and_si128(_mm_cmpeq_epi8(fa, _mm_set1_epi8('l')), _mm_cmpeq_epi8(fb, _mm_set1_epi8('u')));
    __m128i xp = _mm_and_si128(_mm_cmpeq_epi8(fa, _mm_set1_epi8('x')), _mm_cmpeq_epi8(fb, _mm_set1_epi8('p')));
    return _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(lu, xp), a)) != 0; /* a: the high bit of a non-ASCII byte */
}
#else
static inline int block_hit(const uint8_t *s) {
    uint8_t hit = 0;
    for (int k = 0; k < 16; k++) {
        uint8_t c = s[k], f = c | 0x20, g = s[k + 1] | 0x20;
        hit |= (uint8_t)((c >> 7) | ((f == 'l') & (g == 'u')) | ((f == 'x') & (g == 'p')));
    }
    return hit;
}
#endif

/* Blank (ASCII white space only): 1; holds a non-ASCII byte or an ident in any ASCII case: 2; else 0. */
static int classify(const uint8_t *s, int64_t n) {
    int64_t i = 0;
    while (i < n && is_space(s[i])) i++;
    if (i == n) return 1;
    /* Anchored on letter pairs rare in other text: the "lu" of clusterpro and the "xp" of
     * expresscls, sixteen positions at a time; only from a block with a hit on is each
     * position looked at. */
    for (; i + 17 <= n; i += 16)
        if (block_hit(s + i)) break;
    for (; i < n; i++) {
        uint8_t c = s[i], f = c | 0x20;
        if (c >= 0x80) return 2;
        if (f == 'x' && i >= 1 && i + 9 <= n && ascii_ieq(s + i - 1, "expresscls", 10)) return 2;
        if (f == 'l' && i >= 1 && i + 9 <= n && ascii_ieq(s + i - 1, "clusterpro", 10)) return 2;
    }
    return 0;
}

/* Line ends found 64 bytes at a time: `mask` holds the line feeds of the block at `block`
 * not handed out yet. Cheaper than a memchr call per line on lines of some 60 bytes. */
typedef struct {
    const uint8_t *data;
    int64_t size, block;
    uint64_t mask;
} LineEnds;

static uint64_t newline_mask(const uint8_t *p, int64_t n) {
    uint64_t mask = 0;
#if defined(__SSE2__)
    if (n >= 64) {
        __m128i nl = _mm_set1_epi8('\n');
        for (int k = 0; k < 4; k++) {
            __m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * k));
            mask |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl)) << (16 * k);
        }
        return mask;
    }
#endif
    for (int64_t i = 0; i < n && i < 64; i++) mask |= (uint64_t)(p[i] == '\n') << i;
    return mask;
}

/* The offset of the next line feed, or the size when there is none. */
HOT int64_t next_line_end(LineEnds *e) {
    while (e->mask == 0) {
        e->block += 64;
        if (e->block >= e->size) return e->size;
        e->mask = newline_mask(e->data + e->block, e->size - e->block);
    }
#if defined(__GNUC__)
    int bit = __builtin_ctzll(e->mask);
#else
    int bit = 0;
    while (!(e->mask >> bit & 1)) bit++;
#endif
    e->mask &= e->mask - 1;
    return e->block + bit;
}

static int scan_lines(Scan *out, const uint8_t *data, int64_t size) {
    int64_t number = 0;
    LineEnds ends = {data, size, -64, 0};
    const uint8_t *p = data, *end = data + size;
    while (p < end) {
        const uint8_t *stop = data + next_line_end(&ends);
        const uint8_t *nl = stop < end ? stop : NULL;
        int64_t n = stop - p;
        number++;
        int rc = read_classic(out, number, p, n);
        if (rc < 0) return rc;
        if (rc == 0) {
            int kind = classify(p, n);
            if (kind == 1) out->blank++;
            else if (kind == 2) {
                rc = i64_append(&out->cand_line, number, 1);
                if (!rc) rc = str_append(&out->cand_text, p, n, 1);
                if (rc) return rc;
            }
        }
        p = nl ? nl + 1 : end;
    }
    out->lines = number;
    return 0;
}

static int put(PyObject *dict, const char *key, PyObject *value) {
    if (value == NULL) return -1;
    int rc = PyDict_SetItemString(dict, key, value);
    Py_DECREF(value);
    return rc;
}

/* scan_syslog(data) -> dict; see the comment at the top and clpkit.formats.syslog for the keys. */
PyObject *clp_scan_syslog(PyObject *self, PyObject *data) {
    Py_buffer view;
    if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0) return NULL;
    Scan out;
    memset(&out, 0, sizeof out);
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = scan_lines(&out, view.buf, view.len);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    if (rc) {
        scan_free(&out);
        return build_error(rc);
    }
    PyObject *dict = PyDict_New();
    if (dict == NULL || put(dict, "lines", PyLong_FromLongLong(out.lines)) || put(dict, "blank", PyLong_FromLongLong(out.blank)) ||
        put(dict, "line", i64_export(&out.line, "l")) || put(dict, "month", i64_export(&out.month, "l")) ||
        put(dict, "year_ms", i64_export(&out.year_ms, "l")) ||
        put(dict, "host", str_export(&out.host)) || put(dict, "ident", str_export(&out.ident)) ||
        put(dict, "pid", i64_export(&out.pid, "l")) || put(dict, "module", str_export(&out.module)) ||
        put(dict, "event_id", i64_export(&out.event_id, "l")) || put(dict, "message", str_export(&out.message)) ||
        put(dict, "candidate_line", i64_export(&out.cand_line, "l")) || put(dict, "candidate_text", str_export(&out.cand_text))) {
        Py_XDECREF(dict);
        scan_free(&out);
        return NULL;
    }
    return dict;
}
