// A scripted HTTP(S) server on 127.0.0.1 for the transport's tests. Each accepted
// connection runs a scenario on a thread of its own with blocking calls; stopping the
// server (its destructor) shuts every live socket down, which ends any blocked call,
// and joins the threads. No Asio or Beast type appears here, so the tests that
// include this header compile quickly.
#pragma once

#include <ozmap/http/transport.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ozmap::test {

struct received_request {
    std::size_t connection = 0;  // index of the connection it came on
    std::string method;
    std::string target;
    std::vector<http::header> headers;
    std::string body;

    // Case-insensitive lookup of the first header with that name.
    std::optional<std::string> header(std::string_view name) const;
};

// One accepted connection, as a scenario sees it. Every call returns within the
// server's lifetime: stopping the server makes it fail.
class server_connection {
public:
    virtual ~server_connection() = default;

    // 0 for the first connection the server accepted, 1 for the next...
    virtual std::size_t index() const = 0;

    // The next request, recorded in the server's list; nothing once the peer has
    // closed, on a malformed request, or when the server stops.
    virtual std::optional<received_request> read_request() = 0;

    // Sends bytes as they are. False when the peer is gone.
    virtual bool write(std::string_view raw) = 0;

    // Sends a complete response with Content-Length (and Connection: close unless
    // keep_alive). `extra` is inserted as-is: whole header lines, each ending in CRLF.
    bool respond(int status, std::string_view body, std::string_view extra = {},
                 bool keep_alive = true,
                 std::string_view content_type = "application/json");

    // Waits; false when the server is stopping.
    virtual bool sleep(std::chrono::milliseconds duration) = 0;

    // Closes the connection with a FIN (TLS: without close_notify).
    virtual void close() = 0;
    // Closes the connection with a reset (RST), discarding anything unsent.
    virtual void reset() = 0;
};

using scenario = std::function<void(server_connection&)>;

struct tls_config {
    std::string chain_file;  // the certificate chain (PEM) served by default
    std::string key_file;
    // When set, a client must send SNI: a handshake without it fails with an alert, and
    // a client naming sni_name gets sni_chain_file instead of the default chain.
    std::string sni_name;
    std::string sni_chain_file;
    std::string sni_key_file;
    bool tls11_only = false;  // offer TLS 1.1 and nothing else
};

class test_server {
public:
    explicit test_server(scenario run);
    test_server(scenario run, tls_config tls);
    ~test_server();

    test_server(const test_server&) = delete;
    test_server& operator=(const test_server&) = delete;

    std::uint16_t port() const;
    std::size_t accepted() const;           // connections accepted so far
    std::size_t failed_handshakes() const;  // TLS handshakes that failed on the server
    std::vector<received_request> requests() const;  // every request read so far

    // Ends every connection and stops accepting; the destructor does it too.
    void stop();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// Serves each request on the connection with `status` and `body`, keeping it alive,
// until the peer closes it (at most 100,000 requests).
scenario serve(int status, std::string body, std::string extra = {});

// Whether a bare TLS handshake with 127.0.0.1:port succeeds, given the SNI name to send
// (none when empty) and the CA file to trust; allow_tls11 offers TLS 1.1 too. Bounded
// by a two-second deadline. The error text is left in `error`.
bool tls_handshake_ok(std::uint16_t port, const std::string& sni,
                      const std::string& ca_file, bool allow_tls11,
                      std::string* error = nullptr);

}  // namespace ozmap::test
