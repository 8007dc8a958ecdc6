#include <ozmap/api/json_writer.hpp>
#include <ozmap/api/query.hpp>
#include <ozmap/detail/text.hpp>
#include <ozmap/error.hpp>

#include <charconv>
#include <cmath>
#include <string>
#include <type_traits>
#include <utility>

namespace ozmap::api {
namespace {

bool unreserved(unsigned char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

void percent_encode(std::string& out, unsigned char c) {
    static constexpr char hex[] = "0123456789ABCDEF";
    out.push_back('%');
    out.push_back(hex[c >> 4]);
    out.push_back(hex[c & 0x0F]);
}

std::string encode(std::string_view text) {
    std::string out;
    out.reserve(text.size() * 3);
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (unreserved(u))
            out.push_back(c);
        else
            percent_encode(out, u);
    }
    return out;
}

}  // namespace

// ---------------------------------------------------------------------------- encoding

std::string encode_path_segment(std::string_view text) {
    if (text == "." || text == "..") {
        std::string out;
        for (char c : text)
            percent_encode(out, static_cast<unsigned char>(c));
        return out;
    }
    return encode(text);
}

std::string encode_query_component(std::string_view text) {
    return encode(text);
}

std::size_t encoded_query_length(std::string_view text) noexcept {
    std::size_t n = 0;
    for (char c : text)
        n += unreserved(static_cast<unsigned char>(c)) ? 1 : 3;
    return n;
}

std::string format_number(double value) {
    if (!std::isfinite(value))
        throw_invalid_input("a number sent to OZmap must be finite");
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

// ---------------------------------------------------------------------------- JSON
// writer

bool valid_utf8(std::string_view text) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const auto* const end = p + text.size();
    while (p < end) {
        const unsigned c = *p;
        if (c < 0x80) {
            ++p;
            continue;
        }
        int extra = 0;
        std::uint32_t cp = 0;
        if (c >= 0xC2 && c <= 0xDF) {
            extra = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (end - p <= extra)
            return false;
        for (int i = 1; i <= extra; ++i) {
            const unsigned cc = p[i];
            if ((cc & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return false;
        p += extra + 1;
    }
    return true;
}

void append_json_string(std::string& out, std::string_view text) {
    if (!valid_utf8(text))
        throw_invalid_input("a text sent to OZmap is not valid UTF-8");
    static constexpr char hex[] = "0123456789abcdef";
    out.push_back('"');
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        default:
            if (u < 0x20) {
                out += "\\u00";
                out.push_back(hex[u >> 4]);
                out.push_back(hex[u & 0x0F]);
            } else {
                out.push_back(c);
            }
        }
    }
    out.push_back('"');
}

void json_writer::before_value() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (!first_.empty()) {
        if (!first_.back())
            out_.push_back(',');
        first_.back() = false;
    }
}

json_writer& json_writer::begin_object() {
    before_value();
    out_.push_back('{');
    first_.push_back(true);
    return *this;
}

json_writer& json_writer::end_object() {
    out_.push_back('}');
    if (!first_.empty())
        first_.pop_back();
    return *this;
}

json_writer& json_writer::begin_array() {
    before_value();
    out_.push_back('[');
    first_.push_back(true);
    return *this;
}

json_writer& json_writer::end_array() {
    out_.push_back(']');
    if (!first_.empty())
        first_.pop_back();
    return *this;
}

json_writer& json_writer::key(std::string_view name) {
    before_value();
    append_json_string(out_, name);
    out_.push_back(':');
    after_key_ = true;
    return *this;
}

json_writer& json_writer::string(std::string_view text) {
    // NOTE: validate before touching the comma state, so a rejected value leaves the
    // writer as it was.
    if (!valid_utf8(text))
        throw_invalid_input("a text sent to OZmap is not valid UTF-8");
    before_value();
    append_json_string(out_, text);
    return *this;
}

json_writer& json_writer::number(double value) {
    auto text = format_number(value);
    before_value();
    out_ += text;
    return *this;
}

json_writer& json_writer::integer(std::int64_t value) {
    before_value();
    out_ += std::to_string(value);
    return *this;
}

json_writer& json_writer::boolean(bool value) {
    before_value();
    out_ += value ? "true" : "false";
    return *this;
}

json_writer& json_writer::null() {
    before_value();
    out_ += "null";
    return *this;
}

// ---------------------------------------------------------------------------- filters

std::string_view to_string(filter_op op) noexcept {
    switch (op) {
    case filter_op::equals:
        return "=";
    case filter_op::not_equals:
        return "!=";
    case filter_op::in:
        return "in";
    case filter_op::near:
        return "near";
    }
    return "?";
}

filter filter::equals(std::string property, filter_value value) {
    return filter{std::move(property), filter_op::equals, std::move(value)};
}

filter filter::not_equals(std::string property, filter_value value) {
    return filter{std::move(property), filter_op::not_equals, std::move(value)};
}

filter filter::in(std::string property, std::vector<std::string> values) {
    return filter{std::move(property), filter_op::in, std::move(values)};
}

filter filter::near(std::string property, double lat, double lng,
                    std::optional<double> radius_m) {
    return filter{std::move(property), filter_op::near, near_point{lat, lng, radius_m}};
}

namespace {

void write_value(json_writer& out, const filter& f) {
    std::visit(
        [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            const bool is_list = std::is_same_v<T, std::vector<std::string>>;
            const bool is_point = std::is_same_v<T, near_point>;
            if (f.op == filter_op::in && !is_list)
                throw_invalid_input(detail::str("filter on '", f.property,
                                                "': 'in' needs a list of strings"));
            if (f.op == filter_op::near && !is_point)
                throw_invalid_input(
                    detail::str("filter on '", f.property, "': 'near' needs a point"));
            if (f.op != filter_op::in && f.op != filter_op::near &&
                (is_list || is_point))
                throw_invalid_input(detail::str("filter on '", f.property,
                                                "': a list or point needs 'in' or "
                                                "'near'"));

            if constexpr (std::is_same_v<T, std::nullptr_t>) {
                out.null();
            } else if constexpr (std::is_same_v<T, bool>) {
                out.boolean(v);
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
                out.integer(v);
            } else if constexpr (std::is_same_v<T, double>) {
                out.number(v);
            } else if constexpr (std::is_same_v<T, std::string>) {
                out.string(v);
            } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
                out.begin_array();
                for (const auto& item : v)
                    out.string(item);
                out.end_array();
            } else {
                out.begin_object();
                out.key("lat").number(v.lat);
                out.key("lng").number(v.lng);
                if (v.radius_m)
                    out.key("radius").number(*v.radius_m);
                out.end_object();
            }
        },
        f.value);
}

}  // namespace

std::string filters_to_json(std::span<const filter> filters) {
    json_writer out;
    out.begin_array();
    for (const auto& f : filters) {
        if (f.property.empty())
            throw_invalid_input("a filter needs a property name");
        out.begin_object();
        out.key("property").string(f.property);
        out.key("operator").string(to_string(f.op));
        out.key("value");
        write_value(out, f);
        out.end_object();
    }
    out.end_array();
    return out.take();
}

// ---------------------------------------------------------------------------- query

query& query::add(std::string_view name, std::string_view value) {
    if (!text_.empty())
        text_.push_back('&');
    text_ += encode(name);
    text_.push_back('=');
    text_ += encode(value);
    return *this;
}

query& query::add_integer(std::string_view name, std::int64_t value) {
    return add(name, std::to_string(value));
}

query& query::add_number(std::string_view name, double value) {
    return add(name, format_number(value));
}

query& query::add_filters(std::span<const filter> filters) {
    if (filters.empty())
        return *this;
    return add("filter", filters_to_json(filters));
}

}  // namespace ozmap::api
