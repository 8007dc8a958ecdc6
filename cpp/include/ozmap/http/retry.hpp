// The transport's retry policy as pure functions, so that it can be tested without
// sockets and so that the API layer reads Retry-After the same way the transport does.
#pragma once

#include <ozmap/http/transport.hpp>

#include <chrono>
#include <optional>
#include <string_view>

namespace ozmap::http {

// The wait a Retry-After value asks for, counted from now: delta-seconds ("120") or an
// HTTP date (IMF-fixdate, and the obsolete RFC 850 and asctime forms, all in GMT). A
// date in the past gives zero. Anything else, including a negative or fractional
// number, gives nothing. Very large waits are capped at one day.
std::optional<std::chrono::milliseconds>
parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now);

// Whether a response with this status is worth retrying for an idempotent request:
// 429, 500, 502, 503 and 504.
bool is_retryable_status(int status) noexcept;

// The wait before retry number `retry` (1 for the first retry): base_delay doubled
// each time, capped at max_delay, with "equal jitter": a point in the upper half of
// that, chosen by `unit` (a random draw in [0, 1), passed in so tests can pin it).
std::chrono::milliseconds backoff_delay(const retry_policy& policy, int retry,
                                        double unit) noexcept;

}  // namespace ozmap::http
