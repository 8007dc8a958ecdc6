#include <ozmap/log.hpp>

#include <gtest/gtest.h>

#include <vector>

namespace {

using namespace ozmap::log;

TEST(Log, DefaultLoggerDropsEverything) {
    const logger silent;
    EXPECT_FALSE(silent.enabled(level::error));
    silent.error("nobody hears this");
}

TEST(Log, ThresholdFiltersAndIsSharedByCopies) {
    std::vector<record> seen;
    const logger root([&](const record& r) { seen.push_back(r); }, level::info);
    const logger http = root.child("http");

    http.debug("filtered");
    http.info("kept");
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].logger, "ozmap_connector.http");
    EXPECT_EQ(seen[0].severity, level::info);

    root.set_threshold(level::debug);
    http.debug("now kept");
    EXPECT_EQ(seen.size(), 2u);
}

TEST(Log, ThrowingSinkDoesNotEscape) {
    const logger bad([](const record&) { throw 42; }, level::debug);
    EXPECT_NO_THROW(bad.error("boom"));
}

TEST(Log, RedactReplacesEverySecretOccurrence) {
    EXPECT_EQ(redact("token=abc; again abc", "abc"), "token=***; again ***");
    EXPECT_EQ(redact("nothing here", ""), "nothing here");
    EXPECT_EQ(redact("aaaa", "aa"), "******");
}

}  // namespace
