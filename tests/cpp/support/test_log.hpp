// A log sink that keeps every record, for tests that check what was (not) logged.
#pragma once

#include <ozmap/log.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace ozmap::test {

class captured_log {
public:
    log::logger logger(log::level threshold = log::level::debug) {
        return log::logger(
            [state = state_](const log::record& r) {
                std::lock_guard lock(state->mutex);
                state->records.push_back(r);
            },
            threshold);
    }

    std::vector<log::record> records() const {
        std::lock_guard lock(state_->mutex);
        return state_->records;
    }

    std::size_t count(log::level severity) const {
        std::size_t n = 0;
        for (const auto& r : records())
            n += r.severity == severity;
        return n;
    }

    // Whether any record's message contains `text`.
    bool contains(std::string_view text) const {
        for (const auto& r : records())
            if (r.message.find(text) != std::string::npos)
                return true;
        return false;
    }

    std::string all() const {
        std::string out;
        for (const auto& r : records())
            out += r.logger + ": " + r.message + "\n";
        return out;
    }

private:
    struct state {
        mutable std::mutex mutex;
        std::vector<log::record> records;
    };
    std::shared_ptr<state> state_ = std::make_shared<state>();
};

}  // namespace ozmap::test
