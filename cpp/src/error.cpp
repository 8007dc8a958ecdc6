#include <ozmap/error.hpp>

#include <utility>

namespace ozmap {

std::string_view to_string(error_kind kind) noexcept {
    switch (kind) {
    case error_kind::configuration:
        return "configuration";
    case error_kind::invalid_input:
        return "invalid_input";
    case error_kind::transport:
        return "transport";
    case error_kind::timeout:
        return "timeout";
    case error_kind::tls:
        return "tls";
    case error_kind::http_status:
        return "http_status";
    case error_kind::authentication:
        return "authentication";
    case error_kind::rate_limited:
        return "rate_limited";
    case error_kind::decode:
        return "decode";
    case error_kind::not_found:
        return "not_found";
    case error_kind::conflict:
        return "conflict";
    case error_kind::ambiguous:
        return "ambiguous";
    }
    return "unknown";
}

error::error(error_kind kind, const std::string& message, error_details details)
    : std::runtime_error(message), kind_(kind), details_(std::move(details)) {}

void throw_error(error_kind kind, const std::string& message, error_details details) {
    throw error(kind, message, std::move(details));
}

}  // namespace ozmap
