#include "bindings.hpp"
#include "log_bridge.hpp"

#include <ozmap/api/client.hpp>
#include <ozmap/error.hpp>

#include <boost/json.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>

namespace ozmap::bindings {

namespace json = boost::json;

namespace {

py::object to_python(const json::value& v) {
    switch (v.kind()) {
    case json::kind::null:
        return py::none();
    case json::kind::bool_:
        return py::bool_(v.get_bool());
    case json::kind::int64:
        return py::int_(v.get_int64());
    case json::kind::uint64:
        return py::int_(v.get_uint64());
    case json::kind::double_:
        return py::float_(v.get_double());
    case json::kind::string:
        return py::str(std::string(v.get_string()));
    case json::kind::array: {
        py::list out;
        for (const auto& item : v.get_array())
            out.append(to_python(item));
        return out;
    }
    case json::kind::object: {
        py::dict out;
        for (const auto& [key, item] : v.get_object())
            out[py::str(std::string(key))] = to_python(item);
        return out;
    }
    }
    return py::none();
}

api::filter to_filter(const py::dict& condition) {
    const auto property = condition["property"].cast<std::string>();
    const auto op = condition["operator"].cast<std::string>();
    const py::object value = condition["value"];
    if (op == "in")
        return api::filter::in(property, value.cast<std::vector<std::string>>());
    if (op == "near") {
        const auto point = value.cast<py::dict>();
        std::optional<double> radius;
        if (point.contains("radius"))
            radius = point["radius"].cast<double>();
        return api::filter::near(property, point["lat"].cast<double>(),
                                 point["lng"].cast<double>(), radius);
    }

    api::filter_value scalar;
    if (value.is_none())
        scalar = nullptr;
    else if (py::isinstance<py::bool_>(value))
        scalar = value.cast<bool>();
    else if (py::isinstance<py::int_>(value))
        scalar = value.cast<std::int64_t>();
    else if (py::isinstance<py::float_>(value))
        scalar = value.cast<double>();
    else
        scalar = value.cast<std::string>();

    if (op == "=")
        return api::filter::equals(property, scalar);
    if (op == "!=")
        return api::filter::not_equals(property, scalar);
    throw_invalid_input("filter operator must be =, !=, in or near, got " + op);
}

// The low-level client: OZmap endpoints with the connector's transport, deadlines,
// retries, status mapping and pagination, answering plain Python values.
struct api_handle {
    log_bridge bridge;
    std::shared_ptr<api::client> client;

    // Safe without the GIL: fn uses only the client and C++ copies of the arguments.
    template <typename Fn>
    auto call(Fn&& fn) {
        return without_gil(bridge, [&] { return fn(*client); });
    }
};

}  // namespace

void register_api(py::module_& m) {
    py::class_<api_handle>(
        m, "ApiClient", "Low-level OZmap API v2 client; see ozmap_connector.ApiClient.")
        .def(py::init([](const std::string& url, const std::string& token, int port,
                         double total_timeout, int retries, const std::string& ca_file,
                         bool verify_tls, std::size_t page_size) {
                 if (!(total_timeout > 0.0) || total_timeout > 3600.0)
                     throw_error(error_kind::configuration,
                                 "total timeout must be between 0 and 3600 seconds");
                 http::options options;
                 options.deadlines.total = std::chrono::milliseconds(
                     static_cast<long long>(total_timeout * 1000.0));
                 options.retries.max_attempts = std::max(1, retries + 1);
                 options.ca_file = ca_file;
                 options.insecure_skip_tls_verify = !verify_tls;

                 api::client_options client_options;
                 client_options.page_size = std::clamp<std::size_t>(page_size, 1, 1000);

                 auto handle = std::make_unique<api_handle>();
                 handle->bridge.sync_level();
                 handle->client =
                     api::make_client(url, port, token, std::move(options),
                                      handle->bridge.logger(), client_options);
                 handle->bridge.flush();
                 return handle;
             }),
             py::arg("url"), py::arg("token"), py::arg("port") = 9994,
             py::arg("total_timeout") = 30.0, py::arg("retries") = 2,
             py::arg("ca_file") = "", py::arg("verify_tls") = true,
             py::arg("page_size") = 500)
        .def(
            "get",
            [](api_handle& h, const std::string& route,
               const std::map<std::string, std::string>& params) {
                api::query query;
                for (const auto& [name, value] : params)
                    query.add(name, value);
                const auto value =
                    h.call([&](const api::client& c) { return c.get(route, query); });
                return to_python(value);
            },
            py::arg("route"), py::arg("params") = std::map<std::string, std::string>{})
        .def(
            "list_rows",
            [](api_handle& h, const std::string& route,
               const py::typing::List<py::typing::Dict<py::str, py::object>>& filters,
               const std::string& select) {
                api::list_options options;
                for (const auto& condition : filters)
                    options.filters.push_back(to_filter(condition.cast<py::dict>()));
                options.select = select;
                const auto rows = h.call(
                    [&](const api::client& c) { return c.list(route, options).rows; });
                py::typing::List<py::object> out;
                for (const auto& row : rows)
                    out.append(to_python(row));
                return out;
            },
            py::arg("route"),
            py::arg("filters") =
                py::typing::List<py::typing::Dict<py::str, py::object>>(),
            py::arg("select") = "")
        .def(
            "get_by_id",
            [](api_handle& h, const std::string& route, const std::string& id) {
                return to_python(h.call(
                    [&](const api::client& c) { return c.get_by_id(route, id); }));
            },
            py::arg("route"), py::arg("id"))
        .def(
            "create",
            [](api_handle& h, const std::string& route, const std::string& json_body) {
                return to_python(h.call(
                    [&](const api::client& c) { return c.create(route, json_body); }));
            },
            py::arg("route"), py::arg("json_body"))
        .def(
            "update",
            [](api_handle& h, const std::string& route, const std::string& id,
               const std::string& json_body) {
                h.call([&](const api::client& c) {
                    c.update(route, id, json_body);
                    return 0;
                });
            },
            py::arg("route"), py::arg("id"), py::arg("json_body"))
        .def(
            "remove",
            [](api_handle& h, const std::string& route, const std::string& id) {
                return h.call([&](const api::client& c) {
                    return c.remove(route, id);
                }) == api::delete_outcome::deleted;
            },
            py::arg("route"), py::arg("id"))
        .def(
            "properties_by_client_code",
            [](api_handle& h, const std::string& code) {
                const auto properties = h.call([&](const api::client& c) {
                    return c.properties_by_client_code(code);
                });
                py::typing::List<py::typing::Dict<py::str, py::object>> out;
                for (const auto& p : properties) {
                    py::dict item;
                    item["id"] = p.id;
                    item["box"] = p.box ? py::object(py::str(*p.box)) : py::none();
                    item["client_id"] =
                        p.client_id ? py::object(py::str(*p.client_id)) : py::none();
                    item["client_code"] =
                        p.client ? py::object(py::str(p.client->code)) : py::none();
                    out.append(item);
                }
                return out;
            },
            py::arg("code"))
        .def("authenticated",
             [](api_handle& h) {
                 return h.call([](const api::client& c) { return c.authenticated(); });
             })
        .def_property_readonly("request_count", [](const api_handle& h) {
            return h.client->request_count();
        });
}

}  // namespace ozmap::bindings
