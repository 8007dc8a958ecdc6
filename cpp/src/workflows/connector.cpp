#include <ozmap/api/client.hpp>
#include <ozmap/detail/text.hpp>
#include <ozmap/error.hpp>
#include <ozmap/workflows/connector.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <utility>

namespace ozmap::workflows {

using detail::str;

namespace {

std::string trimmed(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos)
        return {};
    const auto last = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(first, last - first + 1));
}

std::string checked_code(std::string_view code) {
    auto clean = trimmed(code);
    if (clean.empty())
        throw_invalid_input("the client code is empty");
    if (clean.size() > 200)
        throw_invalid_input("the client code is longer than 200 characters");
    for (const unsigned char c : clean)
        if (c < 0x20 || c == 0x7f)
            throw_invalid_input("the client code contains control characters");
    return clean;
}

std::string checked_id(std::string_view id, std::string_view what) {
    auto clean = trimmed(id);
    if (clean.empty())
        throw_invalid_input(str(what, " id is empty"));
    for (const unsigned char c : clean)
        if (c < 0x21 || c == 0x7f)
            throw_invalid_input(str(what, " id contains spaces or control characters"));
    return clean;
}

splitter_ports ports_of(const api::splitter& s) {
    splitter_ports ports{s.id, s.name, s.is_drop, {}, {}};
    ports.occupied.reserve(s.outputs.size());
    for (const auto& output : s.outputs)
        ports.occupied.push_back(output.has_value());
    ports.blocked.reserve(s.ports.size());
    for (const auto& port : s.ports)
        ports.blocked.push_back(port.blocked);
    return ports;
}

std::map<std::string, std::vector<splitter_ports>>
by_parent(const std::vector<api::splitter>& splitters) {
    std::map<std::string, std::vector<splitter_ports>> grouped;
    for (const auto& s : splitters)
        grouped[s.parent].push_back(ports_of(s));
    return grouped;
}

void sort_by_distance(auto& boxes) {
    std::sort(boxes.begin(), boxes.end(), [](const auto& a, const auto& b) {
        if (a.distance_m != b.distance_m)
            return a.distance_m < b.distance_m;
        return a.id < b.id;
    });
}

const std::vector<splitter_ports> no_splitters;

const std::vector<splitter_ports>&
splitters_of(const std::map<std::string, std::vector<splitter_ports>>& grouped,
             const std::string& id) {
    const auto found = grouped.find(id);
    return found == grouped.end() ? no_splitters : found->second;
}

// A property belongs to the code when its client's code equals it after trimming.
bool has_code(const api::property& p, const std::string& code) {
    return p.client && trimmed(p.client->code) == code;
}

// Writes for one client code are serialised within the process, so that a double
// click or two threads cannot both find "no reservation yet" and both create one.
std::shared_ptr<std::mutex> lock_for(const std::string& key) {
    static std::mutex registry_mutex;
    static std::map<std::string, std::weak_ptr<std::mutex>> registry;

    const std::scoped_lock lock(registry_mutex);
    auto& slot = registry[key];
    auto held = slot.lock();
    if (!held) {
        held = std::make_shared<std::mutex>();
        slot = held;
    }
    if (registry.size() > 1024)
        std::erase_if(registry, [](const auto& item) { return item.second.expired(); });
    return held;
}

class code_lock {
public:
    explicit code_lock(const std::string& key)
        : mutex_(lock_for(key)), lock_(*mutex_) {}

private:
    std::shared_ptr<std::mutex> mutex_;
    std::scoped_lock<std::mutex> lock_;
};

}  // namespace

struct connector::impl {
    connector_config config;
    log::logger logger;
    std::shared_ptr<http::transport> transport;
    api::client api;

    impl(connector_config cfg, log::logger log, std::shared_ptr<http::transport> t)
        : config(std::move(cfg)), logger(std::move(log)), transport(std::move(t)),
          api(api::parse_base_url(config.url, config.port), config.token, transport,
              logger.child("api"), client_options_of(config)) {}

    void validate_customer(geo::point p) const {
        geo::validate_point(p, "customer position");
        if (config.service_area)
            geo::validate_in_area(p, *config.service_area, "customer position");
    }

    static api::client_options client_options_of(const connector_config& cfg) {
        api::client_options options;
        options.page_size = std::clamp<std::size_t>(cfg.page_size, 1, 1000);
        return options;
    }

    // Properties of exactly this client code. OZmap's lookup may return properties of
    // other clients (or none); only an exact match counts.
    std::vector<api::property> properties_of(const std::string& code,
                                             bool* mismatch = nullptr) const {
        std::vector<api::property> matching;
        for (auto& p : api.properties_by_client_code(code)) {
            if (!p.client && p.client_id) {
                try {
                    p.client = api.get_client(*p.client_id);
                } catch (const error& e) {
                    if (e.kind() != error_kind::not_found)
                        throw;
                }
            }
            if (has_code(p, code))
                matching.push_back(std::move(p));
            else if (mismatch)
                *mismatch = true;
        }
        return matching;
    }

    api::property one_property_of(const std::string& code) const {
        bool mismatch = false;
        auto matching = properties_of(code, &mismatch);
        if (matching.empty()) {
            if (mismatch)
                throw_error(error_kind::conflict,
                            str("OZmap has no client whose code is exactly '", code,
                                "': client codes must match"));
            throw_error(error_kind::not_found,
                        str("no OZmap client has the code '", code, "'"));
        }
        if (matching.size() > 1)
            logger.warning(str("client ", code, " has ", matching.size(),
                               " properties in OZmap; using the first"));
        return std::move(matching.front());
    }

    static reservation reservation_of(const std::string& code, const api::property& p,
                                      bool created) {
        reservation r;
        r.client_code = code;
        r.client_id = p.client_id.value_or(p.client ? p.client->id : "");
        r.property_id = p.id;
        r.box_id = p.box.value_or("");
        if (!p.connections.empty()) {
            r.splitter_id = p.connections.front().id;
            r.port = static_cast<int>(p.connections.front().port);
        }
        r.drop_id = p.drop.value_or("");
        r.created = created;
        return r;
    }

    code_lock lock_code(const std::string& code) const {
        return code_lock(api.base().str() + "\n" + code);
    }

    // The box a client is to be put in: it must exist, not be in project (draft), and
    // lie within reach of the client's position.
    api::box checked_box(const std::string& box_id, geo::point position) const {
        auto box = api.get_box(box_id);
        if (box.draft)
            throw_error(error_kind::conflict,
                        str("box ", box.name,
                            " is in project (draft) and cannot take "
                            "clients"));
        const double d = geo::distance_m(position, box.position);
        if (d > config.max_box_distance_m)
            throw_error(error_kind::conflict,
                        str("box ", box.name, " is ", static_cast<long long>(d),
                            " m from the client, farther than the ",
                            config.max_box_distance_m, " m a drop may run"));
        return box;
    }

    // Free ports of the box in rule order, minus those already refused to us. Throws
    // not_found for an unknown box and conflict when nothing is left.
    std::vector<port_ref>
    free_ports_of(const std::string& box_id,
                  const std::set<std::pair<std::string, int>>& refused,
                  std::string* project) const {
        const std::vector<std::string> ids{box_id};
        const auto splitters = api.list_splitters_of_boxes(ids).rows;
        if (splitters.empty()) {
            const auto box = api.get_box(box_id);  // not_found for an unknown box
            throw_error(error_kind::conflict,
                        str("box ", box.name, " has no service splitter"));
        }

        std::vector<splitter_ports> ports;
        for (const auto& s : splitters) {
            ports.push_back(ports_of(s));
            if (project && project->empty() && s.project)
                *project = *s.project;
        }

        auto free = free_ports_in_order(ports);
        std::erase_if(free, [&](const port_ref& p) {
            return refused.contains({p.splitter_id, p.port});
        });
        if (free.empty()) {
            const auto reason = assess_box(false, ports).reason;
            if (!refused.empty())
                throw_error(error_kind::conflict,
                            str("box ", box_id, " became full while reserving"));
            throw_error(error_kind::conflict, str("box ", box_id, " has no free port (",
                                                  to_string(reason), ")"));
        }
        return free;
    }

    // True when the splitter port holds our fiber (or any fiber when ours is unknown).
    bool port_holds(const port_ref& port,
                    const std::optional<std::string>& fiber) const {
        const auto splitter = api.get_splitter(port.splitter_id);
        const auto index = static_cast<std::size_t>(port.port - 1);
        if (index >= splitter.outputs.size() || !splitter.outputs[index])
            return false;
        return !fiber || *splitter.outputs[index] == *fiber;
    }

    static std::optional<std::string> fiber_of(const api::property& p) {
        if (p.connections.empty())
            return std::nullopt;
        return p.connections.front().fiber;
    }
};

connector::connector(connector_config config, log::logger logger) {
    auto base = api::parse_base_url(config.url, config.port);
    auto options = config.http;
    options.secrets.push_back(config.token);
    auto transport = http::make_beast_transport(base.endpoint, std::move(options),
                                                logger.child("http"));
    impl_ = std::make_unique<impl>(std::move(config), std::move(logger),
                                   std::move(transport));
}

connector::connector(connector_config config, log::logger logger,
                     std::shared_ptr<http::transport> transport)
    : impl_(std::make_unique<impl>(std::move(config), std::move(logger),
                                   std::move(transport))) {}

connector::~connector() = default;

const connector_config& connector::config() const noexcept {
    return impl_->config;
}

std::uint64_t connector::requests_sent() const noexcept {
    return impl_->api.request_count();
}

feasibility connector::check_feasibility(geo::point center,
                                         std::optional<double> radius_m,
                                         std::optional<strategy> how) {
    impl_->validate_customer(center);
    const double radius = radius_m.value_or(impl_->config.radius_m);
    geo::validate_radius(radius);
    auto chosen = how.value_or(impl_->config.feasibility_strategy);
    auto& api = impl_->api;

    feasibility result;
    result.center = center;
    result.radius_m = radius;

    struct candidate {
        std::string id;
        std::string name;
        geo::point position;
        bool draft = false;
    };
    std::vector<candidate> candidates;
    std::vector<refused_box> reported_refused;

    if (chosen != strategy::local) {
        try {
            const auto answer = api.viability(center.lat, center.lng, radius);
            for (const auto& b : answer.boxes)
                candidates.push_back({b.id, b.name, b.position, false});
            for (const auto& b : answer.refused) {
                refused_box r{b.id, b.name, b.distance_m.value_or(0.0),
                              b.reason.value_or("refused")};
                if (b.position)
                    r.distance_m = geo::distance_m(center, *b.position);
                reported_refused.push_back(std::move(r));
            }
            result.strategy = "server";
        } catch (const error& e) {
            const bool missing = e.kind() == error_kind::not_found ||
                                 (e.kind() == error_kind::http_status &&
                                  (e.status() == 405 || e.status() == 501));
            if (chosen != strategy::automatic || !missing)
                throw;
            impl_->logger.info(
                "ftth-viability/radius is not available; using boxes near");
            chosen = strategy::local;
        }
    }
    if (chosen == strategy::local) {
        const auto near = api.list_boxes_near(center.lat, center.lng, radius);
        if (!near.complete)
            impl_->logger.warning("box listing stopped early: " + near.stop_reason);
        for (const auto& b : near.rows)
            candidates.push_back({b.id, b.name, b.position, b.draft});
        result.strategy = "local";
    }

    // Each box once, within the radius by the project's own distance rule.
    std::set<std::string> seen;
    std::vector<std::string> ids;
    std::erase_if(candidates, [&](const candidate& c) {
        return !seen.insert(c.id).second ||
               geo::distance_m(center, c.position) > radius;
    });
    for (const auto& c : candidates)
        ids.push_back(c.id);

    std::map<std::string, std::vector<splitter_ports>> grouped;
    if (!ids.empty())
        grouped = by_parent(api.list_splitters_of_boxes(ids).rows);

    for (const auto& c : candidates) {
        const double d = geo::distance_m(center, c.position);
        const auto assessment = assess_box(c.draft, splitters_of(grouped, c.id));
        if (assessment.first_free) {
            result.boxes.push_back({c.id, c.name, d, c.position.lat, c.position.lng,
                                    assessment.free_ports, *assessment.first_free});
        } else {
            result.refused.push_back(
                {c.id, c.name, d, std::string(to_string(assessment.reason))});
        }
    }
    for (auto& r : reported_refused)
        if (seen.insert(r.id).second)
            result.refused.push_back(std::move(r));

    sort_by_distance(result.boxes);
    sort_by_distance(result.refused);
    result.viable = !result.boxes.empty();
    impl_->logger.info(str("feasibility: ", result.boxes.size(), " feasible and ",
                           result.refused.size(), " refused boxes within ", radius,
                           " m (", result.strategy, ")"));
    return result;
}

reservation connector::reserve(const reserve_request& request) {
    const auto code = checked_code(request.client_code);
    const auto box_id = checked_id(request.box_id, "box");
    impl_->validate_customer(request.position);
    auto& api = impl_->api;
    const auto held = impl_->lock_code(code);

    // Keyed by the client code: a second request finds the first one's result.
    for (const auto& existing : impl_->properties_of(code)) {
        if (existing.box == box_id) {
            impl_->logger.info(str("reserve ", code, ": already reserved on this box"));
            return impl::reservation_of(code, existing, false);
        }
        throw_error(error_kind::conflict,
                    str("client code '", code, "' is already reserved on box ",
                        existing.box.value_or("(none)"), "; change the box instead"));
    }

    const auto box = impl_->checked_box(box_id, request.position);
    std::set<std::pair<std::string, int>> refused;
    std::string project = box.project.value_or("");
    for (int attempt = 0; attempt < std::max(1, impl_->config.reserve_attempts);
         ++attempt) {
        const auto free = impl_->free_ports_of(box_id, refused, &project);
        const auto& port = free.front();
        if (project.empty())
            throw_error(error_kind::decode, str("box ", box_id, " names no project"));

        api::property_create body;
        body.project = project;
        body.box = box_id;
        body.position = request.position;
        body.address = request.address;
        body.observation = request.note;
        body.client = api::new_ftth_client{code, request.name, std::nullopt, false, 0};
        body.connector = port.splitter_id;
        body.port = port.port;

        api::property created;
        try {
            created = api.create_property(body);
        } catch (const error& e) {
            if (e.kind() == error_kind::conflict) {
                impl_->logger.warning(str("reserve ", code, ": port ", port.port,
                                          " of ", port.splitter_name,
                                          " was refused; trying the next"));
                refused.insert({port.splitter_id, port.port});
                continue;
            }
            // An unreadable answer to a write leaves its outcome as unknown as a
            // timeout does.
            if (e.kind() != error_kind::ambiguous && e.kind() != error_kind::decode)
                throw;

            // The property may exist: look the code up before anything else.
            auto found = impl_->properties_of(code);
            if (!found.empty()) {
                impl_->logger.info(
                    str("reserve ", code, ": found after an unclear answer"));
                return impl::reservation_of(code, found.front(), true);
            }
            throw_error(error_kind::ambiguous,
                        str("OZmap did not confirm the reservation of '", code,
                            "' and it is not visible yet; reserving again looks it up "
                            "first, so it is safe to retry"),
                        e.details());
        }

        if (created.connections.empty()) {
            created.connections.push_back({port.splitter_id, port.splitter_name,
                                           "Splitter", port.port, true, std::nullopt});
        }
        if (!created.box)
            created.box = box_id;
        if (!created.client_id && created.client)
            created.client_id = created.client->id;

        // Read the port back: another writer may have been put on it too.
        if (!impl_->port_holds(port, impl::fiber_of(created))) {
            impl_->logger.warning(str("reserve ", code, ": port ", port.port, " of ",
                                      port.splitter_name,
                                      " holds another fiber; moving"));
            refused.insert({port.splitter_id, port.port});
            const auto next = impl_->free_ports_of(box_id, refused, nullptr);
            api::property_update move;
            move.box = box_id;
            move.connector = next.front().splitter_id;
            move.port = next.front().port;
            api.update_property(created.id, move);
            return impl::reservation_of(code, impl_->one_property_of(code), true);
        }

        impl_->logger.info(str("reserve ", code, ": port ", port.port, " of ",
                               port.splitter_name, " on box ", box_id));
        return impl::reservation_of(code, created, true);
    }
    throw_error(error_kind::conflict,
                str("box ", box_id, " became full while reserving (other writers took ",
                    refused.size(), " ports first)"));
}

deployment connector::deploy(const deploy_request& request) {
    const auto code = checked_code(request.client_code);
    auto& api = impl_->api;
    const auto held = impl_->lock_code(code);
    const auto property = impl_->one_property_of(code);
    const auto& client = *property.client;

    deployment result{code, client.id, client.implanted};
    const bool onu_given = request.onu_serial || request.pppoe_user || request.mac;
    if (client.implanted && !onu_given) {
        impl_->logger.info(str("deploy ", code, ": already implanted"));
        return result;
    }

    api::ftth_client_update update;
    update.implanted = true;
    if (onu_given) {
        const auto current = client.onu.value_or(api::onu_info{});
        update.onu = api::onu_update{request.pppoe_user.value_or(current.user_pppoe),
                                     request.onu_serial.value_or(current.serial_number),
                                     request.mac.value_or(current.mac_address)};
    }

    // After an unclear answer, the update counts only if everything it sent shows.
    const auto applied = [&](const api::ftth_client& now) {
        if (!now.implanted)
            return false;
        if (!update.onu)
            return true;
        const auto onu = now.onu.value_or(api::onu_info{});
        return onu.user_pppoe == update.onu->user_pppoe.value_or("") &&
               onu.serial_number == update.onu->serial_number.value_or("") &&
               onu.mac_address == update.onu->mac_address.value_or("");
    };
    try {
        api.update_client(client.id, update);
    } catch (const error& e) {
        if (e.kind() != error_kind::ambiguous || !applied(api.get_client(client.id)))
            throw;
    }
    impl_->logger.info(str("deploy ", code, ": implanted"));
    return result;
}

cancel_report connector::cancel(const std::string& client_code) {
    const auto code = checked_code(client_code);
    auto& api = impl_->api;
    const auto held = impl_->lock_code(code);
    cancel_report report;
    report.client_code = code;

    // The drop goes first, so a cancel stopped halfway never leaves an orphan drop
    // that nothing points to; a second run finds the property and finishes.
    const auto properties = impl_->properties_of(code);
    for (const auto& p : properties) {
        report.found = true;
        if (p.drop && api.delete_cable(*p.drop) == api::delete_outcome::deleted)
            report.removed.push_back("drop " + *p.drop);
        if (api.delete_property(p.id) == api::delete_outcome::deleted)
            report.removed.push_back("property " + p.id);
        // OZmap deletes the client with its property; deleting it again checks that.
        const auto client_id = p.client_id.value_or(p.client ? p.client->id : "");
        if (!client_id.empty()) {
            const bool was_left =
                api.delete_client(client_id) == api::delete_outcome::deleted;
            report.removed.push_back("client " + client_id +
                                     (was_left ? "" : " (with the property)"));
        }
    }

    if (properties.empty()) {
        // A client left behind by an earlier, interrupted cancel.
        api::list_options options;
        options.filters.push_back(api::filter::equals("code", code));
        for (const auto& row : api.list("ftth-clients", options).rows) {
            const auto client = api::parse_ftth_client(row);
            if (trimmed(client.code) != code)
                continue;
            report.found = true;
            if (api.delete_client(client.id) == api::delete_outcome::deleted)
                report.removed.push_back("client " + client.id);
        }
    }

    impl_->logger.info(
        str("cancel ", code, ": removed ", report.removed.size(), " elements"));
    return report;
}

feasibility connector::change_box_candidates(const std::string& client_code,
                                             std::optional<double> radius_m,
                                             std::string& current_box_id) {
    const auto code = checked_code(client_code);
    const auto property = impl_->one_property_of(code);
    if (!property.position)
        throw_error(error_kind::conflict,
                    str("the reservation of '", code, "' has no coordinates in OZmap"));
    current_box_id = property.box.value_or("");
    return check_feasibility(*property.position, radius_m);
}

reservation connector::change_box(const std::string& client_code,
                                  const std::string& box_id_in) {
    const auto code = checked_code(client_code);
    const auto box_id = checked_id(box_id_in, "box");
    auto& api = impl_->api;
    const auto held = impl_->lock_code(code);
    const auto property = impl_->one_property_of(code);
    if (property.box == box_id)
        return impl::reservation_of(code, property, false);
    if (!property.position)
        throw_error(error_kind::conflict,
                    str("the reservation of '", code, "' has no coordinates in OZmap"));
    impl_->checked_box(box_id, *property.position);

    std::set<std::pair<std::string, int>> refused;
    for (int attempt = 0; attempt < std::max(1, impl_->config.reserve_attempts);
         ++attempt) {
        std::vector<port_ref> free;
        try {
            free = impl_->free_ports_of(box_id, refused, nullptr);
        } catch (const error& e) {
            if (e.kind() != error_kind::conflict)
                throw;
            throw_error(error_kind::conflict,
                        str(e.what(), "; the reservation stays on box ",
                            property.box.value_or("(none)")));
        }
        const auto& port = free.front();

        api::property_update move;
        move.box = box_id;
        move.connector = port.splitter_id;
        move.port = port.port;
        try {
            api.update_property(property.id, move);
        } catch (const error& e) {
            if (e.kind() == error_kind::conflict) {
                refused.insert({port.splitter_id, port.port});
                continue;
            }
            if (e.kind() != error_kind::ambiguous)
                throw;
        }

        // Read back: the move counts only when OZmap shows it.
        auto moved = impl_->one_property_of(code);
        if (moved.box != box_id)
            throw_error(error_kind::ambiguous, str("OZmap did not confirm moving '",
                                                   code, "' to box ", box_id));
        impl_->logger.info(str("change box ", code, ": now port ", port.port, " of ",
                               port.splitter_name, " on box ", box_id));
        return impl::reservation_of(code, moved, true);
    }
    throw_error(error_kind::conflict,
                str("box ", box_id, " became full; the reservation stays on box ",
                    property.box.value_or("(none)")));
}

connection_data connector::connection(const std::string& client_code) {
    const auto code = checked_code(client_code);
    auto& api = impl_->api;
    const auto property = impl_->one_property_of(code);

    connection_data data;
    data.client_code = code;
    data.client = {property.client->id, property.client->name.value_or("")};
    data.implanted = property.client->implanted;
    data.property_id = property.id;
    data.drop_id = property.drop;
    data.potency_read = property.potency_read;

    auto optional_lookup = [](auto&& fetch) -> std::optional<named_ref> {
        try {
            const auto doc = fetch();
            return named_ref{doc.id, doc.name};
        } catch (const error& e) {
            if (e.kind() != error_kind::not_found)
                throw;
            return std::nullopt;
        }
    };

    if (property.box)
        data.box = optional_lookup([&] { return api.get_box(*property.box); });
    if (!property.connections.empty()) {
        const auto& link = property.connections.front();
        data.port = static_cast<int>(link.port);
        std::optional<api::splitter> splitter;
        try {
            splitter = api.get_splitter(link.id);
        } catch (const error& e) {
            if (e.kind() != error_kind::not_found)
                throw;
        }
        if (splitter) {
            data.splitter = named_ref{splitter->id, splitter->name};
            if (splitter->olt)
                data.olt = optional_lookup([&] { return api.get_olt(*splitter->olt); });
            if (splitter->slot)
                data.slot =
                    optional_lookup([&] { return api.get_slot(*splitter->slot); });
            if (splitter->pon)
                data.pon = optional_lookup([&] { return api.get_pon(*splitter->pon); });
        } else {
            data.splitter = named_ref{link.id, link.name};
        }
    }

    impl_->logger.info(str("connection data ", code, ": ",
                           data.olt ? "with" : "without", " OLT chain"));
    return data;
}

network_snapshot connector::snapshot() {
    auto& api = impl_->api;
    const auto boxes = api.list_boxes();

    api::list_options service;
    service.filters.push_back(api::filter::equals("isDrop", true));
    const auto rows = api.list("splitters", service);
    if (!boxes.complete || !rows.complete)
        throw_error(error_kind::decode,
                    "OZmap's paging stopped early; the snapshot would be incomplete: " +
                        (boxes.complete ? rows.stop_reason : boxes.stop_reason));

    std::vector<api::splitter> splitters;
    splitters.reserve(rows.rows.size());
    for (std::size_t i = 0; i < rows.rows.size(); ++i)
        splitters.push_back(api::parse_splitter(rows.rows[i], str("rows[", i, "]")));
    const auto grouped = by_parent(splitters);

    std::vector<feasible_box> feasible;
    std::vector<refused_box> refused;
    for (const auto& b : boxes.rows) {
        const auto assessment = assess_box(b.draft, splitters_of(grouped, b.id));
        if (assessment.first_free)
            feasible.push_back({b.id, b.name, 0.0, b.position.lat, b.position.lng,
                                assessment.free_ports, *assessment.first_free});
        else
            refused.push_back(
                {b.id, b.name, 0.0, std::string(to_string(assessment.reason))});
    }

    impl_->logger.info(str("snapshot: ", feasible.size(), " feasible and ",
                           refused.size(), " refused boxes"));
    return network_snapshot(std::move(feasible), std::move(refused));
}

}  // namespace ozmap::workflows
