// The OZmap API v2 client: endpoints, status mapping, pagination and typed helpers, on
// top of any http::transport.
//
// Every request carries "Authorization: <raw token>" and "Accept: application/json".
// Statuses become ozmap::error kinds:
//   401, 403       authentication
//   404            not_found (delete and the client-code lookup turn it into a value)
//   409            conflict
//   422            conflict for a port write (create or move a property: the port was
//                  taken or refused), http_status otherwise
//   429            rate_limited, with retry_after from Retry-After (seconds or a date)
//   other >= 400   http_status
// Error messages show OZmap's `message` (else `error`, else a short excerpt of the
// body), never the token; details().operation is like "GET /api/v2/boxes".
//
// A client holds no mutable state besides a request counter, so one instance may be
// shared by many threads when its transport may (the Beast transport may).
//
// TODO: no automatic re-login on 401 as OZmap's SDK does: API keys carry no expiry, and
// a session token from login() is the caller's to renew. Whether OZmap answers 400 or
// 422 to an invalid body is unconfirmed; 422 on a port write is read as "port refused".
#pragma once

#include <ozmap/api/base_url.hpp>
#include <ozmap/api/bodies.hpp>
#include <ozmap/api/models.hpp>
#include <ozmap/api/query.hpp>
#include <ozmap/http/transport.hpp>
#include <ozmap/log.hpp>

#include <boost/json/fwd.hpp>

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ozmap::api {

struct client_options {
    // Rows asked per page (`limit`), 1..1000; OZmap's own cap is unknown, the
    // simulator's is 1000.
    std::size_t page_size = 500;
    // Pages fetched for one listing (per `in` chunk) before giving up.
    std::size_t max_pages = 200;
    // Longest origin-form target (path and query) a request may have; a long `in`
    // filter is split into several requests to stay under it.
    std::size_t max_target_length = 6'000;
    json_limits json;
};

struct list_options {
    std::vector<filter> filters;  // sent as one flat array (AND)
    std::string select;           // OZmap's `select`, e.g. "name"; empty: all fields
    std::optional<std::size_t> max_rows;  // stop once this many rows were collected
};

// The rows of a listing, and whether paging ran to its natural end.
template <typename T>
struct listing {
    std::vector<T> rows;
    // False when a loop guard stopped paging early: a repeated page URL, a page of
    // rows already seen, an empty page that still claimed a next page, or max_pages.
    bool complete = true;
    std::string stop_reason;  // empty when complete
    std::size_t requests = 0;
};

// Whether a write can be refused because of the port it asks for; decides what 422
// means.
enum class write_kind { plain, port };

enum class delete_outcome { deleted, not_found };

class client {
public:
    // `url` and `port` as parse_base_url takes them. The token is trimmed; an empty
    // token is allowed only for login(): any other call then throws a configuration
    // error. A token with control characters throws a configuration error.
    client(std::string_view url, int port, std::string token,
           std::shared_ptr<http::transport> transport, log::logger logger,
           std::size_t page_size = 500);
    client(base_url base, std::string token, std::shared_ptr<http::transport> transport,
           log::logger logger, client_options options = {});

    const base_url& base() const noexcept { return base_; }
    const client_options& options() const noexcept { return options_; }

    // Requests handed to the transport since construction (the transport's own retries
    // are not counted).
    std::size_t request_count() const noexcept;

    // ------------------------------------------------------------------ generic
    // `route` is relative to the base path, e.g. "boxes" or "ftth-viability/radius";
    // ids are percent-encoded as one path segment.

    // GET route?params, the JSON answer of a 2xx.
    boost::json::value get(std::string_view route, const query& params = {}) const;

    // Every row of a list endpoint, following both pagination forms: hasNextPage with
    // nextUrl (followed only when it points at this origin and route and carries a
    // limit; otherwise the next page is built here), and the legacy total/start/limit.
    // An `in` filter whose request would exceed max_target_length is split into
    // chunks; rows come in chunk order, then server order, each id once. An `in` with
    // no values gives an empty listing without any request.
    listing<boost::json::value> list(std::string_view route,
                                     const list_options& options = {}) const;

    // GET route/{id}; 404 throws not_found.
    boost::json::value get_by_id(std::string_view route, std::string_view id) const;

    // POST route with a JSON body; expects 201 (any 2xx) and the created document.
    boost::json::value create(std::string_view route, std::string_view json_body,
                              write_kind kind = write_kind::plain) const;

    // PATCH route/{id} with a partial JSON body; expects 204 (any 2xx; a body is
    // ignored).
    void update(std::string_view route, std::string_view id, std::string_view json_body,
                write_kind kind = write_kind::plain) const;

    // DELETE route/{id}; 404 is reported as not_found rather than thrown, so callers
    // can treat "already gone" as done.
    delete_outcome remove(std::string_view route, std::string_view id) const;

    // POST users/login?type=API; returns the session token from `authorization`
    // (or `authenticationKey`). Neither the password nor the token is ever logged.
    std::string login(std::string_view user, std::string_view password) const;

    // GET authenticated: true on 2xx, false on 401/403; other failures throw.
    bool authenticated() const;

    // ------------------------------------------------------------------ typed
    box get_box(std::string_view id) const;
    listing<box> list_boxes(const list_options& options = {}) const;
    // Boxes whose coords are within radius_m of (lat, lng), nearest first as OZmap
    // sends them. Coordinates and radius are validated first (invalid_input).
    listing<box> list_boxes_near(double lat, double lng, double radius_m) const;

    splitter get_splitter(std::string_view id) const;
    // Splitters whose parent is one of box_ids, in one `in` query (split when long);
    // duplicate ids are sent once.
    listing<splitter>
    list_splitters_of_boxes(std::span<const std::string> box_ids) const;

    property get_property(std::string_view id) const;
    // GET properties/client/{code}, the code trimmed and encoded as one segment. A bare
    // array; an empty vector when there is none (404 included).
    std::vector<property> properties_by_client_code(std::string_view code) const;
    property create_property(const property_create& body) const;
    void update_property(std::string_view id, const property_update& body) const;
    delete_outcome delete_property(std::string_view id) const;

    ftth_client get_client(std::string_view id) const;
    void update_client(std::string_view id, const ftth_client_update& body) const;
    delete_outcome delete_client(std::string_view id) const;

    cable get_cable(std::string_view id) const;
    delete_outcome delete_cable(std::string_view id) const;
    fiber get_fiber(std::string_view id) const;

    olt get_olt(std::string_view id) const;
    slot get_slot(std::string_view id) const;
    pon get_pon(std::string_view id) const;

    // GET ftth-viability/radius?lat&lng[&radius]. Without a radius OZmap uses its own
    // configured default.
    feasibility viability(double lat, double lng,
                          std::optional<double> radius_m = std::nullopt) const;

    listing<project> list_projects(const list_options& options = {}) const;

private:
    http::response send(http::verb method, std::string target, std::string body,
                        bool needs_token, std::string_view secret = {}) const;
    std::string path_of(std::string_view route) const;
    std::string path_of(std::string_view route, std::string_view id) const;

    base_url base_;
    std::string token_;
    std::shared_ptr<http::transport> transport_;
    log::logger logger_;
    client_options options_;
    // NOTE: behind a pointer so that a client stays movable.
    std::unique_ptr<std::atomic<std::size_t>> requests_;
};

// A client over the Beast transport for the URL's endpoint, with the token registered
// as a secret the transport redacts too.
std::shared_ptr<client> make_client(std::string_view url, int port, std::string token,
                                    http::options transport_options = {},
                                    log::logger logger = {},
                                    client_options options = {});

}  // namespace ozmap::api
