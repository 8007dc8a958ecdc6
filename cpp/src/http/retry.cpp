#include <ozmap/http/retry.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace ozmap::http {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr seconds max_wait{24 * 60 * 60};

bool all_digits(std::string_view s) noexcept {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) != 0;
    });
}

// A non-negative decimal number of at most 9 digits, or -1.
int small_number(std::string_view s) noexcept {
    if (!all_digits(s) || s.size() > 9)
        return -1;
    int n = 0;
    for (char c : s)
        n = n * 10 + (c - '0');
    return n;
}

int month_number(std::string_view s) noexcept {
    static constexpr std::array<std::string_view, 12> names{"Jan", "Feb", "Mar", "Apr",
                                                            "May", "Jun", "Jul", "Aug",
                                                            "Sep", "Oct", "Nov", "Dec"};
    for (std::size_t i = 0; i < names.size(); ++i)
        if (s == names[i])
            return static_cast<int>(i) + 1;
    return 0;
}

// "08:49:37" as seconds since midnight, or -1.
int time_of_day(std::string_view s) noexcept {
    if (s.size() != 8 || s[2] != ':' || s[5] != ':')
        return -1;
    const int h = small_number(s.substr(0, 2));
    const int m = small_number(s.substr(3, 2));
    const int sec = small_number(s.substr(6, 2));
    // NOTE: 60 seconds is allowed for a leap second.
    if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60)
        return -1;
    return h * 3600 + m * 60 + sec;
}

std::vector<std::string_view> tokens(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == ',' || s[i] == '-'))
            ++i;
        const std::size_t start = i;
        while (i < s.size() && s[i] != ' ' && s[i] != ',' && s[i] != '-')
            ++i;
        if (i > start)
            out.push_back(s.substr(start, i - start));
    }
    return out;
}

// One of the three HTTP date forms (RFC 9110 §5.6.7), as a point in time.
std::optional<std::chrono::system_clock::time_point>
parse_http_date(std::string_view s) {
    const auto t = tokens(s);
    int day = -1, month = 0, year = -1, tod = -1;
    if (t.size() == 5 && month_number(t[1]) != 0) {
        // asctime: "Sun Nov  6 08:49:37 1994"
        month = month_number(t[1]);
        day = small_number(t[2]);
        tod = time_of_day(t[3]);
        year = t[4].size() == 4 ? small_number(t[4]) : -1;
    } else if (t.size() == 6 && (t[5] == "GMT" || t[5] == "UTC")) {
        // IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT" or RFC 850
        // "Sunday, 06-Nov-94 08:49:37 GMT".
        day = t[1].size() <= 2 ? small_number(t[1]) : -1;
        month = month_number(t[2]);
        if (t[3].size() == 4)
            year = small_number(t[3]);
        else if (t[3].size() == 2 && all_digits(t[3])) {
            // NOTE: two-digit years are read as 1970-2069, close enough to RFC 9110's
            // "more than 50 years in the future is the past" for a retry wait.
            const int yy = small_number(t[3]);
            year = yy < 70 ? 2000 + yy : 1900 + yy;
        }
        tod = time_of_day(t[4]);
    } else {
        return std::nullopt;
    }
    if (day < 1 || month == 0 || year < 1900 || tod < 0)
        return std::nullopt;

    const std::chrono::year_month_day date{
        std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
        std::chrono::day{static_cast<unsigned>(day)}};
    if (!date.ok())
        return std::nullopt;
    return std::chrono::system_clock::time_point{std::chrono::sys_days{date}} +
           seconds{tod};
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

}  // namespace

std::optional<milliseconds>
parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now) {
    value = trim(value);
    if (all_digits(value)) {
        // NOTE: more than nine digits is more than a day anyway: no overflow to handle.
        if (value.size() > 9)
            return milliseconds{max_wait};
        return milliseconds{std::min(seconds{small_number(value)}, max_wait)};
    }
    const auto when = parse_http_date(value);
    if (!when)
        return std::nullopt;
    if (*when <= now)
        return milliseconds{0};
    return std::min(std::chrono::ceil<milliseconds>(*when - now),
                    milliseconds{max_wait});
}

bool is_retryable_status(int status) noexcept {
    return status == 429 || status == 500 || status == 502 || status == 503 ||
           status == 504;
}

milliseconds backoff_delay(const retry_policy& policy, int retry,
                           double unit) noexcept {
    const double base =
        static_cast<double>(std::max<std::int64_t>(policy.base_delay.count(), 0));
    const double cap =
        static_cast<double>(std::max<std::int64_t>(policy.max_delay.count(), 0));
    // NOTE: the exponent is clamped so the double never overflows for silly counts.
    const int exponent = std::clamp(retry - 1, 0, 30);
    const double full = std::min(cap, base * std::ldexp(1.0, exponent));
    const double u = std::clamp(unit, 0.0, 1.0);
    return milliseconds{
        static_cast<std::int64_t>(std::llround(full / 2 + u * full / 2))};
}

}  // namespace ozmap::http
