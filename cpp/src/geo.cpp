#include <ozmap/detail/text.hpp>
#include <ozmap/error.hpp>
#include <ozmap/geo.hpp>

#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace ozmap::geo {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;

namespace {

using sphere_point =
    bg::model::point<double, 2, bg::cs::spherical_equatorial<bg::degree>>;
using plane_point = bg::model::point<double, 2, bg::cs::cartesian>;
using plane_box = bg::model::box<plane_point>;

// NOTE: Boost.Geometry's default strategy for geographic points is an ellipsoid; the
// project's rule is a sphere, so the haversine strategy is named explicitly.
const bg::strategy::distance::haversine<double> haversine{earth_radius_m};

bool in_range(double value, double limit) {
    return std::isfinite(value) && std::abs(value) <= limit;
}

void sort_hits(std::vector<hit>& hits, std::span<const site> sites) {
    std::sort(hits.begin(), hits.end(), [&](const hit& a, const hit& b) {
        if (a.distance_m != b.distance_m)
            return a.distance_m < b.distance_m;
        return sites[a.index].id < sites[b.index].id;
    });
}

}  // namespace

void validate_point(point p, std::string_view what) {
    using detail::str;

    if (!std::isfinite(p.lat) || !std::isfinite(p.lng))
        throw_invalid_input(
            str(what, ": latitude and longitude must be finite numbers"));

    if (!in_range(p.lat, 90.0)) {
        if (in_range(p.lng, 90.0) && in_range(p.lat, 180.0))
            throw_invalid_input(str(what, ": latitude ", p.lat,
                                    " is out of range; the pair looks like [lng, lat], "
                                    "pass latitude first"));
        throw_invalid_input(
            str(what, ": latitude ", p.lat, " is out of range [-90, 90]"));
    }
    if (!in_range(p.lng, 180.0))
        throw_invalid_input(
            str(what, ": longitude ", p.lng, " is out of range [-180, 180]"));

    if (p.lat == 0.0 && p.lng == 0.0)
        throw_invalid_input(
            str(what, ": (0, 0) is the placeholder of a missing position"));
}

void validate_radius(double radius_m) {
    using detail::str;

    if (!std::isfinite(radius_m) || radius_m <= 0.0)
        throw_invalid_input(
            str("radius must be a positive number of metres, got ", radius_m));
    if (radius_m > max_radius_m)
        throw_invalid_input(str("radius ", radius_m, " m is above the maximum of ",
                                max_radius_m, " m"));
}

void validate_in_area(point p, const bounding_box& area, std::string_view what) {
    using detail::str;

    if (area.contains(p))
        return;
    if (area.contains({p.lng, p.lat}))
        throw_invalid_input(str(what, ": (", p.lat, ", ", p.lng,
                                ") looks like [lng, lat]; pass latitude first"));
    throw_invalid_input(str(what, ": (", p.lat, ", ", p.lng,
                            ") is outside the service area (latitude ", area.min_lat,
                            " to ", area.max_lat, ", longitude ", area.min_lng, " to ",
                            area.max_lng, ")"));
}

double distance_m(point a, point b) noexcept {
    return bg::distance(sphere_point{a.lng, a.lat}, sphere_point{b.lng, b.lat},
                        haversine);
}

bool bounding_box::contains(point p) const noexcept {
    if (p.lat < min_lat || p.lat > max_lat)
        return false;
    if (min_lng <= max_lng)
        return p.lng >= min_lng && p.lng <= max_lng;
    return p.lng >= min_lng || p.lng <= max_lng;
}

bounding_box bounding_box_around(point center, double radius_m) noexcept {
    constexpr double degrees = 180.0 / std::numbers::pi;

    // A small margin keeps points exactly on the circle inside the box despite
    // rounding.
    const double angular = radius_m / earth_radius_m * 1.000001 + 1e-12;
    const double dlat = angular * degrees;

    bounding_box box{center.lat - dlat, center.lat + dlat, -180.0, 180.0};
    if (box.min_lat <= -90.0 || box.max_lat >= 90.0) {
        box.min_lat = std::max(box.min_lat, -90.0);
        box.max_lat = std::min(box.max_lat, 90.0);
        return box;
    }

    // The widest longitude span of the circle (from the spherical law of sines).
    const double lat_rad = center.lat / degrees;
    const double ratio = std::sin(angular) / std::cos(lat_rad);
    if (ratio >= 1.0)
        return box;

    const double dlng = std::asin(ratio) * degrees;
    box.min_lng = center.lng - dlng;
    box.max_lng = center.lng + dlng;
    if (box.min_lng < -180.0)
        box.min_lng += 360.0;
    if (box.max_lng > 180.0)
        box.max_lng -= 360.0;
    return box;
}

std::vector<hit> radius_search(point center, double radius_m,
                               std::span<const site> sites) {
    validate_point(center, "search center");
    validate_radius(radius_m);

    const auto box = bounding_box_around(center, radius_m);
    std::vector<hit> hits;
    for (std::size_t i = 0; i < sites.size(); ++i) {
        if (!box.contains(sites[i].position))
            continue;

        const double d = distance_m(center, sites[i].position);
        if (d <= radius_m)
            hits.push_back({i, d});
    }

    sort_hits(hits, sites);
    return hits;
}

struct spatial_index::tree {
    using value = std::pair<plane_point, std::size_t>;
    bgi::rtree<value, bgi::rstar<16>> rtree;

    // Each site in radians with its cosine, for the quick haversine of nearest_within.
    struct trig {
        double lat;
        double lng;
        double cos_lat;
    };
    std::vector<trig> trigs;

    static trig trig_of(point p) {
        constexpr double radians = std::numbers::pi / 180.0;
        return {p.lat * radians, p.lng * radians, std::cos(p.lat * radians)};
    }

    // The haversine term: distance = 2R asin(sqrt(a)), so a orders sites by distance.
    static double haversine_term(const trig& a, const trig& b) {
        const double half_dlat = std::sin((b.lat - a.lat) / 2.0);
        const double half_dlng = std::sin((b.lng - a.lng) / 2.0);
        return half_dlat * half_dlat + a.cos_lat * b.cos_lat * half_dlng * half_dlng;
    }
};

spatial_index::spatial_index(std::vector<site> sites)
    : sites_(std::move(sites)), tree_(std::make_unique<tree>()) {
    for (const auto& s : sites_)
        validate_point(s.position, detail::str("site ", s.id));

    std::vector<tree::value> values;
    values.reserve(sites_.size());
    for (std::size_t i = 0; i < sites_.size(); ++i)
        values.emplace_back(plane_point{sites_[i].position.lng, sites_[i].position.lat},
                            i);

    // The range constructor bulk-loads with packing: faster and a better tree than
    // inserting one by one.
    tree_->rtree = decltype(tree_->rtree)(values.begin(), values.end());

    tree_->trigs.reserve(sites_.size());
    for (const auto& s : sites_)
        tree_->trigs.push_back(tree::trig_of(s.position));
}

spatial_index::~spatial_index() = default;
spatial_index::spatial_index(spatial_index&&) noexcept = default;
spatial_index& spatial_index::operator=(spatial_index&&) noexcept = default;

std::size_t spatial_index::size() const noexcept {
    return sites_.size();
}

// Calls visit(index) for every site in the bounding box of the circle: a superset of
// the sites within radius_m, which the visitor narrows down.
template <typename Visit>
void spatial_index::for_each_candidate(point center, double radius_m,
                                       Visit&& visit) const {
    validate_point(center, "search center");
    validate_radius(radius_m);

    const auto box = bounding_box_around(center, radius_m);
    const auto visit_box = [&](plane_box query) {
        for (auto it = tree_->rtree.qbegin(bgi::intersects(query));
             it != tree_->rtree.qend(); ++it)
            visit(it->second);
    };

    if (box.min_lng <= box.max_lng) {
        visit_box({{box.min_lng, box.min_lat}, {box.max_lng, box.max_lat}});
    } else {
        visit_box({{box.min_lng, box.min_lat}, {180.0, box.max_lat}});
        visit_box({{-180.0, box.min_lat}, {box.max_lng, box.max_lat}});
    }
}

std::vector<hit> spatial_index::within(point center, double radius_m) const {
    std::vector<hit> hits;
    for_each_candidate(center, radius_m, [&](std::size_t index) {
        const double d = distance_m(center, sites_[index].position);
        if (d <= radius_m)
            hits.push_back({index, d});
    });
    sort_hits(hits, sites_);
    return hits;
}

spatial_index::nearest_count spatial_index::nearest_within(point center,
                                                           double radius_m) const {
    // NOTE: comparing haversine terms skips the asin of every candidate. Where a term
    // is within a hair of the limit or of the best so far, the exact distance_m
    // decides, so the answer is the same as within()'s to the last bit.
    constexpr double hair = 1e-9;
    const auto c = tree::trig_of(center);
    const double half_angle = radius_m / (2.0 * earth_radius_m);
    const double limit = std::sin(half_angle) * std::sin(half_angle);

    nearest_count result;
    double best_term = 0.0;
    for_each_candidate(center, radius_m, [&](std::size_t index) {
        const double term = tree::haversine_term(c, tree_->trigs[index]);
        if (term > limit * (1.0 + hair))
            return;

        std::optional<double> exact;
        if (term >= limit * (1.0 - hair)) {
            exact = distance_m(center, sites_[index].position);
            if (*exact > radius_m)
                return;
        }
        ++result.count;

        auto& best = result.nearest;
        if (!best || term < best_term * (1.0 - hair)) {
            best = hit{index, 0.0};
            best_term = term;
            return;
        }
        if (term > best_term * (1.0 + hair))
            return;

        const double d = exact ? *exact : distance_m(center, sites_[index].position);
        const double best_d = distance_m(center, sites_[best->index].position);
        if (d < best_d || (d == best_d && sites_[index].id < sites_[best->index].id)) {
            best = hit{index, 0.0};
            best_term = term;
        }
    });

    if (result.nearest)
        result.nearest->distance_m =
            distance_m(center, sites_[result.nearest->index].position);
    return result;
}

}  // namespace ozmap::geo
