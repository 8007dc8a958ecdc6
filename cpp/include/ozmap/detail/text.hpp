// Building messages without <format> (GCC 12 lacks it): str(...) concatenates its
// arguments, printing floating-point numbers in their shortest exact form.
#pragma once

#include <charconv>
#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>

namespace ozmap::detail {

inline void append(std::string& out, std::string_view text) {
    out.append(text);
}

inline void append(std::string& out, const std::string& text) {
    out += text;
}

// NOTE: C strings get their own overload. Without it a const char* would pick the bool
// overload (a standard conversion beats string_view's user-defined one), and string
// literals converted to string_view make GCC 12 warn (-Wnonnull-compare).
inline void append(std::string& out, const char* text) {
    out += text;
}

inline void append(std::string& out, char c) {
    out.push_back(c);
}

template <std::floating_point T>
void append(std::string& out, T value) {
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, result.ptr);
}

template <std::integral T>
requires(!std::same_as<T, char> && !std::same_as<T, bool>) void append(std::string& out,
                                                                       T value) {
    out += std::to_string(value);
}

inline void append(std::string& out, bool value) {
    out += value ? "true" : "false";
}

template <typename... Args>
std::string str(const Args&... args) {
    std::string out;
    (append(out, args), ...);
    return out;
}

}  // namespace ozmap::detail
