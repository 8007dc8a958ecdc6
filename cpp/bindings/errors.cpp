#include "bindings.hpp"

#include <ozmap/error.hpp>

#include <array>
#include <string>

namespace ozmap::bindings {

namespace {

// Python class names in ozmap_connector.errors, indexed by error_kind.
constexpr std::array<const char*, 12> class_names = {
    "ConfigurationError",  "InvalidInputError", "TransportError",
    "DeadlineExceeded",    "TlsError",          "HttpStatusError",
    "AuthenticationError", "RateLimitedError",  "DecodeError",
    "NotFoundError",       "ConflictError",     "AmbiguousOutcomeError",
};

// Borrowed forever: the errors module stays imported for the life of the interpreter.
std::array<PyObject*, class_names.size()> classes{};

void raise_as_python(const ozmap::error& e) {
    const auto index = static_cast<std::size_t>(e.kind());
    py::handle cls = classes.at(index);

    py::object instance = cls(py::str(e.what()));
    const auto& details = e.details();
    instance.attr("kind") = py::str(std::string(to_string(e.kind())));
    instance.attr("operation") =
        details.operation.empty() ? py::none() : py::object(py::str(details.operation));
    instance.attr("status") =
        details.status == 0 ? py::none() : py::object(py::int_(details.status));
    if (details.retry_after_s)
        instance.attr("retry_after") = py::float_(*details.retry_after_s);
    if (!details.field.empty())
        instance.attr("field") = py::str(details.field);
    instance.attr("body_excerpt") = details.body_excerpt.empty()
                                        ? py::none()
                                        : py::object(py::str(details.body_excerpt));

    PyErr_SetObject(cls.ptr(), instance.ptr());
}

}  // namespace

void register_errors(py::module_& m) {
    py::module_ errors = py::module_::import("ozmap_connector.errors");
    for (std::size_t i = 0; i < class_names.size(); ++i)
        classes[i] = py::object(errors.attr(class_names[i])).release().ptr();

    py::register_exception_translator([](std::exception_ptr thrown) {
        try {
            if (thrown)
                std::rethrow_exception(thrown);
        } catch (const ozmap::error& e) {
            raise_as_python(e);
        }
    });

    // For tests of the translation itself: raises the core error of the given kind.
    m.def(
        "raise_error_for_tests",
        [](const std::string& kind, const std::string& message, int status,
           std::optional<double> retry_after, const std::string& field) {
            for (std::size_t i = 0; i < class_names.size(); ++i) {
                const auto candidate = static_cast<error_kind>(i);
                if (to_string(candidate) == kind)
                    throw_error(candidate, message,
                                {"test", status, retry_after, field, ""});
            }
            throw std::invalid_argument("unknown error kind: " + kind);
        },
        py::arg("kind"), py::arg("message"), py::arg("status") = 0,
        py::arg("retry_after") = py::none(), py::arg("field") = "");
}

}  // namespace ozmap::bindings
