// A small writer for compact JSON request bodies and filters, so code that only sends
// JSON needs no Boost.JSON headers. Numbers come out in their shortest exact form
// ("-27.5866", not "-2.75866E1").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ozmap::api {

// Writes one JSON value, left to right. Misnesting is a programming error the writer
// does not try to detect; non-finite numbers and invalid UTF-8 throw invalid_input.
class json_writer {
public:
    json_writer& begin_object();
    json_writer& end_object();
    json_writer& begin_array();
    json_writer& end_array();

    // The key of the next member of the current object.
    json_writer& key(std::string_view name);

    // NOTE: distinct names, not overloads: a string literal would otherwise convert to
    // bool before it converted to std::string_view.
    json_writer& string(std::string_view text);
    json_writer& number(double value);
    json_writer& integer(std::int64_t value);
    json_writer& boolean(bool value);
    json_writer& null();

    const std::string& str() const noexcept { return out_; }
    std::string take() { return std::move(out_); }

private:
    void before_value();

    std::string out_;
    std::vector<bool> first_;  // per open container: nothing written into it yet
    bool after_key_ = false;
};

// Appends text as a quoted JSON string. Throws invalid_input unless text is valid
// UTF-8.
void append_json_string(std::string& out, std::string_view text);

// Whether text is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool valid_utf8(std::string_view text) noexcept;

}  // namespace ozmap::api
