/* Text checks shared by the decoders (clpkit.text). */
#include "arrow.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Whether n bytes are valid UTF-8 as Python's strict decoder sees it (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF). Runs of ASCII are skipped 16 bytes at a time. */
static int valid_utf8(const uint8_t *s, int64_t n) {
    int64_t i = 0;
    while (i < n) {
#if defined(__SSE2__)
        if (i + 16 <= n && !_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(s + i)))) {
            i += 16;
            continue;
        }
#endif
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        int len;
        uint8_t lo = 0x80, hi = 0xBF; /* the range of the second byte */
        if (c >= 0xC2 && c <= 0xDF) len = 2;
        else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0) lo = 0xA0;      /* overlong */
            else if (c == 0xED) hi = 0x9F; /* surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0) lo = 0x90;      /* overlong */
            else if (c == 0xF4) hi = 0x8F; /* past U+10FFFF */
        } else return 0;
        if (i + len > n || s[i + 1] < lo || s[i + 1] > hi) return 0;
        for (int k = 2; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80) return 0;
        i += len;
    }
    return 1;
}

/* utf8_valid(data) -> bool: whether data.decode("utf-8") would succeed, without building a str. */
PyObject *clp_utf8_valid(PyObject *self, PyObject *data) {
    Py_buffer view;
    if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0) return NULL;
    int valid;
    Py_BEGIN_ALLOW_THREADS
    valid = valid_utf8(view.buf, view.len);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    return PyBool_FromLong(valid);
}
