// SPDX-License-Identifier: MIT
// GeoJSON of a measurement's places (--format geojson): points for located vertices only, links
// through hops without a place, and links across the antimeridian cut there (RFC 7946 §3.1.9).
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "measurement/geojson_export.h"
#include "measurement/measurement_error.h"

namespace rtt {
namespace {

using nlohmann::json;

// A forward trace root → a → b → c with places for root, a and c (b has none).
json measurement(const json& places) {
    return {
        {"traces",
         {{"forward",
           json::array(
               {{{"id", 0},
                 {"ttl", 0},
                 {"address", "198.18.1.1"},
                 {"rtt", json::array()},
                 {"flows", json::array()},
                 {"successors", {1}}},
                {{"id", 1},
                 {"ttl", 1},
                 {"address", "198.18.1.2"},
                 {"rtt", {1.0, 3.0}},
                 {"flows", {1}},
                 {"successors", {2}}},
                {{"id", 2}, {"ttl", 2}, {"address", "198.18.2.2"}, {"rtt", {2.0}}, {"flows", {1}}, {"successors", {3}}},
                {{"id", 3},
                 {"ttl", 3},
                 {"address", "198.18.3.2"},
                 {"rtt", {4.0}},
                 {"flows", {1}},
                 {"successors", json::array()}}})}}},
        {"hostnames", {{"198.18.1.2", {"r1.example"}}}},
        {"locations", places}};
}

TEST(GeoJson, PointsForLocatedVerticesAndLinesThroughTheOthers) {
    const json places{
        {"198.18.1.1", {{"country", "DE"}, {"latitude", 48.1}, {"longitude", 11.6}}},
        {"198.18.1.2", {{"country", "DE"}, {"city", "Augsburg"}, {"latitude", 48.4}, {"longitude", 10.9}}},
        {"198.18.2.2", {{"country", "AT"}}},
        {"198.18.3.2", {{"country", "CH"}, {"latitude", 47.4}, {"longitude", 8.5}}}};
    const json out = measurement_geojson(measurement(places));
    EXPECT_EQ(out["type"], "FeatureCollection");
    int points = 0;
    for (const auto& feature : out["features"]) {
        const auto& p = feature["properties"];
        if (feature["geometry"]["type"] == "Point") {
            ++points;
            EXPECT_NE(p["address"], "198.18.2.2");  // a country alone is not a point
            if (p["address"] == "198.18.1.2") {
                EXPECT_EQ(feature["geometry"]["coordinates"], json::array({10.9, 48.4}));  // [lon, lat]
                EXPECT_EQ(p["hostname"], "r1.example");
                EXPECT_EQ(p["rtt_ms"], 2.0);
                EXPECT_EQ(p["ttl"], 1);
            }
        } else {
            EXPECT_EQ(feature["geometry"]["type"], "LineString");
            if (p["from"] == "198.18.1.2") {
                EXPECT_EQ(
                    p,
                    json({{"direction", "forward"}, {"from", "198.18.1.2"}, {"to", "198.18.3.2"}, {"hidden_hops", 1}}));
            }
        }
    }
    EXPECT_EQ(points, 3);
    EXPECT_EQ(out["features"].size(), 5u);  // 3 points, root → a, a → c
}

TEST(GeoJson, LinkAcrossTheAntimeridianIsCutThere) {
    const json places{{"198.18.1.1", {{"latitude", 35.0}, {"longitude", 170.0}}},
                      {"198.18.1.2", {{"latitude", 45.0}, {"longitude", -170.0}}}};
    const json out = measurement_geojson(measurement(places));
    const json* link = nullptr;
    for (const auto& feature : out["features"])
        if (feature["geometry"]["type"] != "Point")
            link = &feature;
    ASSERT_NE(link, nullptr);
    EXPECT_EQ((*link)["geometry"]["type"], "MultiLineString");
    // 170°E to 170°W is 20° the short way: cut at +180 halfway, at latitude 40.
    EXPECT_EQ((*link)["geometry"]["coordinates"],
              json::parse("[[[170.0, 35.0], [180.0, 40.0]], [[-180.0, 40.0], [-170.0, 45.0]]]"));
}

TEST(GeoJson, NoPlacesNoFeaturesAndBadTracesAreOneSentence) {
    EXPECT_TRUE(measurement_geojson(measurement(json::object()))["features"].empty());
    json broken = measurement(json::object());
    broken["traces"]["forward"][1]["successors"] = {9};
    EXPECT_THROW(measurement_geojson(broken), MeasurementError);
}

}  // namespace
}  // namespace rtt
