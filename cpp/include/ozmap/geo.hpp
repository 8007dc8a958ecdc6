// Distances and radius searches on the sphere every side of the project agrees on:
// haversine with a radius of 6,371,008.8 m, and a point is inside a radius when its
// distance is less than or equal to it.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ozmap::geo {

inline constexpr double earth_radius_m = 6'371'008.8;

// Feasibility radii are a few hundred metres; anything over this is a typo (or km
// entered as metres) and is refused rather than turned into a city-wide query.
inline constexpr double max_radius_m = 50'000.0;

struct point {
    double lat = 0.0;
    double lng = 0.0;
};

// Throws invalid_input for NaN, infinities, |lat| > 90, |lng| > 180 and the (0, 0)
// placeholder of a missing position. When the pair looks like [lng, lat] (latitude out
// of range but valid once swapped) the message says so. `what` names the value.
void validate_point(point p, std::string_view what = "point");

// Throws invalid_input unless 0 < radius_m <= max_radius_m.
void validate_radius(double radius_m);

// Great-circle distance in metres. Validates nothing: callers validate input once.
double distance_m(point a, point b) noexcept;

// A latitude/longitude rectangle that contains every point within radius_m of center.
// When it crosses the antimeridian, min_lng > max_lng.
struct bounding_box {
    double min_lat;
    double max_lat;
    double min_lng;
    double max_lng;

    bool contains(point p) const noexcept;
};

bounding_box bounding_box_around(point center, double radius_m) noexcept;

// Brazil with a margin: the default area where an ISP's customers can be. A Brazilian
// point given as [lng, lat] is a valid coordinate in the ocean; only an area catches
// it.
inline constexpr bounding_box brazil_area{-35.0, 7.0, -75.0, -28.0};

// Throws invalid_input when p lies outside area; when the swapped pair lies inside,
// the message says latitude and longitude look swapped.
void validate_in_area(point p, const bounding_box& area,
                      std::string_view what = "point");

struct site {
    std::string id;
    point position;
};

struct hit {
    std::size_t index;  // into the sites the search was given
    double distance_m;
};

// Sites within radius_m of center, nearest first, ties broken by id. Brute force with a
// bounding-box prefilter: right for a few thousand sites or a single query.
std::vector<hit> radius_search(point center, double radius_m,
                               std::span<const site> sites);

// An R-tree over sites for many queries against the same set.
class spatial_index {
public:
    explicit spatial_index(std::vector<site> sites);
    ~spatial_index();
    spatial_index(spatial_index&&) noexcept;
    spatial_index& operator=(spatial_index&&) noexcept;

    // Same answer as radius_search over the same sites.
    std::vector<hit> within(point center, double radius_m) const;

    // How many sites lie within radius_m, and the nearest of them (ties by id): what
    // within() would give as its size and first element, without building the list.
    struct nearest_count {
        std::size_t count = 0;
        std::optional<hit> nearest;
    };
    nearest_count nearest_within(point center, double radius_m) const;

    std::size_t size() const noexcept;
    const site& at(std::size_t index) const { return sites_.at(index); }
    const std::vector<site>& sites() const noexcept { return sites_; }

private:
    template <typename Visit>
    void for_each_candidate(point center, double radius_m, Visit&& visit) const;

    struct tree;
    std::vector<site> sites_;
    std::unique_ptr<tree> tree_;
};

}  // namespace ozmap::geo
