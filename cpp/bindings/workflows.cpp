#include "bindings.hpp"
#include "log_bridge.hpp"

#include <ozmap/error.hpp>
#include <ozmap/workflows/connector.hpp>

#include <chrono>
#include <mutex>
#include <utility>
#include <vector>

namespace ozmap::bindings {

namespace wf = ozmap::workflows;
using namespace pybind11::literals;

namespace {

struct connector_handle {
    log_bridge bridge;
    std::unique_ptr<wf::connector> core;

    // Safe without the GIL: fn touches only C++ objects owned by this handle and its
    // arguments, which the caller converted before.
    template <typename Fn>
    auto call(Fn&& fn) {
        return without_gil(bridge, [&] { return fn(*core); });
    }
};

wf::strategy parse_strategy(const std::string& name) {
    if (name == "auto")
        return wf::strategy::automatic;
    if (name == "server")
        return wf::strategy::server;
    if (name == "local")
        return wf::strategy::local;
    throw_invalid_input("strategy must be auto, server or local, got " + name);
}

std::chrono::milliseconds seconds(double value, const char* what) {
    if (!(value > 0.0) || value > 3600.0)
        throw_error(error_kind::configuration,
                    std::string(what) + " must be between 0 and 3600 seconds");
    return std::chrono::milliseconds(static_cast<long long>(value * 1000.0));
}

py::object optional_text(const std::optional<std::string>& value) {
    return value ? py::object(py::str(*value)) : py::none();
}

py::dict port_dict(const wf::port_ref& p) {
    return py::dict("splitter_id"_a = p.splitter_id,
                    "splitter_name"_a = p.splitter_name, "port"_a = p.port);
}

py::object named_dict(const std::optional<wf::named_ref>& ref) {
    if (!ref)
        return py::none();
    return py::dict("id"_a = ref->id, "name"_a = ref->name);
}

py::dict feasible_dict(const wf::feasible_box& b) {
    return py::dict("id"_a = b.id, "name"_a = b.name, "distance_m"_a = b.distance_m,
                    "lat"_a = b.lat, "lng"_a = b.lng, "free_ports"_a = b.free_ports,
                    "first_free"_a = port_dict(b.first_free));
}

py::dict refused_dict(const wf::refused_box& b) {
    return py::dict("id"_a = b.id, "name"_a = b.name, "distance_m"_a = b.distance_m,
                    "reason"_a = b.reason);
}

py::dict feasibility_dict(const wf::feasibility& f) {
    py::list boxes;
    for (const auto& b : f.boxes)
        boxes.append(feasible_dict(b));
    py::list refused;
    for (const auto& b : f.refused)
        refused.append(refused_dict(b));
    return py::dict("viable"_a = f.viable, "lat"_a = f.center.lat,
                    "lng"_a = f.center.lng, "radius_m"_a = f.radius_m,
                    "strategy"_a = f.strategy, "boxes"_a = boxes,
                    "refused"_a = refused);
}

py::dict reservation_dict(const wf::reservation& r) {
    return py::dict("client_code"_a = r.client_code, "client_id"_a = r.client_id,
                    "property_id"_a = r.property_id, "box_id"_a = r.box_id,
                    "splitter_id"_a = r.splitter_id, "port"_a = r.port,
                    "drop_id"_a = r.drop_id, "created"_a = r.created);
}

py::dict connection_dict(const wf::connection_data& c) {
    return py::dict("client_code"_a = c.client_code, "client"_a = named_dict(c.client),
                    "implanted"_a = c.implanted, "property_id"_a = c.property_id,
                    "box"_a = named_dict(c.box), "splitter"_a = named_dict(c.splitter),
                    "port"_a = c.port, "drop_id"_a = optional_text(c.drop_id),
                    "olt"_a = named_dict(c.olt), "slot"_a = named_dict(c.slot),
                    "pon"_a = named_dict(c.pon),
                    "potency_read"_a = c.potency_read
                                           ? py::object(py::float_(*c.potency_read))
                                           : py::none());
}

py::dict coverage_dict(const wf::coverage_answer& a) {
    return py::dict("point_id"_a = a.point_id, "viable"_a = a.viable,
                    "box_id"_a = optional_text(a.box_id),
                    "box_name"_a = optional_text(a.box_name),
                    "distance_m"_a = a.distance_m, "free_ports"_a = a.free_ports,
                    "feasible_boxes"_a = a.feasible_boxes,
                    "error"_a = a.error.empty() ? py::object(py::none())
                                                : py::object(py::str(a.error)));
}

using dict_type = py::typing::Dict<py::str, py::object>;

template <typename T, typename ToDict>
void add_to_dict(py::class_<T>& cls, ToDict to_dict) {
    cls.def(
        "to_dict", [to_dict](const T& value) { return dict_type(to_dict(value)); },
        "The result as plain dicts, lists and numbers (JSON-ready).");
}

// Coverage takes hundreds of thousands of points: read each (id, lat, lng) tuple
// directly rather than through the generic casters, which copy twice.
std::vector<wf::coverage_point> to_points(const py::list& rows) {
    std::vector<wf::coverage_point> points;
    points.reserve(rows.size());
    for (const py::handle row : rows) {
        const bool tuple = PyTuple_Check(row.ptr());
        if (!(tuple || PyList_Check(row.ptr())) ||
            PySequence_Fast_GET_SIZE(row.ptr()) != 3)
            throw_invalid_input("a point must be (id, lat, lng)");

        PyObject* id = PySequence_Fast_GET_ITEM(row.ptr(), 0);
        Py_ssize_t length = 0;
        const char* text =
            PyUnicode_Check(id) ? PyUnicode_AsUTF8AndSize(id, &length) : nullptr;
        if (!text) {
            PyErr_Clear();
            throw_invalid_input("a point id must be a text");
        }

        const double lat = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(row.ptr(), 1));
        const double lng = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(row.ptr(), 2));
        if (PyErr_Occurred()) {
            PyErr_Clear();
            throw_invalid_input("a point's latitude and longitude must be numbers");
        }
        points.push_back(
            {std::string(text, static_cast<std::size_t>(length)), {lat, lng}});
    }
    return points;
}

void register_results(py::module_& m) {
    py::class_<wf::port_ref> port(m, "PortRef", "A port of a splitter (1-based).");
    port.def_readonly("splitter_id", &wf::port_ref::splitter_id)
        .def_readonly("splitter_name", &wf::port_ref::splitter_name)
        .def_readonly("port", &wf::port_ref::port)
        .def("__repr__", [](const wf::port_ref& p) {
            return "PortRef(" + p.splitter_name + " port " + std::to_string(p.port) +
                   ")";
        });
    add_to_dict(port, port_dict);

    py::class_<wf::feasible_box> feasible(m, "FeasibleBox");
    feasible.def_readonly("id", &wf::feasible_box::id)
        .def_readonly("name", &wf::feasible_box::name)
        .def_readonly("distance_m", &wf::feasible_box::distance_m)
        .def_readonly("lat", &wf::feasible_box::lat)
        .def_readonly("lng", &wf::feasible_box::lng)
        .def_readonly("free_ports", &wf::feasible_box::free_ports)
        .def_readonly("first_free", &wf::feasible_box::first_free)
        .def("__repr__", [](const wf::feasible_box& b) {
            return "FeasibleBox(" + b.name + ", " + std::to_string(b.distance_m) +
                   " m, " + std::to_string(b.free_ports) + " free)";
        });
    add_to_dict(feasible, feasible_dict);

    py::class_<wf::refused_box> refused(m, "RefusedBox");
    refused.def_readonly("id", &wf::refused_box::id)
        .def_readonly("name", &wf::refused_box::name)
        .def_readonly("distance_m", &wf::refused_box::distance_m)
        .def_readonly("reason", &wf::refused_box::reason)
        .def("__repr__", [](const wf::refused_box& b) {
            return "RefusedBox(" + b.name + ", " + b.reason + ")";
        });
    add_to_dict(refused, refused_dict);

    py::class_<wf::feasibility> feasibility(m, "Feasibility");
    feasibility.def_readonly("viable", &wf::feasibility::viable)
        .def_property_readonly("lat",
                               [](const wf::feasibility& f) { return f.center.lat; })
        .def_property_readonly("lng",
                               [](const wf::feasibility& f) { return f.center.lng; })
        .def_readonly("radius_m", &wf::feasibility::radius_m)
        .def_readonly("strategy", &wf::feasibility::strategy)
        .def_readonly("boxes", &wf::feasibility::boxes)
        .def_readonly("refused", &wf::feasibility::refused)
        .def("__repr__", [](const wf::feasibility& f) {
            return std::string("Feasibility(viable=") + (f.viable ? "True" : "False") +
                   ", boxes=" + std::to_string(f.boxes.size()) +
                   ", refused=" + std::to_string(f.refused.size()) + ")";
        });
    add_to_dict(feasibility, feasibility_dict);

    py::class_<wf::reservation> reservation(m, "Reservation");
    reservation.def_readonly("client_code", &wf::reservation::client_code)
        .def_readonly("client_id", &wf::reservation::client_id)
        .def_readonly("property_id", &wf::reservation::property_id)
        .def_readonly("box_id", &wf::reservation::box_id)
        .def_readonly("splitter_id", &wf::reservation::splitter_id)
        .def_readonly("port", &wf::reservation::port)
        .def_readonly("drop_id", &wf::reservation::drop_id)
        .def_readonly("created", &wf::reservation::created)
        .def("__repr__", [](const wf::reservation& r) {
            return "Reservation(" + r.client_code + " on box " + r.box_id + " port " +
                   std::to_string(r.port) + ")";
        });
    add_to_dict(reservation, reservation_dict);

    py::class_<wf::deployment> deployment(m, "Deployment");
    deployment.def_readonly("client_code", &wf::deployment::client_code)
        .def_readonly("client_id", &wf::deployment::client_id)
        .def_readonly("already_implanted", &wf::deployment::already_implanted)
        .def("__repr__", [](const wf::deployment& d) {
            return "Deployment(" + d.client_code +
                   (d.already_implanted ? ", already implanted)" : ", implanted)");
        });
    add_to_dict(deployment, [](const wf::deployment& d) {
        return py::dict("client_code"_a = d.client_code, "client_id"_a = d.client_id,
                        "already_implanted"_a = d.already_implanted);
    });

    py::class_<wf::cancel_report> cancel(m, "CancelReport");
    cancel.def_readonly("client_code", &wf::cancel_report::client_code)
        .def_readonly("found", &wf::cancel_report::found)
        .def_readonly("removed", &wf::cancel_report::removed)
        .def("__repr__", [](const wf::cancel_report& c) {
            return "CancelReport(" + c.client_code + ", removed " +
                   std::to_string(c.removed.size()) + " elements)";
        });
    add_to_dict(cancel, [](const wf::cancel_report& c) {
        return py::dict("client_code"_a = c.client_code, "found"_a = c.found,
                        "removed"_a = c.removed);
    });

    py::class_<wf::connection_data> connection(m, "ConnectionData");
    connection.def_readonly("client_code", &wf::connection_data::client_code)
        .def_property_readonly(
            "client", [](const wf::connection_data& c) { return named_dict(c.client); })
        .def_readonly("implanted", &wf::connection_data::implanted)
        .def_readonly("property_id", &wf::connection_data::property_id)
        .def_property_readonly(
            "box", [](const wf::connection_data& c) { return named_dict(c.box); })
        .def_property_readonly(
            "splitter",
            [](const wf::connection_data& c) { return named_dict(c.splitter); })
        .def_readonly("port", &wf::connection_data::port)
        .def_property_readonly(
            "drop",
            [](const wf::connection_data& c) { return optional_text(c.drop_id); })
        .def_property_readonly(
            "olt", [](const wf::connection_data& c) { return named_dict(c.olt); })
        .def_property_readonly(
            "slot", [](const wf::connection_data& c) { return named_dict(c.slot); })
        .def_property_readonly(
            "pon", [](const wf::connection_data& c) { return named_dict(c.pon); })
        .def_readonly("potency_read", &wf::connection_data::potency_read);
    add_to_dict(connection, connection_dict);

    py::class_<wf::coverage_answer> answer(m, "CoverageAnswer");
    answer.def_readonly("point_id", &wf::coverage_answer::point_id)
        .def_readonly("viable", &wf::coverage_answer::viable)
        .def_readonly("box_id", &wf::coverage_answer::box_id)
        .def_readonly("box_name", &wf::coverage_answer::box_name)
        .def_readonly("distance_m", &wf::coverage_answer::distance_m)
        .def_readonly("free_ports", &wf::coverage_answer::free_ports)
        .def_readonly("feasible_boxes", &wf::coverage_answer::feasible_boxes)
        .def_property_readonly("error",
                               [](const wf::coverage_answer& a) {
                                   return a.error.empty()
                                              ? std::optional<std::string>()
                                              : std::optional<std::string>(a.error);
                               })
        .def("__repr__", [](const wf::coverage_answer& a) {
            if (!a.error.empty())
                return "CoverageAnswer(" + a.point_id + ", error)";
            return "CoverageAnswer(" + a.point_id + ", " +
                   (a.viable ? a.box_name.value_or("?") : std::string("not feasible")) +
                   ")";
        });
    add_to_dict(answer, coverage_dict);

    py::class_<wf::network_snapshot, std::shared_ptr<wf::network_snapshot>>(
        m, "NetworkSnapshot", "Feasible boxes and free ports of a whole network.")
        .def_property_readonly(
            "box_count", [](const wf::network_snapshot& s) { return s.boxes().size(); })
        .def_property_readonly("boxes", &wf::network_snapshot::boxes)
        .def_property_readonly("refused", &wf::network_snapshot::refused)
        .def("__repr__",
             [](const wf::network_snapshot& s) {
                 return "NetworkSnapshot(" + std::to_string(s.boxes().size()) +
                        " feasible boxes, " + std::to_string(s.refused().size()) +
                        " refused)";
             })
        .def(
            "query",
            [](const wf::network_snapshot& s,
               const py::typing::List<py::typing::Tuple<py::str, float, float>>& rows,
               double radius_m,
               std::optional<std::tuple<double, double, double, double>> area) {
                const auto points = to_points(rows);
                std::optional<geo::bounding_box> box;
                if (area) {
                    const auto [min_lat, max_lat, min_lng, max_lng] = *area;
                    box = geo::bounding_box{min_lat, max_lat, min_lng, max_lng};
                }

                // Safe: the snapshot is immutable and points is a C++ copy.
                py::gil_scoped_release release;
                return s.query(points, radius_m, box);
            },
            py::arg("points"), py::arg("radius_m"),
            py::arg("service_area") = py::none())
        .def("to_json", &wf::network_snapshot::to_json)
        .def_static("from_json", [](const std::string& text) {
            return std::make_shared<wf::network_snapshot>(
                wf::network_snapshot::from_json(text));
        });
}

void register_connector(py::module_& m) {
    py::class_<connector_handle>(m, "ConnectorCore",
                                 "The core connector; use Connector.")
        .def(py::init(
                 [](const std::string& url, const std::string& token, int port,
                    double radius_m, const std::string& strategy_name, double connect_s,
                    double tls_s, double idle_s, double total_s, int retries,
                    const std::string& ca_file, bool verify_tls, std::size_t page_size,
                    std::optional<std::tuple<double, double, double, double>> area) {
                     if (port < 1 || port > 65535)
                         throw_error(error_kind::configuration,
                                     "port must be between 1 and 65535");
                     if (retries < 0 || retries > 10)
                         throw_error(error_kind::configuration,
                                     "retries must be between 0 and 10");

                     wf::connector_config config;
                     config.url = url;
                     config.token = token;
                     config.port = static_cast<std::uint16_t>(port);
                     config.radius_m = radius_m;
                     config.feasibility_strategy = parse_strategy(strategy_name);
                     config.http.deadlines = {seconds(connect_s, "connect timeout"),
                                              seconds(tls_s, "TLS handshake timeout"),
                                              seconds(idle_s, "idle read timeout"),
                                              seconds(total_s, "total timeout")};
                     config.http.retries.max_attempts = retries + 1;
                     config.http.ca_file = ca_file;
                     config.http.insecure_skip_tls_verify = !verify_tls;
                     config.page_size = page_size;
                     config.service_area.reset();
                     if (area) {
                         const auto [min_lat, max_lat, min_lng, max_lng] = *area;
                         config.service_area =
                             geo::bounding_box{min_lat, max_lat, min_lng, max_lng};
                     }

                     auto handle = std::make_unique<connector_handle>();
                     handle->bridge.sync_level();
                     handle->core = std::make_unique<wf::connector>(
                         config, handle->bridge.logger());
                     handle->bridge.flush();
                     return handle;
                 }),
             py::arg("url"), py::arg("token"), py::arg("port"), py::arg("radius_m"),
             py::arg("strategy"), py::arg("connect_timeout"), py::arg("tls_timeout"),
             py::arg("idle_timeout"), py::arg("total_timeout"), py::arg("retries"),
             py::arg("ca_file"), py::arg("verify_tls"), py::arg("page_size"),
             py::arg("service_area"))
        .def(
            "feasibility",
            [](connector_handle& h, double lat, double lng,
               std::optional<double> radius_m,
               std::optional<std::string> strategy_name) {
                std::optional<wf::strategy> how;
                if (strategy_name)
                    how = parse_strategy(*strategy_name);
                return h.call([&](wf::connector& c) {
                    return c.check_feasibility({lat, lng}, radius_m, how);
                });
            },
            py::arg("lat"), py::arg("lng"), py::arg("radius_m") = py::none(),
            py::arg("strategy") = py::none())
        .def(
            "reserve",
            [](connector_handle& h, const std::string& code, const std::string& box_id,
               double lat, double lng, std::optional<std::string> name,
               std::optional<std::string> address, std::optional<std::string> note) {
                wf::reserve_request request{code,
                                            box_id,
                                            {lat, lng},
                                            std::move(name),
                                            std::move(address),
                                            std::move(note)};
                return h.call([&](wf::connector& c) { return c.reserve(request); });
            },
            py::arg("client_code"), py::arg("box_id"), py::arg("lat"), py::arg("lng"),
            py::arg("name") = py::none(), py::arg("address") = py::none(),
            py::arg("note") = py::none())
        .def(
            "deploy",
            [](connector_handle& h, const std::string& code,
               std::optional<std::string> onu_serial,
               std::optional<std::string> pppoe_user, std::optional<std::string> mac) {
                wf::deploy_request request{code, std::move(onu_serial),
                                           std::move(pppoe_user), std::move(mac)};
                return h.call([&](wf::connector& c) { return c.deploy(request); });
            },
            py::arg("client_code"), py::arg("onu_serial") = py::none(),
            py::arg("pppoe_user") = py::none(), py::arg("mac") = py::none())
        .def(
            "cancel",
            [](connector_handle& h, const std::string& code) {
                return h.call([&](wf::connector& c) { return c.cancel(code); });
            },
            py::arg("client_code"))
        .def(
            "change_box_candidates",
            [](connector_handle& h, const std::string& code,
               std::optional<double> radius_m) {
                std::string current;
                auto result = h.call([&](wf::connector& c) {
                    return c.change_box_candidates(code, radius_m, current);
                });
                return std::make_pair(std::move(result), current);
            },
            py::arg("client_code"), py::arg("radius_m") = py::none())
        .def(
            "change_box",
            [](connector_handle& h, const std::string& code,
               const std::string& box_id) {
                return h.call(
                    [&](wf::connector& c) { return c.change_box(code, box_id); });
            },
            py::arg("client_code"), py::arg("box_id"))
        .def(
            "connection_data",
            [](connector_handle& h, const std::string& code) {
                return h.call([&](wf::connector& c) { return c.connection(code); });
            },
            py::arg("client_code"))
        .def("snapshot",
             [](connector_handle& h) {
                 return std::make_shared<wf::network_snapshot>(
                     h.call([](wf::connector& c) { return c.snapshot(); }));
             })
        .def_property_readonly("requests_sent", [](const connector_handle& h) {
            return h.core->requests_sent();
        });
}

}  // namespace

void register_workflows(py::module_& m) {
    register_results(m);
    register_connector(m);
}

}  // namespace ozmap::bindings
