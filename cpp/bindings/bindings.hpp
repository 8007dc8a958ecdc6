// The prelude every binding file includes, and the registrars module.cpp calls. The
// bindings hold no logic: they convert, release the GIL around core calls, and
// translate errors.
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace ozmap::bindings {

namespace py = pybind11;

void register_errors(py::module_& m);
void register_geo(py::module_& m);
void register_workflows(py::module_& m);
void register_api(py::module_& m);

}  // namespace ozmap::bindings
