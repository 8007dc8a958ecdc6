// Logging without output: the core hands records to a sink the embedder installs.
// The level is checked before a message is built, so filtered records cost nothing.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace ozmap::log {

// The numbers are Python's logging levels, so the bindings pass them through as-is.
enum class level { debug = 10, info = 20, warning = 30, error = 40 };

struct record {
    level severity;
    std::string
        logger;  // dotted name under "ozmap_connector", e.g. "ozmap_connector.http"
    std::string message;
};

using sink_fn = std::function<void(const record&)>;

// A copyable handle to a sink and a threshold shared by all copies (so an embedder can
// follow its own logging configuration with set_threshold). A default-constructed
// logger drops everything. The sink may be called from any thread; it must not block
// for long.
class logger {
public:
    logger() = default;
    logger(sink_fn sink, level threshold);

    bool enabled(level severity) const noexcept;
    void set_threshold(level threshold) const noexcept;
    logger child(std::string_view suffix) const;

    void emit(level severity, std::string message) const;
    void debug(std::string message) const { emit(level::debug, std::move(message)); }
    void info(std::string message) const { emit(level::info, std::move(message)); }
    void warning(std::string message) const {
        emit(level::warning, std::move(message));
    }
    void error(std::string message) const { emit(level::error, std::move(message)); }

    const std::string& name() const noexcept { return name_; }

private:
    std::shared_ptr<const sink_fn> sink_;
    std::shared_ptr<std::atomic<int>> threshold_;
    std::string name_ = "ozmap_connector";
};

// Replaces every occurrence of secret in text with "***". An empty secret changes
// nothing.
std::string redact(std::string_view text, std::string_view secret);

}  // namespace ozmap::log
