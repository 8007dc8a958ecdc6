#include <ozmap/workflows/ports.hpp>

#include <algorithm>
#include <cctype>

namespace ozmap::workflows {

namespace {

bool is_digit(char c) noexcept {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

std::string_view take_run(std::string_view text, std::size_t& pos) {
    const std::size_t start = pos;
    const bool digits = is_digit(text[pos]);
    while (pos < text.size() && is_digit(text[pos]) == digits)
        ++pos;
    return text.substr(start, pos - start);
}

// Compares two digit runs as numbers of any length.
int compare_numbers(std::string_view a, std::string_view b) noexcept {
    while (a.size() > 1 && a.front() == '0')
        a.remove_prefix(1);
    while (b.size() > 1 && b.front() == '0')
        b.remove_prefix(1);
    if (a.size() != b.size())
        return a.size() < b.size() ? -1 : 1;
    return a.compare(b);
}

bool is_blocked(const splitter_ports& splitter, std::size_t index) noexcept {
    return index < splitter.blocked.size() && splitter.blocked[index];
}

}  // namespace

std::string_view to_string(refusal reason) noexcept {
    switch (reason) {
    case refusal::none:
        return "";
    case refusal::draft:
        return "draft";
    case refusal::no_service_splitter:
        return "no_service_splitter";
    case refusal::full:
        return "full";
    case refusal::blocked:
        return "blocked";
    }
    return "";
}

bool natural_less(std::string_view a, std::string_view b) noexcept {
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < a.size() && j < b.size()) {
        const bool a_digits = is_digit(a[i]);
        const bool b_digits = is_digit(b[j]);
        const auto run_a = take_run(a, i);
        const auto run_b = take_run(b, j);

        int order = 0;
        if (a_digits && b_digits)
            order = compare_numbers(run_a, run_b);
        else
            order = run_a.compare(run_b);
        if (order != 0)
            return order < 0;
    }
    return (a.size() - i) < (b.size() - j);
}

std::vector<const splitter_ports*>
service_order(const std::vector<splitter_ports>& all) {
    std::vector<const splitter_ports*> service;
    for (const auto& splitter : all)
        if (splitter.is_service)
            service.push_back(&splitter);

    std::sort(service.begin(), service.end(), [](const auto* x, const auto* y) {
        if (natural_less(x->name, y->name))
            return true;
        if (natural_less(y->name, x->name))
            return false;
        return x->id < y->id;
    });
    return service;
}

std::vector<port_ref>
free_ports_in_order(const std::vector<splitter_ports>& splitters) {
    std::vector<port_ref> free;
    for (const auto* splitter : service_order(splitters)) {
        for (std::size_t i = 0; i < splitter->occupied.size(); ++i) {
            if (!splitter->occupied[i] && !is_blocked(*splitter, i))
                free.push_back({splitter->id, splitter->name, static_cast<int>(i + 1)});
        }
    }
    return free;
}

box_assessment assess_box(bool draft, const std::vector<splitter_ports>& splitters) {
    box_assessment result;
    if (draft) {
        result.reason = refusal::draft;
        return result;
    }

    const auto service = service_order(splitters);
    if (service.empty()) {
        result.reason = refusal::no_service_splitter;
        return result;
    }

    bool any_empty_output = false;
    for (const auto* splitter : service)
        for (const bool occupied : splitter->occupied)
            any_empty_output = any_empty_output || !occupied;

    const auto free = free_ports_in_order(splitters);
    result.free_ports = static_cast<int>(free.size());
    if (!free.empty())
        result.first_free = free.front();
    else
        result.reason = any_empty_output ? refusal::blocked : refusal::full;
    return result;
}

}  // namespace ozmap::workflows
