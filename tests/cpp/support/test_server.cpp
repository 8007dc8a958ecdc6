#include "test_server.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>

namespace ozmap::test {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view reason(int status) {
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 302:
        return "Found";
    case 404:
        return "Not Found";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

void require(bool ok, const char* what) {
    if (!ok)
        throw std::runtime_error(what);
}

struct sni_choice {
    std::string name;
    SSL_CTX* ctx = nullptr;
};

// Picks the certificate by SNI, and refuses a client that sends none.
int pick_by_sni(SSL* ssl, int* alert, void* arg) {
    const auto* choice = static_cast<const sni_choice*>(arg);
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (!name) {
        *alert = SSL_AD_UNRECOGNIZED_NAME;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    if (choice->name == name)
        SSL_set_SSL_CTX(ssl, choice->ctx);
    return SSL_TLSEXT_ERR_OK;
}

}  // namespace

std::optional<std::string> received_request::header(std::string_view name) const {
    for (const auto& h : headers)
        if (iequals(h.name, name))
            return h.value;
    return std::nullopt;
}

bool server_connection::respond(int status, std::string_view body,
                                std::string_view extra, bool keep_alive,
                                std::string_view content_type) {
    std::string raw = "HTTP/1.1 " + std::to_string(status) + " " +
                      std::string(reason(status)) + "\r\n";
    if (!content_type.empty())
        raw += "Content-Type: " + std::string(content_type) + "\r\n";
    raw += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    if (!keep_alive)
        raw += "Connection: close\r\n";
    raw += extra;
    raw += "\r\n";
    raw += body;
    return write(raw);
}

struct test_server::impl {
    class connection_impl;

    explicit impl(scenario s) : run(std::move(s)) {}

    scenario run;
    asio::io_context ioc{1};
    tcp::acceptor acceptor{ioc};
    std::optional<ssl::context> tls;
    std::optional<ssl::context> sni_tls;
    sni_choice sni;

    mutable std::mutex mutex;
    std::condition_variable stopping_cv;
    bool stopping = false;
    std::size_t accepted = 0;
    std::size_t failed_handshakes = 0;
    std::vector<received_request> requests;
    std::vector<int> live_fds;
    std::vector<std::thread> threads;
    std::thread accept_thread;

    void accept_loop();
    void serve(tcp::socket socket, std::size_t index);
    void stop();
};

class test_server::impl::connection_impl final : public server_connection {
public:
    connection_impl(impl& server, tcp::socket socket, std::size_t index)
        : server_(server), socket_(std::move(socket)), index_(index) {}

    bool start_tls() {
        stream_.emplace(socket_, *server_.tls);
        error_code ec;
        stream_->handshake(ssl::stream_base::server, ec);
        return !ec;
    }

    std::size_t index() const override { return index_; }

    std::optional<received_request> read_request() override {
        beast::http::request_parser<beast::http::string_body> parser;
        error_code ec;
        if (stream_)
            beast::http::read(*stream_, buffer_, parser, ec);
        else
            beast::http::read(socket_, buffer_, parser, ec);
        if (ec)
            return std::nullopt;
        const auto& m = parser.get();
        received_request r;
        r.connection = index_;
        r.method = std::string(m.method_string());
        r.target = std::string(m.target());
        for (const auto& f : m)
            r.headers.push_back({std::string(f.name_string()), std::string(f.value())});
        r.body = m.body();
        std::lock_guard lock(server_.mutex);
        server_.requests.push_back(r);
        return r;
    }

    bool write(std::string_view raw) override {
        error_code ec;
        if (stream_)
            asio::write(*stream_, asio::buffer(raw.data(), raw.size()), ec);
        else
            asio::write(socket_, asio::buffer(raw.data(), raw.size()), ec);
        return !ec;
    }

    bool sleep(std::chrono::milliseconds duration) override {
        std::unique_lock lock(server_.mutex);
        return !server_.stopping_cv.wait_for(lock, duration,
                                             [this] { return server_.stopping; });
    }

    void close() override {
        error_code ec;
        socket_.shutdown(tcp::socket::shutdown_send, ec);
    }

    void reset() override {
        error_code ec;
        socket_.set_option(asio::socket_base::linger(true, 0), ec);
        forget_fd();
        socket_.close(ec);
    }

    void forget_fd() {
        std::lock_guard lock(server_.mutex);
        std::erase(server_.live_fds, socket_.native_handle());
    }

private:
    impl& server_;
    tcp::socket socket_;
    std::optional<ssl::stream<tcp::socket&>> stream_;
    beast::flat_buffer buffer_;
    std::size_t index_;
};

void test_server::impl::accept_loop() {
    for (;;) {
        {
            std::lock_guard lock(mutex);
            if (stopping)
                return;
        }
        pollfd p{acceptor.native_handle(), POLLIN, 0};
        if (::poll(&p, 1, 20) <= 0)
            continue;
        error_code ec;
        tcp::socket socket(ioc);
        acceptor.accept(socket, ec);
        if (ec)
            continue;
        // NOTE: without it, Nagle's algorithm holds a response written after a small
        // write (a TLS session ticket) until the client's delayed ACK, 40 ms later.
        socket.set_option(tcp::no_delay(true), ec);
        std::lock_guard lock(mutex);
        if (stopping)
            return;
        const std::size_t index = accepted++;
        live_fds.push_back(socket.native_handle());
        threads.emplace_back(
            [this, index](tcp::socket s) { serve(std::move(s), index); },
            std::move(socket));
    }
}

void test_server::impl::serve(tcp::socket socket, std::size_t index) {
    connection_impl c(*this, std::move(socket), index);
    bool ok = true;
    if (tls && !c.start_tls()) {
        std::lock_guard lock(mutex);
        ++failed_handshakes;
        ok = false;
    }
    if (ok) {
        try {
            run(c);
        } catch (...) {
            // A scenario that throws just ends its connection.
        }
    }
    c.forget_fd();
}

void test_server::impl::stop() {
    {
        std::lock_guard lock(mutex);
        if (stopping && !accept_thread.joinable())
            return;
        stopping = true;
        // NOTE: shutdown() is safe from another thread and ends any blocked call on
        // the socket; the socket itself is closed by its own thread.
        for (int fd : live_fds)
            ::shutdown(fd, SHUT_RDWR);
    }
    stopping_cv.notify_all();
    if (accept_thread.joinable())
        accept_thread.join();
    std::vector<std::thread> joined;
    {
        std::lock_guard lock(mutex);
        joined.swap(threads);
    }
    for (auto& t : joined)
        t.join();
}

test_server::test_server(scenario run) : impl_(std::make_unique<impl>(std::move(run))) {
    auto& s = *impl_;
    s.acceptor.open(tcp::v4());
    s.acceptor.set_option(tcp::acceptor::reuse_address(true));
    s.acceptor.bind({asio::ip::make_address("127.0.0.1"), 0});
    s.acceptor.listen(64);
    s.accept_thread = std::thread([&s] { s.accept_loop(); });
}

test_server::test_server(scenario run, tls_config tls)
    : impl_(std::make_unique<impl>(std::move(run))) {
    auto& s = *impl_;
    s.tls.emplace(ssl::context::tls_server);
    s.tls->use_certificate_chain_file(tls.chain_file);
    s.tls->use_private_key_file(tls.key_file, ssl::context::pem);
    SSL_CTX* native = s.tls->native_handle();
    if (tls.tls11_only) {
        // NOTE: OpenSSL 3 refuses TLS 1.1 above security level 0.
        require(SSL_CTX_set_cipher_list(native, "DEFAULT:@SECLEVEL=0") == 1,
                "cipher list");
        require(SSL_CTX_set_min_proto_version(native, TLS1_1_VERSION) == 1,
                "min version");
        require(SSL_CTX_set_max_proto_version(native, TLS1_1_VERSION) == 1,
                "max version");
    }
    if (!tls.sni_name.empty()) {
        s.sni_tls.emplace(ssl::context::tls_server);
        s.sni_tls->use_certificate_chain_file(tls.sni_chain_file);
        s.sni_tls->use_private_key_file(tls.sni_key_file, ssl::context::pem);
        s.sni.name = tls.sni_name;
        s.sni.ctx = s.sni_tls->native_handle();
        SSL_CTX_set_tlsext_servername_callback(native, pick_by_sni);
        SSL_CTX_set_tlsext_servername_arg(native, &s.sni);
    }
    s.acceptor.open(tcp::v4());
    s.acceptor.set_option(tcp::acceptor::reuse_address(true));
    s.acceptor.bind({asio::ip::make_address("127.0.0.1"), 0});
    s.acceptor.listen(64);
    s.accept_thread = std::thread([&s] { s.accept_loop(); });
}

test_server::~test_server() {
    stop();
}

void test_server::stop() {
    impl_->stop();
}

std::uint16_t test_server::port() const {
    return impl_->acceptor.local_endpoint().port();
}

std::size_t test_server::accepted() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->accepted;
}

std::size_t test_server::failed_handshakes() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->failed_handshakes;
}

std::vector<received_request> test_server::requests() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->requests;
}

scenario serve(int status, std::string body, std::string extra) {
    return [status, body = std::move(body),
            extra = std::move(extra)](server_connection& c) {
        for (int i = 0; i < 100'000; ++i) {
            if (!c.read_request() || !c.respond(status, body, extra))
                return;
        }
    };
}

bool tls_handshake_ok(std::uint16_t port, const std::string& sni,
                      const std::string& ca_file, bool allow_tls11,
                      std::string* error) {
    asio::io_context ioc(1);
    ssl::context ctx(ssl::context::tls_client);
    SSL_CTX* native = ctx.native_handle();
    if (allow_tls11) {
        require(SSL_CTX_set_cipher_list(native, "DEFAULT:@SECLEVEL=0") == 1,
                "cipher list");
        require(SSL_CTX_set_min_proto_version(native, TLS1_1_VERSION) == 1,
                "min version");
    }
    ctx.load_verify_file(ca_file);
    ctx.set_verify_mode(ssl::verify_peer);
    ssl::stream<tcp::socket> stream(ioc, ctx);
    if (!sni.empty())
        SSL_set_tlsext_host_name(stream.native_handle(),
                                 const_cast<char*>(sni.c_str()));

    error_code result = asio::error::would_block;
    stream.lowest_layer().async_connect(
        {asio::ip::make_address("127.0.0.1"), port}, [&](error_code ec) {
            if (ec) {
                result = ec;
                return;
            }
            stream.async_handshake(ssl::stream_base::client,
                                   [&](error_code hec) { result = hec; });
        });
    ioc.run_for(std::chrono::seconds(2));
    if (result == asio::error::would_block) {
        error_code ignored;
        stream.lowest_layer().close(ignored);
        ioc.restart();
        ioc.run_for(std::chrono::seconds(1));
        result = asio::error::timed_out;
    }
    if (error)
        *error = result.message();
    return !result;
}

}  // namespace ozmap::test
