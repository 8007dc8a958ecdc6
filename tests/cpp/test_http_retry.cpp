// The HTTP layer's plain parts: verbs, idempotency, header lookup, and the retry policy
// (Retry-After parsing, retryable statuses, backoff with jitter).
#include <ozmap/http/retry.hpp>
#include <ozmap/http/transport.hpp>

#include <gtest/gtest.h>

#include <chrono>

namespace {

using namespace ozmap::http;
using namespace std::chrono;
using namespace std::chrono_literals;

// 2026-01-01 12:00:00 UTC
const system_clock::time_point noon = sys_days{year{2026} / January / 1} + 12h;

TEST(HttpMessage, VerbNamesAndIdempotency) {
    EXPECT_EQ(to_string(verb::get), "GET");
    EXPECT_EQ(to_string(verb::post), "POST");
    EXPECT_EQ(to_string(verb::patch), "PATCH");
    EXPECT_EQ(to_string(verb::put), "PUT");
    EXPECT_EQ(to_string(verb::delete_), "DELETE");

    request r;
    for (auto [v, idempotent] : {std::pair{verb::get, true},
                                 {verb::put, true},
                                 {verb::delete_, true},
                                 {verb::post, false},
                                 {verb::patch, false}}) {
        r.method = v;
        EXPECT_EQ(r.idempotent(), idempotent) << to_string(v);
    }
}

TEST(HttpMessage, FindHeaderIgnoresCaseAndTakesTheFirst) {
    response r;
    r.headers = {
        {"Content-Type", "text/html"}, {"retry-after", "5"}, {"Retry-After", "9"}};
    EXPECT_EQ(r.find_header("content-type"), "text/html");
    EXPECT_EQ(r.find_header("RETRY-AFTER"), "5");
    EXPECT_FALSE(r.find_header("Location"));
    EXPECT_FALSE(r.find_header("Content-Typ"));
}

TEST(HttpRetryAfter, DeltaSeconds) {
    EXPECT_EQ(parse_retry_after("120", noon), 120s);
    EXPECT_EQ(parse_retry_after(" 1 ", noon), 1s);
    EXPECT_EQ(parse_retry_after("0", noon), 0s);
    // Capped at a day, without overflow.
    EXPECT_EQ(parse_retry_after("99999999999999999999", noon), hours{24});
    EXPECT_EQ(parse_retry_after("86401", noon), hours{24});
}

TEST(HttpRetryAfter, RejectsWhatIsNeitherNumberNorDate) {
    for (const char* bad :
         {"", " ", "-1", "1.5", "abc", "5s", "0x10", "1 2", "Thu, 01 Jan 2026 12:00:30",
          "Thu, 31 Feb 2026 12:00:30 GMT", "Thu, 01 Jan 2026 25:00:00 GMT",
          "Thu, 01 Foo 2026 12:00:00 GMT", "Thu, 001 Jan 2026 12:00:00 GMT",
          "Thu, 01 Jan 2026 12:00 GMT"})
        EXPECT_FALSE(parse_retry_after(bad, noon)) << '"' << bad << '"';
}

TEST(HttpRetryAfter, HttpDatesInAllThreeForms) {
    // IMF-fixdate, RFC 850 and asctime (RFC 9110 §5.6.7).
    EXPECT_EQ(parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", noon), 30s);
    EXPECT_EQ(parse_retry_after("Thursday, 01-Jan-26 12:01:00 GMT", noon), 60s);
    EXPECT_EQ(parse_retry_after("Thu Jan  1 12:00:10 2026", noon), 10s);
    // Across a month and a year boundary.
    EXPECT_EQ(parse_retry_after("Fri, 02 Jan 2026 12:00:00 GMT", noon), hours{24});
    EXPECT_EQ(parse_retry_after("Thu, 01 Jan 2026 12:00:00 GMT", noon - 1s), 1s);
    // A date in the past means "now".
    EXPECT_EQ(parse_retry_after("Wed, 31 Dec 2025 23:59:59 GMT", noon), 0s);
    EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", noon), 0s);
    // Far in the future: capped at a day.
    EXPECT_EQ(parse_retry_after("Fri, 01 Jan 2027 00:00:00 GMT", noon), hours{24});
}

TEST(HttpRetryPolicy, RetryableStatuses) {
    for (int s : {429, 500, 502, 503, 504})
        EXPECT_TRUE(is_retryable_status(s)) << s;
    for (int s : {200, 201, 204, 301, 400, 401, 403, 404, 409, 422, 501, 505})
        EXPECT_FALSE(is_retryable_status(s)) << s;
}

TEST(HttpRetryPolicy, BackoffDoublesWithEqualJitterUpToTheCap) {
    retry_policy p;
    p.base_delay = 200ms;
    p.max_delay = 2'000ms;
    EXPECT_EQ(backoff_delay(p, 1, 0.0), 100ms);
    EXPECT_EQ(backoff_delay(p, 1, 0.999999), 200ms);
    EXPECT_EQ(backoff_delay(p, 2, 0.0), 200ms);
    EXPECT_EQ(backoff_delay(p, 3, 0.5), 600ms);
    EXPECT_EQ(backoff_delay(p, 5, 0.0), 1'000ms);  // 3.2 s capped at 2 s
    EXPECT_EQ(backoff_delay(p, 5, 0.999999), 2'000ms);
    // No overflow for absurd retry numbers, and a draw outside [0, 1) is clamped.
    EXPECT_EQ(backoff_delay(p, 1'000'000, 0.5), 1'500ms);
    EXPECT_EQ(backoff_delay(p, 1, 7.0), 200ms);
    EXPECT_EQ(backoff_delay(p, 0, 0.0), 100ms);
}

}  // namespace
