#include <ozmap/api/bodies.hpp>
#include <ozmap/api/json_writer.hpp>
#include <ozmap/error.hpp>

#include <type_traits>

namespace ozmap::api {
namespace {

void optional_string(json_writer& out, std::string_view key,
                     const std::optional<std::string>& value) {
    if (value)
        out.key(key).string(*value);
}

void optional_bool(json_writer& out, std::string_view key,
                   const std::optional<bool>& value) {
    if (value)
        out.key(key).boolean(*value);
}

void port_number(json_writer& out, const std::optional<std::int64_t>& port) {
    if (!port)
        return;
    if (*port < 1)
        throw_invalid_input("a port number starts at 1");
    out.key("port").integer(*port);
}

void position(json_writer& out, const geo::point& p) {
    out.key("coords").begin_array().number(p.lng).number(p.lat).end_array();
    out.key("lat").number(p.lat);
    out.key("lng").number(p.lng);
}

}  // namespace

std::string to_json(const property_create& body) {
    if (body.project.empty())
        throw_invalid_input("a property needs a project");
    json_writer out;
    out.begin_object();
    out.key("project").string(body.project);
    optional_string(out, "box", body.box);
    position(out, body.position);
    optional_string(out, "address", body.address);
    optional_string(out, "observation", body.observation);
    optional_string(out, "pole", body.pole);
    std::visit(
        [&](const auto& c) {
            using T = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<T, std::string>) {
                out.key("client").string(c);
            } else if constexpr (std::is_same_v<T, new_ftth_client>) {
                if (c.code.empty())
                    throw_invalid_input("a client needs a code");
                out.key("client").begin_object();
                out.key("code").string(c.code);
                optional_string(out, "name", c.name);
                optional_string(out, "observation", c.observation);
                out.key("implanted").boolean(c.implanted);
                out.key("status").integer(c.status);
                out.end_object();
            }
        },
        body.client);
    optional_bool(out, "auto_connect", body.auto_connect);
    optional_string(out, "connector", body.connector);
    port_number(out, body.port);
    optional_bool(out, "force", body.force);
    out.end_object();
    return out.take();
}

std::string to_json(const property_update& body) {
    json_writer out;
    out.begin_object();
    optional_string(out, "box", body.box);
    optional_string(out, "connector", body.connector);
    port_number(out, body.port);
    optional_bool(out, "auto_connect", body.auto_connect);
    optional_bool(out, "force", body.force);
    if (body.position)
        position(out, *body.position);
    optional_string(out, "address", body.address);
    optional_string(out, "observation", body.observation);
    if (body.potency_read)
        out.key("potencyRead").number(*body.potency_read);
    out.end_object();
    return out.take();
}

std::string to_json(const ftth_client_update& body) {
    json_writer out;
    out.begin_object();
    optional_bool(out, "implanted", body.implanted);
    optional_bool(out, "certified", body.certified);
    if (body.status)
        out.key("status").integer(*body.status);
    optional_string(out, "name", body.name);
    optional_string(out, "observation", body.observation);
    if (body.onu) {
        out.key("onu").begin_object();
        optional_string(out, "user_PPPoE", body.onu->user_pppoe);
        optional_string(out, "serial_number", body.onu->serial_number);
        optional_string(out, "mac_address", body.onu->mac_address);
        out.end_object();
    }
    out.end_object();
    return out.take();
}

}  // namespace ozmap::api
