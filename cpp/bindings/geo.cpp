#include "bindings.hpp"

#include <ozmap/geo.hpp>

#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace ozmap::bindings {

namespace {

using site_tuple = std::tuple<std::string, double, double>;
using hit_tuple = std::pair<std::string, double>;

std::vector<geo::site> to_sites(const std::vector<site_tuple>& rows) {
    std::vector<geo::site> sites;
    sites.reserve(rows.size());
    for (const auto& [id, lat, lng] : rows)
        sites.push_back({id, {lat, lng}});
    return sites;
}

std::vector<hit_tuple> to_tuples(const std::vector<geo::hit>& hits,
                                 const std::vector<geo::site>& sites) {
    std::vector<hit_tuple> out;
    out.reserve(hits.size());
    for (const auto& h : hits)
        out.emplace_back(sites[h.index].id, h.distance_m);
    return out;
}

}  // namespace

void register_geo(py::module_& m) {
    auto geo = m.def_submodule("geo", "Distances and radius searches on the sphere.");
    geo.attr("EARTH_RADIUS_M") = geo::earth_radius_m;
    geo.attr("MAX_RADIUS_M") = geo::max_radius_m;

    geo.def(
        "validate_point",
        [](double lat, double lng) {
            geo::validate_point({lat, lng});
        },
        py::arg("lat"), py::arg("lng"));
    geo.def("validate_radius", &geo::validate_radius, py::arg("radius_m"));

    geo.def(
        "distance_m",
        [](double lat1, double lng1, double lat2, double lng2) {
            geo::validate_point({lat1, lng1}, "first point");
            geo::validate_point({lat2, lng2}, "second point");
            return geo::distance_m({lat1, lng1}, {lat2, lng2});
        },
        py::arg("lat1"), py::arg("lng1"), py::arg("lat2"), py::arg("lng2"));

    geo.def(
        "bounding_box",
        [](double lat, double lng, double radius_m) {
            geo::validate_point({lat, lng});
            geo::validate_radius(radius_m);
            const auto box = geo::bounding_box_around({lat, lng}, radius_m);
            return std::make_tuple(box.min_lat, box.max_lat, box.min_lng, box.max_lng);
        },
        py::arg("lat"), py::arg("lng"), py::arg("radius_m"));

    geo.def(
        "radius_search",
        [](double lat, double lng, double radius_m,
           const std::vector<site_tuple>& rows) {
            const auto sites = to_sites(rows);
            std::vector<geo::hit> hits;
            {
                // Safe: the search reads only the C++ copy made above.
                py::gil_scoped_release release;
                hits = geo::radius_search({lat, lng}, radius_m, sites);
            }
            return to_tuples(hits, sites);
        },
        py::arg("lat"), py::arg("lng"), py::arg("radius_m"), py::arg("sites"));

    py::class_<geo::spatial_index>(
        geo, "GeoIndex", "An R-tree over (id, lat, lng) sites for many queries.")
        .def(py::init([](const std::vector<site_tuple>& rows) {
                 auto sites = to_sites(rows);
                 // Safe: the index is built from the C++ copy only.
                 py::gil_scoped_release release;
                 return geo::spatial_index(std::move(sites));
             }),
             py::arg("sites"))
        .def(
            "within",
            [](const geo::spatial_index& index, double lat, double lng,
               double radius_m) {
                std::vector<geo::hit> hits;
                {
                    // Safe: the index is immutable once built.
                    py::gil_scoped_release release;
                    hits = index.within({lat, lng}, radius_m);
                }
                return to_tuples(hits, index.sites());
            },
            py::arg("lat"), py::arg("lng"), py::arg("radius_m"))
        .def("__len__", &geo::spatial_index::size);
}

}  // namespace ozmap::bindings
