#include <ozmap/api/client.hpp>
#include <ozmap/api/json_writer.hpp>
#include <ozmap/detail/text.hpp>
#include <ozmap/error.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <unordered_set>
#include <utility>
#include <variant>

namespace ozmap::api {
namespace json = boost::json;

namespace {

using clock = std::chrono::steady_clock;

constexpr std::size_t max_message_bytes = 300;
constexpr std::size_t max_excerpt_bytes = 200;
constexpr std::size_t max_logged_target = 240;
// Error bodies larger than this are not parsed for a message, only excerpted.
constexpr std::size_t max_error_json_bytes = 64u * 1024u;

bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view text) noexcept {
    while (!text.empty() && is_space(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && is_space(text.back()))
        text.remove_suffix(1);
    return text;
}

// Cuts text to at most max bytes without splitting a UTF-8 sequence.
std::string_view cut_utf8(std::string_view text, std::size_t max) noexcept {
    if (text.size() <= max)
        return text;
    std::size_t n = max;
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80)
        --n;
    return text.substr(0, n);
}

// Replaces secrets with "***", control characters with spaces, and cuts to max bytes.
// NOTE: redaction runs on a window larger than the cut by the secret's length, so a
// secret that straddles the cut is still replaced whole, never left half visible.
std::string clean_text(std::string_view text, std::size_t max, std::string_view secret1,
                       std::string_view secret2) {
    const std::size_t window =
        std::min(text.size(), max + std::max(secret1.size(), secret2.size()) + 1);
    std::string out = log::redact(text.substr(0, window), secret1);
    out = log::redact(out, secret2);
    for (char& c : out) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F)
            c = ' ';
    }
    const auto cut = cut_utf8(out, max);
    std::string result(cut);
    if (cut.size() < out.size() || window < text.size())
        result += "...";
    return result;
}

std::string_view reason_phrase(int status) noexcept {
    switch (status) {
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 414:
        return "URI Too Long";
    case 422:
        return "Unprocessable Entity";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "";
    }
}

// OZmap's explanation in an error body: `message`, else `error` (a string, or an object
// with a message). nullopt when the body is not such JSON.
std::optional<std::string> server_message(std::string_view body) {
    const auto trimmed = trim(body);
    if (trimmed.empty() || trimmed.front() != '{' || body.size() > max_error_json_bytes)
        return std::nullopt;
    json::value doc;
    try {
        json_limits limits;
        limits.max_bytes = max_error_json_bytes;
        limits.max_depth = 16;
        doc = parse_json(body, limits);
    } catch (const error&) {
        return std::nullopt;
    }
    const auto& o = doc.get_object();
    auto text_of = [](const json::value* v) -> std::optional<std::string> {
        if (v == nullptr)
            return std::nullopt;
        if (const auto* s = v->if_string(); s && !trim(*s).empty())
            return std::string(s->data(), s->size());
        return std::nullopt;
    };
    if (auto m = text_of(o.if_contains("message")))
        return m;
    if (auto m = text_of(o.if_contains("error")))
        return m;
    if (const auto* e = o.if_contains("error"); e && e->is_object())
        if (auto m = text_of(e->get_object().if_contains("message")))
            return m;
    return std::nullopt;
}

// ----------------------------------------------------------------------------
// Retry-After

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::optional<unsigned> digits(std::string_view text) noexcept {
    if (text.empty() || text.size() > 9)
        return std::nullopt;
    unsigned value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    return value;
}

// Seconds since the epoch of an IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
std::optional<std::int64_t> parse_http_date(std::string_view text) {
    const auto comma = text.find(", ");
    if (comma == std::string_view::npos)
        return std::nullopt;
    text.remove_prefix(comma + 2);
    // "06 Nov 1994 08:49:37 GMT"
    if (text.size() != 24 || text[2] != ' ' || text[6] != ' ' || text[11] != ' ' ||
        text[14] != ':' || text[17] != ':' || text.substr(20) != " GMT")
        return std::nullopt;
    static constexpr std::string_view months[] = {"Jan", "Feb", "Mar", "Apr",
                                                  "May", "Jun", "Jul", "Aug",
                                                  "Sep", "Oct", "Nov", "Dec"};
    const auto month_text = text.substr(3, 3);
    unsigned month = 0;
    for (unsigned i = 0; i < 12; ++i)
        if (months[i] == month_text)
            month = i + 1;
    const auto day = digits(text.substr(0, 2));
    const auto year = digits(text.substr(7, 4));
    const auto hh = digits(text.substr(12, 2));
    const auto mm = digits(text.substr(15, 2));
    const auto ss = digits(text.substr(18, 2));
    if (month == 0 || !day || !year || !hh || !mm || !ss || *day < 1 || *day > 31 ||
        *hh > 23 || *mm > 59 || *ss > 60)
        return std::nullopt;
    return days_from_civil(*year, month, *day) * 86400 + *hh * 3600 + *mm * 60 + *ss;
}

// Retry-After as seconds from now: a delay in seconds or an HTTP date (never negative).
// TODO: the obsolete RFC 850 and asctime date forms are not read; no server seen sends
// them, and an unreadable value only means no retry_after hint.
std::optional<double> retry_after_seconds(const http::response& r) {
    const auto header = r.find_header("Retry-After");
    if (!header)
        return std::nullopt;
    const auto text = trim(*header);
    if (const auto seconds = digits(text))
        return static_cast<double>(*seconds);
    if (const auto when = parse_http_date(text)) {
        const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        return static_cast<double>(std::max<std::int64_t>(0, *when - now));
    }
    return std::nullopt;
}

// ---------------------------------------------------------------------------- errors

[[noreturn]] void rethrow_with_operation(const error& e, const std::string& operation) {
    auto details = e.details();
    details.operation = operation;
    throw error(e.kind(), detail::str(operation, ": ", e.what()), std::move(details));
}

// Runs a decoding step and names the request in the decode errors it throws.
template <typename F>
auto decoding(const std::string& operation, F&& step) -> decltype(step()) {
    try {
        return step();
    } catch (const error& e) {
        if (e.kind() != error_kind::decode || !e.operation().empty())
            throw;
        rethrow_with_operation(e, operation);
    }
}

std::string operation_of(http::verb method, std::string_view target) {
    return detail::str(http::to_string(method), ' ',
                       target.substr(0, target.find('?')));
}

[[noreturn]] void throw_for_status(const http::response& r,
                                   const std::string& operation, write_kind kind,
                                   std::string_view token, std::string_view secret) {
    error_kind error = error_kind::http_status;
    switch (r.status) {
    case 401:
    case 403:
        error = error_kind::authentication;
        break;
    case 404:
        error = error_kind::not_found;
        break;
    case 409:
        error = error_kind::conflict;
        break;
    case 422:
        error =
            kind == write_kind::port ? error_kind::conflict : error_kind::http_status;
        break;
    case 429:
        error = error_kind::rate_limited;
        break;
    default:
        break;
    }

    error_details details;
    details.operation = operation;
    details.status = r.status;
    details.body_excerpt = clean_text(r.body, max_excerpt_bytes, token, secret);
    if (error == error_kind::rate_limited)
        details.retry_after_s = retry_after_seconds(r);

    std::string message = detail::str(operation, ": HTTP ", r.status,
                                      reason_phrase(r.status).empty() ? "" : " ",
                                      reason_phrase(r.status));
    if (const auto text = server_message(r.body))
        message += ": " + clean_text(*text, max_message_bytes, token, secret);
    else if (!trim(r.body).empty() && trim(r.body).front() != '<')
        message += ": " + details.body_excerpt;  // not an HTML error page
    if (error == error_kind::authentication)
        message += " (check the API token, and that its user has the API module)";
    if (error == error_kind::rate_limited && details.retry_after_s)
        message += detail::str(" (retry after ", *details.retry_after_s, " s)");
    throw ozmap::error(error, message, std::move(details));
}

void check_status(const http::response& r, const std::string& operation,
                  write_kind kind, std::string_view token,
                  std::string_view secret = {}) {
    if (r.status >= 200 && r.status < 300)
        return;
    throw_for_status(r, operation, kind, token, secret);
}

// The response body as JSON; invalid JSON is a decode error naming the request, with a
// short excerpt (an HTML page from a proxy is the usual culprit).
json::value decode_body(const http::response& r, const std::string& operation,
                        const json_limits& limits, std::string_view token) {
    try {
        return parse_json(r.body, limits);
    } catch (const error& e) {
        auto details = e.details();
        details.operation = operation;
        details.status = r.status;
        details.body_excerpt = clean_text(r.body, 80, token, {});
        std::string message = detail::str(operation, ": ", e.what());
        if (const auto type = r.find_header("Content-Type");
            type && type->find("json") == std::string_view::npos)
            message +=
                detail::str(" (Content-Type: ", clean_text(*type, 60, token, {}), ')');
        throw error(error_kind::decode, message, std::move(details));
    }
}

[[noreturn]] void decode_failure(const std::string& operation, const std::string& field,
                                 std::string_view problem) {
    error_details details;
    details.operation = operation;
    details.field = field;
    throw_error(
        error_kind::decode,
        detail::str(operation, ": ", field.empty() ? "document" : field, ": ", problem),
        std::move(details));
}

void validate_route(std::string_view route) {
    const bool ok = !route.empty() && route.front() != '/' && route.back() != '/' &&
                    std::all_of(route.begin(), route.end(), [](char c) {
                        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                               c == '-' || c == '/' || c == '_';
                    });
    if (!ok)
        throw_invalid_input(detail::str("not an OZmap route: '", route, "'"));
}

bool has_query_param(std::string_view target, std::string_view name) {
    const auto q = target.find('?');
    if (q == std::string_view::npos)
        return false;
    auto rest = target.substr(q + 1);
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const auto item = rest.substr(0, amp);
        if (item.size() > name.size() && item.starts_with(name) &&
            item[name.size()] == '=')
            return true;
        if (amp == std::string_view::npos)
            break;
        rest.remove_prefix(amp + 1);
    }
    return false;
}

std::optional<std::string> id_of(const json::value& row) {
    const auto* o = row.if_object();
    if (o == nullptr)
        return std::nullopt;
    const auto* id = o->if_contains("id");
    if (id == nullptr || !id->is_string())
        return std::nullopt;
    const auto& s = id->get_string();
    return std::string(s.data(), s.size());
}

// NOTE: the row index in error paths counts rows across pages and chunks, as the
// listing returns them, not within the page that carried the row.
template <typename T, typename Parse>
listing<T> typed(listing<json::value>&& raw, const std::string& operation,
                 Parse parse) {
    listing<T> out;
    out.complete = raw.complete;
    out.stop_reason = std::move(raw.stop_reason);
    out.requests = raw.requests;
    out.rows.reserve(raw.rows.size());
    decoding(operation, [&] {
        for (std::size_t i = 0; i < raw.rows.size(); ++i)
            out.rows.push_back(parse(raw.rows[i], detail::str("rows[", i, ']')));
        return 0;
    });
    return out;
}

client_options with_page_size(std::size_t page_size) {
    client_options options;
    options.page_size = page_size;
    return options;
}

}  // namespace

// ----------------------------------------------------------------------------
// construction

client::client(std::string_view url, int port, std::string token,
               std::shared_ptr<http::transport> transport, log::logger logger,
               std::size_t page_size)
    : client(parse_base_url(url, port), std::move(token), std::move(transport),
             std::move(logger), with_page_size(page_size)) {}

client::client(base_url base, std::string token,
               std::shared_ptr<http::transport> transport, log::logger logger,
               client_options options)
    : base_(std::move(base)), token_(trim(token)), transport_(std::move(transport)),
      logger_(logger.child("api")), options_(std::move(options)),
      requests_(std::make_unique<std::atomic<std::size_t>>(0)) {
    if (!transport_)
        throw_error(error_kind::configuration, "the OZmap client needs a transport");
    for (char c : token_) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F)
            throw_error(error_kind::configuration,
                        "the OZmap API token contains control characters");
    }
    if (options_.page_size < 1 || options_.page_size > 1000)
        throw_error(error_kind::configuration,
                    detail::str("page size must be between 1 and 1000, not ",
                                options_.page_size));
    if (options_.max_pages < 1)
        throw_error(error_kind::configuration, "max_pages must be at least 1");
    if (options_.max_target_length < 256)
        throw_error(error_kind::configuration,
                    "max_target_length must be at least 256 bytes");
}

std::size_t client::request_count() const noexcept {
    return requests_->load(std::memory_order_relaxed);
}

std::string client::path_of(std::string_view route) const {
    validate_route(route);
    return detail::str(base_.base_path, '/', route);
}

std::string client::path_of(std::string_view route, std::string_view id) const {
    if (trim(id).empty())
        throw_invalid_input(detail::str("an empty id for ", route));
    return detail::str(path_of(route), '/', encode_path_segment(id));
}

// ---------------------------------------------------------------------------- sending

http::response client::send(http::verb method, std::string target, std::string body,
                            bool needs_token, std::string_view secret) const {
    if (needs_token && token_.empty())
        throw_error(error_kind::configuration, "no OZmap API token is configured");

    http::request request;
    request.method = method;
    request.target = std::move(target);
    request.body = std::move(body);
    if (!token_.empty())
        request.headers.push_back({"Authorization", token_});
    request.headers.push_back({"Accept", "application/json"});

    requests_->fetch_add(1, std::memory_order_relaxed);
    const auto started = clock::now();
    auto elapsed_ms = [&] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() -
                                                                     started)
            .count();
    };
    auto line = [&] {
        return detail::str(
            http::to_string(method), ' ',
            clean_text(request.target, max_logged_target, token_, secret));
    };

    try {
        auto response = transport_->send(request);
        if (logger_.enabled(log::level::debug))
            logger_.debug(detail::str(line(), " -> ", response.status, " (",
                                      response.body.size(), " bytes, ", elapsed_ms(),
                                      " ms)"));
        return response;
    } catch (const error& e) {
        if (logger_.enabled(log::level::debug))
            logger_.debug(detail::str(line(), " -> failed: ", to_string(e.kind()), " (",
                                      elapsed_ms(), " ms)"));
        // NOTE: the transport redacts its own messages; this is a second line of
        // defence for a transport that does not know the token.
        const std::string_view what = e.what();
        const auto& d = e.details();
        auto leaks = [&](std::string_view s) {
            return (!token_.empty() && s.find(token_) != std::string_view::npos) ||
                   (!secret.empty() && s.find(secret) != std::string_view::npos);
        };
        if (!leaks(what) && !leaks(d.body_excerpt) && !leaks(d.operation))
            throw;
        auto details = d;
        details.body_excerpt =
            log::redact(log::redact(details.body_excerpt, token_), secret);
        details.operation = log::redact(log::redact(details.operation, token_), secret);
        throw error(e.kind(), log::redact(log::redact(what, token_), secret),
                    std::move(details));
    }
}

// ---------------------------------------------------------------------------- generic

json::value client::get(std::string_view route, const query& params) const {
    auto target = path_of(route);
    const auto operation = operation_of(http::verb::get, target);
    if (!params.empty())
        target += "?" + params.str();
    const auto response = send(http::verb::get, std::move(target), {}, true);
    check_status(response, operation, write_kind::plain, token_);
    return decode_body(response, operation, options_.json, token_);
}

json::value client::get_by_id(std::string_view route, std::string_view id) const {
    auto target = path_of(route, id);
    const auto operation = operation_of(http::verb::get, target);
    const auto response = send(http::verb::get, std::move(target), {}, true);
    check_status(response, operation, write_kind::plain, token_);
    return decode_body(response, operation, options_.json, token_);
}

json::value client::create(std::string_view route, std::string_view json_body,
                           write_kind kind) const {
    auto target = path_of(route);
    const auto operation = operation_of(http::verb::post, target);
    const auto response =
        send(http::verb::post, std::move(target), std::string(json_body), true);
    check_status(response, operation, kind, token_);
    return decode_body(response, operation, options_.json, token_);
}

void client::update(std::string_view route, std::string_view id,
                    std::string_view json_body, write_kind kind) const {
    auto target = path_of(route, id);
    const auto operation = operation_of(http::verb::patch, target);
    const auto response =
        send(http::verb::patch, std::move(target), std::string(json_body), true);
    check_status(response, operation, kind, token_);
}

delete_outcome client::remove(std::string_view route, std::string_view id) const {
    auto target = path_of(route, id);
    const auto operation = operation_of(http::verb::delete_, target);
    const auto response = send(http::verb::delete_, std::move(target), {}, true);
    if (response.status == 404)
        return delete_outcome::not_found;
    check_status(response, operation, write_kind::plain, token_);
    return delete_outcome::deleted;
}

std::string client::login(std::string_view user, std::string_view password) const {
    if (trim(user).empty() || password.empty())
        throw_invalid_input("login needs a user name and a password");
    json_writer body;
    body.begin_object();
    body.key("login").string(user);
    body.key("password").string(password);
    body.end_object();

    // NOTE: the current SDK logs in with ?type=API, the older one without; servers
    // that do not know the parameter ignore it.
    auto target = path_of("users/login");
    const auto operation = operation_of(http::verb::post, target);
    target += "?type=API";
    const auto response =
        send(http::verb::post, std::move(target), body.take(), false, password);
    check_status(response, operation, write_kind::plain, token_, password);
    const auto doc = decode_body(response, operation, options_.json, token_);
    const auto* o = doc.if_object();
    if (o == nullptr)
        decode_failure(operation, "", "expected an object");
    for (std::string_view key : {"authorization", "authenticationKey"}) {
        if (const auto* v = o->if_contains(key); v && v->is_string()) {
            const auto token = trim(v->get_string());
            if (!token.empty())
                return std::string(token);
        }
    }
    decode_failure(operation, "authorization", "no session token in the answer");
}

bool client::authenticated() const {
    auto target = path_of("authenticated");
    const auto operation = operation_of(http::verb::get, target);
    const auto response = send(http::verb::get, std::move(target), {}, true);
    if (response.status == 401 || response.status == 403)
        return false;
    check_status(response, operation, write_kind::plain, token_);
    return true;
}

// ---------------------------------------------------------------------------- listing

namespace {

struct series {
    const std::string& path;
    const std::string& operation;
    std::vector<filter> filters;
    const std::string& select;
    std::size_t limit;
};

std::string page_target(const series& s, std::size_t page) {
    query q;
    q.add_filters(s.filters);
    if (!s.select.empty())
        q.add("select", s.select);
    q.add_integer("limit", static_cast<std::int64_t>(s.limit));
    q.add_integer("page", static_cast<std::int64_t>(page));
    return detail::str(s.path, '?', q.str());
}

std::optional<bool> envelope_bool(const json::object& o, std::string_view key,
                                  const std::string& operation) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || v->is_null())
        return std::nullopt;
    if (const auto* b = v->if_bool())
        return *b;
    decode_failure(operation, std::string(key), "expected a boolean");
}

std::optional<double> envelope_number(const json::object& o, std::string_view key,
                                      const std::string& operation) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || v->is_null())
        return std::nullopt;
    if (v->is_number())
        return v->to_number<double>();
    decode_failure(operation, std::string(key), "expected a number");
}

}  // namespace

listing<json::value> client::list(std::string_view route,
                                  const list_options& options) const {
    const auto path = path_of(route);
    const auto operation = operation_of(http::verb::get, path);
    listing<json::value> out;

    if (options.max_rows && *options.max_rows == 0)
        return out;
    for (const auto& f : options.filters) {
        const auto* values = std::get_if<std::vector<std::string>>(&f.value);
        if (f.op == filter_op::in && values != nullptr && values->empty())
            return out;  // matches nothing: no request needed
    }
    // Validates the filters (invalid_input) before anything is sent.
    (void)filters_to_json(options.filters);

    std::size_t limit = options_.page_size;
    if (options.max_rows)
        limit = std::min(limit, *options.max_rows);

    // ------------------------------------------------ split a long `in` filter
    std::vector<std::vector<filter>> chunks;
    {
        series probe{path, operation, options.filters, options.select, limit};
        auto length_with = [&](std::vector<filter> filters) {
            probe.filters = std::move(filters);
            return page_target(probe, options_.max_pages).size();
        };
        const auto full = length_with(options.filters);
        if (full <= options_.max_target_length) {
            chunks.push_back(options.filters);
        } else {
            std::optional<std::size_t> widest;
            std::size_t widest_count = 0;
            for (std::size_t i = 0; i < options.filters.size(); ++i) {
                const auto& f = options.filters[i];
                const auto* values = std::get_if<std::vector<std::string>>(&f.value);
                if (f.op == filter_op::in && values && values->size() > widest_count) {
                    widest = i;
                    widest_count = values->size();
                }
            }
            if (!widest || widest_count < 2)
                throw_invalid_input(detail::str(operation, ": the request would be ",
                                                full, " bytes long, over the limit of ",
                                                options_.max_target_length,
                                                ", and has no 'in' filter to split"));

            const auto& values =
                std::get<std::vector<std::string>>(options.filters[*widest].value);
            auto skeleton = options.filters;
            skeleton[*widest].value = std::vector<std::string>{};
            const auto base_length = length_with(skeleton);

            // NOTE: percent-encoding works byte by byte, so each value adds exactly the
            // encoded length of its JSON string, plus "%2C" for the comma before it.
            std::vector<std::string> current;
            std::size_t length = base_length;
            auto flush = [&] {
                auto chunk = skeleton;
                chunk[*widest].value = std::move(current);
                chunks.push_back(std::move(chunk));
                current = {};
                length = base_length;
            };
            for (const auto& value : values) {
                std::string quoted;
                append_json_string(quoted, value);
                const auto cost = encoded_query_length(quoted);
                if (!current.empty() && length + 3 + cost > options_.max_target_length)
                    flush();
                const auto add = current.empty() ? cost : cost + 3;
                if (length + add > options_.max_target_length)
                    throw_invalid_input(
                        detail::str(operation, ": one value of the 'in' filter on '",
                                    options.filters[*widest].property,
                                    "' does not fit in a request of ",
                                    options_.max_target_length, " bytes"));
                current.push_back(value);
                length += add;
            }
            if (!current.empty())
                flush();
        }
    }

    // ------------------------------------------------ page through each chunk
    std::unordered_set<std::string> kept;  // ids already in out.rows
    auto stop_early = [&](std::string reason) {
        out.complete = false;
        if (out.stop_reason.empty())
            out.stop_reason = std::move(reason);
    };
    auto full = [&] {
        return options.max_rows && out.rows.size() >= *options.max_rows;
    };

    for (auto& chunk : chunks) {
        const series s{path, operation, std::move(chunk), options.select, limit};
        std::unordered_set<std::string> targets;
        std::unordered_set<std::string> seen;  // ids seen in this chunk
        std::string target = page_target(s, 1);
        std::size_t page = 1;
        std::size_t received = 0;  // rows in this chunk's earlier pages

        for (std::size_t fetched = 0;; ++fetched) {
            if (fetched == options_.max_pages) {
                stop_early(detail::str("stopped after ", options_.max_pages, " pages"));
                break;
            }
            if (!targets.insert(target).second) {
                stop_early("the server sent the same page URL twice");
                break;
            }

            const auto response = send(http::verb::get, target, {}, true);
            ++out.requests;
            check_status(response, operation, write_kind::plain, token_);
            auto doc = decode_body(response, operation, options_.json, token_);

            json::array* rows = nullptr;
            json::object* envelope = doc.if_object();
            if (auto* bare = doc.if_array()) {
                rows = bare;  // a bare array is the whole answer
            } else if (envelope == nullptr) {
                decode_failure(operation, "", "expected a list envelope or an array");
            } else {
                auto* r = envelope->if_contains("rows");
                if (r == nullptr || r->is_null())
                    decode_failure(operation, "rows", "missing or null");
                rows = r->if_array();
                if (rows == nullptr)
                    decode_failure(operation, "rows", "expected an array");
            }

            std::size_t fresh = 0;
            for (auto& row : *rows) {
                if (auto id = id_of(row)) {
                    if (!seen.insert(*id).second)
                        continue;
                    ++fresh;
                    if (!kept.insert(std::move(*id)).second)
                        continue;  // already returned by an earlier chunk
                } else {
                    ++fresh;
                }
                out.rows.push_back(std::move(row));
                if (full())
                    return out;
            }
            if (envelope == nullptr)
                break;

            const auto has_next = envelope_bool(*envelope, "hasNextPage", operation);
            std::optional<std::string> next_url;
            if (const auto* v = envelope->if_contains("nextUrl"); v && !v->is_null()) {
                if (!v->is_string())
                    decode_failure(operation, "nextUrl", "expected a string");
                next_url = std::string(v->get_string().data(), v->get_string().size());
            }
            const auto total = envelope_number(*envelope, "total", operation);
            const auto start = envelope_number(*envelope, "start", operation);

            if (rows->empty()) {
                if (has_next.value_or(false))
                    stop_early("an empty page claimed a next page");
                break;
            }
            if (fresh == 0) {
                stop_early("a page repeated rows already received");
                break;
            }

            if (has_next) {
                if (!*has_next)
                    break;
                std::optional<std::string> next;
                if (next_url) {
                    next = same_origin_target(*next_url, base_, path);
                    // NOTE: follow nextUrl only for this very route and with a limit,
                    // else a server default of 25 rows or another list could creep in.
                    if (next && (next->substr(0, next->find('?')) != path ||
                                 !has_query_param(*next, "limit")))
                        next.reset();
                }
                ++page;
                target = next ? std::move(*next) : page_target(s, page);
                continue;
            }

            // The legacy envelope: total, start and limit only.
            // NOTE: without `start`, the offset is what came so far, which stays right
            // when the server caps the page below the limit asked.
            const auto offset = start.value_or(static_cast<double>(received));
            received += rows->size();
            if (total) {
                if (offset + static_cast<double>(rows->size()) >= *total)
                    break;
            } else if (rows->size() < limit) {
                break;  // no paging hints at all: a short page is the last one
            }
            ++page;
            target = page_target(s, page);
        }
    }
    return out;
}

// ---------------------------------------------------------------------------- typed

namespace {

template <typename T, typename Parse>
T typed_get(const client& c, std::string_view route, std::string_view id, Parse parse) {
    const auto doc = c.get_by_id(route, id);
    const auto operation = detail::str("GET ", c.base().base_path, '/', route, '/',
                                       encode_path_segment(id));
    return decoding(operation, [&] { return parse(doc, {}); });
}

}  // namespace

box client::get_box(std::string_view id) const {
    return typed_get<box>(*this, "boxes", id, parse_box);
}

listing<box> client::list_boxes(const list_options& options) const {
    return typed<box>(list("boxes", options),
                      operation_of(http::verb::get, path_of("boxes")), parse_box);
}

listing<box> client::list_boxes_near(double lat, double lng, double radius_m) const {
    geo::validate_point({lat, lng}, "search centre");
    geo::validate_radius(radius_m);
    list_options options;
    options.filters.push_back(filter::near("coords", lat, lng, radius_m));
    return list_boxes(options);
}

splitter client::get_splitter(std::string_view id) const {
    return typed_get<splitter>(*this, "splitters", id, parse_splitter);
}

listing<splitter>
client::list_splitters_of_boxes(std::span<const std::string> box_ids) const {
    std::vector<std::string> unique;
    std::unordered_set<std::string_view> seen;
    for (const auto& id : box_ids) {
        if (trim(id).empty())
            throw_invalid_input("an empty box id");
        if (seen.insert(id).second)
            unique.push_back(id);
    }
    list_options options;
    options.filters.push_back(filter::in("parent", std::move(unique)));
    return typed<splitter>(list("splitters", options),
                           operation_of(http::verb::get, path_of("splitters")),
                           parse_splitter);
}

property client::get_property(std::string_view id) const {
    return typed_get<property>(*this, "properties", id, parse_property);
}

std::vector<property> client::properties_by_client_code(std::string_view code) const {
    // NOTE: OZmap trims client codes when it stores them, so a padded code could never
    // match; inner spaces are kept and encoded.
    const auto trimmed = trim(code);
    if (trimmed.empty())
        throw_invalid_input("an empty client code");
    auto target = path_of("properties/client", trimmed);
    const auto operation = operation_of(http::verb::get, target);
    const auto response = send(http::verb::get, std::move(target), {}, true);
    // NOTE: 404 for "no property has this code" is a value, not an error.
    if (response.status == 404)
        return {};
    check_status(response, operation, write_kind::plain, token_);
    const auto doc = decode_body(response, operation, options_.json, token_);

    const json::array* rows = doc.if_array();
    std::string prefix;
    if (rows == nullptr) {
        // Tolerated: the list envelope instead of the documented bare array.
        const auto* o = doc.if_object();
        const auto* r = o ? o->if_contains("rows") : nullptr;
        rows = r ? r->if_array() : nullptr;
        prefix = "rows";
        if (rows == nullptr)
            decode_failure(operation, "", "expected an array of properties");
    }
    return decoding(operation, [&] {
        std::vector<property> out;
        out.reserve(rows->size());
        for (std::size_t i = 0; i < rows->size(); ++i)
            out.push_back(parse_property((*rows)[i], detail::str(prefix, '[', i, ']')));
        return out;
    });
}

property client::create_property(const property_create& body) const {
    const auto doc = create("properties", to_json(body), write_kind::port);
    return decoding(operation_of(http::verb::post, path_of("properties")),
                    [&] { return parse_property(doc); });
}

void client::update_property(std::string_view id, const property_update& body) const {
    update("properties", id, to_json(body), write_kind::port);
}

delete_outcome client::delete_property(std::string_view id) const {
    return remove("properties", id);
}

ftth_client client::get_client(std::string_view id) const {
    return typed_get<ftth_client>(*this, "ftth-clients", id, parse_ftth_client);
}

void client::update_client(std::string_view id, const ftth_client_update& body) const {
    update("ftth-clients", id, to_json(body));
}

delete_outcome client::delete_client(std::string_view id) const {
    return remove("ftth-clients", id);
}

cable client::get_cable(std::string_view id) const {
    return typed_get<cable>(*this, "cables", id, parse_cable);
}

delete_outcome client::delete_cable(std::string_view id) const {
    return remove("cables", id);
}

fiber client::get_fiber(std::string_view id) const {
    return typed_get<fiber>(*this, "fibers", id, parse_fiber);
}

olt client::get_olt(std::string_view id) const {
    return typed_get<olt>(*this, "olts", id, parse_olt);
}

slot client::get_slot(std::string_view id) const {
    return typed_get<slot>(*this, "slots", id, parse_slot);
}

pon client::get_pon(std::string_view id) const {
    return typed_get<pon>(*this, "pons", id, parse_pon);
}

feasibility client::viability(double lat, double lng,
                              std::optional<double> radius_m) const {
    geo::validate_point({lat, lng}, "feasibility point");
    if (radius_m)
        geo::validate_radius(*radius_m);
    query params;
    params.add_number("lat", lat);
    params.add_number("lng", lng);
    if (radius_m)
        params.add_number("radius", *radius_m);
    const auto doc = get("ftth-viability/radius", params);
    return decoding(operation_of(http::verb::get, path_of("ftth-viability/radius")),
                    [&] { return parse_feasibility(doc); });
}

listing<project> client::list_projects(const list_options& options) const {
    return typed<project>(list("projects", options),
                          operation_of(http::verb::get, path_of("projects")),
                          parse_project);
}

}  // namespace ozmap::api
