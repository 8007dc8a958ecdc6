// The real transport: HTTP/1.1 over TCP or TLS with Boost.Beast, a pool of keep-alive
// connections, and a deadline on every step.
//
// NOTE: how it runs. Each connection owns an io_context, and the thread that checked
// the connection out of the pool runs it, one step at a time (connect, handshake,
// write, each read), until that step completes or its deadline closes the socket. No
// background thread exists: many threads each drive their own connection, a Python
// caller can release the GIL around send(), and fork() needs nothing beyond dropping
// the pool. A pooled connection keeps the io_context that made its sockets (Asio
// objects stay bound to their executor). The steps follow Beast's
// example/http/client/async-ssl, keeping its SNI and host-name verification steps; its
// fixed 30 s per step become the configured deadlines, all bounded by a total one.
#include <ozmap/detail/text.hpp>
#include <ozmap/error.hpp>
#include <ozmap/http/retry.hpp>
#include <ozmap/http/transport.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <netdb.h>
#include <optional>
#include <pthread.h>
#include <random>
#include <sys/socket.h>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

namespace ozmap::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using clock = std::chrono::steady_clock;
using boost::system::error_code;
using detail::str;
using std::chrono::milliseconds;

using message = bhttp::request<bhttp::string_body>;

// -------------------------------------------------------------------------------- fork

// NOTE: bumped in the child after every fork(), so that a transport notices it was
// inherited without a getpid() system call per request. The handler touches only this
// atomic, so it is safe to leave registered for the life of the process.
std::atomic<unsigned> fork_generation{0};

void note_fork_in_child() noexcept {
    fork_generation.fetch_add(1);
}

unsigned current_fork_generation() {
    static std::once_flag registered;
    std::call_once(registered,
                   [] { ::pthread_atfork(nullptr, nullptr, note_fork_in_child); });
    return fork_generation.load();
}

// -------------------------------------------------------------------------------- text

double ms_between(clock::time_point from, clock::time_point to) {
    return std::chrono::duration<double, std::milli>(to - from).count();
}

std::string duration_text(clock::time_point from, clock::time_point to) {
    const double ms = ms_between(from, to);
    return str(static_cast<double>(std::llround(ms * 10.0)) / 10.0, " ms");
}

std::string excerpt(std::string_view text, std::size_t max) {
    if (text.size() <= max)
        return std::string(text);
    return str(text.substr(0, max), "...");
}

// -------------------------------------------------------------------------- connection

struct connection {
    connection(ssl::context* tls, unsigned generation_)
        : ioc(1), generation(generation_) {
        if (tls)
            secure.emplace(ioc, *tls);
        else
            plain.emplace(ioc);
    }

    beast::tcp_stream& tcp() {
        return secure ? beast::get_lowest_layer(*secure) : *plain;
    }

    // NOTE: declared first so that it is destroyed last, after the streams bound to it.
    asio::io_context ioc;
    std::optional<beast::tcp_stream> plain;
    std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
    beast::flat_buffer buffer;
    unsigned generation;
    bool reused = false;  // has served a response before
    clock::time_point idle_since{};
};

template <class F>
decltype(auto) with_stream(connection& c, F&& f) {
    if (c.secure)
        return f(*c.secure);
    return f(*c.plain);
}

// Runs one asynchronous step on the connection's io_context, on this thread, until it
// completes. The stream's timer closes the socket at `deadline`, so the step ends by
// then with beast::error::timeout at the latest.
template <class Start>
std::pair<error_code, std::size_t> run_step(connection& c, clock::time_point deadline,
                                            Start&& start) {
    error_code result = asio::error::would_block;
    std::size_t bytes = 0;
    c.tcp().expires_at(deadline);
    start([&result, &bytes](error_code ec, std::size_t n) {
        result = ec;
        bytes = n;
    });
    c.ioc.restart();
    c.ioc.run();
    return {result, bytes};
}

// Whether a pooled connection still looks open: nothing to read, not even an EOF.
// Anything readable between two responses (a close, a TLS alert, stray bytes) means
// the connection is not safe to reuse.
bool looks_open(connection& c) {
    if (c.buffer.size() != 0 || !c.tcp().socket().is_open())
        return false;
    char byte = 0;
    const auto n =
        ::recv(c.tcp().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

// ---------------------------------------------------------------------------- failures

enum class stage { resolve, connect, handshake, write, read };

std::string_view to_string(stage s) {
    switch (s) {
    case stage::resolve:
        return "resolving the host";
    case stage::connect:
        return "connecting";
    case stage::handshake:
        return "the TLS handshake";
    case stage::write:
        return "sending the request";
    case stage::read:
        return "reading the response";
    }
    return "";
}

// What went wrong in one attempt, before it becomes an ozmap::error.
struct failure {
    error_kind kind = error_kind::transport;
    std::string text;
    bool sent = false;       // the request may have reached the server
    bool retryable = false;  // worth another attempt, if the request is idempotent
    bool stale = false;      // a reused connection closed before any response byte
};

bool is_closed_by_peer(const error_code& ec) {
    return ec == asio::error::eof || ec == asio::error::connection_reset ||
           ec == asio::error::broken_pipe || ec == asio::error::connection_aborted ||
           ec == ssl::error::stream_truncated;
}

struct attempt_outcome {
    std::optional<response> reply;
    std::optional<failure> fail;
    bool reused = false;
};

// --------------------------------------------------------------------------- resolving

struct resolve_state {
    std::mutex mutex;
    std::condition_variable done_cv;
    bool done = false;
    int status = 0;
    int saved_errno = 0;
    std::vector<tcp::endpoint> endpoints;
};

// Resolves on a short-lived thread of its own so that a slow DNS server cannot outlast
// the deadline: getaddrinfo() cannot be cancelled.
// NOTE: Asio's async_resolve would do the same with a thread per io_context that lives
// as long as the io_context, which here means one per pooled connection.
std::variant<std::vector<tcp::endpoint>, failure>
resolve(const std::string& host, std::uint16_t port, clock::time_point deadline) {
    error_code ec;
    const auto address = asio::ip::make_address(host, ec);
    if (!ec)
        return std::vector<tcp::endpoint>{tcp::endpoint(address, port)};

    auto state = std::make_shared<resolve_state>();
    try {
        std::thread([state, host, port] {
            addrinfo hints{};
            hints.ai_family = AF_UNSPEC;
            hints.ai_socktype = SOCK_STREAM;
            hints.ai_flags = AI_NUMERICSERV;
            addrinfo* list = nullptr;
            const int status = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(),
                                             &hints, &list);
            const int saved_errno = errno;
            std::vector<tcp::endpoint> found;
            for (auto* p = list; status == 0 && p; p = p->ai_next) {
                if ((p->ai_family != AF_INET && p->ai_family != AF_INET6) ||
                    p->ai_addrlen > sizeof(sockaddr_storage))
                    continue;
                tcp::endpoint ep;
                std::memcpy(ep.data(), p->ai_addr, p->ai_addrlen);
                found.push_back(ep);
            }
            if (list)
                ::freeaddrinfo(list);
            std::lock_guard lock(state->mutex);
            state->status = status;
            state->saved_errno = saved_errno;
            state->endpoints = std::move(found);
            state->done = true;
            state->done_cv.notify_all();
        }).detach();
    } catch (const std::system_error& e) {
        return failure{
            error_kind::transport,
            str("cannot start a resolver thread: ", std::string_view(e.what())), false,
            true};
    }

    std::unique_lock lock(state->mutex);
    if (!state->done_cv.wait_until(lock, deadline, [&] { return state->done; }))
        return failure{error_kind::timeout, str("resolving ", host, " timed out"),
                       false, true};
    if (state->status != 0) {
        const std::string why = state->status == EAI_SYSTEM
                                    ? std::string(std::strerror(state->saved_errno))
                                    : std::string(::gai_strerror(state->status));
        // NOTE: only a temporary failure is worth retrying; an unknown name stays so.
        return failure{error_kind::transport, str("cannot resolve ", host, ": ", why),
                       false, state->status == EAI_AGAIN};
    }
    if (state->endpoints.empty())
        return failure{error_kind::transport, str("no address found for ", host), false,
                       false};
    return std::move(state->endpoints);
}

// --------------------------------------------------------------------------- transport

class beast_transport final : public transport {
public:
    beast_transport(endpoint target, options opts, log::logger logger);
    ~beast_transport() override;

    response send(const request& req) override;

private:
    // Connections
    std::unique_ptr<connection> acquire(bool for_write, bool fresh_only);
    void release(std::unique_ptr<connection> c);
    std::size_t drop_inherited_locked();
    std::optional<failure> open(connection& c, clock::time_point deadline);
    std::optional<failure> handshake(connection& c, clock::time_point deadline);
    attempt_outcome attempt(const message& msg, bool idempotent,
                            clock::time_point deadline, bool fresh_only);
    std::variant<response, failure> exchange(connection& c, const message& msg,
                                             clock::time_point deadline,
                                             bool& keep_alive);

    // Text
    message build(const request& req) const;
    std::string operation(const request& req) const;
    std::string clean(std::string text) const;
    failure timed_out(stage s, milliseconds step, clock::time_point step_deadline,
                      clock::time_point deadline, bool sent) const;
    [[noreturn]] void fail(const failure& f, const std::string& op,
                           bool idempotent) const;
    [[noreturn]] void redirect(const response& r, const std::string& op) const;

    endpoint target_;
    std::string host_;         // without IPv6 brackets
    std::string host_header_;  // Host: value
    std::string peer_;         // host:port for messages
    bool host_is_ip_ = false;
    options opts_;
    log::logger log_;
    std::unique_ptr<ssl::context> tls_;

    // NOTE: a fork() while another thread holds this mutex (a few instructions around
    // the idle list) leaves it locked in the child, as with any mutex; Odoo's prefork
    // master forks its workers from its single main thread.
    // TODO: only idle connections are bounded (max_connections): each concurrent send()
    // opens its own connection when none is idle. A cap with a wait queue is not done
    // because the callers (Odoo workers, scripts) already bound their concurrency.
    std::mutex pool_mutex_;
    std::vector<std::unique_ptr<connection>> idle_;  // oldest first
    unsigned pool_generation_;
};

std::unique_ptr<ssl::context> make_tls_context(const std::string& host, bool host_is_ip,
                                               const options& opts,
                                               const log::logger& log,
                                               const std::string& peer) {
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    SSL_CTX* native = ctx->native_handle();
    if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1)
        throw_error(error_kind::configuration, "cannot require TLS 1.2 or newer");
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                     ssl::context::no_tlsv1_1 | ssl::context::no_compression);

    if (!opts.ca_file.empty()) {
        if (!std::ifstream(opts.ca_file))
            throw_error(error_kind::configuration,
                        str("the CA file ", opts.ca_file, " cannot be read"));
        error_code ec;
        ctx->load_verify_file(opts.ca_file, ec);
        if (ec)
            throw_error(error_kind::configuration,
                        str("the CA file ", opts.ca_file,
                            " holds no usable PEM certificate: ", ec.message()));
    }

    if (opts.insecure_skip_tls_verify) {
        ctx->set_verify_mode(ssl::verify_none);
        log.warning(
            str("TLS certificate verification is OFF for ", peer,
                " (insecure_skip_tls_verify): any server on the path can pose as "
                "it and read the API token"));
        return ctx;
    }

    // NOTE: a machine without a system trust store still works with an explicit CA
    // file; without either every handshake fails with a clear verification error.
    error_code ec;
    ctx->set_default_verify_paths(ec);
    if (ec)
        log.warning(str("cannot load the system trust store: ", ec.message()));

    ctx->set_verify_mode(ssl::verify_peer);
    // Beast's host-name step; OpenSSL's own check below adds a precise error
    // ("hostname mismatch") to the handshake failure.
    ctx->set_verify_callback(ssl::host_name_verification(host));
    X509_VERIFY_PARAM* param = SSL_CTX_get0_param(native);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    const int set = host_is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                               : X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
    if (set != 1)
        throw_error(error_kind::configuration,
                    str("cannot verify TLS for host ", host));
    return ctx;
}

beast_transport::beast_transport(endpoint target, options opts, log::logger logger)
    : target_(std::move(target)), opts_(std::move(opts)), log_(std::move(logger)),
      pool_generation_(current_fork_generation()) {
    host_ = target_.host;
    if (host_.size() > 2 && host_.front() == '[' && host_.back() == ']')
        host_ = host_.substr(1, host_.size() - 2);
    if (host_.empty())
        throw_error(error_kind::configuration, "the HTTP endpoint has no host");
    if (target_.port == 0)
        throw_error(error_kind::configuration, "the HTTP endpoint has port 0");
    const auto& d = opts_.deadlines;
    if (d.connect.count() <= 0 || d.tls_handshake.count() <= 0 ||
        d.idle_read.count() <= 0 || d.total.count() <= 0)
        throw_error(error_kind::configuration, "every HTTP deadline must be positive");
    if (opts_.retries.max_attempts < 1)
        throw_error(error_kind::configuration,
                    "retries.max_attempts must be at least 1");
    if (opts_.body_limit == 0 || opts_.header_limit == 0)
        throw_error(error_kind::configuration, "the HTTP size limits must be positive");
    std::erase_if(opts_.secrets, [](const std::string& s) { return s.empty(); });

    error_code ec;
    asio::ip::make_address(host_, ec);
    host_is_ip_ = !ec;
    const bool bracket = host_.find(':') != std::string::npos;
    const std::string host_part = bracket ? str('[', host_, ']') : host_;
    peer_ = str(host_part, ':', target_.port);
    const bool default_port = target_.port == (target_.tls ? 443 : 80);
    host_header_ = default_port ? host_part : peer_;

    if (target_.tls)
        tls_ = make_tls_context(host_, host_is_ip_, opts_, log_, peer_);
}

beast_transport::~beast_transport() {
    std::lock_guard lock(pool_mutex_);
    drop_inherited_locked();
}

// -------------------------------------------------------------------------------- pool

// NOTE: in a forked child the pooled connections share their sockets, and their
// io_context's epoll set, with the parent. Asio's rule for an io_context used after
// fork() is notify_fork(fork_child), which gives it an epoll set of its own, so that
// tearing the connection down touches only the child's reactor. Closing the child's
// copy of a socket then leaves the parent's connection untouched: no shutdown(), no TLS
// close_notify. Returns how many were dropped; the caller logs it outside the lock.
std::size_t beast_transport::drop_inherited_locked() {
    const unsigned now = fork_generation.load();
    if (now == pool_generation_)
        return 0;
    const std::size_t count = idle_.size();
    for (auto& c : idle_) {
        try {
            c->ioc.notify_fork(asio::execution_context::fork_child);
        } catch (...) {
            // NOTE: leaked on purpose: destroying it could disturb the parent.
            (void)c.release();
        }
    }
    idle_.clear();
    pool_generation_ = now;
    return count;
}

std::unique_ptr<connection> beast_transport::acquire(bool for_write, bool fresh_only) {
    std::vector<std::unique_ptr<connection>> discard;  // closed outside the lock
    std::unique_ptr<connection> found;
    std::size_t inherited = 0;
    while (!fresh_only && !found) {
        {
            std::lock_guard lock(pool_mutex_);
            inherited += drop_inherited_locked();
            const auto now = clock::now();
            while (!idle_.empty() &&
                   now - idle_.front()->idle_since > opts_.keep_alive_idle) {
                discard.push_back(std::move(idle_.front()));
                idle_.erase(idle_.begin());
            }
            if (idle_.empty())
                break;
            // NOTE: a write takes only the most recently used connection, and only when
            // it is fresh enough; older ones stay for idempotent requests.
            if (for_write && now - idle_.back()->idle_since > opts_.write_reuse_idle)
                break;
            found = std::move(idle_.back());
            idle_.pop_back();
        }
        if (!looks_open(*found))
            discard.push_back(std::move(found));
    }
    if (inherited != 0)
        log_.debug(str("process forked: dropped ", inherited,
                       " connection(s) inherited from the parent"));
    if (!discard.empty() && log_.enabled(log::level::debug))
        log_.debug(str("closing ", discard.size(), " idle connection(s) to ", peer_));
    return found;
}

void beast_transport::release(std::unique_ptr<connection> c) {
    c->reused = true;
    c->idle_since = clock::now();
    {
        std::lock_guard lock(pool_mutex_);
        drop_inherited_locked();
        if (c->generation == pool_generation_ && idle_.size() < opts_.max_connections) {
            idle_.push_back(std::move(c));
            return;
        }
    }
    // NOTE: c is destroyed here, outside the lock.
}

// ------------------------------------------------------------------------------- steps

failure beast_transport::timed_out(stage s, milliseconds step,
                                   clock::time_point step_deadline,
                                   clock::time_point deadline, bool sent) const {
    failure f;
    f.kind = error_kind::timeout;
    f.sent = sent;
    f.retryable = true;
    if (step_deadline >= deadline)
        f.text = str("the total deadline of ", opts_.deadlines.total.count(),
                     " ms passed during ", to_string(s), " (", peer_, ")");
    else if (s == stage::read)
        f.text = str("no data from ", peer_, " for ", step.count(), " ms while ",
                     to_string(s));
    else
        f.text =
            str(to_string(s), " (", peer_, ") timed out after ", step.count(), " ms");
    return f;
}

std::optional<failure> beast_transport::open(connection& c,
                                             clock::time_point deadline) {
    const auto started = clock::now();
    auto resolved = resolve(host_, target_.port, deadline);
    if (auto* f = std::get_if<failure>(&resolved))
        return *f;
    const auto& endpoints = std::get<std::vector<tcp::endpoint>>(resolved);

    const auto step_deadline =
        std::min(clock::now() + opts_.deadlines.connect, deadline);
    auto [ec, unused] = run_step(c, step_deadline, [&](auto done) {
        c.tcp().async_connect(
            endpoints,
            [done](error_code e, const tcp::endpoint&) mutable { done(e, 0); });
    });
    (void)unused;
    if (ec == beast::error::timeout)
        return timed_out(stage::connect, opts_.deadlines.connect, step_deadline,
                         deadline, false);
    if (ec)
        return failure{error_kind::transport,
                       str("cannot connect to ", peer_, ": ", ec.message()), false,
                       true};
    c.tcp().socket().set_option(tcp::no_delay(true), ec);

    if (c.secure)
        // TODO: TLS session resumption (keeping the last session and offering it on
        // the next connection) would save a round trip per new connection; not done
        // because kept-alive connections make new ones rare.
        if (auto f = handshake(c, deadline))
            return f;
    if (log_.enabled(log::level::debug))
        log_.debug(str(
            "connected to ", peer_,
            c.secure
                ? str(" (",
                      std::string_view(SSL_get_version(c.secure->native_handle())), ")")
                : std::string(),
            " in ", duration_text(started, clock::now())));
    return std::nullopt;
}

std::optional<failure> beast_transport::handshake(connection& c,
                                                  clock::time_point deadline) {
    SSL* native = c.secure->native_handle();
    // SNI: servers that host several names pick the certificate by it. An IP address
    // is never sent as a name (RFC 6066).
    if (!host_is_ip_ &&
        SSL_set_tlsext_host_name(native, const_cast<char*>(host_.c_str())) != 1)
        return failure{error_kind::tls, str("cannot set the TLS server name ", host_),
                       false, false};

    const auto step_deadline =
        std::min(clock::now() + opts_.deadlines.tls_handshake, deadline);
    auto [ec, unused] = run_step(c, step_deadline, [&](auto done) {
        c.secure->async_handshake(ssl::stream_base::client,
                                  [done](error_code e) mutable { done(e, 0); });
    });
    (void)unused;
    if (!ec)
        return std::nullopt;
    if (ec == beast::error::timeout)
        return timed_out(stage::handshake, opts_.deadlines.tls_handshake, step_deadline,
                         deadline, false);
    const long verify = SSL_get_verify_result(native);
    if (!opts_.insecure_skip_tls_verify && verify != X509_V_OK)
        return failure{error_kind::tls,
                       str("the certificate of ", peer_, " is not trusted: ",
                           std::string_view(X509_verify_cert_error_string(verify))),
                       false, false};
    return failure{error_kind::tls,
                   str("TLS handshake with ", peer_, " failed: ", ec.message()), false,
                   false};
}

std::variant<response, failure> beast_transport::exchange(connection& c,
                                                          const message& msg,
                                                          clock::time_point deadline,
                                                          bool& keep_alive) {
    keep_alive = false;
    const auto& d = opts_.deadlines;

    // Write. NOTE: the idle deadline bounds it too: a peer that takes no bytes for that
    // long is as stuck as one that sends none.
    auto step_deadline = std::min(clock::now() + d.idle_read, deadline);
    auto [wec, written] = run_step(c, step_deadline, [&](auto done) {
        with_stream(c, [&](auto& stream) { bhttp::async_write(stream, msg, done); });
    });
    (void)written;
    if (wec == beast::error::timeout)
        return timed_out(stage::write, d.idle_read, step_deadline, deadline, true);
    if (wec) {
        failure f{error_kind::transport,
                  str("sending the request to ", peer_, " failed: ", wec.message()),
                  true, true};
        f.stale = c.reused && is_closed_by_peer(wec);
        return f;
    }

    // Read, re-arming the idle deadline before every read from the socket.
    std::optional<bhttp::response_parser<bhttp::string_body>> parser;
    const auto fresh_parser = [&] {
        parser.emplace();
        parser->eager(true);
        parser->body_limit(std::uint64_t{opts_.body_limit});
        parser->header_limit(static_cast<std::uint32_t>(
            std::min<std::size_t>(opts_.header_limit, UINT32_MAX)));
    };
    fresh_parser();
    std::size_t received = 0;
    for (;;) {
        if (c.buffer.size() != 0) {
            error_code pec;
            const auto used = parser->put(c.buffer.data(), pec);
            c.buffer.consume(used);
            if (pec == bhttp::error::need_more)
                pec = {};
            if (pec) {
                const std::string what =
                    pec == bhttp::error::body_limit
                        ? str("the response body exceeds the limit of ",
                              opts_.body_limit, " bytes")
                    : pec == bhttp::error::header_limit
                        ? str("the response header exceeds the limit of ",
                              opts_.header_limit, " bytes")
                        : str("malformed response from ", peer_, ": ", pec.message());
                return failure{error_kind::transport, what, true, false};
            }
            if (parser->is_done()) {
                // NOTE: an interim 1xx response (100 Continue) precedes the real one.
                const unsigned status = parser->get().result_int();
                if (status >= 100 && status < 200 && status != 101) {
                    fresh_parser();
                    continue;
                }
                break;
            }
            if (used != 0)
                continue;
        }

        step_deadline = std::min(clock::now() + d.idle_read, deadline);
        const auto size = beast::read_size(c.buffer, 64 * 1024);
        auto [rec, n] = run_step(c, step_deadline, [&](auto done) {
            with_stream(c, [&](auto& stream) {
                stream.async_read_some(c.buffer.prepare(size), done);
            });
        });
        c.buffer.commit(n);
        received += n;
        if (!rec)
            continue;
        if (rec == asio::error::eof && received != 0 && parser->got_some()) {
            // A body delimited by the end of the connection ends here.
            error_code eec;
            parser->put_eof(eec);
            if (!eec && parser->is_done())
                break;
        }
        if (rec == beast::error::timeout)
            return timed_out(stage::read, d.idle_read, step_deadline, deadline, true);
        failure f{error_kind::transport, {}, true, true};
        if (received == 0 && is_closed_by_peer(rec)) {
            f.text = str(peer_, " closed the connection without a response (",
                         rec.message(), ")");
            f.stale = c.reused;
        } else if (rec == asio::error::eof || rec == ssl::error::stream_truncated) {
            f.text = str("the response from ", peer_, " was cut short after ", received,
                         " bytes");
        } else {
            f.text = str("reading the response from ", peer_, " failed after ",
                         received, " bytes: ", rec.message());
        }
        return f;
    }

    auto res = parser->release();
    keep_alive = res.keep_alive() && c.buffer.size() == 0;
    response out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res.base())
        out.headers.push_back(
            {std::string(field.name_string()), std::string(field.value())});
    out.body = std::move(res.body());
    return out;
}

attempt_outcome beast_transport::attempt(const message& msg, bool idempotent,
                                         clock::time_point deadline, bool fresh_only) {
    attempt_outcome out;
    auto c = acquire(!idempotent, fresh_only);
    if (c) {
        out.reused = true;
    } else {
        try {
            c = std::make_unique<connection>(tls_.get(), fork_generation.load());
        } catch (const std::exception& e) {
            // NOTE: out of descriptors or memory (epoll set, eventfd, timerfd, socket).
            out.fail =
                failure{error_kind::transport,
                        str("cannot set up a connection: ", std::string_view(e.what())),
                        false, true};
            return out;
        }
        if (auto f = open(*c, deadline)) {
            out.fail = std::move(f);
            return out;
        }
    }

    bool keep_alive = false;
    auto result = exchange(*c, msg, deadline, keep_alive);
    if (auto* f = std::get_if<failure>(&result)) {
        out.fail = std::move(*f);
        return out;
    }
    out.reply = std::move(std::get<response>(result));
    if (keep_alive)
        release(std::move(c));
    return out;
}

// -------------------------------------------------------------------------------- send

message beast_transport::build(const request& req) const {
    static constexpr bhttp::verb verbs[] = {bhttp::verb::get, bhttp::verb::post,
                                            bhttp::verb::patch, bhttp::verb::put,
                                            bhttp::verb::delete_};
    message m{verbs[static_cast<int>(req.method)], req.target, 11};
    m.set(bhttp::field::host, host_header_);
    m.set(bhttp::field::user_agent, opts_.user_agent);
    for (const auto& h : req.headers)
        m.set(h.name, h.value);
    if (!req.body.empty() && m.find(bhttp::field::content_type) == m.end())
        m.set(bhttp::field::content_type, "application/json");
    m.body() = req.body;
    m.prepare_payload();
    return m;
}

std::string beast_transport::operation(const request& req) const {
    const auto q = req.target.find('?');
    return clean(str(to_string(req.method), ' ', req.target.substr(0, q)));
}

// Removes every secret from text bound for a log line or an error message.
std::string beast_transport::clean(std::string text) const {
    for (const auto& secret : opts_.secrets)
        text = log::redact(text, secret);
    return text;
}

void beast_transport::fail(const failure& f, const std::string& op,
                           bool idempotent) const {
    error_details details;
    details.operation = op;
    if (!idempotent && f.sent)
        throw_error(
            error_kind::ambiguous,
            clean(str(
                op, ": outcome unknown, the request may have taken effect: ", f.text)),
            std::move(details));
    throw_error(f.kind, clean(str(op, ": ", f.text)), std::move(details));
}

void beast_transport::redirect(const response& r, const std::string& op) const {
    const auto location = r.find_header("Location");
    error_details details;
    details.operation = op;
    details.status = r.status;
    throw_error(
        error_kind::http_status,
        clean(str(op, ": redirect not followed: ", r.status, " to ",
                  location ? excerpt(*location, 200) : std::string("(no Location)"))),
        std::move(details));
}

bool is_token_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

void check_request(const request& req) {
    if (req.target.empty() || req.target.front() != '/')
        throw_invalid_input("an HTTP request target must start with '/'");
    for (char ch : req.target)
        if (static_cast<unsigned char>(ch) <= 0x20 || ch == 0x7f)
            throw_invalid_input(
                "an HTTP request target holds a space or a control character");
    for (const auto& h : req.headers) {
        if (h.name.empty() || !std::all_of(h.name.begin(), h.name.end(), is_token_char))
            throw_invalid_input(
                "an HTTP header name is empty or holds an invalid character");
        // NOTE: the value is never quoted: it may be the token.
        for (char ch : h.value)
            if (ch == '\r' || ch == '\n' || ch == '\0')
                throw_invalid_input(str("the HTTP header ", h.name,
                                        " holds a line break or a NUL character"));
    }
}

response beast_transport::send(const request& req) {
    check_request(req);
    const auto started = clock::now();
    const auto deadline = started + opts_.deadlines.total;
    // NOTE: a retry must leave the attempt after it some time, or it would trade an
    // informative answer (the 503, the 429) for a bare timeout.
    const auto margin =
        std::min<milliseconds>(opts_.deadlines.total / 10, milliseconds{1'000});
    const std::string op = operation(req);
    const message msg = build(req);
    const bool idempotent = req.idempotent();
    const int max_attempts = opts_.retries.max_attempts;
    bool stale_resend_left = idempotent;
    bool fresh_only = false;
    std::optional<std::minstd_rand> rng;

    const auto next_delay = [&](int attempt) {
        if (!rng)
            rng.emplace(std::random_device{}());
        const double unit = std::uniform_real_distribution<double>(0.0, 1.0)(*rng);
        return backoff_delay(opts_.retries, attempt, unit);
    };
    const auto fits = [&](milliseconds delay) {
        return clock::now() + delay + margin < deadline;
    };

    for (int attempt = 1;; ++attempt) {
        const auto t0 = clock::now();
        auto out = this->attempt(msg, idempotent, deadline, fresh_only);
        fresh_only = false;

        if (out.fail) {
            const failure& f = *out.fail;
            if (log_.enabled(log::level::debug))
                log_.debug(clean(str(op, " failed in ", duration_text(t0, clock::now()),
                                     " (attempt ", attempt,
                                     out.reused ? ", reused" : "", "): ", f.text)));
            if (f.stale && stale_resend_left && clock::now() < deadline) {
                // The server closed a kept-alive connection: not a failure of the
                // request.
                stale_resend_left = false;
                fresh_only = true;
                --attempt;
                continue;
            }
            if (!idempotent || !f.retryable || attempt >= max_attempts)
                fail(f, op, idempotent);
            const auto delay = next_delay(attempt);
            if (!fits(delay))
                fail(f, op, idempotent);
            log_.warning(
                clean(str(op, " failed (", f.text, "); retrying in ", delay.count(),
                          " ms, attempt ", attempt + 1, " of ", max_attempts)));
            std::this_thread::sleep_for(delay);
            continue;
        }

        response& r = *out.reply;
        if (log_.enabled(log::level::debug))
            log_.debug(clean(str(
                op, req.target.find('?') != std::string::npos ? "?..." : "", " -> ",
                r.status, " in ", duration_text(t0, clock::now()), " (attempt ",
                attempt, out.reused ? ", reused connection)" : ", new connection)")));
        if (r.status >= 300 && r.status < 400)
            redirect(r, op);
        // NOTE: a 429 says the server refused the request without acting on it, so
        // even a POST may be sent again once Retry-After has passed.
        const bool may_repeat = idempotent || r.status == 429;
        if (!may_repeat || !is_retryable_status(r.status) || attempt >= max_attempts)
            return std::move(r);

        auto delay = next_delay(attempt);
        if (r.status == 429 || r.status == 503)
            if (auto value = r.find_header("Retry-After"))
                if (auto wait =
                        parse_retry_after(*value, std::chrono::system_clock::now()))
                    delay = std::max(delay, *wait);
        if (!fits(delay))
            return std::move(r);
        log_.warning(
            clean(str(op, " answered ", r.status, "; retrying in ", delay.count(),
                      " ms, attempt ", attempt + 1, " of ", max_attempts)));
        std::this_thread::sleep_for(delay);
    }
}

}  // namespace

std::shared_ptr<transport> make_beast_transport(endpoint target, options opts,
                                                log::logger logger) {
    return std::make_shared<beast_transport>(std::move(target), std::move(opts),
                                             std::move(logger));
}

}  // namespace ozmap::http
