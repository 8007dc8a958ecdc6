// What each workflow returns: plain values, converted to Python by the bindings.
#pragma once

#include <ozmap/geo.hpp>
#include <ozmap/workflows/ports.hpp>

#include <optional>
#include <string>
#include <vector>

namespace ozmap::workflows {

struct feasible_box {
    std::string id;
    std::string name;
    double distance_m = 0.0;
    double lat = 0.0;
    double lng = 0.0;
    int free_ports = 0;
    port_ref first_free;
};

struct refused_box {
    std::string id;
    std::string name;
    double distance_m = 0.0;
    std::string reason;  // draft, no_service_splitter, full, blocked
};

struct feasibility {
    bool viable = false;
    geo::point center;
    double radius_m = 0.0;
    std::string strategy;  // "server" or "local": the one that answered
    std::vector<feasible_box> boxes;
    std::vector<refused_box> refused;
};

struct reservation {
    std::string client_code;
    std::string client_id;
    std::string property_id;
    std::string box_id;
    std::string splitter_id;
    int port = 0;
    std::string drop_id;
    bool created = false;  // false when the same reservation already existed
};

struct deployment {
    std::string client_code;
    std::string client_id;
    bool already_implanted = false;
};

struct cancel_report {
    std::string client_code;
    bool found = false;                // anything of the client was still in OZmap
    std::vector<std::string> removed;  // "property <id>", "drop <id>", "client <id>"
};

struct named_ref {
    std::string id;
    std::string name;
};

struct connection_data {
    std::string client_code;
    named_ref client;
    bool implanted = false;
    std::string property_id;
    std::optional<named_ref> box;
    std::optional<named_ref> splitter;
    int port = 0;
    std::optional<std::string> drop_id;
    std::optional<named_ref> olt;
    std::optional<named_ref> slot;
    std::optional<named_ref> pon;
    std::optional<double> potency_read;
};

struct coverage_point {
    std::string id;
    geo::point position;
};

struct coverage_answer {
    std::string point_id;
    bool viable = false;
    std::optional<std::string> box_id;  // the nearest feasible box
    std::optional<std::string> box_name;
    double distance_m = 0.0;
    int free_ports = 0;
    int feasible_boxes = 0;
    // Why this point could not be answered (bad coordinates); empty when it was.
    std::string error;
};

}  // namespace ozmap::workflows
