/* Placeholder until the module_log scanner lands. */
#include "arrow.h"

PyObject *clp_scan_module_log(PyObject *self, PyObject *data) {
    PyErr_SetString(PyExc_NotImplementedError, "scan_module_log is not built yet");
    return NULL;
}
