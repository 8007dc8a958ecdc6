#include <ozmap/workflows/connector.hpp>

#include <gtest/gtest.h>

#include "support/fake_transport.hpp"

#include <memory>
#include <string>

namespace {

using namespace ozmap;
using namespace ozmap::workflows;

constexpr double lat = -27.5954;
constexpr double lng = -48.5480;

const char* const box_near = R"({"id":"b1","name":"CTO 1","lat":-27.5950,"lng":-48.5480,
    "coords":[-48.5480,-27.5950],"draft":false,"project":"p1"})";

const char* const splitters_of_b1 = R"({"total":1,"count":1,"start":0,"limit":500,
    "hasNextPage":false,"rows":[{"id":"s1","name":"Splitter 1","parent":"b1",
    "project":"p1","isDrop":true,"connectables":{"input":[null],
    "output":["f0",null,null,null]},"ports":[{"blocked":false},{"blocked":true}]}]})";

struct fixture {
    std::shared_ptr<ozmap::testing::fake_transport> transport =
        std::make_shared<ozmap::testing::fake_transport>();
    connector ozmap;

    static connector_config config() {
        connector_config c;
        c.url = "http://127.0.0.1";
        c.token = "token";
        return c;
    }

    fixture() : ozmap(config(), log::logger{}, transport) {}
};

TEST(WorkflowPlans, FeasibilityByServerTakesTwoRequests) {
    fixture f;
    f.transport->reply(200, std::string(R"({"viable":true,"boxes":[)") + box_near +
                                R"(],"refused_boxes":[]})");
    f.transport->reply(200, splitters_of_b1);

    const auto result = f.ozmap.check_feasibility({lat, lng}, 250.0, strategy::server);

    ASSERT_EQ(f.transport->targets().size(), 2u);
    EXPECT_EQ(f.transport->targets()[0].rfind("/api/v2/ftth-viability/radius?", 0), 0u);
    EXPECT_EQ(f.transport->targets()[1].rfind("/api/v2/splitters?", 0), 0u);
    ASSERT_EQ(result.boxes.size(), 1u);
    EXPECT_EQ(result.boxes[0].free_ports, 2);
    EXPECT_EQ(result.boxes[0].first_free.port, 3);  // port 2 is blocked
    EXPECT_EQ(result.strategy, "server");
}

TEST(WorkflowPlans, AutomaticFallsBackToLocalWhenViabilityIsMissing) {
    fixture f;
    f.transport->reply(404, R"({"message":"not found"})");
    f.transport->reply(200, std::string(R"({"total":1,"count":1,"rows":[)") + box_near +
                                "]}");
    f.transport->reply(200, splitters_of_b1);

    const auto result = f.ozmap.check_feasibility({lat, lng}, 250.0);
    EXPECT_EQ(result.strategy, "local");
    EXPECT_EQ(f.transport->targets().size(), 3u);
    EXPECT_TRUE(result.viable);
}

TEST(WorkflowPlans, InvalidInputSendsNothing) {
    fixture f;
    EXPECT_THROW(f.ozmap.check_feasibility({lat, lng}, -1.0), error);
    EXPECT_THROW(f.ozmap.check_feasibility({lng, lat}, 100.0), error);
    EXPECT_THROW(f.ozmap.reserve({" ", "b1", {lat, lng}, {}, {}, {}}), error);
    EXPECT_THROW(f.ozmap.cancel(""), error);
    EXPECT_TRUE(f.transport->targets().empty());
}

TEST(WorkflowPlans, ReserveTakesFiveRequestsAndSendsAnExplicitPort) {
    fixture f;
    f.transport->reply(200, "[]");             // no reservation for the code yet
    f.transport->reply(200, box_near);         // exists, not draft, within reach
    f.transport->reply(200, splitters_of_b1);  // the box's splitters
    f.transport->reply(201, R"({"id":"prop1","client":"c1","box":"b1","drop":"d1",
        "connections":[{"id":"s1","name":"Splitter 1","kind":"Splitter","port":3,
        "fiber":"f9"}]})");
    f.transport->reply(200, R"({"id":"s1","name":"Splitter 1","parent":"b1",
        "isDrop":true,"connectables":{"output":["f0",null,"f9",null]}})");

    const auto r = f.ozmap.reserve({"C-1", "b1", {lat, lng}, {}, {}, {}});

    const auto requests = f.transport->requests();
    ASSERT_EQ(requests.size(), 5u);
    EXPECT_EQ(requests[0].target, "/api/v2/properties/client/C-1");
    EXPECT_EQ(requests[1].target, "/api/v2/boxes/b1");
    EXPECT_EQ(requests[3].method, http::verb::post);
    EXPECT_NE(requests[3].body.find(R"("connector":"s1")"), std::string::npos);
    EXPECT_NE(requests[3].body.find(R"("port":3)"), std::string::npos);
    EXPECT_EQ(requests[3].body.find("force"), std::string::npos);
    EXPECT_EQ(r.port, 3);
    EXPECT_EQ(r.property_id, "prop1");
    EXPECT_TRUE(r.created);
}

TEST(WorkflowPlans, ReserveTakesTheNextPortWhenOneIsRefused) {
    fixture f;
    f.transport->reply(200, "[]");
    f.transport->reply(200, box_near);
    f.transport->reply(200, splitters_of_b1);
    f.transport->reply(409, R"({"message":"port taken"})");
    f.transport->reply(200, splitters_of_b1);
    f.transport->reply(201, R"({"id":"prop1","client":"c1","box":"b1",
        "connections":[{"id":"s1","name":"Splitter 1","kind":"Splitter","port":4,
        "fiber":"f9"}]})");
    f.transport->reply(200, R"({"id":"s1","name":"Splitter 1","parent":"b1",
        "isDrop":true,"connectables":{"output":["f0",null,"fx","f9"]}})");

    const auto r = f.ozmap.reserve({"C-2", "b1", {lat, lng}, {}, {}, {}});
    EXPECT_EQ(r.port, 4);
    EXPECT_EQ(f.transport->requests().size(), 7u);
}

TEST(WorkflowPlans, ReserveAfterAnUnclearAnswerLooksTheCodeUpFirst) {
    fixture f;
    f.transport->reply(200, "[]");
    f.transport->reply(200, box_near);
    f.transport->reply(200, splitters_of_b1);
    f.transport->fail(error_kind::ambiguous, "no answer after sending");
    f.transport->reply(200, R"([{"id":"prop1","box":"b1","client":{"id":"c1",
        "code":"C-3"},"connections":[{"id":"s1","port":3}]}])");

    const auto r = f.ozmap.reserve({"C-3", "b1", {lat, lng}, {}, {}, {}});
    EXPECT_EQ(r.property_id, "prop1");
    EXPECT_EQ(f.transport->requests().size(), 5u);
    EXPECT_EQ(f.transport->requests()[4].method, http::verb::get);
}

TEST(WorkflowPlans, ReserveRefusesADraftBoxAndAFarOne) {
    fixture f;
    f.transport->reply(200, "[]");
    f.transport->reply(200, R"({"id":"b2","name":"CTO 2","lat":-27.5950,"lng":-48.5480,
        "draft":true,"project":"p1"})");
    EXPECT_THROW(f.ozmap.reserve({"C-6", "b2", {lat, lng}, {}, {}, {}}), error);

    f.transport->reply(200, "[]");
    f.transport->reply(200, box_near);
    try {
        f.ozmap.reserve({"C-6", "b1", {-23.55, -46.63}, {}, {}, {}});
        FAIL() << "a box 400 km away was accepted";
    } catch (const error& e) {
        EXPECT_EQ(e.kind(), error_kind::conflict);
        EXPECT_NE(std::string(e.what()).find("farther"), std::string::npos);
    }
    EXPECT_EQ(f.transport->requests().size(), 4u);  // nothing was written
}

TEST(WorkflowPlans, DeployRefusesACodeThatDoesNotMatch) {
    fixture f;
    f.transport->reply(200, R"([{"id":"prop1","box":"b1","client":{"id":"c1",
        "code":"C-40"}}])");
    try {
        f.ozmap.deploy({"C-4", {}, {}, {}});
        FAIL() << "no error";
    } catch (const error& e) {
        EXPECT_EQ(e.kind(), error_kind::conflict);
        EXPECT_NE(std::string(e.what()).find("must match"), std::string::npos);
    }
    EXPECT_EQ(f.transport->requests().size(), 1u);
}

TEST(WorkflowPlans, CancelOfWhatIsGoneSucceeds) {
    fixture f;
    f.transport->reply(200, "[]");
    f.transport->reply(200, R"({"total":0,"count":0,"rows":[]})");
    const auto report = f.ozmap.cancel("C-5");
    EXPECT_FALSE(report.found);
    EXPECT_TRUE(report.removed.empty());
}

}  // namespace
