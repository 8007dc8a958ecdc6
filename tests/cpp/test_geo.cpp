#include <ozmap/error.hpp>
#include <ozmap/geo.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace {

using ozmap::error;
using ozmap::error_kind;
using namespace ozmap::geo;

// City centres and their great-circle distances on the 6,371,008.8 m sphere, computed
// independently (Python, math.haversine) for these exact coordinates.
struct city_pair {
    point a;
    point b;
    double expected_m;
};

const city_pair city_pairs[] = {
    // Florianópolis - São Paulo
    {{-27.5954, -48.5480}, {-23.5505, -46.6333}, 489'031.0},
    // Rio de Janeiro - São Paulo
    {{-22.9068, -43.1729}, {-23.5505, -46.6333}, 360'749.0},
    // Brasília - Manaus
    {{-15.7939, -47.8828}, {-3.1190, -60.0217}, 1'936'772.0},
    // Porto Alegre - Recife
    {{-30.0346, -51.2177}, {-8.0476, -34.8770}, 2'979'221.0},
};

error_kind kind_of(auto&& call) {
    try {
        call();
    } catch (const error& e) {
        return e.kind();
    }
    ADD_FAILURE() << "no ozmap::error was thrown";
    return error_kind::transport;
}

std::string message_of(auto&& call) {
    try {
        call();
    } catch (const error& e) {
        return e.what();
    }
    return {};
}

TEST(Distance, KnownBrazilianCitiesWithinATenthOfAPercent) {
    for (const auto& pair : city_pairs) {
        const double d = distance_m(pair.a, pair.b);
        EXPECT_NEAR(d, pair.expected_m, pair.expected_m * 0.001)
            << pair.a.lat << "," << pair.a.lng;
    }
}

TEST(Distance, IsSymmetricAndZeroForTheSamePoint) {
    const point a{-27.5954, -48.5480};
    const point b{-27.6, -48.55};
    EXPECT_DOUBLE_EQ(distance_m(a, b), distance_m(b, a));
    EXPECT_EQ(distance_m(a, a), 0.0);
}

TEST(Distance, OneDegreeOfLatitudeOnTheSphere) {
    const double expected = earth_radius_m * M_PI / 180.0;
    EXPECT_NEAR(distance_m({0.0, 10.0}, {1.0, 10.0}), expected, 1e-6);
}

TEST(Validation, RejectsNonFiniteCoordinates) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    for (const point p : {point{nan, 1}, point{1, nan}, point{inf, 1}, point{1, -inf}})
        EXPECT_EQ(kind_of([&] { validate_point(p); }), error_kind::invalid_input);
}

TEST(Validation, RejectsOutOfRangeCoordinates) {
    EXPECT_EQ(kind_of([] {
                  validate_point({90.0001, 0.5});
              }),
              error_kind::invalid_input);
    EXPECT_EQ(kind_of([] { validate_point({-91, 0.5}); }), error_kind::invalid_input);
    EXPECT_EQ(kind_of([] { validate_point({10, 180.5}); }), error_kind::invalid_input);
    EXPECT_EQ(kind_of([] { validate_point({10, -181}); }), error_kind::invalid_input);
    EXPECT_NO_THROW(validate_point({90, 180}));
    EXPECT_NO_THROW(validate_point({-90, -180}));
}

TEST(Validation, NamesTheSwapWhenThePairLooksLikeLngLat) {
    // A Brazilian point given as [lng, lat] is only caught when the longitude is
    // outside the latitude range, as in Manaus (-60.02, -3.12).
    const auto message = message_of([] { validate_point({-60.0217, -3.1190}); });
    EXPECT_EQ(message, "");
    const auto swapped = message_of([] { validate_point({-120.5, -30.0}); });
    EXPECT_NE(swapped.find("[lng, lat]"), std::string::npos) << swapped;
}

TEST(Validation, RefusesTheZeroZeroPlaceholder) {
    const auto message = message_of([] { validate_point({0.0, 0.0}); });
    EXPECT_NE(message.find("missing"), std::string::npos) << message;
    EXPECT_NO_THROW(validate_point({0.0, 0.1}));
}

TEST(Validation, ServiceAreaCatchesASwappedBrazilianPoint) {
    EXPECT_NO_THROW(validate_in_area({-27.5954, -48.5480}, brazil_area));
    const auto swapped = message_of([] {
        validate_in_area({-48.5480, -27.5954}, brazil_area);
    });
    EXPECT_NE(swapped.find("[lng, lat]"), std::string::npos) << swapped;
    const auto lisbon = message_of([] {
        validate_in_area({38.72, -9.14}, brazil_area);
    });
    EXPECT_NE(lisbon.find("outside the service area"), std::string::npos) << lisbon;
}

TEST(Validation, Radius) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (const double bad :
         {0.0, -1.0, nan, std::numeric_limits<double>::infinity(), max_radius_m + 1})
        EXPECT_EQ(kind_of([&] { validate_radius(bad); }), error_kind::invalid_input)
            << bad;
    EXPECT_NO_THROW(validate_radius(0.001));
    EXPECT_NO_THROW(validate_radius(max_radius_m));
}

TEST(BoundingBox, ContainsTheWholeCircle) {
    const point center{-27.5954, -48.5480};
    const double radius = 500.0;
    const auto box = bounding_box_around(center, radius);
    for (int bearing = 0; bearing < 360; bearing += 5) {
        // Walk out along the bearing until just inside the radius.
        const double b = bearing * M_PI / 180.0;
        const double angular = radius / earth_radius_m;
        const double lat1 = center.lat * M_PI / 180.0;
        const double lng1 = center.lng * M_PI / 180.0;
        const double lat2 = std::asin(std::sin(lat1) * std::cos(angular) +
                                      std::cos(lat1) * std::sin(angular) * std::cos(b));
        const double lng2 =
            lng1 + std::atan2(std::sin(b) * std::sin(angular) * std::cos(lat1),
                              std::cos(angular) - std::sin(lat1) * std::sin(lat2));
        const point edge{lat2 * 180.0 / M_PI, lng2 * 180.0 / M_PI};
        EXPECT_NEAR(distance_m(center, edge), radius, 1e-6);
        EXPECT_TRUE(box.contains(edge)) << bearing;
    }
    EXPECT_FALSE(box.contains({center.lat + 0.01, center.lng}));
}

TEST(BoundingBox, CrossingTheAntimeridian) {
    const auto box = bounding_box_around({10.0, 179.999}, 1000.0);
    EXPECT_GT(box.min_lng, box.max_lng);
    EXPECT_TRUE(box.contains({10.0, -179.999}));
    EXPECT_TRUE(box.contains({10.0, 179.995}));
    EXPECT_FALSE(box.contains({10.0, 0.0}));
}

TEST(RadiusSearch, BoundaryIsInclusiveToTheMillimetre) {
    const point center{-27.5954, -48.5480};
    const std::vector<site> sites = {{"edge", {-27.5990, -48.5480}}};
    const double d = distance_m(center, sites[0].position);

    EXPECT_EQ(radius_search(center, d, sites).size(), 1u);
    EXPECT_EQ(radius_search(center, d + 0.001, sites).size(), 1u);
    EXPECT_EQ(radius_search(center, d - 0.001, sites).size(), 0u);

    const spatial_index index(sites);
    EXPECT_EQ(index.nearest_within(center, d).count, 1u);
    EXPECT_EQ(index.nearest_within(center, d + 0.001).count, 1u);
    EXPECT_EQ(index.nearest_within(center, d - 0.001).count, 0u);
    EXPECT_EQ(index.nearest_within(center, d).nearest->distance_m, d);
}

TEST(RadiusSearch, NearestFirstAndTiesById) {
    const point center{-27.5954, -48.5480};
    // Four sites at the same distance (north, south, east-west mirror) and one nearer.
    const std::vector<site> sites = {
        {"d", {-27.5944, -48.5480}}, {"b", {-27.5964, -48.5480}},
        {"c", {-27.5944, -48.5480}}, {"a", {-27.5964, -48.5480}},
        {"z", {-27.5950, -48.5480}},
    };
    const auto hits = radius_search(center, 200.0, sites);
    ASSERT_EQ(hits.size(), 5u);
    EXPECT_EQ(sites[hits[0].index].id, "z");

    // The remaining four are two pairs of equal distance; within each the id decides.
    for (std::size_t i = 1; i + 1 < hits.size(); ++i) {
        const auto& x = hits[i];
        const auto& y = hits[i + 1];
        EXPECT_LE(x.distance_m, y.distance_m);
        if (x.distance_m == y.distance_m) {
            EXPECT_LT(sites[x.index].id, sites[y.index].id);
        }
    }
}

TEST(RadiusSearch, ValidatesItsInput) {
    const std::vector<site> none;
    EXPECT_EQ(kind_of([&] {
                  radius_search({91, 0}, 100, none);
              }),
              error_kind::invalid_input);
    EXPECT_EQ(kind_of([&] {
                  radius_search({-27, -48}, -5, none);
              }),
              error_kind::invalid_input);
}

TEST(SpatialIndex, AgreesWithBruteForceOnRandomData) {
    std::mt19937_64 rng(20261203);
    std::uniform_real_distribution<double> lat(-27.70, -27.50);
    std::uniform_real_distribution<double> lng(-48.65, -48.45);
    std::uniform_real_distribution<double> radius(10.0, 3000.0);

    std::vector<site> sites;
    for (int i = 0; i < 5000; ++i)
        sites.push_back({"box-" + std::to_string(i), {lat(rng), lng(rng)}});
    // Duplicated positions make ties that only the id can order.
    for (int i = 0; i < 50; ++i)
        sites.push_back({"dup-" + std::to_string(i), sites[std::size_t(i)].position});

    const spatial_index index(sites);
    ASSERT_EQ(index.size(), sites.size());
    for (int q = 0; q < 300; ++q) {
        const point center{lat(rng), lng(rng)};
        const double r = radius(rng);
        const auto expected = radius_search(center, r, sites);
        const auto actual = index.within(center, r);
        ASSERT_EQ(actual.size(), expected.size()) << "query " << q;

        const auto summary = index.nearest_within(center, r);
        EXPECT_EQ(summary.count, expected.size());
        EXPECT_EQ(summary.nearest.has_value(), !expected.empty());
        if (summary.nearest) {
            EXPECT_EQ(summary.nearest->index, expected.front().index);
        }
        for (std::size_t i = 0; i < actual.size(); ++i) {
            EXPECT_EQ(actual[i].index, expected[i].index);
            EXPECT_EQ(actual[i].distance_m, expected[i].distance_m);
        }
    }
}

TEST(SpatialIndex, RejectsInvalidSites) {
    EXPECT_EQ(kind_of([] {
                  spatial_index({{"bad", {100, 0}}});
              }),
              error_kind::invalid_input);
}

TEST(SpatialIndex, EmptyIndexFindsNothing) {
    const spatial_index index({});
    EXPECT_TRUE(index.within({-27.5, -48.5}, 100).empty());
}

}  // namespace
