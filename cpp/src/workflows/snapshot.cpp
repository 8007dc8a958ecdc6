#include <ozmap/detail/text.hpp>
#include <ozmap/error.hpp>
#include <ozmap/workflows/connector.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <thread>

namespace ozmap::workflows {

namespace json = boost::json;

namespace {

constexpr int snapshot_format = 1;

std::shared_ptr<const geo::spatial_index>
index_of(const std::vector<feasible_box>& boxes) {
    std::vector<geo::site> sites;
    sites.reserve(boxes.size());
    for (const auto& box : boxes)
        sites.push_back({box.id, {box.lat, box.lng}});
    return std::make_shared<const geo::spatial_index>(std::move(sites));
}

[[noreturn]] void bad_snapshot(const std::string& why) {
    throw_error(error_kind::decode, "not a coverage snapshot: " + why);
}

const json::value& member(const json::object& object, std::string_view key) {
    const auto* found = object.if_contains(key);
    if (!found)
        bad_snapshot(detail::str("missing \"", key, "\""));
    return *found;
}

std::string text_of(const json::object& object, std::string_view key) {
    const auto& value = member(object, key);
    if (!value.is_string())
        bad_snapshot(detail::str("\"", key, "\" must be a string"));
    return std::string(value.get_string());
}

double number_of(const json::object& object, std::string_view key) {
    const auto& value = member(object, key);
    if (!value.is_number())
        bad_snapshot(detail::str("\"", key, "\" must be a number"));
    return value.to_number<double>();
}

}  // namespace

network_snapshot::network_snapshot(std::vector<feasible_box> boxes,
                                   std::vector<refused_box> refused)
    : boxes_(std::move(boxes)), refused_(std::move(refused)), index_(index_of(boxes_)) {
}

std::vector<coverage_answer>
network_snapshot::query(const std::vector<coverage_point>& points, double radius_m,
                        const std::optional<geo::bounding_box>& area) const {
    geo::validate_radius(radius_m);

    std::vector<coverage_answer> answers(points.size());
    const auto answer_range = [&](std::size_t first, std::size_t last) {
        for (std::size_t i = first; i < last; ++i) {
            auto& answer = answers[i];
            answer.point_id = points[i].id;
            try {
                geo::validate_point(points[i].position, "point " + points[i].id);
                if (area)
                    geo::validate_in_area(points[i].position, *area,
                                          "point " + points[i].id);
            } catch (const error& e) {
                answer.error = e.what();
                continue;
            }
            if (!index_)
                continue;

            const auto found = index_->nearest_within(points[i].position, radius_m);
            answer.feasible_boxes = static_cast<int>(found.count);
            if (found.nearest) {
                const auto& nearest = boxes_[found.nearest->index];
                answer.viable = true;
                answer.box_id = nearest.id;
                answer.box_name = nearest.name;
                answer.distance_m = found.nearest->distance_m;
                answer.free_ports = nearest.free_ports;
            }
        }
    };

    // NOTE: the index is immutable and each worker writes its own slice of answers, so
    // large batches use the other cores without any lock.
    constexpr std::size_t per_thread_minimum = 20'000;
    const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
    const std::size_t workers =
        std::min<std::size_t>({cores, 8, points.size() / per_thread_minimum});
    if (workers <= 1) {
        answer_range(0, points.size());
        return answers;
    }

    std::vector<std::thread> threads;
    const std::size_t slice = (points.size() + workers - 1) / workers;
    for (std::size_t w = 1; w < workers; ++w)
        threads.emplace_back(answer_range, w * slice,
                             std::min(points.size(), (w + 1) * slice));
    answer_range(0, std::min(points.size(), slice));
    for (auto& thread : threads)
        thread.join();
    return answers;
}

std::string network_snapshot::to_json() const {
    json::array boxes;
    boxes.reserve(boxes_.size());
    for (const auto& box : boxes_) {
        boxes.push_back(json::object{
            {"id", box.id},
            {"name", box.name},
            {"lat", box.lat},
            {"lng", box.lng},
            {"free_ports", box.free_ports},
            {"splitter_id", box.first_free.splitter_id},
            {"splitter_name", box.first_free.splitter_name},
            {"port", box.first_free.port},
        });
    }

    json::array refused;
    refused.reserve(refused_.size());
    for (const auto& box : refused_)
        refused.push_back(
            json::object{{"id", box.id}, {"name", box.name}, {"reason", box.reason}});

    return json::serialize(json::object{
        {"format", snapshot_format},
        {"boxes", std::move(boxes)},
        {"refused", std::move(refused)},
    });
}

network_snapshot network_snapshot::from_json(std::string_view text) {
    json::error_code ec;
    json::parse_options options;
    options.max_depth = 16;
    const auto document = json::parse(text, ec, {}, options);
    if (ec || !document.is_object())
        bad_snapshot(ec ? ec.message() : "the document is not an object");

    const auto& root = document.get_object();
    if (number_of(root, "format") != snapshot_format)
        bad_snapshot("unknown format version");

    const auto& boxes_value = member(root, "boxes");
    const auto& refused_value = member(root, "refused");
    if (!boxes_value.is_array() || !refused_value.is_array())
        bad_snapshot("\"boxes\" and \"refused\" must be arrays");

    std::vector<feasible_box> boxes;
    for (const auto& item : boxes_value.get_array()) {
        if (!item.is_object())
            bad_snapshot("a box is not an object");
        const auto& o = item.get_object();
        feasible_box box;
        box.id = text_of(o, "id");
        box.name = text_of(o, "name");
        box.lat = number_of(o, "lat");
        box.lng = number_of(o, "lng");
        box.free_ports = static_cast<int>(number_of(o, "free_ports"));
        box.first_free = {text_of(o, "splitter_id"), text_of(o, "splitter_name"),
                          static_cast<int>(number_of(o, "port"))};
        boxes.push_back(std::move(box));
    }

    std::vector<refused_box> refused;
    for (const auto& item : refused_value.get_array()) {
        if (!item.is_object())
            bad_snapshot("a refused box is not an object");
        const auto& o = item.get_object();
        refused.push_back(
            {text_of(o, "id"), text_of(o, "name"), 0.0, text_of(o, "reason")});
    }

    // The index validates every position, so a tampered file cannot hold bad points.
    return network_snapshot(std::move(boxes), std::move(refused));
}

}  // namespace ozmap::workflows
