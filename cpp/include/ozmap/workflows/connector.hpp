// The operations the ISP runs from Odoo, each a documented plan of OZmap calls.
//
// Request plans (tests count them at the simulator; an extra round trip is a
// regression):
//   feasibility, server strategy: GET ftth-viability/radius; GET splitters whose parent
//       is in the candidate boxes (one request per URL-sized batch, usually one).
//   feasibility, local strategy: GET boxes near the point (paged, usually one page);
//       the same splitters request.
//   reserve: GET properties/client/{code}; GET boxes/{id} (exists, not draft, within
//       reach); GET splitters of the box; POST properties; GET the splitter to read
//       the port back. A refused port repeats the last three with the next free port,
//       a bounded number of times.
//   deploy: GET properties/client/{code}; PATCH ftth-clients/{id} unless already done.
//   cancel: GET properties/client/{code}; then per property DELETE cables/{drop},
//       DELETE properties/{id}, DELETE ftth-clients/{client}; with no property left,
//       GET ftth-clients by code and DELETE what remains.
//   change box: GET properties/client/{code}; GET boxes/{id}; GET splitters of the new
//       box; PATCH properties/{id}; GET properties/client/{code} to read the move back.
//   connection data: GET properties/client/{code}; GET boxes/{id}; GET splitters/{id};
//       GET olts/{id}, slots/{id}, pons/{id} when the splitter names them.
//   coverage snapshot: GET boxes (paged); GET service splitters (paged).
//
// Within one process, the writes for one client code (reserve, deploy, cancel, change
// box) run one at a time. Across processes, callers serialise them per code themselves
// (the Odoo addon locks the service record).
#pragma once

#include <ozmap/geo.hpp>
#include <ozmap/http/transport.hpp>
#include <ozmap/log.hpp>
#include <ozmap/workflows/results.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ozmap::workflows {

enum class strategy { automatic, server, local };

struct connector_config {
    std::string url;
    std::string token;
    std::uint16_t port = 9994;
    double radius_m = 250.0;
    // Customer positions outside it are refused (catches swapped coordinates); none
    // turns the check off.
    std::optional<geo::bounding_box> service_area = geo::brazil_area;
    strategy feasibility_strategy = strategy::automatic;
    http::options http;
    std::size_t page_size = 500;
    int reserve_attempts = 5;  // ports tried when other writers take them first
    // A box farther than this from the client's position is refused: no drop that long.
    double max_box_distance_m = 2'000.0;
};

struct reserve_request {
    std::string client_code;
    std::string box_id;
    geo::point position;
    std::optional<std::string> name;
    std::optional<std::string> address;
    std::optional<std::string> note;
};

struct deploy_request {
    std::string client_code;
    std::optional<std::string> onu_serial;
    std::optional<std::string> pppoe_user;
    std::optional<std::string> mac;
};

// Boxes and free ports of a whole network, read once; answers coverage queries locally.
class network_snapshot {
public:
    network_snapshot() = default;
    network_snapshot(std::vector<feasible_box> boxes, std::vector<refused_box> refused);

    // One answer per point, in order. A point with bad coordinates (or outside area,
    // when given) gets its error in the answer instead of failing the whole batch.
    std::vector<coverage_answer>
    query(const std::vector<coverage_point>& points, double radius_m,
          const std::optional<geo::bounding_box>& area = std::nullopt) const;

    const std::vector<feasible_box>& boxes() const noexcept { return boxes_; }
    const std::vector<refused_box>& refused() const noexcept { return refused_; }

    std::string to_json() const;
    static network_snapshot from_json(std::string_view text);

private:
    std::vector<feasible_box> boxes_;
    std::vector<refused_box> refused_;
    std::shared_ptr<const geo::spatial_index> index_;
};

class connector {
public:
    connector(connector_config config, log::logger logger);
    // For tests and embedders that bring their own transport.
    connector(connector_config config, log::logger logger,
              std::shared_ptr<http::transport> transport);
    ~connector();

    const connector_config& config() const noexcept;

    feasibility check_feasibility(geo::point center,
                                  std::optional<double> radius_m = {},
                                  std::optional<strategy> how = {});
    reservation reserve(const reserve_request& request);
    deployment deploy(const deploy_request& request);
    cancel_report cancel(const std::string& client_code);
    // The feasibility at the reservation's own coordinates; current_box_id is set.
    feasibility change_box_candidates(const std::string& client_code,
                                      std::optional<double> radius_m,
                                      std::string& current_box_id);
    reservation change_box(const std::string& client_code, const std::string& box_id);
    connection_data connection(const std::string& client_code);
    network_snapshot snapshot();

    // Requests sent since construction (for request-plan checks).
    std::uint64_t requests_sent() const noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace ozmap::workflows
