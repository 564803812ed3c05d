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
#include "lines.h"

static inline unsigned digit_value(uint8_t c) { return (unsigned)c - '0'; }

static int parse_stamp(const uint8_t *s, int32_t n, int64_t *out, DayCache *cache) {
    if (n < 19 || n == 20 || n > 29) return -1;
    if (!day_cache_hit(cache, s, 10)) {
        uint8_t sep = s[4];
        int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
        int64_t ms = 0;
        int valid = (sep == '/' || sep == '-') && s[7] == sep && y >= 0 && mo >= 0 && d >= 0 &&
                    time_ms(y, mo, d, 0, 0, 0, 0, &ms) == 0;
        day_cache_store(cache, s, 10, valid, ms);
    }
    if (!cache->valid) return -1;
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
    DayCache cache = {0};
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

/* ---- the statistics CSV body, read natively --------------------------------------
 *
 * read_csv(data, start, end, kinds) reads the complete lines data[start:end]
 * into one column per character of `kinds`: 's' String, 'i' Int64,
 * 'f' Float64, 't' Datetime(ms). It accepts only the plain shape the cluster
 * writes: fields separated by commas, each either bare or wholly inside
 * double quotes with no quote within; bare numbers (-?digits, with a
 * fraction for floats, at most 15 significant digits); timestamps as
 * parse_stamp reads them; ASCII text; no blank line; a value in the last
 * column. Anything else returns None and the caller reads the file with
 * polars, whose rules then decide, so a frame read here is the frame polars
 * would give. An empty field is null, except a quoted empty text ("").
 */

static const double POW10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                               1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* A plain decimal: exactly rounded by one division while the digits fit in 2^53
 * (at most 15 of them) and the scale is a power of ten a double holds exactly. */
static int parse_float(const uint8_t *s, int64_t n, double *out) {
    int64_t i = 0, digits_seen = 0, frac = 0, dot = 0;
    uint64_t mantissa = 0;
    int negative = n > 0 && s[0] == '-';
    if (negative) i = 1;
    if (i >= n) return -1;
    for (; i < n; i++) {
        uint8_t c = s[i];
        if (c == '.' && !dot) { dot = 1; continue; }
        if (c < '0' || c > '9') return -1;
        mantissa = mantissa * 10 + (uint64_t)(c - '0');
        if (++digits_seen > 15) return -1;
        if (dot) frac++;
    }
    if (digits_seen == 0 || (dot && frac == 0) || (dot && s[negative] == '.')) return -1;
    double v = (double)mantissa / POW10[frac];
    *out = negative ? -v : v;
    return 0;
}

static int parse_int(const uint8_t *s, int64_t n, int64_t *out) {
    int64_t i = 0, v = 0;
    int negative = n > 0 && s[0] == '-';
    if (negative) i = 1;
    if (i >= n || n - i > 18) return -1;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = negative ? -v : v;
    return 0;
}

#define MAX_COLUMNS 256

typedef struct {
    char kind;
    I64Builder numbers; /* 'i', 't', and 'f' (the double's bits) */
    StrBuilder text;    /* 's' */
} Column;

/* 0: every line read; 1: a line the plain shape does not cover; BUILD_*: out of memory. */
static int read_lines(const uint8_t *p, const uint8_t *end, Column *cols, int ncols) {
    DayCache cache = {0};
    while (p < end) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        const uint8_t *stop = nl ? nl : end;
        if (stop > p && stop[-1] == '\r') stop--;
        if (stop == p) return 1; /* a blank line */
        for (int c = 0; c < ncols; c++) {
            const uint8_t *value, *after;
            int quoted = *p == '"';
            if (quoted) {
                value = p + 1;
                const uint8_t *q = memchr(value, '"', (size_t)(stop - value));
                if (!q) return 1;
                after = q + 1;
                if (after < stop && *after != ',') return 1;
                p = after;
                after = q;
            } else {
                value = p;
                const uint8_t *comma = memchr(p, ',', (size_t)(stop - p));
                after = comma ? comma : stop;
                if (memchr(value, '"', (size_t)(after - value))) return 1;
                p = after;
            }
            int64_t n = after - value;
            int last = c == ncols - 1;
            if (last ? p != stop : p == stop) return 1; /* too many or too few fields */
            if (!last) p++; /* the comma */
            Column *col = &cols[c];
            int rc = 0;
            if (col->kind == 's') {
                for (int64_t k = 0; k < n; k++)
                    if (value[k] & 0x80) return 1;
                int valid = n > 0 || quoted;
                if (last && !valid) return 1;
                rc = str_append(&col->text, value, n, valid);
            } else if (n == 0) {
                if (last || col->kind == 't') return 1;
                rc = i64_append(&col->numbers, 0, 0);
            } else if (col->kind == 'i') {
                int64_t v;
                if (parse_int(value, n, &v)) return 1;
                rc = i64_append(&col->numbers, v, 1);
            } else if (col->kind == 'f') {
                double d;
                int64_t bits;
                if (parse_float(value, n, &d)) return 1;
                memcpy(&bits, &d, 8);
                rc = i64_append(&col->numbers, bits, 1);
            } else {
                int64_t ms;
                if (n > INT32_MAX || parse_stamp(value, (int32_t)n, &ms, &cache)) return 1;
                rc = i64_append(&col->numbers, ms, 1);
            }
            if (rc) return rc;
        }
        p = nl ? nl + 1 : end;
    }
    return 0;
}

PyObject *clp_read_csv(PyObject *self, PyObject *args) {
    Py_buffer view;
    Py_ssize_t start, end;
    const char *kinds;
    Py_ssize_t ncols;
    if (!PyArg_ParseTuple(args, "y*nns#", &view, &start, &end, &kinds, &ncols)) return NULL;
    if (start < 0 || end > view.len || start > end || ncols < 1 || ncols > MAX_COLUMNS) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "read_csv: bad range or column count");
        return NULL;
    }
    Column *cols = calloc((size_t)ncols, sizeof *cols);
    if (!cols) { PyBuffer_Release(&view); return PyErr_NoMemory(); }
    for (Py_ssize_t c = 0; c < ncols; c++) cols[c].kind = kinds[c];
    int rc = 0;
    const uint8_t *base = view.buf;
    Py_BEGIN_ALLOW_THREADS
    /* every column sized for the line count at once: no buffer grows and moves while reading */
    int64_t rows = count_newlines(base + start, end - start) + 1;
    for (Py_ssize_t c = 0; c < ncols && !rc; c++)
        rc = cols[c].kind == 's' ? buf_reserve(&cols[c].text.views, 16 * rows) : buf_reserve(&cols[c].numbers.values, 8 * rows);
    if (!rc) rc = read_lines(base + start, base + end, cols, (int)ncols);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    PyObject *out = NULL;
    if (rc == 0) {
        out = PyList_New(ncols);
        for (Py_ssize_t c = 0; out && c < ncols; c++) {
            char k = cols[c].kind;
            PyObject *pair = k == 's' ? str_export(&cols[c].text)
                                      : i64_export(&cols[c].numbers, k == 'i' ? "l" : k == 'f' ? "g" : "tsm:");
            if (!pair) { Py_CLEAR(out); break; }
            PyList_SET_ITEM(out, c, pair);
        }
    } else if (rc == 1) {
        out = Py_NewRef(Py_None);
    } else {
        build_error(rc);
    }
    for (Py_ssize_t c = 0; c < ncols; c++) { i64_free(&cols[c].numbers); str_free(&cols[c].text); }
    free(cols);
    return out;
}
