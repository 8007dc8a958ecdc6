// The one translation unit that decodes OZmap documents with Boost.JSON.
#include <ozmap/api/models.hpp>
#include <ozmap/detail/text.hpp>
#include <ozmap/error.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

namespace ozmap::api {
namespace json = boost::json;

namespace {

// ---------------------------------------------------------------------------- paths

// Where a value sits in the document, as a chain of stack frames; rendered to text
// ("rows[3].connectables.output[2]") only when an error needs it.
class path {
public:
    explicit path(std::string_view root) : root_(root) {}
    path(const path& parent, std::string_view key) : parent_(&parent), key_(key) {}
    path(const path& parent, std::size_t index)
        : parent_(&parent), index_(index), is_index_(true) {}
    path(const path&) = delete;
    path& operator=(const path&) = delete;

    std::string str() const {
        std::string out;
        render(out);
        return out;
    }

private:
    void render(std::string& out) const {
        if (parent_ == nullptr) {
            out += root_;
            return;
        }
        parent_->render(out);
        if (is_index_) {
            out += detail::str('[', index_, ']');
        } else {
            if (!out.empty())
                out.push_back('.');
            out += key_;
        }
    }

    const path* parent_ = nullptr;
    std::string_view root_;
    std::string_view key_;
    std::size_t index_ = 0;
    bool is_index_ = false;
};

[[noreturn]] void fail(const std::string& field, std::string_view problem) {
    error_details details;
    details.field = field;
    throw_error(error_kind::decode,
                field.empty() ? detail::str("document: ", problem)
                              : detail::str(field, ": ", problem),
                std::move(details));
}

[[noreturn]] void fail(const path& where, std::string_view problem) {
    fail(where.str(), problem);
}

[[noreturn]] void fail_at(const path& parent, std::string_view key,
                          std::string_view problem) {
    fail(path(parent, key), problem);
}

std::string_view kind_name(const json::value& v) noexcept {
    switch (v.kind()) {
    case json::kind::null:
        return "null";
    case json::kind::bool_:
        return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
        return "a number";
    case json::kind::string:
        return "a string";
    case json::kind::array:
        return "an array";
    case json::kind::object:
        return "an object";
    }
    return "something else";
}

std::string expected(std::string_view what, const json::value& v) {
    return detail::str("expected ", what, ", found ", kind_name(v));
}

// ----------------------------------------------------------------------------
// accessors

const json::value* find(const json::object& o, std::string_view key) {
    const auto it = o.find(key);
    return it == o.end() ? nullptr : &it->value();
}

bool absent(const json::value* v) noexcept {
    return v == nullptr || v->is_null();
}

const json::object& as_object(const json::value& v, const path& where) {
    if (const auto* o = v.if_object())
        return *o;
    fail(where, expected("an object", v));
}

// Missing or null: nullopt. A string: its text. Anything else: a decode error.
std::optional<std::string> opt_string(const json::object& o, std::string_view key,
                                      const path& where) {
    const auto* v = find(o, key);
    if (absent(v))
        return std::nullopt;
    if (const auto* s = v->if_string())
        return std::string(s->data(), s->size());
    fail_at(where, key, expected("a string", *v));
}

std::string req_string(const json::object& o, std::string_view key, const path& where) {
    auto s = opt_string(o, key, where);
    if (!s)
        fail_at(where, key, "missing or null");
    return std::move(*s);
}

// The document's id: "id", else "_id"; a non-empty string.
std::string req_id(const json::object& o, const path& where) {
    std::string_view key = "id";
    if (absent(find(o, key)) && !absent(find(o, "_id")))
        key = "_id";
    auto id = req_string(o, key, where);
    if (id.empty())
        fail_at(where, key, "empty id");
    return id;
}

// A reference to another document: an id string, an object with an id, or null.
std::optional<std::string> opt_ref(const json::object& o, std::string_view key,
                                   const path& where) {
    const auto* v = find(o, key);
    if (absent(v))
        return std::nullopt;
    if (const auto* s = v->if_string())
        return std::string(s->data(), s->size());
    if (const auto* obj = v->if_object()) {
        const path inner(where, key);
        return req_id(*obj, inner);
    }
    fail_at(where, key, expected("an id or an object with an id", *v));
}

std::string req_ref(const json::object& o, std::string_view key, const path& where) {
    auto ref = opt_ref(o, key, where);
    if (!ref || ref->empty())
        fail_at(where, key, "missing or null");
    return std::move(*ref);
}

// A finite number from an int64, uint64 or double value.
double finite_number(const json::value& v, const path& where) {
    double d = 0.0;
    if (const auto* i = v.if_int64())
        d = static_cast<double>(*i);
    else if (const auto* u = v.if_uint64())
        d = static_cast<double>(*u);
    else if (const auto* f = v.if_double())
        d = *f;
    else
        fail(where, expected("a number", v));
    if (!std::isfinite(d))
        fail(where, "not a finite number");
    return d;
}

std::optional<double> opt_double(const json::object& o, std::string_view key,
                                 const path& where) {
    const auto* v = find(o, key);
    if (absent(v))
        return std::nullopt;
    const path inner(where, key);
    return finite_number(*v, inner);
}

std::int64_t integer(const json::value& v, const path& where) {
    if (const auto* i = v.if_int64())
        return *i;
    if (const auto* u = v.if_uint64()) {
        if (*u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            fail(where, "integer out of range");
        return static_cast<std::int64_t>(*u);
    }
    if (const auto* f = v.if_double()) {
        // NOTE: -2^63 <= d < 2^63 keeps the conversion defined (UBSan checks this).
        constexpr double limit = 9223372036854775808.0;
        if (!std::isfinite(*f) || *f < -limit || *f >= limit)
            fail(where, "integer out of range");
        if (std::trunc(*f) != *f)
            fail(where, "expected an integer, found a fraction");
        return static_cast<std::int64_t>(*f);
    }
    fail(where, expected("an integer", v));
}

std::optional<std::int64_t> opt_int(const json::object& o, std::string_view key,
                                    const path& where) {
    const auto* v = find(o, key);
    if (absent(v))
        return std::nullopt;
    const path inner(where, key);
    return integer(*v, inner);
}

bool opt_bool(const json::object& o, std::string_view key, const path& where,
              bool fallback) {
    const auto* v = find(o, key);
    if (absent(v))
        return fallback;
    if (const auto* b = v->if_bool())
        return *b;
    fail_at(where, key, expected("a boolean", *v));
}

std::optional<bool> opt_bool(const json::object& o, std::string_view key,
                             const path& where) {
    if (absent(find(o, key)))
        return std::nullopt;
    return opt_bool(o, key, where, false);
}

const json::array* opt_array(const json::object& o, std::string_view key,
                             const path& where) {
    const auto* v = find(o, key);
    if (absent(v))
        return nullptr;
    if (const auto* a = v->if_array())
        return a;
    fail_at(where, key, expected("an array", *v));
}

const json::array& req_array(const json::object& o, std::string_view key,
                             const path& where) {
    const auto* a = opt_array(o, key, where);
    if (a == nullptr)
        fail_at(where, key, "missing or null");
    return *a;
}

// An array of id strings or nulls (connectables): one entry per port.
std::vector<std::optional<std::string>> slots_of(const json::array& a,
                                                 const path& where) {
    std::vector<std::optional<std::string>> out;
    out.reserve(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto& v = a[i];
        if (v.is_null()) {
            out.emplace_back();
        } else if (const auto* s = v.if_string()) {
            out.emplace_back(std::string(s->data(), s->size()));
        } else {
            const path item(where, i);
            fail(item, expected("an id string or null", v));
        }
    }
    return out;
}

// lat/lng when both are numbers, else coords [lng, lat]; nullopt when neither is there.
std::optional<geo::point> opt_position(const json::object& o, const path& where) {
    const auto lat = opt_double(o, "lat", where);
    const auto lng = opt_double(o, "lng", where);
    if (lat && lng)
        return geo::point{*lat, *lng};

    const auto* coords = find(o, "coords");
    if (absent(coords))
        return std::nullopt;
    const path at(where, "coords");
    const auto* a = coords->if_array();
    if (a == nullptr)
        fail(at, expected("an array [lng, lat]", *coords));
    if (a->size() < 2)
        fail(at, "expected two numbers [lng, lat]");
    const path first(at, std::size_t{0});
    const path second(at, std::size_t{1});
    const double x = finite_number((*a)[0], first);
    const double y = finite_number((*a)[1], second);
    return geo::point{y, x};
}

geo::point req_position(const json::object& o, const path& where) {
    auto p = opt_position(o, where);
    if (!p)
        fail_at(where, "lat", "no position: lat/lng and coords are missing or null");
    return *p;
}

// ---------------------------------------------------------------------------- limits

// Boost.JSON turns 1e400 into an infinity; such a number has no meaning for OZmap and
// would serialise as invalid JSON, so the whole document is refused.
void check_finite(const json::value& v, const path& where) {
    switch (v.kind()) {
    case json::kind::double_:
        if (!std::isfinite(v.get_double()))
            fail(where, "number out of range");
        break;
    case json::kind::array: {
        const auto& a = v.get_array();
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (a[i].is_structured() || a[i].is_double()) {
                const path item(where, i);
                check_finite(a[i], item);
            }
        }
        break;
    }
    case json::kind::object:
        for (const auto& member : v.get_object()) {
            const auto& value = member.value();
            if (value.is_structured() || value.is_double()) {
                const path item(where, std::string_view(member.key()));
                check_finite(value, item);
            }
        }
        break;
    default:
        break;
    }
}

bool blank(std::string_view text) noexcept {
    return std::all_of(text.begin(), text.end(), [](char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    });
}

// ----------------------------------------------------------------------------
// documents

ftth_client decode_client(const json::value& v, const path& where) {
    const auto& o = as_object(v, where);
    ftth_client c;
    c.id = req_id(o, where);
    c.code = req_string(o, "code", where);
    c.name = opt_string(o, "name", where);
    c.observation = opt_string(o, "observation", where);
    c.implanted = opt_bool(o, "implanted", where, false);
    c.certified = opt_bool(o, "certified", where, false);
    c.status = opt_int(o, "status", where).value_or(0);
    if (const auto* onu = find(o, "onu"); !absent(onu)) {
        const path at(where, "onu");
        const auto& oo = as_object(*onu, at);
        c.onu = onu_info{opt_string(oo, "user_PPPoE", at).value_or(""),
                         opt_string(oo, "serial_number", at).value_or(""),
                         opt_string(oo, "mac_address", at).value_or("")};
    }
    return c;
}

refused_box decode_refused(const json::value& v, const path& where) {
    const auto& o = as_object(v, where);
    refused_box r;
    r.id = req_id(o, where);
    r.name = opt_string(o, "name", where).value_or("");
    r.distance_m = opt_double(o, "distance", where);
    r.position = opt_position(o, where);
    r.reason = opt_string(o, "reason", where);
    return r;
}

}  // namespace

// ----------------------------------------------------------------------------
// parse_json

json::value parse_json(std::string_view text, const json_limits& limits) {
    if (text.size() > limits.max_bytes)
        fail(std::string(), detail::str("larger than the limit of ", limits.max_bytes,
                                        " bytes (", text.size(), " bytes)"));
    if (blank(text))
        fail(std::string(), "empty body where JSON was expected");

    json::parse_options options;
    // NOTE: check_finite recurses once per level; keep the depth a stack can afford.
    options.max_depth = std::clamp<std::size_t>(limits.max_depth, 1, 1000);
    options.allow_comments = false;
    options.allow_trailing_commas = false;
    options.allow_invalid_utf8 = false;

    json::value value;
    try {
        // NOTE: a monotonic arena per document was measured slower here (about 20% more
        // CPU per feasibility): rows moved out of a page each carry a counted reference
        // to the arena.
        json::parser parser(json::storage_ptr(), options);
        json::error_code ec;
        const auto consumed = parser.write(text.data(), text.size(), ec);
        if (ec)
            fail(std::string(),
                 detail::str("invalid JSON at byte ", consumed, ": ", ec.message()));
        value = parser.release();
    } catch (const std::length_error&) {
        fail(std::string(), "invalid JSON: a string or container is too large");
    }
    const path root("");
    check_finite(value, root);
    return value;
}

// ---------------------------------------------------------------------------- parsers

project parse_project(const json::value& v, std::string_view where_text) {
    const path where(where_text);
    const auto& o = as_object(v, where);
    project p;
    p.id = req_id(o, where);
    p.name = req_string(o, "name", where);
    p.identifier = opt_string(o, "identifier", where);
    p.position = opt_position(o, where);
    p.default_pon_potency = opt_double(o, "defaultPonPotency", where);
    if (const auto* drop = find(o, "drop"); !absent(drop)) {
        const path at(where, "drop");
        const auto& d = as_object(*drop, at);
        p.drop_max_size_m = opt_double(d, "maxSize", at);
        // NOTE: the SDK declares drop.type.cableType; real responses carry
        // drop.defaults.cableType. Either is accepted.
        for (std::string_view key : {"defaults", "type"}) {
            const auto* holder = find(d, key);
            if (absent(holder) || p.drop_cable_type)
                continue;
            const path inner(at, key);
            p.drop_cable_type = opt_ref(as_object(*holder, inner), "cableType", inner);
        }
    }
    return p;
}

box parse_box(const json::value& v, std::string_view where_text) {
    const path where(where_text);
    const auto& o = as_object(v, where);
    box b;
    b.id = req_id(o, where);
    b.name = req_string(o, "name", where);
    b.position = req_position(o, where);
    b.kind = opt_string(o, "kind", where).value_or("");
    b.project = opt_ref(o, "project", where);
    b.pole = opt_ref(o, "pole", where);
    b.box_type = opt_ref(o, "boxType", where);
    b.hierarchy_level = opt_int(o, "hierarchyLevel", where);
    b.implanted = opt_bool(o, "implanted", where, false);
    b.draft = opt_bool(o, "draft", where, false);
    b.certified = opt_bool(o, "certified", where, false);
    return b;
}

splitter parse_splitter(const json::value& v, std::string_view where_text) {
    const path where(where_text);
    const auto& o = as_object(v, where);
    splitter s;
    s.id = req_id(o, where);
    s.name = req_string(o, "name", where);
    s.parent = req_ref(o, "parent", where);
    s.kind = opt_string(o, "kind", where).value_or("");
    s.project = opt_ref(o, "project", where);
    s.splitter_type = opt_ref(o, "splitterType", where);
    s.label = opt_string(o, "label", where);
    s.implanted = opt_bool(o, "implanted", where, true);
    s.is_drop = opt_bool(o, "isDrop", where, false);

    const auto* connectables = find(o, "connectables");
    if (absent(connectables))
        fail_at(where, "connectables", "missing or null");
    const path at(where, "connectables");
    const auto& c = as_object(*connectables, at);
    {
        const path out(at, "output");
        s.outputs = slots_of(req_array(c, "output", at), out);
    }
    if (const auto* in = opt_array(c, "input", at)) {
        const path input(at, "input");
        s.inputs = slots_of(*in, input);
    }

    if (const auto* ports = opt_array(o, "ports", where)) {
        const path pa(where, "ports");
        s.ports.reserve(ports->size());
        for (std::size_t i = 0; i < ports->size(); ++i) {
            const path item(pa, i);
            const auto& po = as_object((*ports)[i], item);
            splitter_port port;
            port.id = opt_string(po, "id", item);
            port.index = opt_int(po, "index", item);
            port.blocked = opt_bool(po, "blocked", item, false);
            s.ports.push_back(std::move(port));
        }
    }

    s.olt = opt_ref(o, "olt", where);
    s.slot = opt_ref(o, "slot", where);
    s.pon = opt_ref(o, "pon", where);
    return s;
}

ftth_client parse_ftth_client(const json::value& v, std::string_view where_text) {
    const path where(where_text);
    return decode_client(v, where);
}

property parse_property(const json::value& v, std::string_view where_text) {
    const path where(where_text);
    const auto& o = as_object(v, where);
    property p;
    p.id = req_id(o, where);

    if (const auto* client = find(o, "client"); !absent(client)) {
        if (const auto* s = client->if_string()) {
            p.client_id = std::string(s->data(), s->size());
        } else if (client->is_object()) {
            const path at(where, "client");
            p.client = decode_client(*client, at);
            p.client_id = p.client->id;
        } else {
            fail_at(where, "client", expected("an id, an object or null", *client));
        }
    }

    p.box = opt_ref(o, "box", where);
    p.drop = opt_ref(o, "drop", where);
    p.pole = opt_ref(o, "pole", where);
    p.project = opt_ref(o, "project", where);
    p.parent = opt_ref(o, "parent", where);
    p.position = opt_position(o, where);
    p.potency_read = opt_double(o, "potencyRead", where);
    p.address = opt_string(o, "address", where);
    p.observation = opt_string(o, "observation", where);

    if (const auto* connections = opt_array(o, "connections", where)) {
        const path ca(where, "connections");
        p.connections.reserve(connections->size());
        for (std::size_t i = 0; i < connections->size(); ++i) {
            const path item(ca, i);
            const auto& co = as_object((*connections)[i], item);
            property_connection c;
            c.id = req_ref(co, "id", item);
            c.name = opt_string(co, "name", item).value_or("");
            c.kind = opt_string(co, "kind", item).value_or("");
            const auto port = opt_int(co, "port", item);
            if (!port)
                fail_at(item, "port", "missing or null");
            if (*port < 1)
                fail_at(item, "port", "a port number starts at 1");
            c.port = *port;
            c.implanted = opt_bool(co, "implanted", item, true);
            c.fiber = opt_ref(co, "fiber", item);
            p.connections.push_back(std::move(c));
        }
    }
    return p;
}

cable parse_cable(const json::value& v, std::string_view where_text) {
    const path where(where_text);
    const auto& o = as_object(v, where);
    cable c;
    c.id = req_id(o, where);
    c.kind = opt_string(o, "kind", where).value_or("");
    c.name = opt_string(o, "name", where);
    c.project = opt_ref(o, "project", where);
    c.box_a = opt_ref(o, "boxA", where);
    c.box_b = opt_ref(o, "boxB", where);
    c.fiber_number = opt_int(o, "fiberNumber", where);
    c.length_m = opt_double(o, "length", where);
    c.implanted = opt_bool(o, "implanted", where, false);
    return c;
}

fiber parse_fiber(const json::value& v, std::string_view where_text) {
    const path where(where_text);
    const auto& o = as_object(v, where);
    fiber f;
    f.id = req_id(o, where);
    f.parent = opt_ref(o, "parent", where);
    f.name = opt_string(o, "name", where);
    f.fiber_number = opt_int(o, "fiberNumber", where);
    f.is_drop = opt_bool(o, "isDrop", where, false);
    if (const auto* connectors = opt_array(o, "connectors", where)) {
        const path at(where, "connectors");
        for (auto& id : slots_of(*connectors, at))
            if (id)
                f.connectors.push_back(std::move(*id));
    }
    return f;
}

olt parse_olt(const json::value& v, std::string_view where_text) {
    const path where(where_text);
    const auto& o = as_object(v, where);
    olt x;
    x.id = req_id(o, where);
    x.name = opt_string(o, "name", where).value_or("");
    x.label = opt_string(o, "label", where);
    x.ip = opt_string(o, "ip", where);
    x.parent = opt_ref(o, "parent", where);
    x.project = opt_ref(o, "project", where);
    return x;
}

slot parse_slot(const json::value& v, std::string_view where_text) {
    const path where(where_text);
    const auto& o = as_object(v, where);
    slot x;
    x.id = req_id(o, where);
    x.name = opt_string(o, "name", where).value_or("");
    x.label = opt_string(o, "label", where);
    x.olt = opt_ref(o, "olt", where);
    x.starting_pon_number = opt_int(o, "starting_pon_number", where);
    return x;
}

pon parse_pon(const json::value& v, std::string_view where_text) {
    const path where(where_text);
    const auto& o = as_object(v, where);
    pon x;
    x.id = req_id(o, where);
    x.name = opt_string(o, "name", where).value_or("");
    x.label = opt_string(o, "label", where);
    x.slot = opt_ref(o, "slot", where);
    x.parent = opt_ref(o, "parent", where);
    x.potency = opt_double(o, "potency", where);
    return x;
}

feasibility parse_feasibility(const json::value& v, std::string_view where_text) {
    const path where(where_text);
    const auto& o = as_object(v, where);
    feasibility f;
    {
        const auto* viable = find(o, "viable");
        if (absent(viable))
            fail_at(where, "viable", "missing or null");
        f.viable = opt_bool(o, "viable", where, false);
    }

    const auto& boxes = req_array(o, "boxes", where);
    const path ba(where, "boxes");
    f.boxes.reserve(boxes.size());
    for (std::size_t i = 0; i < boxes.size(); ++i) {
        const path item(ba, i);
        const auto& bo = as_object(boxes[i], item);
        feasible_box b;
        b.id = req_id(bo, item);
        b.name = req_string(bo, "name", item);
        b.position = req_position(bo, item);
        b.distance_m = opt_double(bo, "distance", item);
        b.project = opt_ref(bo, "project", item);
        b.implanted = opt_bool(bo, "implanted", item);
        b.availability = opt_int(bo, "availability", item);
        f.boxes.push_back(std::move(b));
    }

    // NOTE: refused_boxes was empty in every published example; whatever shape it has,
    // it never fails the answer.
    if (const auto* refused = find(o, "refused_boxes"); !absent(refused)) {
        if (const auto* a = refused->if_array()) {
            const path ra(where, "refused_boxes");
            for (std::size_t i = 0; i < a->size(); ++i) {
                const path item(ra, i);
                try {
                    f.refused.push_back(decode_refused((*a)[i], item));
                } catch (const error&) {
                    ++f.refused_skipped;
                }
            }
        } else {
            ++f.refused_skipped;
        }
    }
    return f;
}

}  // namespace ozmap::api
