// SPDX-License-Identifier: MIT
// Graph drawing and the single-path graph: every format the client offers produces a real file
// of that format (magic bytes, non-trivial size; the SVG names every vertex), and a single-path
// trace becomes the same vertex/link model as a multipath one.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "client_error.h"
#include "measurement/graph_render.h"
#include "measurement/json_measurement.h"
#include "measurement/measurement_error.h"
#include "measurement/trace_graph.h"
#include "output/measurement_files.h"

namespace rtt::client {
namespace {

HopReply reply(const char* address, AnswerKind kind = AnswerKind::time_exceeded) {
    Answer answer;
    answer.kind = kind;
    answer.responder = *IpAddress::parse(address);
    return HopReply{answer, 0.5};
}

const IpAddress kRoot = *IpAddress::parse("198.18.1.1");
const IpAddress kTarget = *IpAddress::parse("198.18.4.2");

std::vector<HopResult> line_with_a_silent_hop() {
    return {HopResult{1, 33434, {reply("198.18.1.2"), reply("198.18.1.2")}},
            HopResult{2, 33434, {HopReply{}, HopReply{}}},
            HopResult{3, 33434, {reply("198.18.3.2"), reply("198.18.3.9")}},
            HopResult{4, 33434, {reply("198.18.4.2", AnswerKind::unreachable)}}, HopResult{5, 33434, {HopReply{}}}};
}

TEST(TraceGraph, SinglePathHopsBecomeVerticesAndLinks) {
    const auto g = graph_from_hops(line_with_a_silent_hop(), kRoot, kTarget);
    // root, r1, ***, two answers at hop 3, the target; the silent hop 5 after the end is dropped
    ASSERT_EQ(g.vertices.size(), 6u);
    EXPECT_FALSE(g.vertices[2].address);
    EXPECT_EQ(g.vertices[1].rtts_ms.size(), 2u);
    EXPECT_TRUE(g.vertices.back().end_of_path);
    EXPECT_EQ(g.successors(2), (std::vector<int>{3, 4}));
    EXPECT_EQ(g.successors(3), (std::vector<int>{5}));
    EXPECT_EQ(g.edges.size(), 6u);
}

std::string read_all(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(GraphRender, EveryFormatWritesARealFile) {
    const auto forward = graph_from_hops(line_with_a_silent_hop(), kRoot, kTarget);
    const auto dir = std::filesystem::temp_directory_path() / ("rtt-render-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::map<IpAddress, std::string> names{{*IpAddress::parse("198.18.1.2"), "r1.lab.example"}};
    const std::map<std::string, std::string> magic{{"dot", "digraph"}, {"gif", "GIF8"},    {"jpg", "\xFF\xD8\xFF"},
                                                   {"pdf", "%PDF"},    {"png", "\x89PNG"}, {"ps", "%!PS"},
                                                   {"svg", "<?xml"}};
    for (const auto& format : graph_formats()) {
        const auto path = dir / ("graph." + format);
        write_file(path.string(),
                   render_graph({{"forward udp single path", &forward}, {"reverse udp single path", &forward}}, names,
                                format));
        const std::string bytes = read_all(path);
        EXPECT_GT(bytes.size(), 500u) << format;
        EXPECT_EQ(bytes.rfind(magic.at(format), 0), 0u) << format << " starts wrong";
        if (format == "svg") {
            for (const char* address : {"198.18.1.1", "198.18.1.2", "198.18.3.2", "198.18.3.9", "198.18.4.2"})
                EXPECT_NE(bytes.find(address), std::string::npos) << address;
            EXPECT_NE(bytes.find("r1.lab.example"), std::string::npos);
            EXPECT_NE(bytes.find("***"), std::string::npos);
            EXPECT_NE(bytes.find("reverse udp single path"), std::string::npos);
        }
    }
    std::filesystem::remove_all(dir);
}

TEST(GraphRender, PerPacketVerticesAreDashedAndUncertainLinksMarked) {
    auto g = graph_from_hops(line_with_a_silent_hop(), kRoot, kTarget);
    g.vertices[1].per_packet = true;
    g.edges[1].uncertain = true;
    const std::string dot = render_graph({{"forward udp multipath", &g}}, {}, "dot");
    EXPECT_NE(dot.find("dashed"), std::string::npos) << dot;
    EXPECT_NE(dot.find("orangered"), std::string::npos) << dot;
    EXPECT_NE(dot.find("behind a per-packet balancer"), std::string::npos) << dot;
    EXPECT_NE(dot.find("link not known to exist"), std::string::npos) << dot;
    const auto plain = graph_from_hops(line_with_a_silent_hop(), kRoot, kTarget);
    EXPECT_EQ(render_graph({{"forward udp multipath", &plain}}, {}, "dot").find("per-packet"), std::string::npos);
}

TEST(GraphRender, PerDestinationNextHopsAreDrawnApart) {
    auto g = graph_from_hops(line_with_a_silent_hop(), kRoot, kTarget);
    g.vertices[1].other_destination_next_hops = {*IpAddress::parse("198.18.77.2")};
    const std::string dot = render_graph({{"forward udp multipath", &g}}, {}, "dot");
    EXPECT_NE(dot.find("198.18.77.2"), std::string::npos) << dot;
    EXPECT_NE(dot.find("other destinations"), std::string::npos) << dot;
    EXPECT_NE(dot.find("steelblue"), std::string::npos) << dot;
    EXPECT_NE(dot.find("per-destination balancer"), std::string::npos) << dot;
    const auto plain = graph_from_hops(line_with_a_silent_hop(), kRoot, kTarget);
    EXPECT_EQ(render_graph({{"forward udp multipath", &plain}}, {}, "dot").find("per-destination"), std::string::npos);
}

TEST(GraphRender, UnwritablePathGetsOneSentence) {
    const auto g = graph_from_hops(line_with_a_silent_hop(), kRoot, kTarget);
    try {
        write_file("/nonexistent-dir/graph.svg", render_graph({{"forward", &g}}, {}, "svg"));
        FAIL() << "wrote into a missing directory";
    } catch (const ClientError& e) {
        EXPECT_NE(std::string(e.what()).find("cannot write /nonexistent-dir/graph.svg: check that its directory"),
                  std::string::npos)
            << e.what();
    }
}

}  // namespace
}  // namespace rtt::client

namespace rtt::client {
namespace {

TEST(MeasurementJson, TimesAreUtcRfc3339WithMilliseconds) {
    const std::chrono::system_clock::time_point when{std::chrono::milliseconds(1795446600123)};
    EXPECT_EQ(rfc3339(when), "2026-11-23T15:10:00.123Z");
}

}  // namespace
}  // namespace rtt::client

namespace rtt::client {
namespace {

TEST(MeasurementJson, TraceRoundTripsThroughTheGraphModel) {
    auto original = graph_from_hops(line_with_a_silent_hop(), kRoot, kTarget);
    original.vertices[1].sent = 5;  // multipath's attempt count: kept, and absent where 0
    const auto stored = trace_json(original);
    EXPECT_EQ(stored[1]["sent"], 5);
    EXPECT_FALSE(stored[2].contains("sent"));
    const auto back = graph_from_trace_json(nlohmann::json::parse(stored.dump()));
    ASSERT_EQ(back.vertices.size(), original.vertices.size());
    for (std::size_t i = 0; i < back.vertices.size(); ++i) {
        EXPECT_EQ(back.vertices[i].id, original.vertices[i].id);
        EXPECT_EQ(back.vertices[i].ttl, original.vertices[i].ttl);
        EXPECT_EQ(back.vertices[i].address, original.vertices[i].address);
        EXPECT_EQ(back.vertices[i].flows, original.vertices[i].flows);
        EXPECT_EQ(back.vertices[i].rtts_ms, original.vertices[i].rtts_ms);
        EXPECT_EQ(back.vertices[i].sent, original.vertices[i].sent);
    }
    for (std::size_t i = 0; i < back.vertices.size(); ++i)
        EXPECT_EQ(back.successors(static_cast<int>(i)), original.successors(static_cast<int>(i)));
    EXPECT_EQ(trace_json(back), stored);
}

TEST(MeasurementJson, PerPacketMarksAreStoredAndReadBack) {
    auto original = graph_from_hops(line_with_a_silent_hop(), kRoot, kTarget);
    original.vertices[1].per_packet = true;
    original.edges[1].uncertain = true;
    const auto stored = trace_json(original);
    const int from = original.edges[1].from;
    EXPECT_EQ(stored[from]["uncertain_successors"], nlohmann::json::array({original.edges[1].to}));
    EXPECT_EQ(stored[1]["per_packet"], true);
    EXPECT_FALSE(stored[0].contains("per_packet"));
    const auto back = graph_from_trace_json(nlohmann::json::parse(stored.dump()));
    EXPECT_TRUE(back.vertices[1].per_packet);
    for (const auto& edge : back.edges)
        EXPECT_EQ(edge.uncertain, edge.from == original.edges[1].from && edge.to == original.edges[1].to);
    EXPECT_EQ(trace_json(back), stored);
    // Hostile forms: a mark that is not true, an uncertain link that is not a link.
    auto bad = stored;
    bad[1]["per_packet"] = false;
    EXPECT_THROW(graph_from_trace_json(bad), MeasurementError);
    bad = stored;
    bad[from]["uncertain_successors"] = nlohmann::json::array({0});
    EXPECT_THROW(graph_from_trace_json(bad), MeasurementError);
    bad[from]["uncertain_successors"] = "1";
    EXPECT_THROW(graph_from_trace_json(bad), MeasurementError);
}

TEST(MeasurementJson, PerDestinationNextHopsAreStoredAndReadBack) {
    auto original = graph_from_hops(line_with_a_silent_hop(), kRoot, kTarget);
    original.vertices[1].other_destination_next_hops = {*IpAddress::parse("198.18.77.2"),
                                                        *IpAddress::parse("198.18.78.2")};
    const auto stored = trace_json(original);
    EXPECT_EQ(stored[1]["other_destination_next_hops"], nlohmann::json::array({"198.18.77.2", "198.18.78.2"}));
    EXPECT_FALSE(stored[0].contains("other_destination_next_hops"));
    const auto back = graph_from_trace_json(nlohmann::json::parse(stored.dump()));
    EXPECT_EQ(back.vertices[1].other_destination_next_hops, original.vertices[1].other_destination_next_hops);
    EXPECT_EQ(trace_json(back), stored);
    // Hostile forms: not an address, not a list.
    for (const auto& bad_hops :
         {nlohmann::json::array({"not an address"}), nlohmann::json::array({7}), nlohmann::json("198.18.77.2")}) {
        auto bad = stored;
        bad[1]["other_destination_next_hops"] = bad_hops;
        EXPECT_THROW(graph_from_trace_json(bad), MeasurementError) << bad_hops.dump();
    }
}

TEST(MeasurementJson, AVertexSentCountMustBeANonNegativeInteger) {
    auto stored = trace_json(graph_from_hops(line_with_a_silent_hop(), kRoot, kTarget));
    for (const auto& bad : {nlohmann::json(-1), nlohmann::json(1.5), nlohmann::json("3")}) {
        stored[1]["sent"] = bad;
        try {
            graph_from_trace_json(stored);
            ADD_FAILURE() << "accepted sent " << bad.dump();
        } catch (const MeasurementError& error) {
            EXPECT_NE(std::string(error.what()).find("vertex 1 of a trace has sent"), std::string::npos)
                << error.what();
        }
    }
}

}  // namespace
}  // namespace rtt::client
