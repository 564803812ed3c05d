/* Helpers of the statistics reader (clpkit.formats._csv): timestamps and line counts.
 *
 * parse_times(stream) reads a string column exported by polars and returns a
 * Datetime("ms") array. It accepts only the layouts the cluster writes,
 * character for character: YYYY/MM/DD HH:MM:SS or YYYY-MM-DD HH:MM:SS (or
 * with a T), with an optional fraction of 1 to 9 digits (kept to the
 * millisecond, truncated). Anything else is null, and the caller hands the
 * nulls to polars' general parser, so a value this function accepts always
 * gets the result polars would give and the rest keep polars' rules.
 */
#include "arrow.h"
#include "civil.h"

/* The last date seen: consecutive rows nearly always share it, so it is parsed once. */
typedef struct {
    uint8_t text[10];
    int64_t day_ms; /* -1: not a valid date */
    int set;
} DateCache;

static inline unsigned digit_value(uint8_t c) { return (unsigned)c - '0'; }

static int parse_stamp(const uint8_t *s, int32_t n, int64_t *out, DateCache *cache) {
    if (n < 19 || n == 20 || n > 29) return -1;
    if (!cache->set || memcmp(s, cache->text, 10) != 0) {
        memcpy(cache->text, s, 10);
        cache->set = 1;
        cache->day_ms = -1;
        uint8_t sep = s[4];
        int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
        int64_t ms;
        if ((sep == '/' || sep == '-') && s[7] == sep && y >= 0 && mo >= 0 && d >= 0 &&
            time_ms(y, mo, d, 0, 0, 0, 0, &ms) == 0)
            cache->day_ms = ms;
    }
    if (cache->day_ms < 0) return -1;
    if (!(s[10] == ' ' || (s[10] == 'T' && s[4] == '-')) || s[13] != ':' || s[16] != ':') return -1;
    unsigned h1 = digit_value(s[11]), h0 = digit_value(s[12]), m1 = digit_value(s[14]), m0 = digit_value(s[15]);
    unsigned s1 = digit_value(s[17]), s0 = digit_value(s[18]);
    if ((h1 > 9) | (h0 > 9) | (m1 > 9) | (m0 > 9) | (s1 > 9) | (s0 > 9)) return -1;
    unsigned h = h1 * 10 + h0, mi = m1 * 10 + m0, sec = s1 * 10 + s0;
    if (h > 23 || mi > 59 || sec > 59) return -1; /* a leap second (60) is left to polars */
    unsigned ms = 0;
    if (n > 19) {
        if (s[19] != '.') return -1;
        for (int i = 20; i < n; i++) {
            unsigned v = digit_value(s[i]);
            if (v > 9) return -1;
            if (i < 23) ms = ms * 10 + v;
        }
        for (int i = n; i < 23; i++) ms *= 10;
    }
    *out = cache->day_ms + h * 3600000LL + mi * 60000LL + sec * 1000LL + ms;
    return 0;
}

/* One value of a chunk in any of polars' string layouts ("vu", "u", "U"). */
static inline const uint8_t *string_value(const char *format, const struct ArrowArray *a, int64_t i, int32_t *len) {
    if (format[0] == 'v') return view_value(a, i, len);
    int64_t j = a->offset + i;
    const uint8_t *validity = a->buffers[0];
    if (validity && !(validity[j / 8] & (1u << (j % 8)))) return NULL;
    int64_t start, end;
    if (format[0] == 'u') {
        const int32_t *off = a->buffers[1];
        start = off[j]; end = off[j + 1];
    } else {
        const int64_t *off = a->buffers[1];
        start = off[j]; end = off[j + 1];
    }
    *len = (int32_t)(end - start);
    return (const uint8_t *)a->buffers[2] + start;
}

PyObject *clp_parse_times(PyObject *self, PyObject *capsule) {
    struct ArrowArrayStream *stream = PyCapsule_GetPointer(capsule, "arrow_array_stream");
    if (!stream) return NULL;
    struct ArrowSchema schema = {0};
    if (stream->get_schema(stream, &schema) != 0) {
        PyErr_SetString(PyExc_ValueError, "parse_times: the stream has no schema");
        return NULL;
    }
    char format[4] = {0};
    strncpy(format, schema.format, 3);
    schema.release(&schema);
    if (strcmp(format, "vu") != 0 && strcmp(format, "u") != 0 && strcmp(format, "U") != 0) {
        PyErr_Format(PyExc_TypeError, "parse_times: expected a string column, got Arrow format '%s'", format);
        return NULL;
    }
    I64Builder out = {0};
    DateCache cache = {0};
    struct ArrowArray chunk;
    for (;;) {
        memset(&chunk, 0, sizeof chunk);
        if (stream->get_next(stream, &chunk) != 0) {
            i64_free(&out);
            PyErr_SetString(PyExc_ValueError, "parse_times: reading the stream failed");
            return NULL;
        }
        if (chunk.release == NULL) break; /* end of stream */
        int failed = 0;
        Py_BEGIN_ALLOW_THREADS
        failed = buf_reserve(&out.values, chunk.length * 8);
        if (!failed) {
            int64_t *values = (int64_t *)out.values.data + out.len;
            for (int64_t i = 0; i < chunk.length && !failed; i++) {
                int32_t len = 0;
                const uint8_t *s = string_value(format, &chunk, i, &len);
                if (s == NULL || parse_stamp(s, len, &values[i], &cache) != 0) {
                    values[i] = 0;
                    failed = validity_set(&out.valid, out.len + i, 0);
                }
            }
            out.len += chunk.length;
            out.values.len = out.len * 8;
        }
        Py_END_ALLOW_THREADS
        chunk.release(&chunk);
        if (failed) { i64_free(&out); return build_error(failed); }
    }
    return i64_export(&out, "tsm:");
}

/* The number of line feeds in n bytes. Counted 16 lanes at a time into byte-wide
 * sums emptied every 255 blocks, a shape compilers turn into vector code. */
static int64_t count_newlines(const uint8_t *p, int64_t n) {
    int64_t count = 0, i = 0;
    while (i + 16 <= n) {
        int64_t end = i + 255 * 16 < n ? i + 255 * 16 : n;
        uint8_t lanes[16] = {0};
        for (; i + 16 <= end; i += 16)
            for (int k = 0; k < 16; k++) lanes[k] += p[i + k] == '\n';
        for (int k = 0; k < 16; k++) count += lanes[k];
    }
    for (; i < n; i++) count += p[i] == '\n';
    return count;
}

/* count_lines(data) -> int: how many line feeds a bytes-like object holds. */
PyObject *clp_count_lines(PyObject *self, PyObject *data) {
    Py_buffer view;
    if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0) return NULL;
    int64_t count;
    Py_BEGIN_ALLOW_THREADS
    count = count_newlines(view.buf, view.len);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    return PyLong_FromLongLong(count);
}
