#include <ozmap/api/base_url.hpp>
#include <ozmap/detail/text.hpp>
#include <ozmap/error.hpp>

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace ozmap::api {
namespace {

constexpr std::string_view api_suffix = "/api/v2";

[[noreturn]] void bad_url(std::string_view why) {
    throw_error(error_kind::configuration, detail::str("invalid OZmap URL: ", why));
}

char lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowercase(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        c = lower(c);
    return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

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

// Printable ASCII other than space: the only bytes a URL we accept may contain.
bool printable_ascii(std::string_view text) noexcept {
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7F)
            return false;
    }
    return true;
}

bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

bool is_alnum(char c) noexcept {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// The port as written in a URL: digits only, 1..65535. nullopt otherwise.
std::optional<std::uint16_t> parse_port(std::string_view text) noexcept {
    if (text.empty() || text.size() > 5)
        return std::nullopt;
    for (char c : text)
        if (!is_digit(c))
            return std::nullopt;
    unsigned value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    if (value < 1 || value > 65535)
        return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

struct authority {
    std::string host;  // lowercased, IPv6 without brackets
    std::optional<std::uint16_t> port;
    bool port_written = false;  // "host:" or "host:x" count as written (and invalid)
};

// Splits "host", "host:port", "[v6]" or "[v6]:port". Returns nullopt when malformed;
// the caller decides how to report it.
std::optional<authority> split_authority(std::string_view text) {
    authority out;
    std::string_view host;
    std::string_view rest;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close == 1)
            return std::nullopt;
        host = text.substr(1, close - 1);
        for (char c : host)
            if (!(is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f') || c == ':' ||
                  c == '.'))
                return std::nullopt;
        rest = text.substr(close + 1);
        if (!rest.empty() && rest.front() != ':')
            return std::nullopt;
    } else {
        const auto colon = text.find(':');
        host = text.substr(0, colon);
        rest =
            colon == std::string_view::npos ? std::string_view{} : text.substr(colon);
        if (host.empty())
            return std::nullopt;
        for (char c : host)
            if (!(is_alnum(c) || c == '-' || c == '.' || c == '_'))
                return std::nullopt;
        if (host.front() == '.' || host.front() == '-' ||
            host.find("..") != std::string_view::npos)
            return std::nullopt;
    }
    out.host = lowercase(host);
    if (!rest.empty()) {
        out.port_written = true;
        out.port = parse_port(rest.substr(1));
    }
    return out;
}

std::uint16_t default_port_for(bool tls) noexcept {
    return tls ? 443 : 80;
}

}  // namespace

std::string base_url::origin() const {
    const bool v6 = endpoint.host.find(':') != std::string::npos;
    return detail::str(endpoint.tls ? "https://" : "http://", v6 ? "[" : "",
                       endpoint.host, v6 ? "]" : "", ':',
                       static_cast<unsigned>(endpoint.port));
}

std::string base_url::str() const {
    return origin() + base_path;
}

base_url parse_base_url(std::string_view url, int port) {
    url = trim(url);
    if (url.empty())
        throw_error(error_kind::configuration, "no OZmap URL was given");
    if (!printable_ascii(url))
        bad_url("it contains spaces, control or non-ASCII characters");
    if (url.find('#') != std::string_view::npos)
        bad_url("it carries a fragment ('#')");
    if (url.find('?') != std::string_view::npos)
        bad_url("it carries a query ('?')");

    base_url out;
    const auto scheme_end = url.find("://");
    if (scheme_end != std::string_view::npos) {
        const auto scheme = url.substr(0, scheme_end);
        if (iequals(scheme, "https"))
            out.endpoint.tls = true;
        else if (iequals(scheme, "http"))
            out.endpoint.tls = false;
        else
            bad_url("the scheme must be http or https");
        url.remove_prefix(scheme_end + 3);
    } else if (url.starts_with("//")) {
        url.remove_prefix(2);
    }

    const auto slash = url.find('/');
    const auto auth_text = url.substr(0, slash);
    std::string_view path = slash == std::string_view::npos ? "" : url.substr(slash);

    if (auth_text.find('@') != std::string_view::npos)
        bad_url("credentials in the URL are not accepted; pass the token separately");
    if (auth_text.empty())
        bad_url("it names no host");
    const auto auth = split_authority(auth_text);
    if (!auth)
        bad_url("the host name is malformed");
    if (auth->port_written && !auth->port)
        bad_url("the port must be a number between 1 and 65535");
    out.endpoint.host = auth->host;

    if (auth->port) {
        out.endpoint.port = *auth->port;
    } else {
        if (port < 1 || port > 65535)
            throw_error(error_kind::configuration,
                        detail::str("invalid OZmap port ", port,
                                    ": it must be between 1 and 65535"));
        out.endpoint.port = static_cast<std::uint16_t>(port);
    }

    // Collapse repeated slashes and drop the trailing ones: "/a//b/" -> "/a/b".
    std::string clean;
    for (char c : path)
        if (c != '/' || clean.empty() || clean.back() != '/')
            clean.push_back(c);
    while (!clean.empty() && clean.back() == '/')
        clean.pop_back();

    const auto last_slash = clean.rfind('/');
    const std::string_view last = last_slash == std::string::npos
                                      ? std::string_view{}
                                      : std::string_view(clean).substr(last_slash + 1);
    const std::string_view before = last_slash == std::string::npos
                                        ? std::string_view{}
                                        : std::string_view(clean).substr(0, last_slash);
    const bool versioned =
        last.size() >= 2 && lower(last[0]) == 'v' &&
        last.substr(1).find_first_not_of("0123456789") == std::string_view::npos &&
        before.size() >= 4 && iequals(before.substr(before.size() - 4), "/api");

    if (iequals(last, "v2") && versioned) {
        out.base_path = std::string(before) + "/v2";
    } else if (versioned) {
        bad_url(detail::str("it names API version '", last,
                            "'; the connector speaks OZmap API v2 only"));
    } else if (iequals(last, "api")) {
        out.base_path = clean + "/v2";
    } else {
        out.base_path = clean + std::string(api_suffix);
    }
    return out;
}

std::optional<std::string> same_origin_target(std::string_view url,
                                              const base_url& base,
                                              std::string_view current_path) {
    if (url.empty() || !printable_ascii(url) || url.find('#') != std::string_view::npos)
        return std::nullopt;

    if (url.front() == '?')
        return std::string(current_path) + std::string(url);

    std::string_view rest;
    bool tls = base.endpoint.tls;
    if (url.starts_with("//")) {
        rest = url.substr(2);
    } else if (url.front() == '/') {
        return std::string(url);
    } else {
        const auto scheme_end = url.find("://");
        if (scheme_end == std::string_view::npos)
            return std::nullopt;
        const auto scheme = url.substr(0, scheme_end);
        if (iequals(scheme, "https"))
            tls = true;
        else if (iequals(scheme, "http"))
            tls = false;
        else
            return std::nullopt;
        rest = url.substr(scheme_end + 3);
    }

    const auto path_start = rest.find_first_of("/?");
    const auto auth_text = rest.substr(0, path_start);
    if (auth_text.empty() || auth_text.find('@') != std::string_view::npos)
        return std::nullopt;
    const auto auth = split_authority(auth_text);
    if (!auth || (auth->port_written && !auth->port))
        return std::nullopt;
    const auto port = auth->port.value_or(default_port_for(tls));
    if (tls != base.endpoint.tls || auth->host != base.endpoint.host ||
        port != base.endpoint.port)
        return std::nullopt;

    if (path_start == std::string_view::npos)
        return std::nullopt;
    if (rest[path_start] == '?')
        return std::string(current_path) + std::string(rest.substr(path_start));
    return std::string(rest.substr(path_start));
}

}  // namespace ozmap::api
