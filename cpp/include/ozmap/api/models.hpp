// OZmap documents as typed structs, decoded from Boost.JSON values.
//
// Only the fields the workflows use are required; everything else is optional and
// unknown fields are ignored. A missing required field, or any field of the wrong type,
// throws a decode error whose details().field is the path to it, e.g.
// "rows[3].connectables.output[2]". Ids may arrive as "id" or only as "_id"; references
// to other documents may be an id string, an object with an "id", or null.
//
// Only this header's Boost.JSON forward declarations leak to includers; the parsers
// live in one translation unit.
#pragma once

#include <ozmap/geo.hpp>

#include <boost/json/fwd.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ozmap::api {

// ---------------------------------------------------------------------------- raw JSON

struct json_limits {
    std::size_t max_bytes = 64u * 1024u * 1024u;  // same as the transport's body limit
    // NOTE: OZmap's deepest documents (a project's GeoJSON area inside a list envelope)
    // nest 7 levels; 32 leaves room and matches the JSON fault matrix.
    std::size_t max_depth = 32;
};

// Parses strict JSON: no comments, no trailing commas, valid UTF-8 only. Throws a
// decode error for empty, truncated or invalid text, text over max_bytes, nesting over
// max_depth, lone UTF-16 surrogates, and numbers that overflow a double (1e400 would
// otherwise become an infinity). Integers past 2^64 become doubles, which the typed
// parsers reject where they expect an integer. With duplicate keys the last one wins.
boost::json::value parse_json(std::string_view text, const json_limits& limits = {});

// ----------------------------------------------------------------------------
// documents

struct project {
    std::string id;
    std::string name;
    std::optional<std::string> identifier;
    std::optional<geo::point> position;  // the project's lat/lng
    std::optional<double> drop_max_size_m;
    std::optional<std::string> drop_cable_type;
    std::optional<double> default_pon_potency;
};

struct box {
    std::string id;
    std::string name;
    geo::point position;  // lat/lng, else coords [lng, lat]: required
    std::string kind;     // "Box" when present
    std::optional<std::string> project;
    std::optional<std::string> pole;
    std::optional<std::string> box_type;
    std::optional<std::int64_t> hierarchy_level;
    bool implanted = false;
    bool draft = false;  // "Em projeto"
    bool certified = false;
};

struct splitter_port {
    std::optional<std::string> id;
    std::optional<std::int64_t>
        index;  // absent in real responses: position is the port
    bool blocked = false;
};

struct splitter {
    std::string id;
    std::string name;
    std::string parent;  // the box it sits in
    std::string kind;    // "Splitter" when present
    std::optional<std::string> project;
    std::optional<std::string> splitter_type;
    std::optional<std::string> label;
    bool implanted = true;
    bool is_drop = false;  // a service splitter that may connect clients
    // One entry per port, in port order (port n is output[n - 1]): a fiber id, or
    // nullopt for a free port.
    std::vector<std::optional<std::string>> inputs;
    std::vector<std::optional<std::string>> outputs;
    std::vector<splitter_port> ports;  // per-port metadata; may be shorter than outputs
    // The OLT chain feeding it; absent when it is not fed from an OLT.
    std::optional<std::string> olt;
    std::optional<std::string> slot;
    std::optional<std::string> pon;
};

struct onu_info {
    std::string user_pppoe;
    std::string serial_number;
    std::string mac_address;
};

// An FTTH client, on its own or embedded in a property (where its kind is "ftth").
struct ftth_client {
    std::string id;
    std::string code;  // the ERP's key
    std::optional<std::string> name;
    std::optional<std::string> observation;
    bool implanted = false;
    bool certified = false;
    std::int64_t status = 0;  // 0 OK, 1 ERROR
    std::optional<onu_info> onu;
};

// A property's link to a connector port.
struct property_connection {
    std::string id;  // the splitter (or other connector)
    std::string name;
    std::string kind;
    std::int64_t port = 0;  // 1-based
    bool implanted = true;
    std::optional<std::string> fiber;  // the drop's fiber
};

struct property {
    std::string id;
    std::optional<std::string> client_id;  // from an id string or the embedded client
    std::optional<ftth_client> client;     // when the client came embedded
    std::optional<std::string> box;
    std::optional<std::string> drop;
    std::optional<std::string> pole;
    std::optional<std::string> project;
    std::optional<std::string> parent;   // the building, when inside one
    std::optional<geo::point> position;  // null for properties inside buildings
    std::optional<double> potency_read;
    std::optional<std::string> address;
    std::optional<std::string> observation;
    std::vector<property_connection> connections;
};

// A cable; a drop runs from a box (box_a) to a property (box_b).
struct cable {
    std::string id;
    std::string kind;  // "Cable" or "Drop" when present
    std::optional<std::string> name;
    std::optional<std::string> project;
    std::optional<std::string> box_a;
    std::optional<std::string> box_b;
    std::optional<std::int64_t> fiber_number;
    std::optional<double> length_m;
    bool implanted = false;
};

struct fiber {
    std::string id;
    std::optional<std::string> parent;  // the cable
    std::optional<std::string> name;
    std::optional<std::int64_t> fiber_number;
    bool is_drop = false;
    std::vector<std::string> connectors;
};

// NOTE: an OLT document may carry SSH/SNMP/TR-069 credentials; they are never decoded.
struct olt {
    std::string id;
    std::string name;  // empty when absent: display only
    std::optional<std::string> label;
    std::optional<std::string> ip;
    std::optional<std::string> parent;
    std::optional<std::string> project;
};

struct slot {
    std::string id;
    std::string name;
    std::optional<std::string> label;
    std::optional<std::string> olt;
    std::optional<std::int64_t> starting_pon_number;
};

struct pon {
    std::string id;
    std::string name;
    std::optional<std::string> label;
    std::optional<std::string> slot;
    std::optional<std::string> parent;
    std::optional<double> potency;
};

// ----------------------------------------------------------------------------
// feasibility

struct feasible_box {
    std::string id;
    std::string name;
    geo::point position;
    std::optional<double> distance_m;
    std::optional<std::string> project;
    std::optional<bool> implanted;
    std::optional<std::int64_t> availability;  // a hint only: free service ports
};

struct refused_box {
    std::string id;
    std::string name;
    std::optional<double> distance_m;
    std::optional<geo::point> position;
    std::optional<std::string> reason;
};

struct feasibility {
    bool viable = false;
    std::vector<feasible_box> boxes;
    // refused_boxes is undocumented: entries that are objects with a string id are
    // kept, anything else (or a missing or differently shaped list) is skipped and
    // counted.
    std::vector<refused_box> refused;
    std::size_t refused_skipped = 0;
};

// ---------------------------------------------------------------------------- parsers

// `where` prefixes the field paths of errors ("rows[3]" gives "rows[3].name").
project parse_project(const boost::json::value& v, std::string_view where = {});
box parse_box(const boost::json::value& v, std::string_view where = {});
splitter parse_splitter(const boost::json::value& v, std::string_view where = {});
ftth_client parse_ftth_client(const boost::json::value& v, std::string_view where = {});
property parse_property(const boost::json::value& v, std::string_view where = {});
cable parse_cable(const boost::json::value& v, std::string_view where = {});
fiber parse_fiber(const boost::json::value& v, std::string_view where = {});
olt parse_olt(const boost::json::value& v, std::string_view where = {});
slot parse_slot(const boost::json::value& v, std::string_view where = {});
pon parse_pon(const boost::json::value& v, std::string_view where = {});
feasibility parse_feasibility(const boost::json::value& v, std::string_view where = {});

}  // namespace ozmap::api
