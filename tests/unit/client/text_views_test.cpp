// SPDX-License-Identifier: MIT
// Golden-file tests of the text views: a single-path section, a multipath section (per-TTL
// vertices, inferred links, black holes, the end line with counts) and the per-flow table.
// The expected text lives in tests/unit/client/golden/; RTT_UPDATE_GOLDEN=1 rewrites it (review the diff).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "measurement/json_measurement.h"
#include "output/statistics_table.h"
#include "output/text_report.h"

namespace rtt::client {
namespace {

const IpAddress kSource = *IpAddress::parse("198.18.1.1");
const IpAddress kTarget = *IpAddress::parse("198.18.6.2");

// Runs `feed` against one section of a TextReport and returns what it printed.
template <typename Feed>
std::string report_text(const SectionHeading& heading, Feed feed) {
    char* buffer = nullptr;
    std::size_t size = 0;
    std::FILE* out = open_memstream(&buffer, &size);
    {
        ReverseResolver no_names(false, std::chrono::milliseconds(0));
        TextReport report(out, no_names);
        feed(report.add_section(heading));
    }
    std::fclose(out);
    std::string text(buffer, size);
    std::free(buffer);
    return text;
}

void expect_golden(const std::string& name, const std::string& text) {
    const std::string path = std::string(RTT_GOLDEN_DIR) + "/" + name;
    if (std::getenv("RTT_UPDATE_GOLDEN")) {
        std::ofstream(path) << text;
        GTEST_SKIP() << "rewrote " << path;
    }
    std::ifstream file(path);
    ASSERT_TRUE(file) << "missing golden file " << path;
    std::ostringstream expected;
    expected << file.rdbuf();
    EXPECT_EQ(text, expected.str()) << "differs from " << path;
}

Answer answer(const char* address, AnswerKind kind = AnswerKind::time_exceeded, std::uint8_t code = 0) {
    Answer a;
    a.kind = kind;
    a.responder = *IpAddress::parse(address);
    a.icmp_code = code;
    return a;
}

SectionHeading heading(TraceDirection direction, bool multipath) {
    SectionHeading h;
    h.direction = direction;
    h.protocol = Protocol::udp;
    h.target_name = "server.lab";
    h.target = kTarget;
    h.source = kSource;
    h.end_of_path = direction == TraceDirection::reverse ? kSource : kTarget;
    h.max_ttl = 30;
    h.flow = 33434;
    h.multipath = multipath;
    h.flow_paths = multipath;
    return h;
}

TEST(TextViews, SinglePath) {
    const auto text = report_text(heading(TraceDirection::forward, false), [](TraceObserver& section) {
        section.on_hop(
            {1, 33434, {{answer("198.18.1.2"), 0.101}, {answer("198.18.1.2"), 0.052}, {answer("198.18.1.2"), 0.049}}});
        section.on_hop({2, 33434, {{std::nullopt, 0}, {std::nullopt, 0}, {std::nullopt, 0}}});
        // Five attempts for three slots: two retries, one of them answered.
        section.on_hop({3, 33434, {{answer("198.18.4.2"), 0.3}, {answer("198.18.5.2"), 0.25}, {std::nullopt, 0}}, 5});
        section.on_hop({4,
                        33434,
                        {{answer("198.18.6.2", AnswerKind::unreachable, 3), 0.4},
                         {answer("198.18.6.2", AnswerKind::unreachable, 3), 0.41},
                         {answer("198.18.6.2", AnswerKind::unreachable, 3), 0.39}}});
        section.on_end({TraceEnd::reached, answer("198.18.6.2", AnswerKind::unreachable, 3), {}, 12, 10});
    });
    expect_golden("singlepath.txt", text);
}

MultipathVertex vertex(int id, std::uint8_t ttl, const char* address, std::vector<std::uint16_t> flows,
                       std::vector<double> rtts) {
    MultipathVertex v;
    v.id = id;
    v.ttl = ttl;
    if (address)
        v.address = *IpAddress::parse(address);
    v.flows = std::move(flows);
    v.rtts_ms = std::move(rtts);
    return v;
}

TEST(TextViews, MultipathAndFlowTable) {
    MultipathGraph graph;
    graph.vertices = {vertex(0, 0, "198.18.1.1", {}, {}),
                      vertex(1, 1, "198.18.1.2", {10000, 10001, 10002}, {0.1, 0.2, 0.3}),
                      vertex(2, 2, "198.18.2.2", {10000, 10002}, {0.2, 0.4}),
                      vertex(3, 2, nullptr, {10001, 10003}, {}),
                      vertex(4, 3, "198.18.4.2", {10000, 10001}, {0.5, 0.6}),
                      vertex(5, 3, "198.18.5.2", {10002, 10003}, {0.5, 0.7}),
                      vertex(6, 4, "198.18.6.2", {10000, 10001, 10002, 10003}, {0.6, 0.7, 0.8, 0.9})};
    graph.vertices[6].end_of_path = true;
    graph.vertices[2].sent = 5;  // three of its flows' probes were lost before retries answered
    graph.vertices[4].sent = 2;  // none lost
    graph.edges = {{0, 1, false}, {1, 2, false}, {1, 3, true},  {2, 4, false}, {3, 4, false},
                   {2, 5, false}, {3, 5, false}, {4, 6, false}, {5, 6, false}};
    const auto text = report_text(heading(TraceDirection::forward, true), [&](TraceObserver& section) {
        section.on_graph(graph);
        section.on_end({TraceEnd::reached, answer("198.18.6.2", AnswerKind::unreachable, 3), {}, 17, 15});
    });
    expect_golden("multipath.txt", text);
}

TEST(TextViews, MultipathBehindAPerPacketBalancer) {
    MultipathGraph graph;
    graph.vertices = {vertex(0, 0, "198.18.1.1", {}, {}),
                      vertex(1, 1, "198.18.1.2", {10000, 10001}, {0.1, 0.2}),
                      vertex(2, 2, "198.18.2.2", {10000}, {0.2}),
                      vertex(3, 2, "198.18.3.2", {10001}, {0.3}),
                      vertex(4, 3, "198.18.4.2", {10000}, {0.5}),
                      vertex(5, 3, "198.18.5.2", {10001}, {0.5}),
                      vertex(6, 4, "198.18.6.2", {10000, 10001}, {0.6, 0.7})};
    graph.vertices[6].end_of_path = true;
    graph.edges = {{0, 1, false}, {1, 2, false}, {1, 3, false}, {2, 4, false},
                   {3, 5, false}, {2, 5, false}, {4, 6, false}, {5, 6, false}};
    mark_per_packet(graph, {2}, {1});
    const auto text = report_text(heading(TraceDirection::forward, true), [&](TraceObserver& section) {
        section.on_graph(graph);
        section.on_end({TraceEnd::reached, answer("198.18.6.2", AnswerKind::unreachable, 3), {}, 40, 40});
    });
    expect_golden("multipath-per-packet.txt", text);
}

TEST(TextViews, MultipathBesideAPerDestinationBalancer) {
    // Every flow to the target took one way; traces to other addresses left hop 1 for two more.
    MultipathGraph graph;
    graph.vertices = {vertex(0, 0, "198.18.1.1", {}, {}), vertex(1, 1, "198.18.1.2", {10000, 10001}, {0.1, 0.2}),
                      vertex(2, 2, "198.18.2.2", {10000, 10001}, {0.2, 0.3}),
                      vertex(3, 3, "198.18.6.2", {10000, 10001}, {0.6, 0.7})};
    graph.vertices[3].end_of_path = true;
    graph.edges = {{0, 1, false}, {1, 2, false}, {2, 3, false}};
    mark_per_destination(graph, {{{1, *IpAddress::parse("198.18.1.2")}, {2, *IpAddress::parse("198.18.3.2")}},
                                 {{1, *IpAddress::parse("198.18.1.2")}, {2, *IpAddress::parse("198.18.4.2")}},
                                 {{1, *IpAddress::parse("198.18.1.2")}, {2, *IpAddress::parse("198.18.2.2")}}});
    const auto text = report_text(heading(TraceDirection::forward, true), [&](TraceObserver& section) {
        section.on_graph(graph);
        section.on_end({TraceEnd::reached, answer("198.18.6.2", AnswerKind::unreachable, 3), {}, 40, 40});
    });
    expect_golden("multipath-per-destination.txt", text);
}

// The report (-c) and live view table: rounds of a two-way trace where hop 2 of the reverse
// path loses half its answers, hop 3 forward answers from two addresses, and the reverse trace
// had a round in which the server's answer came from one hop further (left out: past the end).
TEST(TextViews, StatisticsTableBothDirectionsSideBySide) {
    DirectionStatistics forward, reverse;
    const double forward_rtts[4][3] = {{0.5, 1.0, 2.0}, {0.7, 1.2, 2.4}, {0.4, 1.1, 2.2}, {0.6, 1.3, 2.6}};
    for (int round = 0; round < 4; ++round) {
        forward.add({1, 33434, {{answer("198.18.1.2"), forward_rtts[round][0]}}, 1});
        forward.add({2, 33434, {{answer(round % 2 ? "198.18.4.2" : "198.18.5.2"), forward_rtts[round][1]}}, 1});
        forward.add({3, 33434, {{answer("198.18.6.2", AnswerKind::unreachable, 3), forward_rtts[round][2]}}, 1});
        forward.on_end({TraceEnd::reached, answer("198.18.6.2", AnswerKind::unreachable, 3), {}, 3, 3});
        reverse.add({1, 33434, {{answer("198.18.6.1"), 0.3 + 0.1 * round}}, 1});
        // Hop 2 answers every other round; a lost answer there is retried once.
        if (round % 2 == 0)
            reverse.add({2, 33434, {{answer("198.18.3.1"), 0.9}}, 1});
        else
            reverse.add({2, 33434, {{std::nullopt, 0}}, 2});
        reverse.add({3, 33434, {{answer("198.18.1.1", AnswerKind::unreachable, 3), 1.5}}, 1});
        if (round == 3)
            reverse.add({4, 33434, {{answer("198.18.1.1", AnswerKind::unreachable, 3), 1.6}}, 1});
        reverse.on_end({TraceEnd::reached, answer("198.18.1.1", AnswerKind::unreachable, 3), {}, 3, 3});
    }
    const auto lines =
        statistics_table({{"forward: to server.lab (198.18.6.2)", forward.hops()},
                          {"reverse: back from server.lab (RTTs measured by the server)", reverse.hops()}},
                         [](const IpAddress& address) { return address.to_string(); });
    std::string text;
    for (const auto& line : lines)
        text += line + "\n";
    expect_golden("statistics.txt", text);
    // The figures themselves, not only their layout.
    const auto hops = reverse.hops();
    ASSERT_EQ(hops.size(), 3u);
    EXPECT_EQ(hops[1].rtt.sent(), 6u);
    EXPECT_EQ(hops[1].rtt.received(), 2u);
    EXPECT_NEAR(hops[1].rtt.loss_percent(), 66.667, 0.001);
    const RttStatistics first = forward.hops()[0].rtt;
    EXPECT_DOUBLE_EQ(first.best_ms(), 0.4);
    EXPECT_DOUBLE_EQ(first.worst_ms(), 0.7);
    EXPECT_NEAR(first.mean_ms(), 0.55, 1e-12);
    EXPECT_NEAR(first.stddev_ms(), 0.129099, 1e-6);  // sample standard deviation of 0.5 0.7 0.4 0.6
    EXPECT_DOUBLE_EQ(first.last_ms(), 0.6);

    // Issue 26: at 80 and 120 columns the reverse side was cut off. Narrow: one direction above
    // the other, every line within the width, long names shortened; wide: side by side again.
    const auto long_names = [](const IpAddress& address) {
        return "a-rather-long-router-name.backbone.example.net (" + address.to_string() + ")";
    };
    const std::vector<StatisticsSide> sides{
        {"forward: to server.lab (198.18.6.2)", forward.hops()},
        {"reverse: back from server.lab (RTTs measured by the server)", reverse.hops()}};
    for (const std::size_t columns : {80u, 120u}) {
        const auto narrow = statistics_table(sides, long_names, columns);
        const auto reverse_title = std::find_if(narrow.begin(), narrow.end(), [](const std::string& line) {
            return line.rfind("reverse: back from", 0) == 0;
        });
        ASSERT_NE(reverse_title, narrow.end()) << columns << ": the reverse side is missing or not stacked";
        for (const auto& line : narrow) {
            EXPECT_LE(line.size(), columns) << line;
            EXPECT_EQ(line.find(" | "), std::string::npos) << "side by side at " << columns << ": " << line;
        }
        EXPECT_EQ(narrow[2].find("  1  a-rather-long"), 0u) << narrow[2];
        EXPECT_NE(narrow[2].find("...  "), std::string::npos) << narrow[2];
    }
    const auto wide = statistics_table(
        sides, [](const IpAddress& a) { return a.to_string(); }, 200);
    EXPECT_EQ(wide, lines);
    // Side by side with shortened names when there is room for both at a useful width.
    const auto shortened = statistics_table(sides, long_names, 180);
    EXPECT_NE(shortened[2].find("  |  "), std::string::npos) << shortened[2];
    for (const auto& line : shortened)
        EXPECT_LE(line.size(), 180u) << line;
}

}  // namespace
}  // namespace rtt::client

namespace rtt::client {
namespace {

// The multipath report (-c, --live with multipath): a discovered diamond (r1, two branches, the
// end; one flow silent at TTL 2), then rounds. The figures: a probe its vertex answered counts
// as sent and received, a silent one as sent and lost, one another address answered as neither
// (answered_elsewhere); flows are taken in turn; shares count silent flows. The table: one line
// per vertex, the TTL on the first of its hop, a Flows column.
TEST(TextViews, MultipathStatisticsPerVertex) {
    MultipathGraph graph;
    const auto add_vertex = [&](int ttl, std::optional<IpAddress> address) {
        MultipathVertex vertex;
        vertex.id = static_cast<int>(graph.vertices.size());
        vertex.ttl = static_cast<std::uint8_t>(ttl);
        vertex.address = address;
        graph.vertices.push_back(vertex);
    };
    add_vertex(0, kSource);
    add_vertex(1, *IpAddress::parse("198.18.1.2"));
    add_vertex(2, *IpAddress::parse("198.18.2.2"));
    add_vertex(2, *IpAddress::parse("198.18.3.2"));
    add_vertex(2, std::nullopt);
    add_vertex(3, kTarget);
    graph.vertices[1].flows = {100, 101, 102, 103};
    graph.vertices[2].flows = {100, 102};
    graph.vertices[3].flows = {101};
    graph.vertices[4].flows = {103};  // silent: counts in the shares, never probed
    graph.vertices[5].flows = {100, 101, 102};
    VertexStatistics statistics;
    EXPECT_FALSE(statistics.discovered());
    statistics.on_graph(graph);
    ASSERT_TRUE(statistics.discovered());
    const auto probes = [&](std::uint64_t round) {
        std::vector<std::pair<int, int>> out;
        for (const auto& probe : statistics.round_probes(round))
            out.emplace_back(probe.ttl, probe.flow);
        return out;
    };
    EXPECT_EQ(probes(0), (std::vector<std::pair<int, int>>{{1, 100}, {2, 100}, {2, 101}, {3, 100}}));
    EXPECT_EQ(probes(1), (std::vector<std::pair<int, int>>{{1, 101}, {2, 102}, {2, 101}, {3, 101}}));
    EXPECT_EQ(probes(5), (std::vector<std::pair<int, int>>{{1, 101}, {2, 102}, {2, 101}, {3, 102}}));

    const double rtts[4] = {0.5, 1.0, 1.5, 2.0};
    for (int round = 0; round < 4; ++round) {
        statistics.on_hop({1, static_cast<std::uint16_t>(100 + round), {{answer("198.18.1.2"), rtts[round]}}, 1});
        // 198.18.2.2 loses every other probe; 198.18.3.2's flow met 198.18.2.2 once (it moved).
        statistics.on_hop({2, 100, {{round % 2 ? std::nullopt : std::optional(answer("198.18.2.2")), 1.0}}, 1});
        statistics.on_hop({2, 101, {{answer(round == 3 ? "198.18.2.2" : "198.18.3.2"), 1.2}}, 1});
        statistics.on_hop({3, 100, {{answer("198.18.6.2", AnswerKind::unreachable, 3), 2.0}}, 1});
    }
    statistics.on_hop({2, 103, {{std::nullopt, 0}}, 1});  // a flow discovery saw silent: not a vertex's
    const auto& vertices = statistics.vertices();
    ASSERT_EQ(vertices.size(), 4u);
    EXPECT_EQ(vertices[0].rtt.sent(), 4u);
    EXPECT_EQ(vertices[0].rtt.received(), 4u);
    EXPECT_DOUBLE_EQ(vertices[0].flow_share, 1.0);
    EXPECT_EQ(vertices[1].rtt.sent(), 4u);
    EXPECT_EQ(vertices[1].rtt.received(), 2u);
    EXPECT_DOUBLE_EQ(vertices[1].rtt.loss_percent(), 50.0);
    EXPECT_DOUBLE_EQ(vertices[1].flow_share, 0.5);
    EXPECT_EQ(vertices[2].rtt.sent(), 3u);
    EXPECT_EQ(vertices[2].rtt.received(), 3u);
    EXPECT_EQ(vertices[2].answered_elsewhere, 1u);
    EXPECT_DOUBLE_EQ(vertices[2].flow_share, 0.25);
    EXPECT_NEAR(vertices[3].flow_share, 1.0, 1e-12);

    std::string text;
    for (const auto& line : statistics_table({vertex_side("forward: to server.lab (198.18.6.2)", vertices)},
                                             [](const IpAddress& address) { return address.to_string(); }))
        text += line + "\n";
    expect_golden("statistics-multipath.txt", text);

    // JSON as stored, then r: figures zeroed, vertices kept.
    const auto json = vertex_statistics_json(TraceDirection::forward, vertices);
    EXPECT_EQ(json["rtt_measured_by"], "client");
    EXPECT_EQ(json["vertices"][2]["answered_elsewhere"], 1);
    EXPECT_EQ(json["vertices"][1]["flows"], nlohmann::json::array({100, 102}));
    EXPECT_FALSE(json["vertices"][1].contains("hops"));
    statistics.reset();
    EXPECT_EQ(statistics.vertices().size(), 4u);
    EXPECT_EQ(statistics.vertices()[1].rtt.sent(), 0u);
    EXPECT_EQ(statistics.vertices()[2].answered_elsewhere, 0u);
}

}  // namespace
}  // namespace rtt::client
