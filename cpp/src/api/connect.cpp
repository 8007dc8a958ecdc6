// Kept apart from client.cpp so that code using only the client (its tests, with a
// scripted transport) does not pull in the Beast transport.
#include <ozmap/api/client.hpp>

#include <utility>

namespace ozmap::api {

std::shared_ptr<client> make_client(std::string_view url, int port, std::string token,
                                    http::options transport_options, log::logger logger,
                                    client_options options) {
    auto base = parse_base_url(url, port);
    // Trimmed as the client trims it, so the secret the transport redacts is the token
    // that is actually sent.
    const auto first = token.find_first_not_of(" \t\r\n\f\v");
    const auto last = token.find_last_not_of(" \t\r\n\f\v");
    token = first == std::string::npos ? std::string()
                                       : token.substr(first, last - first + 1);
    if (!token.empty())
        transport_options.secrets.push_back(token);
    auto transport = http::make_beast_transport(
        base.endpoint, std::move(transport_options), logger.child("http"));
    return std::make_shared<client>(std::move(base), std::move(token),
                                    std::move(transport), logger.child("api"),
                                    std::move(options));
}

}  // namespace ozmap::api
