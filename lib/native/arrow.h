/* Arrow arrays built in C and handed to polars through the Arrow C data interface.
 *
 * The scanners fill builders (64-bit integers, booleans, UTF-8 strings) and
 * export each as a pair of PyCapsules ("arrow_schema", "arrow_array"), which
 * clpkit.native wraps so that pl.Series() imports them without a copy. The
 * struct layouts are fixed by the Arrow specification; no Arrow library is
 * needed. Strings are exported as string views ("vu", polars' own layout).
 *
 * The builders never touch the Python interpreter, so scanners may run
 * them with the GIL released: an append returns 0, or BUILD_NOMEM /
 * BUILD_TOOBIG, which the caller turns into a Python exception with
 * build_error() once it holds the GIL again. The export functions need
 * the GIL.
 */
#ifndef CLPKIT_ARROW_H
#define CLPKIT_ARROW_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct ArrowSchema {
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;
    void (*release)(struct ArrowSchema *);
    void *private_data;
};

struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;
    void (*release)(struct ArrowArray *);
    void *private_data;
};

struct ArrowArrayStream {
    int (*get_schema)(struct ArrowArrayStream *, struct ArrowSchema *out);
    int (*get_next)(struct ArrowArrayStream *, struct ArrowArray *out);
    const char *(*get_last_error)(struct ArrowArrayStream *);
    void (*release)(struct ArrowArrayStream *);
    void *private_data;
};

#define ARROW_FLAG_NULLABLE 2

#define BUILD_NOMEM (-1)
#define BUILD_TOOBIG (-2)

/* Sets the Python exception for a builder's failure code; returns NULL. */
static PyObject *build_error(int code) {
    if (code == BUILD_TOOBIG) PyErr_SetString(PyExc_OverflowError, "a string column larger than 2 GiB");
    else PyErr_NoMemory();
    return NULL;
}

/* ---- growable byte buffer ------------------------------------------------ */

typedef struct {
    uint8_t *data;
    int64_t len, cap;
} Buf;

static int buf_reserve(Buf *b, int64_t extra) {
    if (b->len + extra <= b->cap) return 0;
    int64_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + extra) cap *= 2;
    uint8_t *p = realloc(b->data, (size_t)cap);
    if (!p) return BUILD_NOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

/* ---- validity bitmap, allocated at the first null -------------------------- */

typedef struct {
    Buf bits;
    int64_t nulls;
} Validity;

static int validity_set(Validity *v, int64_t i, int valid) {
    if (v->bits.data == NULL) {
        if (valid) return 0; /* no null yet: no bitmap */
        /* the first null: every earlier row was valid */
        int rc = buf_reserve(&v->bits, i / 8 + 64);
        if (rc) return rc;
        memset(v->bits.data, 0xff, (size_t)v->bits.cap);
        v->bits.len = v->bits.cap;
    } else if (i / 8 >= v->bits.len) {
        int64_t old = v->bits.len;
        int rc = buf_reserve(&v->bits, i / 8 + 1 - old);
        if (rc) return rc;
        memset(v->bits.data + old, 0xff, (size_t)(v->bits.cap - old)); /* valid until cleared */
        v->bits.len = v->bits.cap;
    }
    if (!valid) {
        v->bits.data[i / 8] &= (uint8_t)~(1u << (i % 8));
        v->nulls++;
    }
    return 0;
}

/* ---- 64-bit integers (also timestamps: format "tsm:") ---------------------- */

typedef struct {
    Buf values; /* int64_t */
    Validity valid;
    int64_t len;
} I64Builder;

static int i64_append(I64Builder *b, int64_t value, int valid) {
    if (buf_reserve(&b->values, 8) < 0) return -1;
    memcpy(b->values.data + b->len * 8, &value, 8);
    b->values.len += 8;
    if (validity_set(&b->valid, b->len, valid) < 0) return -1;
    b->len++;
    return 0;
}

/* ---- booleans (one byte per row while building, bit-packed on export) ------- */

typedef struct {
    Buf values; /* uint8_t 0/1 */
    int64_t len;
} BoolBuilder;

static int bool_append(BoolBuilder *b, int value) {
    if (buf_reserve(&b->values, 1) < 0) return -1;
    b->values.data[b->len++] = value ? 1 : 0;
    b->values.len = b->len;
    return 0;
}

/* ---- UTF-8 strings as views ---------------------------------------------- */

typedef struct {
    Buf views; /* 16 bytes per row */
    Buf data;  /* the bytes of values longer than 12 */
    Validity valid;
    int64_t len;
} StrBuilder;

static int str_append(StrBuilder *b, const uint8_t *s, int64_t n, int valid) {
    uint8_t view[16] = {0};
    if (!valid) n = 0;
    if (n > INT32_MAX || b->data.len + n > INT32_MAX) return BUILD_TOOBIG;
    int32_t len32 = (int32_t)n;
    memcpy(view, &len32, 4);
    if (n <= 12) {
        if (n) memcpy(view + 4, s, (size_t)n);
    } else {
        int32_t buffer_index = 0, offset = (int32_t)b->data.len;
        memcpy(view + 4, s, 4);
        memcpy(view + 8, &buffer_index, 4);
        memcpy(view + 12, &offset, 4);
        if (buf_reserve(&b->data, n) < 0) return -1;
        memcpy(b->data.data + b->data.len, s, (size_t)n);
        b->data.len += n;
    }
    if (buf_reserve(&b->views, 16) < 0) return -1;
    memcpy(b->views.data + b->len * 16, view, 16);
    b->views.len += 16;
    if (validity_set(&b->valid, b->len, valid) < 0) return -1;
    b->len++;
    return 0;
}

/* ---- export ---------------------------------------------------------------- */

typedef struct {
    void *owned[4];
    const void *buffers[4];
} Owned;

static void release_schema(struct ArrowSchema *s) { s->release = NULL; }

static void release_array(struct ArrowArray *a) {
    Owned *o = a->private_data;
    for (int i = 0; i < 4; i++) free(o->owned[i]);
    free(o);
    a->release = NULL;
}

static void capsule_schema_free(PyObject *c) {
    struct ArrowSchema *s = PyCapsule_GetPointer(c, "arrow_schema");
    if (s && s->release) s->release(s);
    free(s);
}

static void capsule_array_free(PyObject *c) {
    struct ArrowArray *a = PyCapsule_GetPointer(c, "arrow_array");
    if (a && a->release) a->release(a);
    free(a);
}

/* The (schema, array) capsule pair of one array; takes the buffers in `o`. */
static PyObject *export_array(const char *format, int64_t length, int64_t nulls, int n_buffers, Owned *o) {
    struct ArrowSchema *s = calloc(1, sizeof *s);
    struct ArrowArray *a = calloc(1, sizeof *a);
    if (!s || !a) {
        free(s); free(a);
        for (int i = 0; i < 4; i++) free(o->owned[i]);
        free(o);
        return PyErr_NoMemory();
    }
    s->format = format;
    s->name = "";
    s->flags = ARROW_FLAG_NULLABLE;
    s->release = release_schema;
    a->length = length;
    a->null_count = nulls;
    a->n_buffers = n_buffers;
    a->buffers = o->buffers;
    a->private_data = o;
    a->release = release_array;
    PyObject *cs = PyCapsule_New(s, "arrow_schema", capsule_schema_free);
    if (!cs) { release_array(a); free(a); free(s); return NULL; }
    PyObject *ca = PyCapsule_New(a, "arrow_array", capsule_array_free);
    if (!ca) { Py_DECREF(cs); release_array(a); free(a); return NULL; }
    return Py_BuildValue("(NN)", cs, ca);
}

static Owned *owned_new(void) {
    Owned *o = calloc(1, sizeof *o);
    if (!o) PyErr_NoMemory();
    return o;
}

static uint8_t *validity_take(Validity *v) {
    uint8_t *bits = v->nulls ? v->bits.data : NULL;
    if (!v->nulls) free(v->bits.data);
    v->bits.data = NULL;
    return bits;
}

/* Exports and empties the builder. format: "l" (Int64), "tsm:" (Datetime ms)... */
static PyObject *i64_export(I64Builder *b, const char *format) {
    Owned *o = owned_new();
    if (!o) return NULL;
    int64_t nulls = b->valid.nulls;
    o->owned[0] = validity_take(&b->valid);
    o->owned[1] = b->values.data ? b->values.data : calloc(1, 8);
    o->buffers[0] = o->owned[0];
    o->buffers[1] = o->owned[1];
    int64_t len = b->len;
    memset(b, 0, sizeof *b);
    return export_array(format, len, nulls, 2, o);
}

static PyObject *bool_export(BoolBuilder *b) {
    Owned *o = owned_new();
    if (!o) return NULL;
    int64_t n = b->len;
    uint8_t *bits = calloc((size_t)(n / 8 + 1), 1);
    if (!bits) { free(o); return PyErr_NoMemory(); }
    for (int64_t i = 0; i < n; i++)
        if (b->values.data[i]) bits[i / 8] |= (uint8_t)(1u << (i % 8));
    free(b->values.data);
    memset(b, 0, sizeof *b);
    o->owned[1] = bits;
    o->buffers[1] = bits;
    return export_array("b", n, 0, 2, o);
}

static PyObject *str_export(StrBuilder *b) {
    Owned *o = owned_new();
    if (!o) return NULL;
    int64_t nulls = b->valid.nulls;
    int64_t *sizes = malloc(8);
    if (!sizes) { free(o); return PyErr_NoMemory(); }
    sizes[0] = b->data.len;
    o->owned[0] = validity_take(&b->valid);
    o->owned[1] = b->views.data ? b->views.data : calloc(1, 16);
    o->owned[2] = b->data.data ? b->data.data : calloc(1, 8);
    o->owned[3] = sizes;
    for (int i = 0; i < 4; i++) o->buffers[i] = o->owned[i];
    int64_t len = b->len;
    memset(b, 0, sizeof *b);
    return export_array("vu", len, nulls, 4, o);
}

static void i64_free(I64Builder *b) { free(b->values.data); free(b->valid.bits.data); memset(b, 0, sizeof *b); }
static void bool_free(BoolBuilder *b) { free(b->values.data); memset(b, 0, sizeof *b); }
static void str_free(StrBuilder *b) { free(b->views.data); free(b->data.data); free(b->valid.bits.data); memset(b, 0, sizeof *b); }

/* ---- reading a string column polars exported (stream of string views) ------ */

/* The bytes of value i of a "vu" chunk (len set; NULL when the value is null). */
static inline const uint8_t *view_value(const struct ArrowArray *a, int64_t i, int32_t *len) {
    int64_t j = a->offset + i;
    const uint8_t *validity = a->buffers[0];
    if (validity && !(validity[j / 8] & (1u << (j % 8)))) return NULL;
    const uint8_t *view = (const uint8_t *)a->buffers[1] + j * 16;
    memcpy(len, view, 4);
    if (*len <= 12) return view + 4;
    int32_t buffer_index, offset;
    memcpy(&buffer_index, view + 8, 4);
    memcpy(&offset, view + 12, 4);
    return (const uint8_t *)a->buffers[2 + buffer_index] + offset;
}

#endif
