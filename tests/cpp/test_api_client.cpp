// The API client against a scripted transport: headers, status mapping, pagination and
// its loop guards, `in` splitting, client-code lookups, and secrets kept out of errors
// and logs.
#include <ozmap/api/client.hpp>
#include <ozmap/detail/text.hpp>
#include <ozmap/error.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "support/fake_transport.hpp"

#include <ctime>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace ozmap;
using namespace ozmap::api;
using ozmap::detail::str;
using ozmap::testing::fake_transport;
using ozmap::testing::header_of;
using ozmap::testing::query_param;
namespace json = boost::json;

const std::string token = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu.Zm9vYmFy";

struct harness {
    std::shared_ptr<fake_transport> transport = std::make_shared<fake_transport>();
    std::shared_ptr<std::vector<log::record>> records =
        std::make_shared<std::vector<log::record>>();
    std::shared_ptr<std::mutex> mutex = std::make_shared<std::mutex>();

    log::logger logger() const {
        return log::logger(
            [records = records, mutex = mutex](const log::record& r) {
                std::lock_guard lock(*mutex);
                records->push_back(r);
            },
            log::level::debug);
    }

    client make(client_options options = {}, std::string secret = token) const {
        return client(parse_base_url("https://t.ozmap.com.br"), std::move(secret),
                      transport, logger(), options);
    }

    std::vector<std::string> targets() const { return transport->targets(); }
};

template <typename F>
error caught(F&& f) {
    try {
        f();
    } catch (const error& e) {
        return e;
    }
    ADD_FAILURE() << "no ozmap::error was thrown";
    return error(error_kind::ambiguous, "none");
}

std::string box_row(int i) {
    return str(R"({"id":"b)", i, R"(","name":"Box )", i,
               R"(","lat":-27.5,"lng":-48.5})");
}

std::string rows_of(int first, int count) {
    std::string out;
    for (int i = first; i < first + count; ++i) {
        if (!out.empty())
            out.push_back(',');
        out += box_row(i);
    }
    return out;
}

std::vector<std::string> ids_of(const listing<box>& l) {
    std::vector<std::string> out;
    for (const auto& b : l.rows)
        out.push_back(b.id);
    return out;
}

std::vector<std::string> box_ids(int first, int count) {
    std::vector<std::string> out;
    for (int i = first; i < first + count; ++i)
        out.push_back(str("b", i));
    return out;
}

const std::string splitter_template =
    R"({"id":"s1","name":"Splitter 1","parent":"b1","isDrop":true,)"
    R"("connectables":{"output":[null,"f1"]}})";

// ---------------------------------------------------------------------------- requests

TEST(ApiClient, EveryRequestCarriesTheRawTokenAndAcceptsJson) {
    harness h;
    auto c = h.make();
    h.transport->reply(200, splitter_template);
    const auto s = c.get_splitter("s1");
    EXPECT_EQ(s.name, "Splitter 1");

    const auto requests = h.transport->requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].method, http::verb::get);
    EXPECT_EQ(requests[0].target, "/api/v2/splitters/s1");
    EXPECT_EQ(header_of(requests[0], "Authorization"), token);  // no "Bearer "
    EXPECT_EQ(header_of(requests[0], "Accept"), "application/json");
    EXPECT_TRUE(requests[0].body.empty());
    EXPECT_EQ(c.request_count(), 1u);
}

TEST(ApiClient, TokenIsTrimmedAndValidated) {
    harness h;
    auto c = h.make({}, "  " + token + "\n");
    h.transport->reply(200, splitter_template);
    c.get_splitter("s1");
    EXPECT_EQ(header_of(h.transport->requests()[0], "Authorization"), token);

    EXPECT_EQ(caught([&] { h.make({}, "abc\r\nX-Evil: 1"); }).kind(),
              error_kind::configuration);
    EXPECT_EQ(caught([&] { client("", 9994, token, h.transport, {}); }).kind(),
              error_kind::configuration);
    EXPECT_EQ(
        caught([&] { client("t.ozmap.com.br", 9994, token, nullptr, {}); }).kind(),
        error_kind::configuration);
    client_options zero;
    zero.page_size = 0;
    EXPECT_EQ(caught([&] { h.make(zero); }).kind(), error_kind::configuration);
    client_options huge;
    huge.page_size = 5000;
    EXPECT_EQ(caught([&] { h.make(huge); }).kind(), error_kind::configuration);
}

TEST(ApiClient, NoTokenIsAConfigurationErrorBeforeAnyRequest) {
    harness h;
    auto c = h.make({}, "");
    EXPECT_EQ(caught([&] { c.get_box("b1"); }).kind(), error_kind::configuration);
    EXPECT_EQ(c.request_count(), 0u);
}

TEST(ApiClient, UrlAndPortConstructor) {
    harness h;
    client c("http://127.0.0.1:8080/", 9994, token, h.transport, h.logger(), 100);
    EXPECT_EQ(c.base().endpoint.port, 8080);
    EXPECT_EQ(c.options().page_size, 100u);
    h.transport->reply(200, R"({"rows":[],"hasNextPage":false})");
    c.list_boxes();
    EXPECT_EQ(h.targets().at(0), "/api/v2/boxes?limit=100&page=1");
}

TEST(ApiClient, IdsAreOneEncodedSegment) {
    harness h;
    auto c = h.make();
    h.transport->reply(200, splitter_template);
    c.get_splitter("a/b?c");
    EXPECT_EQ(h.targets().at(0), "/api/v2/splitters/a%2Fb%3Fc");
    EXPECT_EQ(caught([&] { c.get_splitter(""); }).kind(), error_kind::invalid_input);
    EXPECT_EQ(caught([&] { c.get_splitter("  "); }).kind(), error_kind::invalid_input);
    EXPECT_EQ(caught([&] { c.get("../users"); }).kind(), error_kind::invalid_input);
    EXPECT_EQ(c.request_count(), 1u);
}

TEST(ApiClient, TypedGets) {
    harness h;
    auto c = h.make();
    h.transport->reply(200, R"({"id":"b1","name":"CTO 1","coords":[-48.5,-27.5]})")
        .reply(200, R"({"id":"p1","client":{"id":"c1","code":"42"},"box":"b1"})")
        .reply(200, R"({"id":"c1","code":"42"})")
        .reply(200, R"({"id":"d1","kind":"Drop","boxA":"b1","boxB":"p1"})")
        .reply(200, R"({"id":"f1","parent":"d1"})")
        .reply(200, R"({"id":"o1","name":"OLT"})")
        .reply(200, R"({"id":"sl1","name":"Slot 1"})")
        .reply(200, R"({"id":"pn1","name":"PON 1"})");
    EXPECT_EQ(c.get_box("b1").position.lat, -27.5);
    EXPECT_EQ(c.get_property("p1").client->code, "42");
    EXPECT_EQ(c.get_client("c1").code, "42");
    EXPECT_EQ(c.get_cable("d1").box_b, "p1");
    EXPECT_EQ(c.get_fiber("f1").parent, "d1");
    EXPECT_EQ(c.get_olt("o1").name, "OLT");
    EXPECT_EQ(c.get_slot("sl1").name, "Slot 1");
    EXPECT_EQ(c.get_pon("pn1").name, "PON 1");
    EXPECT_EQ(h.targets(),
              (std::vector<std::string>{"/api/v2/boxes/b1", "/api/v2/properties/p1",
                                        "/api/v2/ftth-clients/c1", "/api/v2/cables/d1",
                                        "/api/v2/fibers/f1", "/api/v2/olts/o1",
                                        "/api/v2/slots/sl1", "/api/v2/pons/pn1"}));
}

TEST(ApiClient, DecodeErrorsNameTheRequestAndField) {
    harness h;
    auto c = h.make();
    h.transport->reply(200, R"({"id":"s1","name":"S","parent":"b1",
                                "connectables":{"output":[null,7]}})");
    const auto e = caught([&] { c.get_splitter("s1"); });
    EXPECT_EQ(e.kind(), error_kind::decode);
    EXPECT_EQ(e.field(), "connectables.output[1]");
    EXPECT_EQ(e.operation(), "GET /api/v2/splitters/s1");
    EXPECT_NE(std::string(e.what()).find("GET /api/v2/splitters/s1"),
              std::string::npos);
}

TEST(ApiClient, NonJsonSuccessIsADecodeError) {
    harness h;
    auto c = h.make();
    h.transport->reply(200, "<html><body>proxy login</body></html>",
                       {{"Content-Type", "text/html"}});
    const auto e = caught([&] { c.get_box("b1"); });
    EXPECT_EQ(e.kind(), error_kind::decode);
    EXPECT_EQ(e.status(), 200);
    EXPECT_NE(std::string(e.what()).find("text/html"), std::string::npos);

    h.transport->reply(200, "");
    EXPECT_EQ(caught([&] { c.get_box("b1"); }).kind(), error_kind::decode);
    h.transport->reply(200, R"({"id":"b1","name":"n","lat":1e400,"lng":1})");
    EXPECT_EQ(caught([&] { c.get_box("b1"); }).kind(), error_kind::decode);
}

TEST(ApiClient, TransportErrorsPassThrough) {
    harness h;
    auto c = h.make();
    h.transport->fail(error_kind::timeout, "GET /api/v2/boxes/b1: deadline exceeded");
    EXPECT_EQ(caught([&] { c.get_box("b1"); }).kind(), error_kind::timeout);
    h.transport->fail(error_kind::ambiguous, "POST /api/v2/properties: reset");
    property_create body;
    body.project = "p";
    body.position = {-27.5, -48.5};
    EXPECT_EQ(caught([&] { c.create_property(body); }).kind(), error_kind::ambiguous);
}

// ---------------------------------------------------------------------------- statuses

TEST(ApiClient, StatusMapping) {
    struct row {
        int status;
        error_kind kind;
    };
    const std::vector<row> table = {
        {400, error_kind::http_status},    {401, error_kind::authentication},
        {403, error_kind::authentication}, {404, error_kind::not_found},
        {405, error_kind::http_status},    {409, error_kind::conflict},
        {410, error_kind::http_status},    {422, error_kind::http_status},
        {429, error_kind::rate_limited},   {500, error_kind::http_status},
        {502, error_kind::http_status},    {503, error_kind::http_status},
        {504, error_kind::http_status},    {100, error_kind::http_status},
        {304, error_kind::http_status},
    };
    for (const auto& r : table) {
        SCOPED_TRACE(r.status);
        harness h;
        auto c = h.make();
        h.transport->reply(r.status, R"({"message":"explained"})");
        const auto e = caught([&] { c.get_box("b1"); });
        EXPECT_EQ(e.kind(), r.kind);
        EXPECT_EQ(e.status(), r.status);
        EXPECT_EQ(e.operation(), "GET /api/v2/boxes/b1");
        EXPECT_NE(std::string(e.what()).find("explained"), std::string::npos);
    }
}

TEST(ApiClient, Unprocessable422IsAConflictOnlyForPortWrites) {
    harness h;
    auto c = h.make();
    property_create body;
    body.project = "p";
    body.box = "b1";
    body.position = {-27.5, -48.5};
    body.connector = "s1";
    body.port = 2;
    h.transport->reply(422, R"({"message":"port 2 is taken"})");
    EXPECT_EQ(caught([&] { c.create_property(body); }).kind(), error_kind::conflict);

    property_update move;
    move.box = "b2";
    h.transport->reply(422, R"({"message":"port refused"})");
    EXPECT_EQ(caught([&] { c.update_property("p1", move); }).kind(),
              error_kind::conflict);

    ftth_client_update deploy;
    deploy.implanted = true;
    h.transport->reply(422, R"({"message":"invalid"})");
    EXPECT_EQ(caught([&] { c.update_client("c1", deploy); }).kind(),
              error_kind::http_status);

    h.transport->reply(409, R"({"message":"port taken"})");
    EXPECT_EQ(caught([&] { c.create_property(body); }).kind(), error_kind::conflict);
}

TEST(ApiClient, ErrorMessageSources) {
    harness h;
    auto c = h.make();
    h.transport->reply(400, R"({"error":"Bad filter"})");
    EXPECT_NE(std::string(caught([&] { c.get_box("b"); }).what()).find("Bad filter"),
              std::string::npos);

    h.transport->reply(400, R"({"error":{"message":"Nested reason"}})");
    EXPECT_NE(std::string(caught([&] { c.get_box("b"); }).what()).find("Nested reason"),
              std::string::npos);

    h.transport->reply(500, "plain text failure", {{"Content-Type", "text/plain"}});
    const auto plain = caught([&] { c.get_box("b"); });
    EXPECT_NE(std::string(plain.what()).find("plain text failure"), std::string::npos);
    EXPECT_EQ(plain.details().body_excerpt, "plain text failure");

    h.transport->reply(502, "<html><title>502 Bad Gateway</title></html>",
                       {{"Content-Type", "text/html"}});
    const auto html = caught([&] { c.get_box("b"); });
    EXPECT_EQ(std::string(html.what()).find("<html>"), std::string::npos);
    EXPECT_NE(std::string(html.what()).find("HTTP 502 Bad Gateway"), std::string::npos);

    h.transport->reply(500, std::string(10'000, 'x'), {{"Content-Type", "text/plain"}});
    const auto long_body = caught([&] { c.get_box("b"); });
    EXPECT_LT(long_body.details().body_excerpt.size(), 210u);
    EXPECT_LT(std::string(long_body.what()).size(), 400u);

    h.transport->reply(400, "{\"message\":\"line1\\nline2\\u0000end\"}");
    const auto control = caught([&] { c.get_box("b"); });
    EXPECT_EQ(std::string(control.what()).find('\n'), std::string::npos);
}

TEST(ApiClient, RetryAfter) {
    harness h;
    auto c = h.make();
    h.transport->reply(429, R"({"message":"slow down"})", {{"Retry-After", "7"}});
    auto e = caught([&] { c.get_box("b1"); });
    EXPECT_EQ(e.kind(), error_kind::rate_limited);
    ASSERT_TRUE(e.retry_after());
    EXPECT_EQ(*e.retry_after(), 7.0);

    h.transport->reply(429, "", {{"Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT"}});
    e = caught([&] { c.get_box("b1"); });
    ASSERT_TRUE(e.retry_after());
    EXPECT_EQ(*e.retry_after(), 0.0);  // in the past

    const std::time_t later = std::time(nullptr) + 120;
    std::tm tm{};
    gmtime_r(&later, &tm);
    char date[64];
    std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    h.transport->reply(429, "", {{"Retry-After", date}});
    e = caught([&] { c.get_box("b1"); });
    ASSERT_TRUE(e.retry_after());
    EXPECT_GE(*e.retry_after(), 110.0);
    EXPECT_LE(*e.retry_after(), 121.0);

    for (const auto* junk :
         {"soon", "-5", "1.5", "Sun, 06 Nov 1994 08:49:37 PST", ""}) {
        h.transport->reply(429, "", {{"Retry-After", junk}});
        EXPECT_FALSE(caught([&] { c.get_box("b1"); }).retry_after()) << junk;
    }
}

// ---------------------------------------------------------------------------- secrets

TEST(ApiClient, TokenNeverAppearsInErrorsOrLogs) {
    harness h;
    auto c = h.make();
    const std::string echo = str(R"({"message":"bad token )", token, R"("})");
    const std::vector<std::pair<int, std::string>> bodies = {
        {401, echo},
        {403, str(R"({"error":")", token, R"("})")},
        {500, str("<html>", token, "</html>")},
        {500, str("plain ", token)},
        {400, std::string(190, 'x') + token},  // straddles the excerpt cut
        {200, str("not json ", token)},
    };
    for (const auto& [status, body] : bodies) {
        h.transport->reply(status, body, {{"Content-Type", "text/plain"}});
        const auto e = caught([&] { c.get_box("b1"); });
        EXPECT_EQ(std::string(e.what()).find(token), std::string::npos) << e.what();
        EXPECT_EQ(e.details().body_excerpt.find(token), std::string::npos);
        EXPECT_EQ(e.details().body_excerpt.find(token.substr(0, 20)), std::string::npos)
            << e.details().body_excerpt;
    }
    // A transport that does not know the token and puts it in its message.
    h.transport->fail(error_kind::transport, str("reset while sending ", token));
    EXPECT_EQ(std::string(caught([&] { c.get_box("b1"); }).what()).find(token),
              std::string::npos);

    ASSERT_FALSE(h.records->empty());
    for (const auto& r : *h.records) {
        EXPECT_EQ(r.message.find(token), std::string::npos);
        EXPECT_EQ(r.message.find("Authorization"), std::string::npos);
    }
}

TEST(ApiClient, OneDebugLinePerRequest) {
    harness h;
    auto c = h.make();
    h.transport->reply(200, splitter_template).reply(404, R"({"message":"gone"})");
    c.get_splitter("s1");
    caught([&] { c.get_splitter("s2"); });
    ASSERT_EQ(h.records->size(), 2u);
    EXPECT_EQ((*h.records)[0].severity, log::level::debug);
    EXPECT_EQ((*h.records)[0].logger, "ozmap_connector.api");
    EXPECT_EQ((*h.records)[0].message.rfind("GET /api/v2/splitters/s1 -> 200", 0), 0u)
        << (*h.records)[0].message;
    EXPECT_EQ((*h.records)[1].message.rfind("GET /api/v2/splitters/s2 -> 404", 0), 0u);
}

// ---------------------------------------------------------------------------- writes

TEST(ApiClient, CreateUpdateDelete) {
    harness h;
    auto c = h.make();
    property_create body;
    body.project = "p";
    body.box = "b1";
    body.position = {-27.5, -48.5};
    body.client = new_ftth_client{"C-1", std::nullopt, std::nullopt, false, 0};
    body.auto_connect = true;
    h.transport->reply(201, R"({"id":"p1","client":"c1","box":"b1","lat":-27.5,
                                "lng":-48.5,"connections":[{"id":"s1","port":3}]})");
    const auto created = c.create_property(body);
    EXPECT_EQ(created.id, "p1");
    EXPECT_EQ(created.client_id, "c1");
    EXPECT_EQ(created.connections.at(0).port, 3);
    auto req = h.transport->requests().back();
    EXPECT_EQ(req.method, http::verb::post);
    EXPECT_EQ(req.target, "/api/v2/properties");
    EXPECT_EQ(json::parse(req.body).at("client").at("code"), "C-1");

    ftth_client_update deploy;
    deploy.implanted = true;
    h.transport->reply(204).reply(200, R"({"ok":true})");
    c.update_client("c1", deploy);
    c.update_client("c1", deploy);
    req = h.transport->requests().back();
    EXPECT_EQ(req.method, http::verb::patch);
    EXPECT_EQ(req.target, "/api/v2/ftth-clients/c1");
    EXPECT_EQ(req.body, R"({"implanted":true})");

    h.transport->reply(204).reply(200).reply(404, R"({"message":"no"})");
    EXPECT_EQ(c.delete_property("p1"), delete_outcome::deleted);
    EXPECT_EQ(c.delete_cable("d1"), delete_outcome::deleted);
    EXPECT_EQ(c.delete_client("c1"), delete_outcome::not_found);
    EXPECT_EQ(h.transport->requests().back().method, http::verb::delete_);
    h.transport->reply(500, R"({"message":"boom"})");
    EXPECT_EQ(caught([&] { c.delete_client("c1"); }).kind(), error_kind::http_status);

    // A create answered without the document cannot be trusted.
    h.transport->reply(204);
    EXPECT_EQ(caught([&] { c.create_property(body); }).kind(), error_kind::decode);
}

TEST(ApiClient, NotFoundOnGet) {
    harness h;
    auto c = h.make();
    h.transport->reply(404, R"({"message":"Box not found"})");
    const auto e = caught([&] { c.get_box("nope"); });
    EXPECT_EQ(e.kind(), error_kind::not_found);
    EXPECT_NE(std::string(e.what()).find("Box not found"), std::string::npos);
}

TEST(ApiClient, LoginAndAuthenticated) {
    harness h;
    auto anonymous = h.make({}, "");
    h.transport->reply(200, R"({"authorization":"new-session-token"})");
    EXPECT_EQ(anonymous.login("api", "pa55word"), "new-session-token");
    auto req = h.transport->requests().back();
    EXPECT_EQ(req.target, "/api/v2/users/login?type=API");
    EXPECT_EQ(header_of(req, "Authorization"), "");
    EXPECT_EQ(req.body, R"({"login":"api","password":"pa55word"})");

    h.transport->reply(200, R"({"authenticationKey":"other"})");
    EXPECT_EQ(anonymous.login("api", "pa55word"), "other");

    h.transport->reply(401, R"({"message":"wrong password pa55word"})");
    const auto e = caught([&] { anonymous.login("api", "pa55word"); });
    EXPECT_EQ(e.kind(), error_kind::authentication);
    EXPECT_EQ(std::string(e.what()).find("pa55word"), std::string::npos);
    EXPECT_EQ(e.details().body_excerpt.find("pa55word"), std::string::npos);

    h.transport->reply(200, R"({"user":{}})");
    EXPECT_EQ(caught([&] { anonymous.login("api", "pa55word"); }).field(),
              "authorization");
    EXPECT_EQ(caught([&] { anonymous.login("", "x"); }).kind(),
              error_kind::invalid_input);

    for (const auto& r : *h.records)
        EXPECT_EQ(r.message.find("pa55word"), std::string::npos);

    auto c = h.make();
    h.transport->reply(200, "{}").reply(401, R"({"message":"no"})");
    EXPECT_TRUE(c.authenticated());
    EXPECT_FALSE(c.authenticated());
    EXPECT_EQ(h.transport->requests().back().target, "/api/v2/authenticated");
    h.transport->reply(503, "");
    EXPECT_EQ(caught([&] { c.authenticated(); }).kind(), error_kind::http_status);
}

// ----------------------------------------------------------------------------
// feasibility

TEST(ApiClient, Viability) {
    harness h;
    auto c = h.make();
    h.transport->reply(200, R"({"viable":true,"boxes":[{"id":"b1","name":"CTO 1",
        "distance":10,"lat":-27.5866,"lng":-48.5274,"availability":3}],
        "refused_boxes":[],"properties":[]})");
    const auto f = c.viability(-27.5866, -48.5274, 250.0);
    EXPECT_TRUE(f.viable);
    EXPECT_EQ(f.boxes.at(0).id, "b1");
    EXPECT_EQ(h.targets().back(),
              "/api/v2/ftth-viability/radius?lat=-27.5866&lng=-48.5274&radius=250");

    h.transport->reply(200, R"({"viable":false,"boxes":[]})");
    c.viability(-27.5866, -48.5274);
    EXPECT_EQ(h.targets().back(),
              "/api/v2/ftth-viability/radius?lat=-27.5866&lng=-48.5274");

    const auto before = c.request_count();
    EXPECT_EQ(caught([&] { c.viability(91.0, 0.5, 100.0); }).kind(),
              error_kind::invalid_input);
    EXPECT_EQ(caught([&] { c.viability(std::nan(""), 0.5); }).kind(),
              error_kind::invalid_input);
    EXPECT_EQ(caught([&] { c.viability(-27.5, -48.5, 0.0); }).kind(),
              error_kind::invalid_input);
    EXPECT_EQ(caught([&] { c.viability(-27.5, -48.5, 1e9); }).kind(),
              error_kind::invalid_input);
    EXPECT_EQ(c.request_count(), before);

    h.transport->reply(200, R"({"viable":true,"boxes":[{"id":"b1"}]})");
    const auto e = caught([&] { c.viability(-27.5866, -48.5274); });
    EXPECT_EQ(e.kind(), error_kind::decode);
    EXPECT_EQ(e.field(), "boxes[0].name");
    EXPECT_EQ(e.operation(), "GET /api/v2/ftth-viability/radius");
}

TEST(ApiClient, BoxesNear) {
    harness h;
    auto c = h.make();
    h.transport->reply(200,
                       str(R"({"rows":[)", rows_of(1, 2), R"(],"hasNextPage":false})"));
    const auto boxes = c.list_boxes_near(-27.5, -48.5, 300.0);
    EXPECT_EQ(ids_of(boxes), (std::vector<std::string>{"b1", "b2"}));
    const auto target = h.targets().at(0);
    EXPECT_EQ(
        target,
        "/api/v2/boxes?filter=%5B%7B%22property%22%3A%22coords%22%2C%22operator%22"
        "%3A%22near%22%2C%22value%22%3A%7B%22lat%22%3A-27.5%2C%22lng%22%3A-48.5%2C"
        "%22radius%22%3A300%7D%7D%5D&limit=500&page=1");
    EXPECT_EQ(query_param(target, "filter"),
              R"([{"property":"coords","operator":"near",)"
              R"("value":{"lat":-27.5,"lng":-48.5,"radius":300}}])");
}

// ----------------------------------------------------------------------------
// pagination

TEST(ApiPaging, NewFormFollowsRelativeAndAbsoluteNextUrl) {
    harness h;
    client_options o;
    o.page_size = 2;
    auto c = h.make(o);
    h.transport
        ->reply(
            200,
            str(R"({"rows":[)", rows_of(1, 2),
                R"(],"hasNextPage":true,"nextUrl":"/api/v2/boxes?page=2&limit=2"})"))
        .reply(200, str(R"({"rows":[)", rows_of(3, 2),
                        R"(],"hasNextPage":true,)"
                        R"("nextUrl":"https://t.ozmap.com.br:9994)"
                        R"(/api/v2/boxes?limit=2&page=3"})"))
        .reply(200, str(R"({"rows":[)", rows_of(5, 1),
                        R"(],"hasNextPage":false,"nextUrl":null})"));
    const auto l = c.list_boxes();
    EXPECT_TRUE(l.complete) << l.stop_reason;
    EXPECT_EQ(l.requests, 3u);
    EXPECT_EQ(ids_of(l), box_ids(1, 5));
    EXPECT_EQ(h.targets(), (std::vector<std::string>{"/api/v2/boxes?limit=2&page=1",
                                                     "/api/v2/boxes?page=2&limit=2",
                                                     "/api/v2/boxes?limit=2&page=3"}));
}

TEST(ApiPaging, ForeignOrUnsuitableNextUrlIsRebuiltHere) {
    for (const std::string next :
         {"https://evil.example/api/v2/boxes?page=2&limit=2",
          "http://t.ozmap.com.br:9994/api/v2/boxes?page=2&limit=2",
          "/api/v2/boxes?page=2",  // no limit: the server default would creep in
          "/api/v2/properties?page=2&limit=2", "boxes?page=2&limit=2",
          "/api/v2/boxes?page=2&limit=2\r\nX: y"}) {
        SCOPED_TRACE(next);
        harness h;
        client_options o;
        o.page_size = 2;
        auto c = h.make(o);
        json::object first;
        first["rows"] = json::parse(str("[", rows_of(1, 2), "]"));
        first["hasNextPage"] = true;
        first["nextUrl"] = next;
        h.transport->reply(200, json::serialize(first))
            .reply(200,
                   str(R"({"rows":[)", rows_of(3, 1), R"(],"hasNextPage":false})"));
        const auto l = c.list_boxes();
        EXPECT_TRUE(l.complete);
        EXPECT_EQ(ids_of(l), box_ids(1, 3));
        EXPECT_EQ(h.targets().at(1), "/api/v2/boxes?limit=2&page=2");
    }
}

TEST(ApiPaging, LegacyTotalStartLimit) {
    harness h;
    client_options o;
    o.page_size = 2;
    auto c = h.make(o);
    h.transport
        ->reply(200, str(R"({"total":5,"count":2,"start":0,"limit":2,"rows":[)",
                         rows_of(1, 2), "]}"))
        .reply(200, str(R"({"total":5,"count":2,"start":2,"limit":2,"rows":[)",
                        rows_of(3, 2), "]}"))
        .reply(200, str(R"({"total":5,"count":1,"start":4,"limit":2,"rows":[)",
                        rows_of(5, 1), "]}"));
    const auto l = c.list_boxes();
    EXPECT_TRUE(l.complete);
    EXPECT_EQ(ids_of(l), box_ids(1, 5));
    EXPECT_EQ(h.targets(), (std::vector<std::string>{"/api/v2/boxes?limit=2&page=1",
                                                     "/api/v2/boxes?limit=2&page=2",
                                                     "/api/v2/boxes?limit=2&page=3"}));
}

TEST(ApiPaging, LegacyWithoutStartAndServerCappedLimit) {
    harness h;
    auto c = h.make();  // asks 500, the server sends 1 per page
    h.transport->serve([](const http::request& r) {
        const int page = std::stoi(query_param(r.target, "page"));
        return http::response{
            200, {}, str(R"({"total":3,"rows":[)", box_row(page), "]}")};
    });
    const auto l = c.list_boxes();
    // Without `start`, the offset is the rows received so far.
    EXPECT_EQ(ids_of(l), box_ids(1, 3));
    EXPECT_TRUE(l.complete);

    harness h2;
    auto c2 = h2.make();
    h2.transport->serve([](const http::request& r) {
        const int page = std::stoi(query_param(r.target, "page"));
        return http::response{200,
                              {},
                              str(R"({"total":3,"start":)", page - 1, R"(,"rows":[)",
                                  box_row(page), "]}")};
    });
    const auto l2 = c2.list_boxes();
    EXPECT_EQ(ids_of(l2), box_ids(1, 3));
}

TEST(ApiPaging, NoHintsStopOnAShortPage) {
    harness h;
    client_options o;
    o.page_size = 2;
    auto c = h.make(o);
    h.transport->reply(200, str(R"({"rows":[)", rows_of(1, 2), "]}"))
        .reply(200, str(R"({"rows":[)", rows_of(3, 1), "]}"));
    EXPECT_EQ(ids_of(c.list_boxes()), box_ids(1, 3));

    h.transport->reply(200, str("[", rows_of(1, 2), "]"));  // a bare array
    const auto bare = c.list_boxes();
    EXPECT_EQ(bare.requests, 1u);
    EXPECT_EQ(ids_of(bare), box_ids(1, 2));
}

TEST(ApiPaging, GuardRepeatedNextUrl) {
    harness h;
    client_options o;
    o.page_size = 1;
    auto c = h.make(o);
    int served = 0;
    h.transport->serve([&](const http::request&) {
        ++served;
        return http::response{
            200,
            {},
            str(R"({"rows":[)", box_row(served),
                R"(],"hasNextPage":true,"nextUrl":"/api/v2/boxes?limit=1&page=2"})")};
    });
    const auto l = c.list_boxes();
    EXPECT_FALSE(l.complete);
    EXPECT_NE(l.stop_reason.find("same page URL"), std::string::npos);
    EXPECT_EQ(l.requests, 2u);
    EXPECT_EQ(ids_of(l), box_ids(1, 2));
}

TEST(ApiPaging, GuardEmptyPageClaimingMore) {
    harness h;
    client_options o;
    o.page_size = 2;
    auto c = h.make(o);
    h.transport
        ->reply(200, str(R"({"rows":[)", rows_of(1, 2), R"(],"hasNextPage":true})"))
        .reply(200, R"({"rows":[],"hasNextPage":true})");
    const auto l = c.list_boxes();
    EXPECT_FALSE(l.complete);
    EXPECT_NE(l.stop_reason.find("empty page"), std::string::npos);
    EXPECT_EQ(l.rows.size(), 2u);
    EXPECT_EQ(h.transport->pending(), 0u);

    // The legacy form with a lying total: an empty page ends it quietly.
    h.transport->reply(200, str(R"({"total":99,"rows":[)", rows_of(1, 2), "]}"))
        .reply(200, R"({"total":99,"rows":[]})");
    const auto legacy = c.list_boxes();
    EXPECT_TRUE(legacy.complete);
    EXPECT_EQ(legacy.requests, 2u);
}

TEST(ApiPaging, GuardServerIgnoringThePage) {
    harness h;
    client_options o;
    o.page_size = 2;
    auto c = h.make(o);
    h.transport->serve([](const http::request&) {
        return http::response{
            200, {}, str(R"({"total":10,"rows":[)", rows_of(1, 2), "]}")};
    });
    const auto l = c.list_boxes();
    EXPECT_FALSE(l.complete);
    EXPECT_NE(l.stop_reason.find("repeated rows"), std::string::npos);
    EXPECT_EQ(l.requests, 2u);
    EXPECT_EQ(ids_of(l), box_ids(1, 2));
}

TEST(ApiPaging, GuardPageCap) {
    harness h;
    client_options o;
    o.page_size = 1;
    o.max_pages = 4;
    auto c = h.make(o);
    h.transport->serve([](const http::request& r) {
        const int page = std::stoi(query_param(r.target, "page"));
        return http::response{
            200, {}, str(R"({"rows":[)", box_row(page), R"(],"hasNextPage":true})")};
    });
    const auto l = c.list_boxes();
    EXPECT_FALSE(l.complete);
    EXPECT_NE(l.stop_reason.find("4 pages"), std::string::npos);
    EXPECT_EQ(l.requests, 4u);
    EXPECT_EQ(c.request_count(), 4u);
}

TEST(ApiPaging, MaxRowsAndSelect) {
    harness h;
    auto c = h.make();
    h.transport->reply(200,
                       str(R"({"rows":[)", rows_of(1, 3), R"(],"hasNextPage":true})"));
    list_options options;
    options.max_rows = 1;
    options.select = "name";
    const auto l = c.list_boxes(options);
    EXPECT_TRUE(l.complete);
    EXPECT_EQ(ids_of(l), box_ids(1, 1));
    EXPECT_EQ(h.targets().at(0), "/api/v2/boxes?select=name&limit=1&page=1");

    options.max_rows = 0;
    EXPECT_TRUE(c.list_boxes(options).rows.empty());
    EXPECT_EQ(c.request_count(), 1u);
}

TEST(ApiPaging, EnvelopeShapeErrors) {
    harness h;
    auto c = h.make();
    h.transport->reply(200, R"({"total":1})");
    EXPECT_EQ(caught([&] { c.list_boxes(); }).field(), "rows");
    h.transport->reply(200, R"({"rows":{}})");
    EXPECT_EQ(caught([&] { c.list_boxes(); }).field(), "rows");
    h.transport->reply(200, R"({"rows":[],"hasNextPage":"yes"})");
    EXPECT_EQ(caught([&] { c.list_boxes(); }).field(), "hasNextPage");
    h.transport->reply(200, R"("rows")");
    EXPECT_EQ(caught([&] { c.list_boxes(); }).kind(), error_kind::decode);
}

TEST(ApiPaging, TypedListErrorsNameTheRow) {
    harness h;
    auto c = h.make();
    h.transport->reply(
        200,
        str(R"({"rows":[)", splitter_template, ",",
            R"({"id":"s2","name":"S","parent":"b","connectables":{"output":[]}},)",
            R"({"id":"s3","name":"S","parent":"b","connectables":{"output":[1]}},)",
            R"({"id":"s4","name":"S","parent":"b","connectables":)",
            R"({"output":[null,null,7]}}],"hasNextPage":false})"));
    const auto e =
        caught([&] { c.list_splitters_of_boxes(std::vector<std::string>{"b"}); });
    EXPECT_EQ(e.kind(), error_kind::decode);
    EXPECT_EQ(e.field(), "rows[2].connectables.output[0]");
}

// ---------------------------------------------------------------------------- `in`
// splits

// A server that knows splitters s<N> in box b<N> and answers `parent in [...]` from the
// filter it is sent, in the order of the ids given.
http::response splitters_for(const http::request& r) {
    const auto filter = json::parse(query_param(r.target, "filter"));
    std::string rows;
    for (const auto& id : filter.at(0).at("value").as_array()) {
        const std::string box(id.as_string().c_str());
        rows += str(rows.empty() ? "" : ",", R"({"id":"s)", box.substr(1),
                    R"(","name":"Splitter","parent":")", box,
                    R"(","connectables":{"output":[null]}})");
    }
    return http::response{
        200, {}, str(R"({"rows":[)", rows, R"(],"hasNextPage":false})")};
}

TEST(ApiInFilter, SplitsToKeepEveryUrlShort) {
    harness h;
    client_options o;
    o.max_target_length = 1000;
    auto c = h.make(o);
    h.transport->serve(splitters_for);

    std::vector<std::string> ids;
    for (int i = 0; i < 300; ++i)
        ids.push_back(str("b", 100000 + i, "5f40a200200b9db7"));
    ids.push_back(ids[5]);  // a duplicate is sent once
    const auto l = c.list_splitters_of_boxes(ids);

    EXPECT_TRUE(l.complete);
    ASSERT_EQ(l.rows.size(), 300u);
    for (std::size_t i = 0; i < 300; ++i)
        EXPECT_EQ(l.rows[i].parent, ids[i]) << i;  // deterministic: input order

    const auto targets = h.targets();
    EXPECT_GT(targets.size(), 5u);
    EXPECT_EQ(l.requests, targets.size());
    std::size_t sent = 0;
    for (const auto& t : targets) {
        EXPECT_LE(t.size(), 1000u);
        sent +=
            json::parse(query_param(t, "filter")).at(0).at("value").as_array().size();
    }
    EXPECT_EQ(sent, 300u);
    // Greedy packing: every chunk but the last is nearly full.
    EXPECT_GT(targets.front().size(), 1000u - 40u);
}

TEST(ApiInFilter, ShortListsAreOneRequestAndEmptyListsNone) {
    harness h;
    auto c = h.make();
    h.transport->serve(splitters_for);
    const auto l = c.list_splitters_of_boxes(std::vector<std::string>{"b1", "b2"});
    EXPECT_EQ(l.rows.size(), 2u);
    EXPECT_EQ(h.targets().size(), 1u);
    EXPECT_EQ(query_param(h.targets()[0], "filter"),
              R"([{"property":"parent","operator":"in","value":["b1","b2"]}])");

    EXPECT_TRUE(c.list_splitters_of_boxes({}).rows.empty());
    EXPECT_EQ(c.request_count(), 1u);
    EXPECT_EQ(
        caught([&] { c.list_splitters_of_boxes(std::vector<std::string>{""}); }).kind(),
        error_kind::invalid_input);
}

TEST(ApiInFilter, ChunksArePagedAndDeduplicated) {
    harness h;
    client_options o;
    o.max_target_length = 300;
    o.page_size = 2;
    auto c = h.make(o);
    // Every chunk answers with the same two rows, then a second page with one of
    // them again: each id is returned once.
    h.transport->serve([](const http::request& r) {
        const int page = std::stoi(query_param(r.target, "page"));
        if (page == 1)
            return http::response{
                200,
                {},
                str(R"({"rows":[)", rows_of(1, 2), R"(],"hasNextPage":true})")};
        return http::response{
            200, {}, str(R"({"rows":[)", rows_of(2, 2), R"(],"hasNextPage":false})")};
    });
    list_options options;
    std::vector<std::string> many;
    for (int i = 0; i < 40; ++i)
        many.push_back(str("parent-", i));
    options.filters.push_back(filter::in("parent", many));
    options.filters.push_back(filter::equals("kind", std::string("Box")));
    const auto l = c.list_boxes(options);
    EXPECT_TRUE(l.complete) << l.stop_reason;
    EXPECT_EQ(ids_of(l), box_ids(1, 3));
    EXPECT_GT(l.requests, 2u);
    for (const auto& t : h.targets()) {
        EXPECT_LE(t.size(), 300u);
        const auto f = json::parse(query_param(t, "filter"));
        EXPECT_EQ(f.at(1).at("value"), "Box");  // the other filters ride along
    }
}

TEST(ApiInFilter, UnsplittableRequestsAreRefused) {
    harness h;
    client_options o;
    o.max_target_length = 256;
    auto c = h.make(o);
    list_options options;
    options.filters.push_back(filter::equals("name", std::string(400, 'x')));
    EXPECT_EQ(caught([&] { c.list_boxes(options); }).kind(), error_kind::invalid_input);

    list_options one_long;
    one_long.filters.push_back(filter::in("parent", {"a", std::string(300, 'y')}));
    EXPECT_EQ(caught([&] { c.list_boxes(one_long); }).kind(),
              error_kind::invalid_input);
    EXPECT_EQ(c.request_count(), 0u);
}

// ---------------------------------------------------------------------------- client
// codes

TEST(ApiClientCode, CodesAreOneEncodedSegment) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"123|123", "/api/v2/properties/client/123%7C123"},
        {"CLI/2026/42", "/api/v2/properties/client/CLI%2F2026%2F42"},
        {"Nº 7#B", "/api/v2/properties/client/N%C2%BA%207%23B"},
        {"  João da Silva  ", "/api/v2/properties/client/Jo%C3%A3o%20da%20Silva"},
        {"a?b=c&d", "/api/v2/properties/client/a%3Fb%3Dc%26d"},
        {"..", "/api/v2/properties/client/%2E%2E"},
        {"100%", "/api/v2/properties/client/100%25"},
    };
    for (const auto& [code, target] : cases) {
        SCOPED_TRACE(code);
        harness h;
        auto c = h.make();
        h.transport->reply(
            200, R"([{"id":"p1","client":{"id":"c1","code":"x"},"box":"b1",)"
                 R"("connections":[{"id":"s1","name":"Splitter 1","kind":"Splitter",)"
                 R"("port":2,"implanted":true,"fiber":"f1"}]}])");
        const auto found = c.properties_by_client_code(code);
        ASSERT_EQ(found.size(), 1u);
        EXPECT_EQ(found[0].connections.at(0).port, 2);
        EXPECT_EQ(h.targets().at(0), target);
    }
}

TEST(ApiClientCode, MissingEmptyAndTolerated) {
    harness h;
    auto c = h.make();
    h.transport->reply(200, "[]").reply(404, R"({"message":"Client not found"})");
    EXPECT_TRUE(c.properties_by_client_code("42").empty());
    EXPECT_TRUE(c.properties_by_client_code("42").empty());

    h.transport->reply(200, R"({"rows":[{"id":"p1","client":"c1"}],"total":1})");
    EXPECT_EQ(c.properties_by_client_code("42").at(0).client_id, "c1");

    h.transport->reply(200, R"({"id":"p1"})");
    EXPECT_EQ(caught([&] { c.properties_by_client_code("42"); }).kind(),
              error_kind::decode);
    h.transport->reply(200, R"([{"id":"p1"},{"id":"p2","client":5}])");
    EXPECT_EQ(caught([&] { c.properties_by_client_code("42"); }).field(), "[1].client");

    const auto before = c.request_count();
    EXPECT_EQ(caught([&] { c.properties_by_client_code("   "); }).kind(),
              error_kind::invalid_input);
    EXPECT_EQ(c.request_count(), before);

    h.transport->reply(401, R"({"message":"nope"})");
    EXPECT_EQ(caught([&] { c.properties_by_client_code("42"); }).kind(),
              error_kind::authentication);
}

TEST(ApiProjects, ListedWithAFilter) {
    harness h;
    auto c = h.make();
    h.transport->reply(
        200, R"({"rows":[{"id":"p1","name":"Exemplo"}],"hasNextPage":false})");
    list_options options;
    options.filters.push_back(filter::equals("name", std::string("Exemplo")));
    const auto l = c.list_projects(options);
    EXPECT_EQ(l.rows.at(0).name, "Exemplo");
    EXPECT_EQ(query_param(h.targets().at(0), "filter"),
              R"([{"property":"name","operator":"=","value":"Exemplo"}])");
}

TEST(ApiClient, SharedAcrossThreads) {
    harness h;
    const auto c = h.make();
    h.transport->serve([](const http::request& r) {
        return http::response{200,
                              {},
                              str(R"({"id":")",
                                  r.target.substr(r.target.rfind('/') + 1),
                                  R"(","name":"n","lat":1,"lng":2})")};
    });
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&c, t] {
            for (int i = 0; i < 50; ++i)
                EXPECT_EQ(c.get_box(str("b", t, "-", i)).id, str("b", t, "-", i));
        });
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(c.request_count(), 200u);
    EXPECT_EQ(h.records->size(), 200u);
}

}  // namespace
