// Request bodies for the writes the workflows make, as typed structs serialised to
// compact JSON. Unset optionals are left out, so a PATCH changes only what is set.
#pragma once

#include <ozmap/geo.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace ozmap::api {

// A client created together with its property (OZmap exposes no client create).
struct new_ftth_client {
    std::string code;
    std::optional<std::string> name;
    std::optional<std::string> observation;
    bool implanted = false;  // a reservation
    std::int64_t status = 0;
};

// POST properties. The position goes out both as coords [lng, lat] and as lat/lng:
// OZmap's SDK sends the first, OZmap's own integration examples the second.
struct property_create {
    std::string project;
    std::optional<std::string> box;
    geo::point position;
    std::optional<std::string> address;
    std::optional<std::string> observation;
    std::optional<std::string> pole;
    // Nothing, an existing client id, or a client to create with the property.
    std::variant<std::monostate, std::string, new_ftth_client> client;
    // Either auto_connect, or connector + port (1-based) to pick the port explicitly.
    std::optional<bool> auto_connect;
    std::optional<std::string> connector;
    std::optional<std::int64_t> port;
    std::optional<bool> force;
};

// PATCH properties/{id}. box + connector + port moves the property to another port.
struct property_update {
    std::optional<std::string> box;
    std::optional<std::string> connector;
    std::optional<std::int64_t> port;
    std::optional<bool> auto_connect;
    std::optional<bool> force;
    std::optional<geo::point> position;
    std::optional<std::string> address;
    std::optional<std::string> observation;
    std::optional<double> potency_read;
};

// TODO: whether OZmap merges a partial `onu` or replaces the whole object is
// unconfirmed; send all three fields to be safe.
struct onu_update {
    std::optional<std::string> user_pppoe;
    std::optional<std::string> serial_number;
    std::optional<std::string> mac_address;
};

// PATCH ftth-clients/{id}.
struct ftth_client_update {
    std::optional<bool> implanted;
    std::optional<bool> certified;
    std::optional<std::int64_t> status;
    std::optional<std::string> name;
    std::optional<std::string> observation;
    std::optional<onu_update> onu;
};

// Compact JSON. Throws invalid_input for an empty project or client code, a port below
// 1, a non-finite coordinate or a text that is not valid UTF-8.
std::string to_json(const property_create& body);
std::string to_json(const property_update& body);
std::string to_json(const ftth_client_update& body);

}  // namespace ozmap::api
