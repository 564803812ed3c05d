/* Placeholder until the syslog scanner lands. */
#include "arrow.h"

PyObject *clp_scan_syslog(PyObject *self, PyObject *data) {
    PyErr_SetString(PyExc_NotImplementedError, "scan_syslog is not built yet");
    return NULL;
}
