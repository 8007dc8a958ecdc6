#include "bindings.hpp"

#ifndef OZMAP_VERSION
#define OZMAP_VERSION "0.0.0"
#endif

PYBIND11_MODULE(_core, m, pybind11::mod_gil_not_used()) {
    m.doc() =
        "Compiled core of ozmap_connector. Use the ozmap_connector package instead.";
    m.attr("__version__") = OZMAP_VERSION;

    ozmap::bindings::register_errors(m);
    ozmap::bindings::register_geo(m);
    ozmap::bindings::register_workflows(m);
    ozmap::bindings::register_api(m);
}
