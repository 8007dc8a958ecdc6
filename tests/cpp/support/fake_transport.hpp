// A scripted http::transport for API tests: records every request, then answers from a
// queue of canned responses or errors, or from a handler when the queue is empty.
#pragma once

#include <ozmap/error.hpp>
#include <ozmap/http/transport.hpp>

#include <deque>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace ozmap::testing {

class fake_transport : public http::transport {
public:
    using handler = std::function<http::response(const http::request&)>;

    // Queues a response. A JSON body gets Content-Type: application/json unless
    // headers are given.
    fake_transport& reply(int status, std::string body = {},
                          std::vector<http::header> headers = {}) {
        if (headers.empty() && !body.empty())
            headers.push_back({"Content-Type", "application/json; charset=utf-8"});
        std::lock_guard lock(mutex_);
        steps_.emplace_back(
            http::response{status, std::move(headers), std::move(body)});
        return *this;
    }

    // Queues a transport failure.
    fake_transport& fail(error_kind kind, std::string message) {
        std::lock_guard lock(mutex_);
        steps_.emplace_back(error(kind, message));
        return *this;
    }

    // Answers every request the queue does not cover.
    fake_transport& serve(handler h) {
        std::lock_guard lock(mutex_);
        handler_ = std::move(h);
        return *this;
    }

    http::response send(const http::request& req) override {
        std::unique_lock lock(mutex_);
        requests_.push_back(req);
        if (steps_.empty()) {
            if (!handler_)
                throw std::logic_error("fake_transport: unexpected request " +
                                       req.target);
            auto h = handler_;
            lock.unlock();
            return h(req);
        }
        auto step = std::move(steps_.front());
        steps_.pop_front();
        if (auto* e = std::get_if<error>(&step))
            throw *e;
        return std::get<http::response>(std::move(step));
    }

    std::vector<http::request> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }

    std::vector<std::string> targets() const {
        std::lock_guard lock(mutex_);
        std::vector<std::string> out;
        for (const auto& r : requests_)
            out.push_back(r.target);
        return out;
    }

    std::size_t pending() const {
        std::lock_guard lock(mutex_);
        return steps_.size();
    }

private:
    mutable std::mutex mutex_;
    std::deque<std::variant<http::response, error>> steps_;
    std::vector<http::request> requests_;
    handler handler_;
};

// The value of a request header, or "" when absent (case-insensitive name).
inline std::string header_of(const http::request& req, std::string_view name) {
    auto lower = [](std::string_view s) {
        std::string out(s);
        for (char& c : out)
            if (c >= 'A' && c <= 'Z')
                c = static_cast<char>(c - 'A' + 'a');
        return out;
    };
    for (const auto& h : req.headers)
        if (lower(h.name) == lower(name))
            return h.value;
    return {};
}

// Decodes %XX escapes (for checking what a server would see).
inline std::string percent_decode(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size()) {
            out.push_back(static_cast<char>(
                std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
            i += 2;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

// The decoded value of query parameter `name` in an origin-form target, or "".
inline std::string query_param(std::string_view target, std::string_view name) {
    const auto q = target.find('?');
    if (q == std::string_view::npos)
        return {};
    auto rest = target.substr(q + 1);
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const auto item = rest.substr(0, amp);
        const auto eq = item.find('=');
        if (item.substr(0, eq) == name)
            return eq == std::string_view::npos ? std::string()
                                                : percent_decode(item.substr(eq + 1));
        if (amp == std::string_view::npos)
            break;
        rest.remove_prefix(amp + 1);
    }
    return {};
}

}  // namespace ozmap::testing
