#include <ozmap/workflows/ports.hpp>

#include <gtest/gtest.h>

namespace {

using namespace ozmap::workflows;

splitter_ports splitter(std::string id, std::string name, bool service,
                        std::vector<std::optional<std::string>> outputs,
                        std::vector<bool> blocked = {}) {
    std::vector<bool> occupied;
    for (const auto& output : outputs)
        occupied.push_back(output.has_value());
    return {std::move(id), std::move(name), service, std::move(occupied),
            std::move(blocked)};
}

const std::optional<std::string> free_port;
const std::optional<std::string> taken = std::string("fiber");

TEST(NaturalOrder, NumbersCompareByValue) {
    EXPECT_TRUE(natural_less("Splitter 2", "Splitter 10"));
    EXPECT_FALSE(natural_less("Splitter 10", "Splitter 2"));
    EXPECT_TRUE(natural_less("Splitter 2", "Splitter 2a"));
    EXPECT_TRUE(natural_less("A", "B"));
    EXPECT_TRUE(natural_less("S 007", "S 8"));
    EXPECT_FALSE(natural_less("S 1", "S 1"));
    EXPECT_TRUE(natural_less("", "a"));
    EXPECT_TRUE(natural_less("S 99999999999999999999", "S 100000000000000000000"));
}

TEST(FirstFreePort, WalksServiceSplittersInNaturalOrderThenId) {
    const std::vector<splitter_ports> splitters = {
        splitter("s10", "Splitter 10", true, {free_port}),
        splitter("s2b", "Splitter 2", true, {taken, free_port}),
        splitter("s2a", "Splitter 2", true, {taken, taken, free_port}),
        splitter("feed", "Splitter 1", false, {free_port}),
    };
    const auto result = assess_box(false, splitters);
    ASSERT_TRUE(result.first_free);
    EXPECT_EQ(*result.first_free, (port_ref{"s2a", "Splitter 2", 3}));
    EXPECT_EQ(result.free_ports, 3);
    EXPECT_EQ(result.reason, refusal::none);

    const auto order = free_ports_in_order(splitters);
    ASSERT_EQ(order.size(), 3u);
    EXPECT_EQ(order[1], (port_ref{"s2b", "Splitter 2", 2}));
    EXPECT_EQ(order[2], (port_ref{"s10", "Splitter 10", 1}));
}

TEST(FirstFreePort, SkipsBlockedPortsAndPortsPastTheBlockedListAreOpen) {
    const std::vector<splitter_ports> splitters = {
        splitter("s", "Splitter 1", true, {free_port, free_port, free_port}, {true}),
    };
    const auto result = assess_box(false, splitters);
    ASSERT_TRUE(result.first_free);
    EXPECT_EQ(result.first_free->port, 2);
    EXPECT_EQ(result.free_ports, 2);
}

TEST(Refusal, ReasonsInOrderOfPrecedence) {
    const auto open = splitter("s", "S", true, {free_port});
    EXPECT_EQ(assess_box(true, {open}).reason, refusal::draft);
    EXPECT_EQ(assess_box(false, {}).reason, refusal::no_service_splitter);
    EXPECT_EQ(assess_box(false, {splitter("x", "S", false, {free_port})}).reason,
              refusal::no_service_splitter);
    EXPECT_EQ(assess_box(false, {splitter("s", "S", true, {taken, taken})}).reason,
              refusal::full);
    EXPECT_EQ(
        assess_box(false, {splitter("s", "S", true, {taken, free_port}, {false, true})})
            .reason,
        refusal::blocked);
    EXPECT_EQ(assess_box(false, {splitter("s", "S", true, {})}).reason, refusal::full);
}

TEST(Refusal, NamesAreStable) {
    EXPECT_EQ(to_string(refusal::draft), "draft");
    EXPECT_EQ(to_string(refusal::no_service_splitter), "no_service_splitter");
    EXPECT_EQ(to_string(refusal::full), "full");
    EXPECT_EQ(to_string(refusal::blocked), "blocked");
}

}  // namespace
