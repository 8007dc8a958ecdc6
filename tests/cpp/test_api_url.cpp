// Base URL normalisation, percent-encoding, filters and request bodies: exact strings.
#include <ozmap/api/base_url.hpp>
#include <ozmap/api/bodies.hpp>
#include <ozmap/api/json_writer.hpp>
#include <ozmap/api/query.hpp>
#include <ozmap/error.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace {

using namespace ozmap;
using namespace ozmap::api;

template <typename F>
error_kind kind_of(F&& f) {
    try {
        f();
    } catch (const error& e) {
        return e.kind();
    }
    ADD_FAILURE() << "no ozmap::error was thrown";
    return error_kind::ambiguous;
}

// ---------------------------------------------------------------------------- base URL

struct url_case {
    std::string url;
    int port;
    bool tls;
    std::string host;
    int expected_port;
    std::string base_path;
};

TEST(ApiBaseUrl, NormalisationTable) {
    const std::vector<url_case> cases = {
        {"https://x.ozmap.com.br", 9994, true, "x.ozmap.com.br", 9994, "/api/v2"},
        {"x.ozmap.com.br", 9994, true, "x.ozmap.com.br", 9994, "/api/v2"},
        {"http://127.0.0.1:8080", 9994, false, "127.0.0.1", 8080, "/api/v2"},
        {"https://x.ozmap.com.br:9994/api/v2", 9994, true, "x.ozmap.com.br", 9994,
         "/api/v2"},
        {"https://x.ozmap.com.br:9994/api/v2/", 9994, true, "x.ozmap.com.br", 9994,
         "/api/v2"},
        {"https://x.ozmap.com.br/", 9994, true, "x.ozmap.com.br", 9994, "/api/v2"},
        {"https://x.ozmap.com.br///", 9994, true, "x.ozmap.com.br", 9994, "/api/v2"},
        {"HTTPS://X.OZmap.COM.BR", 9994, true, "x.ozmap.com.br", 9994, "/api/v2"},
        {"https://x.ozmap.com.br/api", 9994, true, "x.ozmap.com.br", 9994, "/api/v2"},
        {"https://x.ozmap.com.br/API/V2", 9994, true, "x.ozmap.com.br", 9994,
         "/API/v2"},
        {"https://proxy.example/ozmap", 9994, true, "proxy.example", 9994,
         "/ozmap/api/v2"},
        {"https://proxy.example/ozmap/api/v2/", 9994, true, "proxy.example", 9994,
         "/ozmap/api/v2"},
        {"https://proxy.example//ozmap//api/v2", 9994, true, "proxy.example", 9994,
         "/ozmap/api/v2"},
        {"  https://x.ozmap.com.br \n", 9994, true, "x.ozmap.com.br", 9994, "/api/v2"},
        {"https://x.ozmap.com.br", 8443, true, "x.ozmap.com.br", 8443, "/api/v2"},
        {"https://x.ozmap.com.br:443", 8443, true, "x.ozmap.com.br", 443, "/api/v2"},
        {"x.ozmap.com.br:9994/api/v2", 1234, true, "x.ozmap.com.br", 9994, "/api/v2"},
        {"http://localhost:8080/", 9994, false, "localhost", 8080, "/api/v2"},
        {"http://[::1]:8080", 9994, false, "::1", 8080, "/api/v2"},
        {"//x.ozmap.com.br", 9994, true, "x.ozmap.com.br", 9994, "/api/v2"},
        {"https://my_host.local", 9994, true, "my_host.local", 9994, "/api/v2"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.url);
        const auto b = parse_base_url(c.url, c.port);
        EXPECT_EQ(b.endpoint.tls, c.tls);
        EXPECT_EQ(b.endpoint.host, c.host);
        EXPECT_EQ(b.endpoint.port, c.expected_port);
        EXPECT_EQ(b.base_path, c.base_path);
    }
}

TEST(ApiBaseUrl, DefaultPortIs9994) {
    EXPECT_EQ(parse_base_url("https://x.ozmap.com.br").endpoint.port, 9994);
    EXPECT_EQ(default_port, 9994);
}

TEST(ApiBaseUrl, OriginAndString) {
    EXPECT_EQ(parse_base_url("x.ozmap.com.br").str(),
              "https://x.ozmap.com.br:9994/api/v2");
    EXPECT_EQ(parse_base_url("http://127.0.0.1:8080").origin(),
              "http://127.0.0.1:8080");
    EXPECT_EQ(parse_base_url("http://[::1]:8080").origin(), "http://[::1]:8080");
}

TEST(ApiBaseUrl, RejectionTable) {
    const std::vector<std::pair<std::string, int>> bad = {
        {"", 9994},
        {"   ", 9994},
        {"ftp://x.ozmap.com.br", 9994},
        {"file:///etc/passwd", 9994},
        {"https://user:secret@x.ozmap.com.br", 9994},
        {"https://user@x.ozmap.com.br", 9994},
        {"https://x.ozmap.com.br#frag", 9994},
        {"https://x.ozmap.com.br/?a=1", 9994},
        {"https://x.ozmap .com.br", 9994},
        {"https://x.ozmap.com.br/a b", 9994},
        {"https://x.ozmap.com.br\t/api", 9994},
        {"https://café.ozmap.com.br", 9994},
        {"https://x.ozmap.com.br:abc", 9994},
        {"https://x.ozmap.com.br:", 9994},
        {"https://x.ozmap.com.br:0", 9994},
        {"https://x.ozmap.com.br:65536", 9994},
        {"https://x.ozmap.com.br:99999999", 9994},
        {"https://x.ozmap.com.br:-1", 9994},
        {"https://x.ozmap.com.br:+80", 9994},
        {"https://", 9994},
        {"https://:9994", 9994},
        {"https:///api/v2", 9994},
        {"https://x..ozmap.com.br", 9994},
        {"https://[::1", 9994},
        {"https://[zz]:80", 9994},
        {"https://x.ozmap.com.br/api/v1", 9994},
        {"https://x.ozmap.com.br/api/v3/", 9994},
        {"https://x.ozmap.com.br", 0},
        {"https://x.ozmap.com.br", 65536},
        {"https://x.ozmap.com.br", -5},
    };
    for (const auto& [url, port] : bad) {
        SCOPED_TRACE(url + " port " + std::to_string(port));
        EXPECT_EQ(kind_of([&] { parse_base_url(url, port); }),
                  error_kind::configuration);
    }
}

TEST(ApiBaseUrl, ErrorsDoNotEchoCredentials) {
    try {
        parse_base_url("https://admin:hunter2@x.ozmap.com.br");
        FAIL();
    } catch (const error& e) {
        EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos);
    }
}

TEST(ApiBaseUrl, SameOriginTargets) {
    const auto base = parse_base_url("https://x.ozmap.com.br");
    const std::string path = "/api/v2/boxes";
    auto t = [&](std::string_view url) { return same_origin_target(url, base, path); };

    EXPECT_EQ(t("/api/v2/boxes?page=2&limit=10"), "/api/v2/boxes?page=2&limit=10");
    EXPECT_EQ(t("?page=2&limit=10"), "/api/v2/boxes?page=2&limit=10");
    EXPECT_EQ(t("https://x.ozmap.com.br:9994/api/v2/boxes?page=2"),
              "/api/v2/boxes?page=2");
    EXPECT_EQ(t("HTTPS://X.OZMAP.COM.BR:9994/api/v2/boxes?page=2"),
              "/api/v2/boxes?page=2");
    EXPECT_EQ(t("//x.ozmap.com.br:9994/api/v2/boxes?page=2"), "/api/v2/boxes?page=2");

    EXPECT_FALSE(t("https://evil.example:9994/api/v2/boxes?page=2"));
    EXPECT_FALSE(t("https://x.ozmap.com.br/api/v2/boxes?page=2"));  // port 443
    EXPECT_FALSE(t("http://x.ozmap.com.br:9994/api/v2/boxes?page=2"));
    EXPECT_FALSE(t("https://x.ozmap.com.br.evil.example:9994/api/v2/boxes"));
    EXPECT_FALSE(t("https://user@x.ozmap.com.br:9994/api/v2/boxes"));
    EXPECT_FALSE(t("//evil.example/api/v2/boxes"));
    EXPECT_FALSE(t("boxes?page=2"));
    EXPECT_FALSE(t("/api/v2/boxes?page=2\r\nHost: evil"));
    EXPECT_FALSE(t("/api/v2/boxes?page=2 x"));
    EXPECT_FALSE(t("/api/v2/boxes?page=2#f"));
    EXPECT_FALSE(t(""));
    EXPECT_FALSE(t("javascript:alert(1)"));
}

// ---------------------------------------------------------------------------- encoding

TEST(ApiEncoding, PathSegments) {
    EXPECT_EQ(encode_path_segment("123|123"), "123%7C123");
    EXPECT_EQ(encode_path_segment("CLI/2026/42"), "CLI%2F2026%2F42");
    EXPECT_EQ(encode_path_segment("Nº 7#B"), "N%C2%BA%207%23B");
    EXPECT_EQ(encode_path_segment("João"), "Jo%C3%A3o");
    EXPECT_EQ(encode_path_segment("a?b&c=d+e%f"), "a%3Fb%26c%3Dd%2Be%25f");
    EXPECT_EQ(encode_path_segment("5da61e13493d9c0006665477"),
              "5da61e13493d9c0006665477");
    EXPECT_EQ(encode_path_segment("a-b.c_d~e"), "a-b.c_d~e");
    EXPECT_EQ(encode_path_segment("."), "%2E");
    EXPECT_EQ(encode_path_segment(".."), "%2E%2E");
    EXPECT_EQ(encode_path_segment("..."), "...");
    EXPECT_EQ(encode_path_segment(std::string("a\0b", 3)), "a%00b");
    EXPECT_EQ(encode_path_segment("\\;,"), "%5C%3B%2C");
}

TEST(ApiEncoding, QueryComponents) {
    EXPECT_EQ(encode_query_component("a b+c"), "a%20b%2Bc");
    EXPECT_EQ(encode_query_component("[{\"a\":1}]"), "%5B%7B%22a%22%3A1%7D%5D");
    EXPECT_EQ(encoded_query_length("a b"), 5u);
    EXPECT_EQ(encoded_query_length("º"), 6u);
}

TEST(ApiEncoding, Numbers) {
    EXPECT_EQ(format_number(250.0), "250");
    EXPECT_EQ(format_number(-27.586604372247944), "-27.586604372247944");
    EXPECT_EQ(format_number(0.1), "0.1");
    EXPECT_EQ(format_number(1e21), "1e+21");
    EXPECT_EQ(kind_of([] { format_number(std::nan("")); }), error_kind::invalid_input);
    EXPECT_EQ(kind_of([] { format_number(std::numeric_limits<double>::infinity()); }),
              error_kind::invalid_input);
}

// ---------------------------------------------------------------------------- filters

TEST(ApiFilters, CompactJson) {
    const std::vector<filter> eq = {filter::equals("name", std::string("OLT 1"))};
    EXPECT_EQ(filters_to_json(eq),
              R"([{"property":"name","operator":"=","value":"OLT 1"}])");

    const std::vector<filter> ne = {filter::not_equals("draft", true)};
    EXPECT_EQ(filters_to_json(ne),
              R"([{"property":"draft","operator":"!=","value":true}])");

    const std::vector<filter> in = {filter::in("parent", {"a", "b"})};
    EXPECT_EQ(filters_to_json(in),
              R"([{"property":"parent","operator":"in","value":["a","b"]}])");

    const std::vector<filter> near = {filter::near("coords", -27.5, -48.5, 250.0)};
    EXPECT_EQ(filters_to_json(near),
              R"([{"property":"coords","operator":"near",)"
              R"("value":{"lat":-27.5,"lng":-48.5,"radius":250}}])");

    const std::vector<filter> near_no_radius = {filter::near("coords", 1.5, 2.25)};
    EXPECT_EQ(
        filters_to_json(near_no_radius),
        R"([{"property":"coords","operator":"near","value":{"lat":1.5,"lng":2.25}}])");

    const std::vector<filter> mixed = {
        filter::equals("client", nullptr),
        filter::equals("status", std::int64_t{1}),
        filter::equals("potencyRead", -21.5),
        filter::equals("onu.serial_number", std::string("ZTEG\"1\\2")),
    };
    EXPECT_EQ(
        filters_to_json(mixed),
        R"([{"property":"client","operator":"=","value":null},)"
        R"({"property":"status","operator":"=","value":1},)"
        R"({"property":"potencyRead","operator":"=","value":-21.5},)"
        R"({"property":"onu.serial_number","operator":"=","value":"ZTEG\"1\\2"}])");

    EXPECT_EQ(filters_to_json({}), "[]");
}

TEST(ApiFilters, StringEscaping) {
    const std::vector<filter> f = {
        filter::equals("code", std::string("Nº 7\n\t\x01/é"))};
    EXPECT_EQ(filters_to_json(f),
              "[{\"property\":\"code\",\"operator\":\"=\",\"value\":\"Nº "
              "7\\n\\t\\u0001/é\"}]");
}

TEST(ApiFilters, Misuse) {
    auto bad = [](filter f) {
        const std::vector<filter> fs = {std::move(f)};
        return kind_of([&] { filters_to_json(fs); });
    };
    EXPECT_EQ(bad(filter::equals("", std::string("x"))), error_kind::invalid_input);
    EXPECT_EQ(bad(filter{"parent", filter_op::in, std::string("x")}),
              error_kind::invalid_input);
    EXPECT_EQ(bad(filter{"coords", filter_op::near, 1.0}), error_kind::invalid_input);
    EXPECT_EQ(bad(filter{"parent", filter_op::equals, std::vector<std::string>{"a"}}),
              error_kind::invalid_input);
    EXPECT_EQ(bad(filter::near("coords", std::nan(""), 1.0, 10.0)),
              error_kind::invalid_input);
    EXPECT_EQ(bad(filter::equals("name", std::string("\xff\xfe"))),
              error_kind::invalid_input);
    EXPECT_EQ(bad(filter::equals("name", std::string("\xed\xa0\x80"))),  // a surrogate
              error_kind::invalid_input);
    EXPECT_EQ(bad(filter::equals("name", std::string("\xc0\xaf"))),  // overlong '/'
              error_kind::invalid_input);
}

TEST(ApiFilters, QueryString) {
    query q;
    const std::vector<filter> f = {filter::in("parent", {"a"})};
    q.add_filters(f)
        .add("select", "name")
        .add_integer("limit", 500)
        .add_integer("page", 1);
    EXPECT_EQ(
        q.str(),
        "filter=%5B%7B%22property%22%3A%22parent%22%2C%22operator%22%3A%22in%22%2C"
        "%22value%22%3A%5B%22a%22%5D%7D%5D&select=name&limit=500&page=1");

    query empty;
    empty.add_filters({});
    EXPECT_TRUE(empty.empty());

    query numbers;
    numbers.add_number("lat", -27.5866).add_number("lng", -48.5274);
    EXPECT_EQ(numbers.str(), "lat=-27.5866&lng=-48.5274");
}

// ---------------------------------------------------------------------------- bodies

TEST(ApiBodies, PropertyCreate) {
    property_create body;
    body.project = "p1";
    body.box = "b1";
    body.position = {-27.5, -48.25};
    body.address = "Rua A, 1";
    body.client =
        new_ftth_client{"123|123", std::string("Maria"), std::nullopt, false, 0};
    body.connector = "s1";
    body.port = 3;
    EXPECT_EQ(to_json(body),
              R"({"project":"p1","box":"b1","coords":[-48.25,-27.5],"lat":-27.5,)"
              R"("lng":-48.25,"address":"Rua A, 1","client":{"code":"123|123",)"
              R"("name":"Maria","implanted":false,"status":0},"connector":"s1",)"
              R"("port":3})");

    property_create by_id;
    by_id.project = "p1";
    by_id.position = {1.0, 2.0};
    by_id.client = std::string("c1");
    by_id.auto_connect = true;
    EXPECT_EQ(to_json(by_id),
              R"({"project":"p1","coords":[2,1],"lat":1,"lng":2,"client":"c1",)"
              R"("auto_connect":true})");

    property_create bad = body;
    bad.port = 0;
    EXPECT_EQ(kind_of([&] { to_json(bad); }), error_kind::invalid_input);
    bad = body;
    bad.project.clear();
    EXPECT_EQ(kind_of([&] { to_json(bad); }), error_kind::invalid_input);
    bad = body;
    bad.client = new_ftth_client{};
    EXPECT_EQ(kind_of([&] { to_json(bad); }), error_kind::invalid_input);
}

TEST(ApiBodies, Updates) {
    property_update move;
    move.box = "b2";
    move.connector = "s2";
    move.port = 1;
    EXPECT_EQ(to_json(move), R"({"box":"b2","connector":"s2","port":1})");
    EXPECT_EQ(to_json(property_update{}), "{}");

    ftth_client_update deploy;
    deploy.implanted = true;
    deploy.onu = onu_update{"user", "ZTEG1234", std::nullopt};
    EXPECT_EQ(
        to_json(deploy),
        R"({"implanted":true,"onu":{"user_PPPoE":"user","serial_number":"ZTEG1234"}})");
}

TEST(ApiBodies, WriterNesting) {
    json_writer w;
    w.begin_object()
        .key("a")
        .begin_array()
        .integer(1)
        .begin_object()
        .end_object()
        .null()
        .end_array()
        .key("b")
        .boolean(false)
        .end_object();
    EXPECT_EQ(w.str(), R"({"a":[1,{},null],"b":false})");
    EXPECT_TRUE(valid_utf8("Nº 7 – ok 😀"));
    EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
    EXPECT_FALSE(valid_utf8("\xe2\x82"));          // truncated
}

}  // namespace
