#include <ozmap/log.hpp>

#include <utility>

namespace ozmap::log {

logger::logger(sink_fn sink, level threshold)
    : sink_(sink ? std::make_shared<const sink_fn>(std::move(sink)) : nullptr),
      threshold_(std::make_shared<std::atomic<int>>(static_cast<int>(threshold))) {}

bool logger::enabled(level severity) const noexcept {
    return sink_ &&
           static_cast<int>(severity) >= threshold_->load(std::memory_order_relaxed);
}

void logger::set_threshold(level threshold) const noexcept {
    if (threshold_)
        threshold_->store(static_cast<int>(threshold), std::memory_order_relaxed);
}

logger logger::child(std::string_view suffix) const {
    logger copy = *this;
    copy.name_ += '.';
    copy.name_ += suffix;
    return copy;
}

void logger::emit(level severity, std::string message) const {
    if (!enabled(severity))
        return;

    // NOTE: a sink that throws must not turn a log line into a failed operation.
    try {
        (*sink_)(record{severity, name_, std::move(message)});
    } catch (...) {
    }
}

std::string redact(std::string_view text, std::string_view secret) {
    std::string out(text);
    if (secret.empty())
        return out;

    for (auto pos = out.find(secret); pos != std::string::npos;
         pos = out.find(secret, pos + 3))
        out.replace(pos, secret.size(), "***");
    return out;
}

}  // namespace ozmap::log
