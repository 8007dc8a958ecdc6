// The rules that decide, from a box and its splitters, whether a client can be served
// there and on which port. Pure functions: no I/O, so every rule is tested on its own.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ozmap::workflows {

// What the rules need to know of a splitter.
struct splitter_ports {
    std::string id;
    std::string name;
    bool is_service = false;     // isDrop: may connect clients
    std::vector<bool> occupied;  // per port: connectables.output holds a fiber
    std::vector<bool> blocked;   // by position; a port past the end is not blocked
};

struct port_ref {
    std::string splitter_id;
    std::string splitter_name;
    int port = 0;  // 1-based

    bool operator==(const port_ref&) const = default;
};

// Why a box within the radius cannot take a client.
enum class refusal { none, draft, no_service_splitter, full, blocked };

std::string_view to_string(refusal reason) noexcept;

struct box_assessment {
    refusal reason = refusal::none;
    int free_ports = 0;  // free and unblocked ports on service splitters
    std::optional<port_ref> first_free;
};

// "Splitter 2" before "Splitter 10": digit runs compare as numbers.
bool natural_less(std::string_view a, std::string_view b) noexcept;

// Service splitters in the order the first-free-port rule walks them: natural name
// order, then id.
std::vector<const splitter_ports*>
service_order(const std::vector<splitter_ports>& all);

// Every free, unblocked port of the box in rule order (the first is the first free
// port).
std::vector<port_ref> free_ports_in_order(const std::vector<splitter_ports>& splitters);

box_assessment assess_box(bool draft, const std::vector<splitter_ports>& splitters);

}  // namespace ozmap::workflows
