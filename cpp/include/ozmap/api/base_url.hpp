// Where the OZmap API lives: a tenant URL as people write it, normalised to the
// endpoint the transport connects to and the path every route hangs under.
#pragma once

#include <ozmap/http/transport.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace ozmap::api {

// OZmap serves its REST API on this port unless the URL names another one.
inline constexpr int default_port = 9994;

struct base_url {
    http::endpoint endpoint;
    std::string
        base_path;  // "/api/v2", or "/prefix/api/v2" behind a proxy; no final '/'

    // "https://tenant.ozmap.com.br:9994": scheme, host and port, always explicit.
    std::string origin() const;
    // origin() + base_path.
    std::string str() const;
};

// Accepts "https://x.ozmap.com.br", "x.ozmap.com.br" (https assumed),
// "http://127.0.0.1:8080", and URLs that already end in ":port", "/api/v2" or '/'.
// The scheme and host are lowercased; `port` is used when the URL names none; "/api/v2"
// is appended unless the path already ends with it (never doubled). IPv6 literals are
// written in brackets and stored without them.
//
// Throws a configuration error for an empty URL, a scheme other than http or https,
// userinfo ("user:pass@"), a query or fragment, spaces, control or non-ASCII
// characters, a missing host, a port that is not a number in 1..65535, and a path
// ending in another API version ("/api/v1").
base_url parse_base_url(std::string_view url, int port = default_port);

// Turns a URL the server sent back (a nextUrl) into an origin-form target for our own
// endpoint: "/api/v2/boxes?page=2" is kept; "https://host:port/..." is kept only when
// scheme, host and port are ours; "?page=2" is resolved against `current_path`.
// Anything else (another host or port, userinfo, a relative path without '/', spaces,
// control or non-ASCII characters, a fragment) gives nullopt, so the token never
// travels to a host the caller did not configure.
std::optional<std::string> same_origin_target(std::string_view url,
                                              const base_url& base,
                                              std::string_view current_path);

}  // namespace ozmap::api
