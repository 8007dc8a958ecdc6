// The plain-data parts of the HTTP contract: verbs, idempotency, header lookup.
#include <ozmap/http/transport.hpp>

#include <algorithm>
#include <cctype>

namespace ozmap::http {

std::string_view to_string(verb v) noexcept {
    switch (v) {
    case verb::get:
        return "GET";
    case verb::post:
        return "POST";
    case verb::patch:
        return "PATCH";
    case verb::put:
        return "PUT";
    case verb::delete_:
        return "DELETE";
    }
    return "GET";
}

bool request::idempotent() const noexcept {
    return method == verb::get || method == verb::put || method == verb::delete_;
}

namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

}  // namespace

std::optional<std::string_view> response::find_header(std::string_view name) const {
    for (const auto& h : headers)
        if (iequals(h.name, name))
            return std::string_view(h.value);
    return std::nullopt;
}

}  // namespace ozmap::http
