/* The line scanner of module logs, service logs and the logs inside elog archives
 * (clpkit.formats._logline).
 *
 * scan_module_log(data) splits bytes into lines at "\n" (no extra line after
 * a final line feed; no other line end: the caller's decoding turned CRLF
 * into LF) and recognises the canonical entry layout, character for
 * character the _CANONICAL pattern of _logline:
 *
 *     I 21/07/21 09:32:56.673[  17272] rc: activating exec1
 *     ^ ^                    ^ ids   ^^ body
 *
 * It returns one row per line in a dict of Arrow arrays:
 *
 *   canonical  bool    the line has the canonical layout
 *   level      string  the level letter of a canonical line (else null)
 *   time       Datetime(ms)  the time of a canonical line, %y read as polars
 *                      does (00-69 is 20yy); null on every other line
 *   pid, tid   int64   the ids of a canonical line (else null)
 *   text       string  the body of a canonical line with a time, the whole
 *                      line otherwise
 *
 * A canonical line whose time or ids this scanner does not settle (an
 * impossible date, a second of 60, an id of more than 18 digits) comes back
 * with canonical set, a null time and the whole line as text: the caller
 * cuts it with the polars expressions, so every rule beyond the plain case
 * stays in one place. The other lines are the caller's business entirely.
 *
 * The data must be valid UTF-8 (the strings are exported unchecked); lines
 * are cut only at ASCII characters, so every value is valid UTF-8 too.
 */
#include "arrow.h"
#include "civil.h"
#include "lines.h"

#include <sys/mman.h>

/* Offset of the "]" closing the ids of a canonical line, or -1 when the line is not canonical. */
static int64_t canonical_close(const uint8_t *s, int64_t n) {
    if (n < 26) return -1; /* "X YY/MM/DD HH:MM:SS.mmm[] " */
    if (s[0] < 'A' || s[0] > 'Z' || s[1] != ' ' || s[4] != '/' || s[7] != '/' || s[10] != ' ' || s[13] != ':' ||
        s[16] != ':' || s[19] != '.' || s[23] != '[')
        return -1;
    static const uint8_t digit_at[] = {2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22};
    for (size_t i = 0; i < sizeof digit_at; i++)
        if (!is_digit(s[digit_at[i]])) return -1;
    int64_t j = 24;
    while (j < n && (s[j] == ' ' || is_digit(s[j]))) j++;
    if (j < n && s[j] == ':') {
        j++;
        while (j < n && (s[j] == ' ' || is_digit(s[j]))) j++;
    }
    if (j + 1 >= n || s[j] != ']' || s[j + 1] != ' ') return -1;
    return j;
}

/* One id as polars reads it (strip, cast to Int64): 1 with *out set, 0 for null,
 * -1 when the digits are too many to be sure of the overflow rule. */
static int parse_id(const uint8_t *s, int64_t n, int64_t *out) {
    while (n && s[0] == ' ') s++, n--;
    while (n && s[n - 1] == ' ') n--;
    if (n == 0) return 0;
    int64_t v = 0;
    int significant = 0;
    for (int64_t i = 0; i < n; i++) {
        if (s[i] == ' ') return 0; /* "1 2" does not cast */
        int d = s[i] - '0';
        if (significant || d) significant++;
        if (significant > 18) return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 1;
}

/* The time of a canonical line, or -1 when it is left to polars (impossible date, second 60). */
static int line_time(const uint8_t *s, DayCache *cache, int64_t *out) {
    if (!day_cache_hit(cache, s + 2, 8)) {
        int yy = digits(s + 2, 2), mo = digits(s + 5, 2), d = digits(s + 8, 2);
        int64_t ms = 0;
        int valid = time_ms(yy < 70 ? 2000 + yy : 1900 + yy, mo, d, 0, 0, 0, 0, &ms) == 0;
        day_cache_store(cache, s + 2, 8, valid, ms);
    }
    if (!cache->valid) return -1;
    int h = digits(s + 11, 2), mi = digits(s + 14, 2), sec = digits(s + 17, 2), ms = digits(s + 20, 3);
    if (h > 23 || mi > 59 || sec > 59) return -1;
    *out = cache->day_ms + h * 3600000LL + mi * 60000LL + sec * 1000LL + ms;
    return 0;
}

typedef struct {
    BoolBuilder canonical;
    StrBuilder level, text;
    I64Builder time, pid, tid;
} Columns;

static void columns_free(Columns *c) {
    bool_free(&c->canonical);
    str_free(&c->level);
    str_free(&c->text);
    i64_free(&c->time);
    i64_free(&c->pid);
    i64_free(&c->tid);
}

/* Appends the row of one line (without its line feed). */
static int scan_line(Columns *c, const uint8_t *s, int64_t n, DayCache *cache) {
    int rc;
    int64_t close = canonical_close(s, n), time = 0, pid = 0, tid = 0;
    int pid_ok = 0, tid_ok = 0, settled = 0;
    if (close >= 0 && line_time(s, cache, &time) == 0) {
        const uint8_t *colon = memchr(s + 24, ':', (size_t)(close - 24));
        int64_t pid_end = colon ? colon - s : close;
        pid_ok = parse_id(s + 24, pid_end - 24, &pid);
        if (colon) tid_ok = parse_id(colon + 1, close - pid_end - 1, &tid);
        settled = pid_ok >= 0 && tid_ok >= 0;
    }
    if ((rc = bool_append(&c->canonical, close >= 0))) return rc;
    if ((rc = str_append(&c->level, s, 1, settled))) return rc;
    if ((rc = i64_append(&c->time, settled ? time : 0, settled))) return rc;
    if ((rc = i64_append(&c->pid, settled && pid_ok ? pid : 0, settled && pid_ok))) return rc;
    if ((rc = i64_append(&c->tid, settled && tid_ok ? tid : 0, settled && tid_ok))) return rc;
    if (settled) return str_append(&c->text, s + close + 2, n - close - 2, 1);
    return str_append(&c->text, s, n, 1);
}

/* The dict of exported columns; the builders are emptied (columns_free still frees what is left). */
static PyObject *columns_export(Columns *c) {
    PyObject *out = PyDict_New();
    for (int i = 0; out && i < 6; i++) {
        static const char *names[] = {"canonical", "level", "time", "pid", "tid", "text"};
        PyObject *pair = i == 0 ? bool_export(&c->canonical)
                         : i == 1 ? str_export(&c->level)
                         : i == 2 ? i64_export(&c->time, "tsm:")
                         : i == 3 ? i64_export(&c->pid, "l")
                         : i == 4 ? i64_export(&c->tid, "l")
                                  : str_export(&c->text);
        if (!pair || PyDict_SetItemString(out, names[i], pair) < 0) Py_CLEAR(out);
        Py_XDECREF(pair);
    }
    return out;
}

/* Asks for transparent huge pages on a large buffer: faulting in the output
 * 4 KiB at a time took a sixth of the scan (64 MB log, Linux x86-64). Only a
 * hint: where it fails (other page sizes, THP off) nothing changes. */
static void huge_pages(Buf *b) {
#ifdef MADV_HUGEPAGE
    uintptr_t page = 4095, start = ((uintptr_t)b->data + page) & ~page;
    uintptr_t end = ((uintptr_t)b->data + (uintptr_t)b->cap) & ~page;
    if (end > start + (2u << 20)) madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
    (void)b;
#endif
}


/* Sizes every column for the file's line count, so that no buffer moves while scanning. */
static int reserve_all(Columns *c, const uint8_t *p, int64_t n) {
    int64_t lines = 1 + count_newlines(p, n);
    Buf *bufs[] = {&c->text.data, &c->text.views, &c->level.views, &c->time.values,
                   &c->pid.values, &c->tid.values, &c->canonical.values};
    int64_t sizes[] = {n, 16 * lines, 16 * lines, 8 * lines, 8 * lines, 8 * lines, lines};
    for (int i = 0; i < 7; i++) {
        int rc = buf_reserve(bufs[i], sizes[i]);
        if (rc) return rc;
        huge_pages(bufs[i]);
    }
    return 0;
}

/* scan_module_log(data: bytes) -> dict of (schema, array) capsule pairs; see the top of this file. */
PyObject *clp_scan_module_log(PyObject *self, PyObject *data) {
    Py_buffer view;
    if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0) return NULL;
    Columns c;
    memset(&c, 0, sizeof c);
    DayCache cache = {0};
    int rc = 0;
    Py_BEGIN_ALLOW_THREADS
    const uint8_t *p = view.buf, *end = p + view.len;
    rc = reserve_all(&c, p, view.len);
    while (!rc && p < end) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        const uint8_t *stop = nl ? nl : end;
        rc = scan_line(&c, p, stop - p, &cache);
        p = stop + 1;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    if (rc) {
        columns_free(&c);
        return build_error(rc);
    }
    PyObject *out = columns_export(&c);
    columns_free(&c);
    return out;
}
