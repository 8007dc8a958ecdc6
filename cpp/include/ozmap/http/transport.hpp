// The HTTP layer's contract: requests and responses as plain data, and a transport that
// sends one request and returns its response. The API layer depends only on this
// header, so its tests can run against a scripted transport without sockets.
#pragma once

#include <ozmap/log.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ozmap::http {

enum class verb { get, post, patch, put, delete_ };

std::string_view to_string(verb v) noexcept;

struct header {
    std::string name;
    std::string value;
};

struct request {
    verb method = verb::get;
    std::string target;  // origin-form, already encoded: "/api/v2/boxes?limit=10"
    std::vector<header> headers;
    std::string body;  // sent with Content-Type: application/json when not empty

    // Whether sending it twice is harmless. GET, PUT and DELETE are; POST and PATCH are
    // not unless the caller knows better.
    bool idempotent() const noexcept;
};

struct response {
    int status = 0;
    std::vector<header> headers;
    std::string body;

    // Case-insensitive lookup of the first header with that name.
    std::optional<std::string_view> find_header(std::string_view name) const;
};

// Where requests go. Parsed from a URL by ozmap::api (which owns OZmap's rules for it).
struct endpoint {
    bool tls = true;
    std::string host;
    std::uint16_t port = 443;
};

struct timeouts {
    std::chrono::milliseconds connect{5'000};
    std::chrono::milliseconds tls_handshake{5'000};
    std::chrono::milliseconds idle_read{15'000};  // no byte for this long: give up
    std::chrono::milliseconds total{30'000};  // one send(), retries and waits included
};

struct retry_policy {
    int max_attempts = 3;  // 1 = no retry (a stale keep-alive resend is not counted)
    std::chrono::milliseconds base_delay{200};
    std::chrono::milliseconds max_delay{2'000};
};

struct options {
    timeouts deadlines;
    retry_policy retries;
    std::size_t body_limit = 64u * 1024u * 1024u;
    std::size_t header_limit = 16u * 1024u;
    std::size_t max_connections = 4;  // kept alive and idle per transport
    // A pooled connection idle for longer than this is closed instead of reused.
    std::chrono::milliseconds keep_alive_idle{30'000};
    // A request that is not idempotent reuses a pooled connection only when it has been
    // idle for less than this: a connection the server is about to close would turn a
    // POST into an ambiguous outcome. Older ones are left for idempotent requests.
    std::chrono::milliseconds write_reuse_idle{2'000};
    std::string ca_file;  // extra trusted CA (PEM), besides the system store
    bool insecure_skip_tls_verify = false;
    std::string user_agent = "ozmap-connector";
    // Strings that must never appear in a log line or an error message (the token).
    std::vector<std::string> secrets;
};

// Sends requests to one endpoint. Thread-safe: many threads may call send() at once.
//
// send() returns the response for any status except redirects, which are not followed:
// a 3xx throws an http_status error naming the target (the request, and its
// Authorization header, never goes anywhere but the endpoint). Failures throw
// ozmap::error: transport (refused, DNS, reset, truncated, malformed, over a limit),
// timeout, tls, and ambiguous when a non-idempotent request may have reached the server
// but no usable response came back. Messages never contain options.secrets. A target
// that does not start with '/' or holds a space or control character, and a header
// holding CR, LF or NUL, are refused as invalid_input before anything is sent.
//
// Idempotent requests are retried within the total deadline with exponential backoff
// and jitter on transport failures, timeouts, 500/502/503/504, and 429 whose
// Retry-After fits (see ozmap/http/retry.hpp; a 503's Retry-After is honoured too).
// When the retries are used up, or the wait does not fit, the last 429 or 5xx response
// is returned, Retry-After included, and the caller maps it. A request that is not
// idempotent is never retried: a failure before it was written (refused, DNS, TLS,
// connect timeout) is a transport, tls or timeout error, since nothing reached the
// server; any failure after is ambiguous. An idempotent request whose reused keep-alive
// connection turns out closed is resent once on a new connection, outside the attempt
// count.
class transport {
public:
    virtual ~transport() = default;
    virtual response send(const request& req) = 0;
};

// The real transport: Boost.Beast over TCP or TLS with a keep-alive pool. It logs
// through `logger` as given (callers pass e.g. logger.child("http")): a debug line per
// attempt (method, path without its query, status, time), a warning per retry, and a
// warning at construction when TLS verification is off. Throws a configuration error
// for an unusable endpoint, deadline, limit or CA file.
std::shared_ptr<transport> make_beast_transport(endpoint target, options opts,
                                                log::logger logger);

}  // namespace ozmap::http
