// The one error type of the core. Every failure the core reports is an ozmap::error
// carrying a kind; the Python bindings map each kind to one exception class.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ozmap {

enum class error_kind {
    configuration,
    invalid_input,
    transport,
    timeout,
    tls,
    http_status,
    authentication,
    rate_limited,
    decode,
    not_found,
    conflict,
    ambiguous,
};

// The stable lowercase name of a kind ("invalid_input", "timeout", ...).
std::string_view to_string(error_kind kind) noexcept;

// What an error may carry besides its kind and message. Empty fields mean "not known".
struct error_details {
    std::string operation;  // e.g. "GET /api/v2/boxes", "reserve"
    int status = 0;         // HTTP status, 0 when there was no response
    std::optional<double> retry_after_s;
    std::string field;         // the JSON field a decode error is about
    std::string body_excerpt;  // short, already redacted
};

class error : public std::runtime_error {
public:
    error(error_kind kind, const std::string& message, error_details details = {});

    error_kind kind() const noexcept { return kind_; }
    const error_details& details() const noexcept { return details_; }
    const std::string& operation() const noexcept { return details_.operation; }
    int status() const noexcept { return details_.status; }
    std::optional<double> retry_after() const noexcept {
        return details_.retry_after_s;
    }
    const std::string& field() const noexcept { return details_.field; }

private:
    error_kind kind_;
    error_details details_;
};

[[noreturn]] void throw_error(error_kind kind, const std::string& message,
                              error_details details = {});

[[noreturn]] inline void throw_invalid_input(const std::string& message) {
    throw_error(error_kind::invalid_input, message);
}

}  // namespace ozmap
