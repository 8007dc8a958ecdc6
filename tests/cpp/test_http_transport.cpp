// The Beast transport over plain HTTP against a scripted loopback server: keep-alive,
// stale connections, deadlines, retries, limits, redirects, and what it logs.
// The numbers (N1..., H1...) are the fault matrix of reliability-and-benchmarks.md §4.
#include "support/test_log.hpp"
#include "support/test_server.hpp"

#include <ozmap/error.hpp>
#include <ozmap/http/transport.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace {

using namespace std::chrono_literals;
using ozmap::error;
using ozmap::error_kind;
using ozmap::test::captured_log;
using ozmap::test::server_connection;
using ozmap::test::test_server;
namespace http = ozmap::http;

const std::string token = "tok-SECRET-0123456789abcdef";

http::options fast_options() {
    http::options o;
    o.deadlines.connect = 300ms;
    o.deadlines.tls_handshake = 300ms;
    o.deadlines.idle_read = 300ms;
    o.deadlines.total = 2'000ms;
    o.retries.max_attempts = 3;
    o.retries.base_delay = 10ms;
    o.retries.max_delay = 40ms;
    o.secrets = {token};
    return o;
}

http::request get(std::string target = "/api/v2/boxes") {
    http::request r;
    r.method = http::verb::get;
    r.target = std::move(target);
    r.headers = {{"Authorization", token}};
    return r;
}

http::request post(std::string target = "/api/v2/properties") {
    http::request r = get(std::move(target));
    r.method = http::verb::post;
    r.body = R"({"client":{"code":"C-1"}})";
    return r;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                     t0)
        .count();
}

std::size_t count_method(const test_server& s, std::string_view method) {
    std::size_t n = 0;
    for (const auto& r : s.requests())
        n += r.method == method;
    return n;
}

// A port nothing listens on: bound once, then closed.
std::uint16_t closed_port() {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor a(ioc,
                                     {boost::asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

int open_fds() {
    int n = 0;
    for ([[maybe_unused]] const auto& entry :
         std::filesystem::directory_iterator("/proc/self/fd"))
        ++n;
    return n;
}

class HttpTransport : public ::testing::Test {
protected:
    std::shared_ptr<http::transport> make(std::uint16_t port,
                                          http::options o = fast_options()) {
        return http::make_beast_transport({false, "127.0.0.1", port}, std::move(o),
                                          logs.logger().child("http"));
    }

    // The error a call throws; fails the test if it throws none.
    template <class F>
    error expect_error(F&& call) {
        try {
            call();
        } catch (const error& e) {
            EXPECT_EQ(std::string(e.what()).find(token), std::string::npos) << e.what();
            return e;
        }
        ADD_FAILURE() << "no ozmap::error thrown";
        return error(error_kind::configuration, "nothing was thrown");
    }

    // S1: whatever a test did, no log line holds the token or an Authorization value.
    void TearDown() override {
        EXPECT_FALSE(logs.contains(token)) << logs.all();
        EXPECT_FALSE(logs.contains("Authorization")) << logs.all();
    }

    captured_log logs;
};

// ------------------------------------------------------------------------------ normal

TEST_F(HttpTransport, SendsTheRequestAndReturnsTheResponse) {
    test_server server(
        ozmap::test::serve(200, R"({"ok":true})", "X-Request-Id: 42\r\n"));
    auto t = make(server.port());

    http::request r = post("/api/v2/properties?x=1");
    const auto res = t->send(r);

    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(res.body, R"({"ok":true})");
    EXPECT_EQ(res.find_header("content-type"), "application/json");
    EXPECT_EQ(res.find_header("X-Request-Id"), "42");
    const auto seen = server.requests();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].method, "POST");
    EXPECT_EQ(seen[0].target, "/api/v2/properties?x=1");
    EXPECT_EQ(seen[0].body, r.body);
    EXPECT_EQ(seen[0].header("Authorization"), token);
    EXPECT_EQ(seen[0].header("Host"), "127.0.0.1:" + std::to_string(server.port()));
    EXPECT_EQ(seen[0].header("Content-Type"), "application/json");
    EXPECT_EQ(seen[0].header("Content-Length"), std::to_string(r.body.size()));
    EXPECT_EQ(seen[0].header("User-Agent"), "ozmap-connector");
}

TEST_F(HttpTransport, KeepAliveReusesOneConnection) {
    test_server server(ozmap::test::serve(200, "{}"));
    auto t = make(server.port());
    for (int i = 0; i < 20; ++i)
        ASSERT_EQ(t->send(i % 2 ? get() : post()).status, 200);
    EXPECT_EQ(server.accepted(), 1u);
    EXPECT_EQ(server.requests().size(), 20u);
}

TEST_F(HttpTransport, ConnectionCloseIsNotReused) {
    test_server server([](server_connection& c) {
        if (c.read_request())
            c.respond(200, "{}", {}, /*keep_alive=*/false);
    });
    auto t = make(server.port());
    ASSERT_EQ(t->send(get()).status, 200);
    ASSERT_EQ(t->send(get()).status, 200);
    EXPECT_EQ(server.accepted(), 2u);
}

TEST_F(HttpTransport, ThreadsShareOneTransport) {
    test_server server(ozmap::test::serve(200, "{}"));
    auto o = fast_options();
    o.max_connections = 4;
    auto t = make(server.port(), o);
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
        threads.emplace_back([&] {
            for (int j = 0; j < 25; ++j)
                ok += t->send(get()).status == 200;
        });
    for (auto& th : threads)
        th.join();
    EXPECT_EQ(ok.load(), 100);
    EXPECT_EQ(server.requests().size(), 100u);
    // Each thread drives at most one connection at a time, and idle ones are reused.
    EXPECT_LE(server.accepted(), 4u);
}

TEST_F(HttpTransport, ChunkedLargeAndInterimResponses) {
    const std::string big(3 * 1024 * 1024 + 7, 'x');
    test_server server([&big](server_connection& c) {
        if (!c.read_request())
            return;
        c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
        if (!c.read_request())
            return;
        c.respond(200, big);
        if (!c.read_request())
            return;
        c.write("HTTP/1.1 100 Continue\r\n\r\n");
        c.respond(201, "{}");
    });
    auto t = make(server.port());
    EXPECT_EQ(t->send(get()).body, "hello world");
    EXPECT_EQ(t->send(get()).body, big);
    EXPECT_EQ(t->send(post()).status, 201);
    EXPECT_EQ(server.accepted(), 1u);
}

// ---------------------------------------------------------------------------------- N6

// The server closes each connection right after its first response, as an idle
// timeout would. The client notices before sending and opens a new one: nothing fails,
// not even a POST.
TEST_F(HttpTransport, N6_ConnectionClosedByServerWhileIdle) {
    test_server server([](server_connection& c) {
        if (c.read_request() && c.respond(200, "{}"))
            c.close();
        c.sleep(2s);
    });
    auto t = make(server.port());
    ASSERT_EQ(t->send(get()).status, 200);
    std::this_thread::sleep_for(50ms);
    ASSERT_EQ(t->send(post()).status, 200);
    std::this_thread::sleep_for(50ms);
    ASSERT_EQ(t->send(get()).status, 200);
    EXPECT_EQ(server.accepted(), 3u);
    EXPECT_EQ(count_method(server, "POST"), 1u);
}

// The race the check cannot see: the server takes the next request on a kept-alive
// connection and closes it without answering. A GET is resent once on a new
// connection; a POST may have been processed, so it is ambiguous and not resent.
ozmap::test::scenario drop_second_request_on_first_connection() {
    return [](server_connection& c) {
        if (!c.read_request() || !c.respond(200, "{}"))
            return;
        if (c.index() == 0) {
            if (c.read_request())
                c.close();
            c.sleep(2s);
            return;
        }
        for (int i = 0; i < 100 && c.read_request(); ++i)
            c.respond(200, "{}");
    };
}

TEST_F(HttpTransport, N6_StaleConnectionGetIsResentOnce) {
    test_server server(drop_second_request_on_first_connection());
    auto o = fast_options();
    o.retries.max_attempts = 1;  // the resend is not a retry
    auto t = make(server.port(), o);
    ASSERT_EQ(t->send(get()).status, 200);
    EXPECT_EQ(t->send(get()).status, 200);
    EXPECT_EQ(server.accepted(), 2u);
    EXPECT_EQ(server.requests().size(), 3u);
    EXPECT_EQ(logs.count(ozmap::log::level::warning), 0u) << logs.all();
}

TEST_F(HttpTransport, N6_StaleConnectionPostIsAmbiguous) {
    test_server server(drop_second_request_on_first_connection());
    auto t = make(server.port());
    ASSERT_EQ(t->send(get()).status, 200);
    const auto e = expect_error([&] { t->send(post()); });
    EXPECT_EQ(e.kind(), error_kind::ambiguous) << e.what();
    EXPECT_EQ(e.operation(), "POST /api/v2/properties");
    EXPECT_EQ(count_method(server, "POST"), 1u);
    EXPECT_EQ(server.accepted(), 1u);
}

TEST_F(HttpTransport, WriteAvoidsAConnectionIdleTooLong) {
    test_server server(ozmap::test::serve(200, "{}"));
    auto o = fast_options();
    o.write_reuse_idle = 30ms;
    auto t = make(server.port(), o);
    ASSERT_EQ(t->send(get()).status, 200);
    std::this_thread::sleep_for(80ms);
    ASSERT_EQ(t->send(post()).status, 200);  // on a new connection
    EXPECT_EQ(server.accepted(), 2u);
    ASSERT_EQ(t->send(post()).status, 200);  // that one is fresh: reused
    ASSERT_EQ(t->send(get()).status, 200);
    EXPECT_EQ(server.accepted(), 2u);
}

// --------------------------------------------------------------------------- N1-N5, N8

TEST_F(HttpTransport, N1_ConnectionRefused) {
    const auto port = closed_port();
    auto t = make(port);
    const auto t0 = std::chrono::steady_clock::now();
    auto e = expect_error([&] { t->send(get()); });
    EXPECT_EQ(e.kind(), error_kind::transport) << e.what();
    EXPECT_NE(std::string(e.what()).find("refused"), std::string::npos) << e.what();
    EXPECT_LT(ms_since(t0), 1'000);
    // Three attempts were made: two warnings about retrying.
    EXPECT_EQ(logs.count(ozmap::log::level::warning), 2u) << logs.all();

    // A write that never reached a server is a plain transport error, not ambiguous.
    e = expect_error([&] { t->send(post()); });
    EXPECT_EQ(e.kind(), error_kind::transport) << e.what();
    EXPECT_EQ(logs.count(ozmap::log::level::warning), 2u) << "a POST was retried";
}

// A listener that never accepts, its backlog filled by other connections: the kernel
// stops answering SYNs and connect() hangs.
TEST_F(HttpTransport, N2_ConnectThatHangsTimesOut) {
    namespace asio = boost::asio;
    using tcp = asio::ip::tcp;
    asio::io_context ioc;
    tcp::acceptor listener(ioc);
    listener.open(tcp::v4());
    listener.bind({asio::ip::make_address("127.0.0.1"), 0});
    listener.listen(0);
    std::vector<tcp::socket> fillers;
    for (int i = 0; i < 6; ++i) {
        fillers.emplace_back(ioc);
        fillers.back().open(tcp::v4());
        fillers.back().non_blocking(true);
        // NOTE: the plain system call: Asio's synchronous connect waits for the result.
        const auto target = listener.local_endpoint();
        (void)::connect(fillers.back().native_handle(), target.data(),
                        static_cast<socklen_t>(target.size()));
    }
    std::this_thread::sleep_for(100ms);

    auto o = fast_options();
    o.deadlines.connect = 200ms;
    o.retries.max_attempts = 1;
    auto t = make(listener.local_endpoint().port(), o);
    for (const auto& r : {get(), post()}) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto e = expect_error([&] { t->send(r); });
        const double elapsed = ms_since(t0);
        // Nothing was sent, so even the POST is a plain timeout.
        EXPECT_EQ(e.kind(), error_kind::timeout) << e.what();
        EXPECT_NE(std::string(e.what()).find("connecting"), std::string::npos)
            << e.what();
        EXPECT_GE(elapsed, 190);
        EXPECT_LT(elapsed, 1'000);
    }
}

// TODO: N7 (a host name that does not resolve) has no end-to-end test: resolving any
// name that is not in /etc/hosts sends a DNS query off this machine, which the test
// rules forbid. Its code path is the resolver's failure branch in beast_transport.cpp.

ozmap::test::scenario never_answer() {
    return [](server_connection& c) {
        c.read_request();
        c.sleep(10s);
    };
}

TEST_F(HttpTransport, N3_NeverAnswersGetTimesOut) {
    test_server server(never_answer());
    auto o = fast_options();
    o.retries.max_attempts = 1;
    auto t = make(server.port(), o);
    const auto t0 = std::chrono::steady_clock::now();
    const auto e = expect_error([&] { t->send(get()); });
    const double elapsed = ms_since(t0);
    EXPECT_EQ(e.kind(), error_kind::timeout) << e.what();
    EXPECT_NE(std::string(e.what()).find("no data"), std::string::npos) << e.what();
    EXPECT_GE(elapsed, 290);
    EXPECT_LT(elapsed, 1'000);
}

TEST_F(HttpTransport, N3_NeverAnswersGetIsRetriedWithinTheTotalDeadline) {
    test_server server(never_answer());
    auto o = fast_options();
    o.retries.max_attempts = 10;
    o.deadlines.total = 1'000ms;
    auto t = make(server.port(), o);
    const auto t0 = std::chrono::steady_clock::now();
    const auto e = expect_error([&] { t->send(get()); });
    EXPECT_EQ(e.kind(), error_kind::timeout) << e.what();
    EXPECT_LT(ms_since(t0), 1'300);
    // 300 ms per attempt within one second: a few attempts, not ten.
    EXPECT_GE(server.accepted(), 2u);
    EXPECT_LE(server.accepted(), 4u);
}

TEST_F(HttpTransport, N3_NeverAnswersPostIsAmbiguous) {
    test_server server(never_answer());
    auto t = make(server.port());
    const auto e = expect_error([&] { t->send(post()); });
    EXPECT_EQ(e.kind(), error_kind::ambiguous) << e.what();
    EXPECT_EQ(count_method(server, "POST"), 1u);
}

// Every byte comes within the idle deadline, but the total deadline still ends it.
TEST_F(HttpTransport, N4_SlowDripHitsTheTotalDeadline) {
    test_server server([](server_connection& c) {
        if (!c.read_request())
            return;
        c.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
        for (int i = 0; i < 1000 && c.write("x"); ++i)
            if (!c.sleep(40ms))
                return;
    });
    auto o = fast_options();
    o.retries.max_attempts = 1;
    o.deadlines.idle_read = 300ms;
    o.deadlines.total = 600ms;
    auto t = make(server.port(), o);
    const auto t0 = std::chrono::steady_clock::now();
    const auto e = expect_error([&] { t->send(get()); });
    const double elapsed = ms_since(t0);
    EXPECT_EQ(e.kind(), error_kind::timeout) << e.what();
    EXPECT_NE(std::string(e.what()).find("total deadline"), std::string::npos)
        << e.what();
    EXPECT_GE(elapsed, 590);
    EXPECT_LT(elapsed, 1'200);
}

// The first connection sends half of a body and then a reset; later ones answer.
ozmap::test::scenario reset_mid_body_once() {
    return [](server_connection& c) {
        if (!c.read_request())
            return;
        if (c.index() == 0) {
            c.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" +
                    std::string(50, 'a'));
            c.sleep(50ms);
            c.reset();
            return;
        }
        c.respond(200, "{}");
    };
}

TEST_F(HttpTransport, N5_ResetMidBodyGetIsRetried) {
    test_server server(reset_mid_body_once());
    auto t = make(server.port());
    EXPECT_EQ(t->send(get()).status, 200);
    EXPECT_EQ(server.accepted(), 2u);
    EXPECT_EQ(logs.count(ozmap::log::level::warning), 1u) << logs.all();
}

TEST_F(HttpTransport, N5_ResetMidBodyPostIsAmbiguous) {
    test_server server(reset_mid_body_once());
    auto t = make(server.port());
    const auto e = expect_error([&] { t->send(post()); });
    EXPECT_EQ(e.kind(), error_kind::ambiguous) << e.what();
    EXPECT_EQ(server.accepted(), 1u);
}

TEST_F(HttpTransport, N8_BodyCutBeforeItsLength) {
    test_server server([](server_connection& c) {
        if (!c.read_request())
            return;
        c.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" +
                std::string(60, 'a'));
        c.close();
        c.sleep(1s);
    });
    auto o = fast_options();
    o.retries.max_attempts = 1;
    auto t = make(server.port(), o);
    const auto e = expect_error([&] { t->send(get()); });
    EXPECT_EQ(e.kind(), error_kind::transport) << e.what();
    EXPECT_NE(std::string(e.what()).find("cut short"), std::string::npos) << e.what();
}

TEST_F(HttpTransport, H9_MalformedResponsesAreTransportErrors) {
    for (const std::string raw :
         {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
          "chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
          "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n",
          "SSH-2.0-OpenSSH_9.2\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n"}) {
        test_server server([raw](server_connection& c) {
            if (c.read_request())
                c.write(raw);
            c.sleep(1s);
        });
        auto t = make(server.port());
        const auto e = expect_error([&] { t->send(get()); });
        EXPECT_EQ(e.kind(), error_kind::transport) << e.what();
        EXPECT_NE(std::string(e.what()).find("malformed"), std::string::npos)
            << e.what();
        EXPECT_EQ(server.accepted(), 1u) << "a malformed response was retried";
    }
}

// ------------------------------------------------------------------------------ H1, H2

// Answers the first `failures` requests (over all connections) with `status`.
ozmap::test::scenario fail_first(int failures, int status, std::string extra = {}) {
    auto count = std::make_shared<std::atomic<int>>(0);
    return [=](server_connection& c) {
        for (int i = 0; i < 100 && c.read_request(); ++i) {
            if (count->fetch_add(1) < failures)
                c.respond(status, R"({"error":"busy"})", extra);
            else
                c.respond(200, R"({"ok":true})");
        }
    };
}

TEST_F(HttpTransport, H1_GetIsRetriedAfter5xx) {
    for (int status : {500, 502, 503, 504}) {
        test_server server(fail_first(2, status));
        auto t = make(server.port());
        const auto res = t->send(get());
        EXPECT_EQ(res.status, 200) << status;
        EXPECT_EQ(server.requests().size(), 3u) << status;
    }
}

TEST_F(HttpTransport, H1_PostIsNotRetriedAfter5xx) {
    test_server server(fail_first(1, 503));
    auto t = make(server.port());
    const auto res = t->send(post());
    EXPECT_EQ(res.status, 503);
    EXPECT_EQ(res.body, R"({"error":"busy"})");
    EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(HttpTransport, H1_RetriesUsedUpReturnTheLastResponse) {
    test_server server(fail_first(100, 502));
    auto t = make(server.port());
    EXPECT_EQ(t->send(get()).status, 502);
    EXPECT_EQ(server.requests().size(), 3u);
    EXPECT_EQ(logs.count(ozmap::log::level::warning), 2u) << logs.all();
}

TEST_F(HttpTransport, H2_RetryAfterThatFitsIsHonoured) {
    test_server server(fail_first(1, 429, "Retry-After: 1\r\n"));
    auto o = fast_options();
    o.deadlines.total = 3'000ms;
    auto t = make(server.port(), o);
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(t->send(get()).status, 200);
    const double elapsed = ms_since(t0);
    EXPECT_GE(elapsed, 990);
    EXPECT_LT(elapsed, 2'000);
    EXPECT_EQ(server.requests().size(), 2u);
}

TEST_F(HttpTransport, H2_RetryAfterThatDoesNotFitReturnsThe429) {
    test_server server(fail_first(1, 429, "Retry-After: 120\r\n"));
    auto t = make(server.port());
    const auto t0 = std::chrono::steady_clock::now();
    const auto res = t->send(get());
    EXPECT_LT(ms_since(t0), 500);
    EXPECT_EQ(res.status, 429);
    EXPECT_EQ(res.find_header("Retry-After"), "120");
    EXPECT_EQ(server.requests().size(), 1u);
}

// -------------------------------------------------------------------------- H6-H8, H10

TEST_F(HttpTransport, H6_RedirectToAnotherHostIsNotFollowed) {
    test_server elsewhere(ozmap::test::serve(200, "{}"));
    const std::string location =
        "http://127.0.0.1:" + std::to_string(elsewhere.port()) + "/steal";
    test_server server([&location](server_connection& c) {
        for (int i = 0; i < 10 && c.read_request(); ++i)
            c.respond(302, "", "Location: " + location + "\r\n");
    });
    auto t = make(server.port());
    for (const auto& r : {get(), post()}) {
        const auto e = expect_error([&] { t->send(r); });
        EXPECT_EQ(e.kind(), error_kind::http_status) << e.what();
        EXPECT_EQ(e.status(), 302);
        EXPECT_NE(std::string(e.what()).find(location), std::string::npos) << e.what();
    }
    EXPECT_EQ(elsewhere.accepted(), 0u);
    EXPECT_EQ(server.requests().size(), 2u);
}

TEST_F(HttpTransport, H7_BodyOverTheLimit) {
    test_server server([](server_connection& c) {
        if (!c.read_request())
            return;
        if (c.index() == 0) {
            // Announced: refused from the header alone, before any of it is read.
            c.write("HTTP/1.1 200 OK\r\nContent-Length: 20000000\r\n\r\n" +
                    std::string(100, 'a'));
            c.sleep(1s);
            return;
        }
        // Chunked: refused once the chunks pass the limit.
        c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int i = 0; i < 64; ++i)
            if (!c.write("200\r\n" + std::string(512, 'b') + "\r\n"))
                return;
        c.sleep(1s);
    });
    auto o = fast_options();
    o.body_limit = 4096;
    auto t = make(server.port(), o);
    for (int i = 0; i < 2; ++i) {
        const auto e = expect_error([&] { t->send(get()); });
        EXPECT_EQ(e.kind(), error_kind::transport) << e.what();
        EXPECT_NE(std::string(e.what()).find("exceeds the limit of 4096 bytes"),
                  std::string::npos)
            << e.what();
    }
    // Each failed once: over-limit responses are not retried.
    EXPECT_EQ(server.requests().size(), 2u);
    EXPECT_EQ(server.accepted(), 2u);
}

TEST_F(HttpTransport, H8_HugeHeader) {
    test_server server([](server_connection& c) {
        if (c.read_request())
            c.write("HTTP/1.1 200 OK\r\nX-Junk: " + std::string(64 * 1024, 'j') +
                    "\r\nContent-Length: 0\r\n\r\n");
        c.sleep(1s);
    });
    auto t = make(server.port());
    const auto e = expect_error([&] { t->send(get()); });
    EXPECT_EQ(e.kind(), error_kind::transport) << e.what();
    EXPECT_NE(std::string(e.what()).find("header exceeds"), std::string::npos)
        << e.what();
}

TEST_F(HttpTransport, H10_HtmlErrorPageIsReturnedAsItIs) {
    const std::string html =
        "<html><body>Bad gateway: the upstream is down</body></html>";
    test_server server([&html](server_connection& c) {
        for (int i = 0; i < 10 && c.read_request(); ++i)
            c.respond(i == 0 ? 200 : 502, html, {}, true, "text/html");
    });
    auto o = fast_options();
    o.retries.max_attempts = 1;
    auto t = make(server.port(), o);
    for (int status : {200, 502}) {
        const auto res = t->send(get());
        EXPECT_EQ(res.status, status);
        EXPECT_EQ(res.find_header("Content-Type"), "text/html");
        EXPECT_EQ(res.body, html);
    }
    EXPECT_FALSE(logs.contains("upstream")) << "a body was logged:\n" << logs.all();
}

// ----------------------------------------------------------------------------- logging

TEST_F(HttpTransport, DebugLogNamesRequestsWithoutQueryOrToken) {
    test_server server(ozmap::test::serve(200, "{}"));
    auto t = make(server.port());
    ASSERT_EQ(t->send(get("/api/v2/properties?filter=Maria%20Silva")).status, 200);
    ASSERT_EQ(t->send(get("/api/v2/properties?filter=Maria%20Silva")).status, 200);
    EXPECT_TRUE(logs.contains("GET /api/v2/properties?... -> 200 in ")) << logs.all();
    EXPECT_TRUE(logs.contains("reused connection")) << logs.all();
    EXPECT_FALSE(logs.contains("Maria")) << logs.all();
    for (const auto& r : logs.records())
        EXPECT_EQ(r.logger, "ozmap_connector.http");
}

TEST_F(HttpTransport, SecretsAreRedactedFromErrors) {
    test_server server(never_answer());
    auto o = fast_options();
    o.retries.max_attempts = 1;
    o.deadlines.idle_read = 100ms;
    auto t = make(server.port(), o);
    const auto e = expect_error([&] { t->send(get("/api/v2/echo/" + token)); });
    EXPECT_EQ(e.kind(), error_kind::timeout);
    EXPECT_EQ(e.operation(), "GET /api/v2/echo/***");
}

TEST_F(HttpTransport, InvalidRequestsAreRefusedBeforeSending) {
    test_server server(ozmap::test::serve(200, "{}"));
    auto t = make(server.port());
    auto r = get();
    r.headers.push_back({"X-Evil", "a\r\nHost: elsewhere"});
    auto e = expect_error([&] { t->send(r); });
    EXPECT_EQ(e.kind(), error_kind::invalid_input);
    r = get("api/v2/boxes");
    EXPECT_EQ(expect_error([&] { t->send(r); }).kind(), error_kind::invalid_input);
    r = get("/api/v2/boxes list");
    EXPECT_EQ(expect_error([&] { t->send(r); }).kind(), error_kind::invalid_input);
    r = get();
    r.headers.push_back({"Bad Name", "x"});
    EXPECT_EQ(expect_error([&] { t->send(r); }).kind(), error_kind::invalid_input);
    // Even the token's own header: its value is never quoted.
    r = get();
    r.headers[0].value = token + "\n";
    e = expect_error([&] { t->send(r); });
    EXPECT_EQ(e.kind(), error_kind::invalid_input);
    EXPECT_EQ(server.accepted(), 0u);
}

TEST_F(HttpTransport, BadOptionsAreConfigurationErrors) {
    auto o = fast_options();
    o.retries.max_attempts = 0;
    EXPECT_EQ(expect_error([&] { make(80, o); }).kind(), error_kind::configuration);
    o = fast_options();
    o.deadlines.total = 0ms;
    EXPECT_EQ(expect_error([&] { make(80, o); }).kind(), error_kind::configuration);
    EXPECT_EQ(expect_error([&] { make(0); }).kind(), error_kind::configuration);
    EXPECT_EQ(expect_error([&] {
                  http::make_beast_transport({false, "", 80}, fast_options(), {});
              }).kind(),
              error_kind::configuration);
}

// ---------------------------------------------------------------------------- N9, fork

TEST_F(HttpTransport, N9_ManyFailuresLeakNoDescriptors) {
    test_server server([](server_connection& c) {
        if (c.read_request())
            c.reset();
    });
    const auto refused = closed_port();
    auto o = fast_options();
    o.retries.max_attempts = 1;
    auto t = make(server.port(), o);
    auto t_refused = make(refused, o);
    // Warm up (thread-local and library state), then count.
    EXPECT_ANY_THROW(t->send(get()));
    EXPECT_ANY_THROW(t_refused->send(get()));
    const int before = open_fds();
    for (int i = 0; i < 200; ++i) {
        EXPECT_THROW(t->send(get()), error);
        EXPECT_THROW(t_refused->send(post()), error);
    }
    server.stop();
    // NOTE: at most: the server may still have held the warm-up's socket at the start.
    EXPECT_LE(open_fds(), before);
}

// W11: a child process must not reuse (or disturb) its parent's pooled connection.
TEST_F(HttpTransport, ForkedChildUsesItsOwnConnections) {
    test_server server(ozmap::test::serve(200, "{}"));
    auto t = make(server.port());
    ASSERT_EQ(t->send(get()).status, 200);
    ASSERT_EQ(server.accepted(), 1u);

    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::alarm(10);  // bounded, whatever happens
        int code = 1;
        try {
            code = t->send(get()).status == 200 ? 0 : 2;
        } catch (...) {
            code = 3;
        }
        ::_exit(code);
    }
    int status = 0;
    for (int i = 0; i < 1'000 && ::waitpid(child, &status, WNOHANG) == 0; ++i)
        std::this_thread::sleep_for(10ms);
    ASSERT_TRUE(WIFEXITED(status)) << "child did not finish";
    EXPECT_EQ(WEXITSTATUS(status), 0);
    EXPECT_EQ(server.accepted(), 2u) << "the child must open a connection of its own";

    // The parent's kept-alive connection still works after the child dropped its copy.
    EXPECT_EQ(t->send(get()).status, 200);
    EXPECT_EQ(server.accepted(), 2u);
}

// -------------------------------------------------------------------------------- cost

TEST_F(HttpTransport, KeepAliveCostPerRequest) {
    test_server server(ozmap::test::serve(200, R"({"id":"5f0c","name":"CTO-1"})"));
    auto t = make(server.port());
    ASSERT_EQ(t->send(get()).status, 200);
    constexpr int n = 2'000;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i)
        ASSERT_EQ(t->send(get()).status, 200);
    const double per_request_us = ms_since(t0) * 1000.0 / n;
    RecordProperty("keep_alive_us_per_request", std::to_string(per_request_us));
    std::printf("keep-alive round trip on loopback: %.1f us per request\n",
                per_request_us);
    EXPECT_EQ(server.accepted(), 1u);
    // Generous for a shared two-core machine under sanitizers; accepted() == 1 above
    // is what catches a connection per request.
    EXPECT_LT(per_request_us, 5'000.0);
}

}  // namespace
