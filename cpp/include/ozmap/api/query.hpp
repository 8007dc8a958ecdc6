// Building request targets: percent-encoding, OZmap list filters as compact JSON, and
// query strings. Nothing here talks to the network.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ozmap::api {

// Percent-encodes every byte outside the unreserved set (A-Z a-z 0-9 - . _ ~), so the
// result is exactly one path segment: "CLI/2026/42" -> "CLI%2F2026%2F42",
// "Nº 7#B" -> "N%C2%BA%207%23B". The segments "." and ".." have their dots encoded too,
// so no server or proxy can treat them as dot-segments.
std::string encode_path_segment(std::string_view text);

// Percent-encodes a query name or value with the same unreserved set; a space becomes
// "%20", never '+'.
std::string encode_query_component(std::string_view text);

// The number of bytes encode_query_component(text) would produce.
std::size_t encoded_query_length(std::string_view text) noexcept;

// Shortest text that reads back as the same double ("-27.5866", "250", "1e+21").
// Throws invalid_input for NaN and infinities, which JSON cannot carry.
std::string format_number(double value);

// The filter operators the connector sends. OZmap knows more (like, <, within, ...);
// add them here when a workflow needs one.
// TODO: no `sort` and no `populate` yet: the workflows need neither, and OZmap's
// `populate` syntax is unconfirmed. Nested filter arrays are not built either (their
// AND/OR meaning is unconfirmed).
enum class filter_op { equals, not_equals, in, near };

// The operator as OZmap spells it: "=", "!=", "in", "near".
std::string_view to_string(filter_op op) noexcept;

// A point for `near`, with an optional radius in metres. Sent as
// {"lat","lng","radius"}.
struct near_point {
    double lat = 0.0;
    double lng = 0.0;
    std::optional<double> radius_m;
};

using filter_value = std::variant<std::nullptr_t, bool, std::int64_t, double,
                                  std::string, std::vector<std::string>, near_point>;

// One condition of OZmap's `filter` array: {property, operator, value}.
struct filter {
    std::string property;
    filter_op op = filter_op::equals;
    filter_value value;

    static filter equals(std::string property, filter_value value);
    static filter not_equals(std::string property, filter_value value);
    static filter in(std::string property, std::vector<std::string> values);
    static filter near(std::string property, double lat, double lng,
                       std::optional<double> radius_m = std::nullopt);
};

// Compact JSON for a flat filter array, keys in the order property, operator, value:
// [{"property":"parent","operator":"in","value":["a","b"]}]. Throws invalid_input for
// an empty property, `in` without a list of strings, `near` without a point, a list
// value with another operator, non-finite numbers and strings that are not valid UTF-8.
std::string filters_to_json(std::span<const filter> filters);

// A query string under construction: names and values are encoded as they are added,
// in the order they are added.
class query {
public:
    query& add(std::string_view name, std::string_view value);
    query& add_integer(std::string_view name, std::int64_t value);
    query& add_number(std::string_view name, double value);  // format_number(value)
    // filter=<encoded JSON>; adds nothing for an empty span.
    query& add_filters(std::span<const filter> filters);

    // "name=value&name=value", without the leading '?'.
    const std::string& str() const noexcept { return text_; }
    bool empty() const noexcept { return text_.empty(); }

private:
    std::string text_;
};

}  // namespace ozmap::api
