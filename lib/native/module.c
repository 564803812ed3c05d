/* clpkit._native: the optional compiled scanners behind clpkit.native.
 *
 * Each function takes bytes (or a column polars exported) and returns Arrow
 * arrays as capsule pairs; clpkit.native turns them into polars Series and
 * documents what each returns. Nothing here is required: without this
 * module clpkit parses the same files with polars expressions.
 */
#include "arrow.h"

PyObject *clp_parse_times(PyObject *self, PyObject *capsule);
PyObject *clp_count_lines(PyObject *self, PyObject *data);
PyObject *clp_read_csv(PyObject *self, PyObject *args);
PyObject *clp_utf8_valid(PyObject *self, PyObject *data);
PyObject *clp_scan_syslog(PyObject *self, PyObject *data);
PyObject *clp_scan_module_log(PyObject *self, PyObject *data);

static PyMethodDef methods[] = {
    {"parse_times", clp_parse_times, METH_O,
     "parse_times(arrow_array_stream) -> (schema, array): statistics timestamps as Datetime(ms)"},
    {"count_lines", clp_count_lines, METH_O, "count_lines(data) -> int: the number of line feeds in a bytes-like object"},
    {"read_csv", clp_read_csv, METH_VARARGS,
     "read_csv(data, start, end, kinds) -> list of (schema, array) | None: a plain statistics CSV body"},
    {"utf8_valid", clp_utf8_valid, METH_O, "utf8_valid(data) -> bool: whether the bytes are valid UTF-8"},
    {"scan_syslog", clp_scan_syslog, METH_O, "scan_syslog(data: bytes) -> dict: the cluster lines of a system log"},
    {"scan_module_log", clp_scan_module_log, METH_O, "scan_module_log(data: bytes) -> dict: the lines of a module log"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    .m_base = PyModuleDef_HEAD_INIT,
    .m_name = "clpkit._native",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__native(void) { return PyModule_Create(&module); }
