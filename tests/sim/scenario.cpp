// SPDX-License-Identifier: MIT
#include "scenario.h"

#include <algorithm>
#include <set>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "lab_truth.h"

namespace rtt::sim {
namespace {

constexpr std::int64_t kMs = 1'000'000;

std::vector<std::string> words_of(const std::string& line) {
    std::istringstream in(line.substr(0, line.find('#')));
    std::vector<std::string> words;
    for (std::string word; in >> word;)
        words.push_back(word);
    return words;
}

double number(const std::string& word, const std::string& what) {
    try {
        std::size_t used = 0;
        const double value = std::stod(word, &used);
        if (used == word.size())
            return value;
    } catch (const std::exception&) {
    }
    throw std::invalid_argument(fmt::format("{} '{}' is not a number", what, word));
}

void apply_node_statement(Topology& topology, const std::vector<std::string>& w) {
    if (w.size() < 3)
        throw std::invalid_argument("node needs a name and what it does");
    Behaviour& b = topology.node(w[1]).behaviour;  // throws for an unknown node
    const std::string& what = w[2];
    if (what == "silent" && w.size() == 3)
        b.silent = true;
    else if (what == "loss" && w.size() == 4)
        b.loss = number(w[3], "loss");
    else if (what == "rate-limit" && w.size() == 4 && w[3] == "linux")
        b.rate_limit = RateLimit::linux_default();
    else if (what == "rate-limit" && w.size() == 5 && w[3] == "policer")
        b.rate_limit = RateLimit::policer(static_cast<int>(number(w[4], "policer rate")));
    else if (what == "nat" && w.size() == 3)
        b.nat = true;
    else if (what == "per-packet" && w.size() == 3)
        b.balancing = Behaviour::Balancing::per_packet;
    else if (what == "answers-from" && w.size() == 4 && w[3] == "route-back")
        b.answer_from = Behaviour::AnswerFrom::route_back;
    else if (what == "mpls" && w.size() >= 4)
        for (std::size_t i = 3; i < w.size(); ++i)
            b.mpls_labels.push_back(static_cast<std::uint32_t>(number(w[i], "MPLS label")));
    else
        throw std::invalid_argument(fmt::format("unknown node behaviour '{}'", what));
}

void apply_trace_statement(Scenario& s, const std::vector<std::string>& w) {
    if (w.size() != 5)
        throw std::invalid_argument("trace needs DIRECTION PROTOCOL ENGINE FAMILY");
    if (w[1] != "forward" && w[1] != "reverse" && w[1] != "two-way")
        throw std::invalid_argument(fmt::format("unknown direction '{}'", w[1]));
    s.spec.forward = w[1] != "reverse";
    s.spec.reverse = w[1] != "forward";
    if (w[2] == "udp")
        s.spec.protocol = Protocol::udp;
    else if (w[2] == "tcp")
        s.spec.protocol = Protocol::tcp;
    else if (w[2] == "icmp")
        s.spec.protocol = Protocol::icmp;
    else
        throw std::invalid_argument(fmt::format("unknown protocol '{}'", w[2]));
    if (w[3] != "singlepath" && w[3] != "multipath")
        throw std::invalid_argument(fmt::format("unknown engine '{}'", w[3]));
    s.spec.multipath = w[3] == "multipath";
    if (w[4] != "4" && w[4] != "6")
        throw std::invalid_argument(fmt::format("unknown family '{}': say 4 or 6", w[4]));
    s.family = w[4] == "4" ? Family::v4 : Family::v6;
}

void apply_option_statement(Scenario& s, const std::vector<std::string>& w) {
    if (w.size() != 3)
        throw std::invalid_argument("option needs a name and a value");
    const double value = number(w[2], w[1]);
    if (w[1] == "retries") {
        s.spec.singlepath.retries = static_cast<int>(value);
        s.spec.multipath_settings.retries = static_cast<int>(value);
    } else if (w[1] == "timeout") {
        s.spec.prober.timeout_ns = static_cast<std::int64_t>(value * 1e9);
    } else if (w[1] == "confidence") {
        s.spec.multipath_settings.confidence = value;
    } else if (w[1] == "destination-port") {
        s.spec.destination_port = static_cast<std::uint16_t>(value);
    } else {
        throw std::invalid_argument(fmt::format("unknown option '{}'", w[1]));
    }
}

void add_expectation(Scenario& s, const std::vector<std::string>& w) {
    static const std::set<std::string> per_direction{"end",     "truth",      "silent-hop",     "black-holes",
                                                     "mpls-at", "per-packet", "uncertain-links"};
    if (w.size() == 3 && w[1] == "finishes-within") {
        number(w[2], "finishes-within");
        s.expectations.push_back({"", w[1], w[2]});
        return;
    }
    if (w.size() < 3 || (w[1] != "forward" && w[1] != "reverse") || !per_direction.contains(w[2]))
        throw std::invalid_argument(
            "expect needs DIRECTION end|truth|silent-hop|black-holes|mpls-at|per-packet|uncertain-links [VALUE], or "
            "finishes-within SECONDS");
    if ((w[2] == "truth") != (w.size() == 3) || w.size() > 4)
        throw std::invalid_argument(fmt::format("expect {} {}: wrong number of values", w[1], w[2]));
    s.expectations.push_back({w[1], w[2], w.size() == 4 ? w[3] : ""});
}

// The addresses that answered per TTL, and the TTLs where nothing answered (single path: a
// silent hop; multipath: a *** vertex).
struct Found {
    std::map<int, std::set<IpAddress>> answered;
    std::set<int> silent;
    int black_holes = 0;
    std::set<int> mpls;
};

Found found_in(const TraceRecord& record) {
    Found f;
    if (record.graph) {
        for (const auto& vertex : record.graph->vertices) {
            if (vertex.id == 0)
                continue;
            if (vertex.address)
                f.answered[vertex.ttl].insert(*vertex.address);
            else {
                f.silent.insert(vertex.ttl);
                ++f.black_holes;
            }
            if (!vertex.mpls.empty())
                f.mpls.insert(vertex.ttl);
        }
        return f;
    }
    for (const auto& hop : record.hops) {
        if (hop.silent())
            f.silent.insert(hop.ttl);
        for (const auto& reply : hop.replies)
            if (reply.answer) {
                f.answered[hop.ttl].insert(reply.answer->responder);
                if (!reply.answer->mpls.empty())
                    f.mpls.insert(hop.ttl);
            }
    }
    return f;
}

// Every address that answered is on the truth line at its TTL. Multipath must have found every
// address of the line, single path (one flow) at least one per TTL; addresses of silent nodes
// are not asked for.
void check_truth(const Scenario& s, const std::string& direction, bool multipath, const Found& found,
                 std::vector<std::string>& out) {
    const auto truth = truth_hops(s.topology, direction, s.family);
    for (const auto& [ttl, addresses] : found.answered)
        for (const auto& address : addresses)
            if (ttl < 1 || ttl > static_cast<int>(truth.size()) || !truth[ttl - 1].contains(address))
                out.push_back(fmt::format("{}: {} answered at TTL {}, which the truth line does not have", direction,
                                          address.to_string(), ttl));
    for (std::size_t i = 0; i < truth.size(); ++i) {
        const int ttl = static_cast<int>(i + 1);
        const auto at = found.answered.find(ttl);
        std::vector<IpAddress> wanted, seen;
        for (const auto& address : truth[i]) {
            const auto owner = s.topology.owner(address);
            if (owner && s.topology.node(owner->first).behaviour.silent)
                continue;
            wanted.push_back(address);
            if (at != found.answered.end() && at->second.contains(address))
                seen.push_back(address);
        }
        if (multipath) {
            for (const auto& address : wanted)
                if (std::find(seen.begin(), seen.end(), address) == seen.end())
                    out.push_back(fmt::format("{}: {} (TTL {}) was not found", direction, address.to_string(), ttl));
        } else if (!wanted.empty() && seen.empty()) {
            out.push_back(fmt::format("{}: nothing of the truth line answered at TTL {}", direction, ttl));
        }
    }
}

}  // namespace

Scenario parse_scenario(const std::string& name, const std::string& text, const std::string& topology_dir) {
    Scenario s;
    s.name = name;
    bool have_topology = false, have_trace = false;
    std::istringstream lines(text);
    int number_of_line = 0;
    for (std::string line; std::getline(lines, line);) {
        ++number_of_line;
        const auto w = words_of(line);
        if (w.empty())
            continue;
        try {
            if (w[0] == "topology" && w.size() == 2) {
                s.topology = Topology::load(topology_dir + "/" + w[1] + ".topo");
                have_topology = true;
            } else if (!have_topology) {
                throw std::invalid_argument("the first statement must be `topology NAME`");
            } else if (w[0] == "link-delay" && w.size() == 2) {
                s.topology.set_link_delays(static_cast<std::int64_t>(number(w[1], "link delay") * kMs));
            } else if (w[0] == "node") {
                apply_node_statement(s.topology, w);
            } else if (w[0] == "trace") {
                apply_trace_statement(s, w);
                have_trace = true;
            } else if (w[0] == "seeds" && w.size() == 2) {
                s.seeds = static_cast<int>(number(w[1], "seeds"));
            } else if (w[0] == "option") {
                apply_option_statement(s, w);
            } else if (w[0] == "expect") {
                add_expectation(s, w);
            } else {
                throw std::invalid_argument(fmt::format("unknown statement '{}'", w[0]));
            }
        } catch (const std::exception& e) {
            throw std::invalid_argument(fmt::format("{} line {}: {}", name, number_of_line, e.what()));
        }
    }
    if (!have_trace)
        throw std::invalid_argument(fmt::format("{}: no `trace` statement", name));
    if (s.expectations.empty())
        throw std::invalid_argument(fmt::format("{}: no `expect` statement: a scenario must check something", name));
    if (s.spec.reverse)
        s.topology.node("server").reverse_server = true;
    return s;
}

std::vector<std::string> run_scenario(const Scenario& scenario, std::uint64_t seed) {
    SimulatedNetwork network(scenario.topology, seed);
    SimulatedTraceSpec spec = scenario.spec;
    spec.target = scenario.topology.address("server", scenario.family);
    spec.prober.first_id = static_cast<std::uint16_t>(1 + seed * 7919 % 60000);
    spec.multipath_settings.first_flow = static_cast<std::uint16_t>(10000 + seed * 104729 % 55000);
    const SimulatedTrace trace = simulate_trace(network, spec);
    std::vector<std::string> failures;
    if (trace.hung)
        failures.push_back("the trace did not finish within the simulation's time limit");
    for (const auto& e : scenario.expectations) {
        if (e.what == "finishes-within") {
            if (static_cast<double>(trace.simulated_ns) / 1e9 > std::stod(e.value))
                failures.push_back(fmt::format("took {:.1f} s of simulated time, expected at most {} s",
                                               static_cast<double>(trace.simulated_ns) / 1e9, e.value));
            continue;
        }
        const auto& direction = e.direction == "forward" ? trace.forward : trace.reverse;
        if (!direction || !direction->record.summary) {
            failures.push_back(fmt::format("{}: not traced (see the trace statement)", e.direction));
            continue;
        }
        const Found found = found_in(direction->record);
        if (e.what == "end") {
            const std::string end = trace_end_name(direction->record.summary->end);
            if (end != e.value)
                failures.push_back(fmt::format("{}: ended {}, expected {}", e.direction, end, e.value));
        } else if (e.what == "truth") {
            check_truth(scenario, e.direction, scenario.spec.multipath, found, failures);
        } else if (e.what == "silent-hop") {
            if (!found.silent.contains(std::stoi(e.value)))
                failures.push_back(fmt::format("{}: nothing silent at TTL {}", e.direction, e.value));
        } else if (e.what == "black-holes") {
            if (found.black_holes != std::stoi(e.value))
                failures.push_back(
                    fmt::format("{}: {} black holes, expected {}", e.direction, found.black_holes, e.value));
        } else if (e.what == "per-packet" || e.what == "uncertain-links") {
            // per-packet: the TTLs whose vertices are marked, comma-separated ("none" for none);
            // uncertain-links: how many links are marked not known to exist.
            std::set<int> marked;
            int uncertain = 0;
            if (const auto& graph = direction->record.graph) {
                for (const auto& vertex : graph->vertices)
                    if (vertex.per_packet)
                        marked.insert(vertex.ttl);
                for (const auto& edge : graph->edges)
                    uncertain += edge.uncertain ? 1 : 0;
            }
            const std::string shown = marked.empty() ? "none" : fmt::format("{}", fmt::join(marked, ","));
            if (e.what == "per-packet" && shown != e.value)
                failures.push_back(
                    fmt::format("{}: per-packet vertices at TTL {}, expected {}", e.direction, shown, e.value));
            if (e.what == "uncertain-links" && uncertain != std::stoi(e.value))
                failures.push_back(fmt::format("{}: {} uncertain links, expected {}", e.direction, uncertain, e.value));
        } else if (e.what == "mpls-at") {
            if (!found.mpls.contains(std::stoi(e.value)))
                failures.push_back(fmt::format("{}: no MPLS label stack at TTL {}", e.direction, e.value));
        }
    }
    return failures;
}

}  // namespace rtt::sim
