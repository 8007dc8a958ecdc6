// Core log records into Python's logging, without the sink ever touching Python.
#pragma once

#include "bindings.hpp"

#include <ozmap/log.hpp>

#include <memory>
#include <mutex>
#include <vector>

namespace ozmap::bindings {

// Records made while the GIL is released wait here; the calling thread hands them to
// Python's logging once it holds the GIL again, so the sink never touches Python.
class log_bridge {
public:
    log_bridge()
        : buffer_(std::make_shared<buffer>()),
          logger_(
              [sink = buffer_](const log::record& r) {
                  const std::scoped_lock lock(sink->mutex);
                  if (sink->records.size() < max_buffered)
                      sink->records.push_back(r);
              },
              log::level::warning) {}

    const log::logger& logger() const noexcept { return logger_; }

    // Called with the GIL held, before a call: follow Python's configuration.
    void sync_level() const {
        const py::object python_logger =
            py::module_::import("logging").attr("getLogger")("ozmap_connector");
        const int python_level = python_logger.attr("getEffectiveLevel")().cast<int>();
        logger_.set_threshold(static_cast<log::level>(python_level));
    }

    // Called with the GIL held, after a call.
    void flush() const {
        std::vector<log::record> records;
        {
            const std::scoped_lock lock(buffer_->mutex);
            records.swap(buffer_->records);
        }
        if (records.empty())
            return;

        const py::object get_logger = py::module_::import("logging").attr("getLogger");
        for (const auto& r : records)
            get_logger(r.logger).attr("log")(static_cast<int>(r.severity), "%s",
                                             r.message);
    }

private:
    static constexpr std::size_t max_buffered = 10'000;

    struct buffer {
        std::mutex mutex;
        std::vector<log::record> records;
    };

    std::shared_ptr<buffer> buffer_;
    log::logger logger_;
};

// Convert, release, compute, reacquire, convert: runs fn without the GIL, then emits
// the log records it made, even when it throws. fn must touch only C++ objects (the
// caller converts the arguments before).
template <typename Fn>
auto without_gil(const log_bridge& bridge, Fn&& fn) {
    bridge.sync_level();
    struct flush_on_exit {
        const log_bridge& bridge;
        ~flush_on_exit() {
            try {
                bridge.flush();
            } catch (...) {
            }
        }
    } flusher{bridge};

    const py::gil_scoped_release release;
    return fn();
}

}  // namespace ozmap::bindings
