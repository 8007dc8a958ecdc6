// The Beast transport over TLS against loopback servers whose certificates come from a
// throwaway CA made by trustme when the tests start (support/make_test_certs.py).
// The numbers (T1...) are the fault matrix of reliability-and-benchmarks.md §4.2.
#include "support/test_log.hpp"
#include "support/test_server.hpp"

#include <ozmap/error.hpp>
#include <ozmap/http/transport.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace {

using namespace std::chrono_literals;
using ozmap::error;
using ozmap::error_kind;
using ozmap::test::captured_log;
using ozmap::test::server_connection;
using ozmap::test::test_server;
using ozmap::test::tls_config;
namespace fs = std::filesystem;
namespace http = ozmap::http;

const std::string token = "tok-SECRET-0123456789abcdef";

class HttpTls : public ::testing::Test {
protected:
    // One set of certificates per test process, removed at its end.
    static void SetUpTestSuite() {
        std::string dir = (fs::path(OZMAP_TEST_WORK_DIR) / "tls-XXXXXX").string();
        ASSERT_NE(::mkdtemp(dir.data()), nullptr);
        certs_ = dir;
        const std::string command = std::string("\"") + OZMAP_TEST_PYTHON + "\" \"" +
                                    OZMAP_TEST_SUPPORT_DIR +
                                    "/make_test_certs.py\" \"" + dir + "\"";
        ASSERT_EQ(std::system(command.c_str()), 0)
            << command
            << "\nThe TLS tests need Python with trustme (pip install trustme).";
    }

    static void TearDownTestSuite() {
        std::error_code ignored;
        fs::remove_all(certs_, ignored);
    }

    static std::string cert(const std::string& name) {
        return (certs_ / name).string();
    }

    static tls_config serving(const std::string& name) {
        return {cert(name + ".chain.pem"), cert(name + ".key.pem"), {}, {}, {}, false};
    }

    http::options options(bool trust_ca = true) {
        http::options o;
        o.deadlines.connect = 500ms;
        o.deadlines.tls_handshake = 500ms;
        o.deadlines.idle_read = 500ms;
        o.deadlines.total = 2'000ms;
        o.retries.base_delay = 10ms;
        o.retries.max_delay = 40ms;
        if (trust_ca)
            o.ca_file = cert("ca.pem");
        o.secrets = {token};
        return o;
    }

    std::shared_ptr<http::transport> make(std::uint16_t port, http::options o,
                                          std::string host = "localhost") {
        return http::make_beast_transport({true, std::move(host), port}, std::move(o),
                                          logs.logger().child("http"));
    }

    static http::request get() {
        http::request r;
        r.target = "/api/v2/boxes";
        r.headers = {{"Authorization", token}};
        return r;
    }

    static http::request post() {
        http::request r = get();
        r.method = http::verb::post;
        r.body = "{}";
        return r;
    }

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

    void expect_tls_error(std::uint16_t port, std::string_view why,
                          std::string host = "localhost") {
        auto t = make(port, options(), std::move(host));
        for (const auto& r : {get(), post()}) {
            const auto e = expect_error([&] { t->send(r); });
            // A POST that failed in the handshake sent nothing: not ambiguous.
            EXPECT_EQ(e.kind(), error_kind::tls) << e.what();
            EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
        }
    }

    void TearDown() override { EXPECT_FALSE(logs.contains(token)) << logs.all(); }

    static inline fs::path certs_;
    captured_log logs;
};

// T7: a server whose CA is in the extra CA file; the connection is kept alive.
TEST_F(HttpTls, T7_TrustedThroughTheCaFile) {
    test_server server(ozmap::test::serve(200, R"({"ok":true})"), serving("localhost"));
    auto t = make(server.port(), options());
    for (int i = 0; i < 3; ++i) {
        const auto res = t->send(i == 1 ? post() : get());
        EXPECT_EQ(res.status, 200);
        EXPECT_EQ(res.body, R"({"ok":true})");
    }
    EXPECT_EQ(server.accepted(), 1u);
    ASSERT_EQ(server.requests().size(), 3u);
    EXPECT_EQ(server.requests()[0].header("Authorization"), token);
    EXPECT_TRUE(logs.contains("(TLSv1.3)")) << logs.all();
}

TEST_F(HttpTls, T7_IpAddressIsVerifiedAgainstTheCertificate) {
    test_server server(ozmap::test::serve(200, "{}"), serving("localhost"));
    EXPECT_EQ(make(server.port(), options(), "127.0.0.1")->send(get()).status, 200);
    // The same server under a name its certificate does not hold.
    test_server other(ozmap::test::serve(200, "{}"), serving("wrong_host"));
    const auto e =
        expect_error([&] { make(other.port(), options(), "127.0.0.1")->send(get()); });
    EXPECT_EQ(e.kind(), error_kind::tls) << e.what();
}

// T1: a CA nobody configured. Regression test for Asio's verify_none default.
TEST_F(HttpTls, T1_UntrustedCertificate) {
    test_server server(ozmap::test::serve(200, "{}"), serving("untrusted"));
    expect_tls_error(server.port(), "not trusted");
    EXPECT_TRUE(server.requests().empty());
    // Not retried: a certificate does not get better by asking again.
    EXPECT_EQ(server.accepted(), 2u);
}

TEST_F(HttpTls, T1_OurCaIsNotTrustedWithoutTheCaFile) {
    test_server server(ozmap::test::serve(200, "{}"), serving("localhost"));
    auto t = make(server.port(), options(/*trust_ca=*/false));
    const auto e = expect_error([&] { t->send(get()); });
    EXPECT_EQ(e.kind(), error_kind::tls) << e.what();
    EXPECT_TRUE(server.requests().empty());
}

// T2: a certificate for another name, from the trusted CA.
TEST_F(HttpTls, T2_WrongHostName) {
    test_server server(ozmap::test::serve(200, "{}"), serving("wrong_host"));
    expect_tls_error(server.port(), "hostname mismatch");
    EXPECT_TRUE(server.requests().empty());
}

// T3: expired a day ago.
TEST_F(HttpTls, T3_ExpiredCertificate) {
    test_server server(ozmap::test::serve(200, "{}"), serving("expired"));
    expect_tls_error(server.port(), "expired");
    EXPECT_TRUE(server.requests().empty());
}

// T4: the default certificate is for another name; only a client that sends SNI
// "localhost" gets the right one, and a client without SNI is refused.
TEST_F(HttpTls, T4_ServerThatNeedsSni) {
    auto config = serving("wrong_host");
    config.sni_name = "localhost";
    config.sni_chain_file = cert("localhost.chain.pem");
    config.sni_key_file = cert("localhost.key.pem");
    test_server server(ozmap::test::serve(200, "{}"), config);

    // The server really does need it.
    std::string why;
    EXPECT_FALSE(
        ozmap::test::tls_handshake_ok(server.port(), "", cert("ca.pem"), false, &why));
    EXPECT_TRUE(ozmap::test::tls_handshake_ok(server.port(), "localhost",
                                              cert("ca.pem"), false, &why))
        << why;

    EXPECT_EQ(make(server.port(), options())->send(get()).status, 200);
}

// T5: a server stuck at TLS 1.1.
TEST_F(HttpTls, T5_Tls11OnlyServerIsRefused) {
    auto config = serving("localhost");
    config.tls11_only = true;
    test_server server(ozmap::test::serve(200, "{}"), config);

    // The server does speak TLS 1.1 to a client that allows it.
    std::string why;
    ASSERT_TRUE(ozmap::test::tls_handshake_ok(server.port(), "localhost",
                                              cert("ca.pem"), true, &why))
        << why;

    auto t = make(server.port(), options());
    const auto e = expect_error([&] { t->send(get()); });
    EXPECT_EQ(e.kind(), error_kind::tls) << e.what();
    EXPECT_TRUE(server.requests().empty());
}

// T6: the server accepts and never answers the ClientHello.
TEST_F(HttpTls, T6_HandshakeStallTimesOut) {
    test_server server([](server_connection& c) { c.sleep(10s); });
    auto o = options();
    o.retries.max_attempts = 1;
    o.deadlines.tls_handshake = 200ms;
    auto t = make(server.port(), o);
    const auto t0 = std::chrono::steady_clock::now();
    const auto e = expect_error([&] { t->send(post()); });
    const double elapsed =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
            .count();
    EXPECT_EQ(e.kind(), error_kind::timeout) << e.what();
    EXPECT_NE(std::string(e.what()).find("TLS handshake"), std::string::npos)
        << e.what();
    EXPECT_GE(elapsed, 190);
    EXPECT_LT(elapsed, 1'000);
}

TEST_F(HttpTls, InsecureModeConnectsAndWarnsLoudly) {
    test_server server(ozmap::test::serve(200, "{}"), serving("untrusted"));
    auto o = options(/*trust_ca=*/false);
    o.insecure_skip_tls_verify = true;
    auto t = make(server.port(), o);
    EXPECT_EQ(logs.count(ozmap::log::level::warning), 1u) << logs.all();
    EXPECT_TRUE(logs.contains("verification is OFF")) << logs.all();
    EXPECT_EQ(t->send(get()).status, 200);
}

// What the TLS context (system trust store included), a first request (connect and
// handshake) and kept-alive requests cost on loopback. Printed, loosely bounded.
TEST_F(HttpTls, CostOfContextHandshakeAndKeptAliveRequests) {
    test_server server(ozmap::test::serve(200, R"({"id":"5f0c","name":"CTO-1"})"),
                       serving("localhost"));
    const auto ms_since = [](std::chrono::steady_clock::time_point t0) {
        return std::chrono::duration<double, std::milli>(
                   std::chrono::steady_clock::now() - t0)
            .count();
    };
    auto t0 = std::chrono::steady_clock::now();
    auto t = make(server.port(), options());
    const double context_ms = ms_since(t0);
    t0 = std::chrono::steady_clock::now();
    ASSERT_EQ(t->send(get()).status, 200);
    const double first_ms = ms_since(t0);
    constexpr int n = 500;
    t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i)
        ASSERT_EQ(t->send(get()).status, 200);
    const double per_request_us = ms_since(t0) * 1000.0 / n;
    std::printf("TLS on loopback: context %.1f ms, first request %.1f ms, then %.1f us "
                "per kept-alive request\n",
                context_ms, first_ms, per_request_us);
    RecordProperty("tls_context_ms", std::to_string(context_ms));
    RecordProperty("tls_first_request_ms", std::to_string(first_ms));
    RecordProperty("tls_keep_alive_us_per_request", std::to_string(per_request_us));
    EXPECT_EQ(server.accepted(), 1u);
    EXPECT_LT(per_request_us, 5'000.0);
}

TEST_F(HttpTls, UnusableCaFileIsAConfigurationError) {
    auto o = options();
    o.ca_file = cert("no-such-file.pem");
    auto e = expect_error([&] { make(443, o); });
    EXPECT_EQ(e.kind(), error_kind::configuration) << e.what();
    EXPECT_NE(std::string(e.what()).find("cannot be read"), std::string::npos)
        << e.what();

    const auto garbage = cert("garbage.pem");
    std::ofstream(garbage) << "not a certificate\n";
    o.ca_file = garbage;
    e = expect_error([&] { make(443, o); });
    EXPECT_EQ(e.kind(), error_kind::configuration) << e.what();
}

}  // namespace
