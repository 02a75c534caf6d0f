// SPDX-License-Identifier: MIT
#include "topology_catalogue.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

namespace rtt::sim {

GeneratedTopology make_diamond(const DiamondShape& shape) {
    Topology t;
    t.add_node("client", false);
    std::vector<std::string> lead;
    for (int i = 1; i <= shape.lead_in; ++i) {
        lead.push_back(fmt::format("r{}", i));
        t.add_node(lead.back(), true);
    }
    std::vector<std::vector<std::string>> layers(static_cast<std::size_t>(shape.length));
    for (int l = 0; l < shape.length; ++l)
        for (int i = 0; i < shape.width; ++i) {
            layers[l].push_back(fmt::format("d{}_{}", l + 1, i + 1));
            t.add_node(layers[l].back(), true);
        }
    t.add_node("join", true);
    t.add_node("server", false);

    const auto link = [&](const std::string& a, const std::string& b) { return t.add_link(a, b, shape.link_delay_ns); };
    const int client_link = link("client", lead.front());
    for (std::size_t i = 1; i < lead.size(); ++i)
        link(lead[i - 1], lead[i]);
    const std::string& diverge = lead.back();
    for (const auto& vertex : layers.front())
        link(diverge, vertex);
    // Next hops toward the server, per node inside the diamond.
    std::map<std::string, std::vector<std::string>> toward;
    for (std::size_t l = 0; l + 1 < layers.size(); ++l)
        for (std::size_t i = 0; i < layers[l].size(); ++i) {
            std::vector<std::string> next{layers[l + 1][i]};
            if (shape.meshed && shape.width > 1)
                next.push_back(layers[l + 1][(i + 1) % layers[l + 1].size()]);
            for (const auto& n : next)
                link(layers[l][i], n);
            toward[layers[l][i]] = next;
        }
    for (const auto& vertex : layers.back()) {
        link(vertex, "join");
        toward[vertex] = {"join"};
    }
    const int server_link = link("join", "server");

    // Routes: toward the server's link forward, everything else (the client) back.
    t.add_route("client", -1, {lead.front()});
    t.add_route("server", -1, {"join"});
    for (std::size_t i = 0; i + 1 < lead.size(); ++i)
        t.add_route(lead[i], server_link, {lead[i + 1]});
    std::vector<std::string> branches;
    for (std::size_t i = 0; i < layers.front().size(); ++i)
        for (int w = 0; w < (shape.weights.empty() ? 1 : shape.weights[i]); ++w)
            branches.push_back(layers.front()[i]);
    t.add_route(diverge, server_link, branches);
    if (shape.per_packet)
        t.node(diverge).behaviour.balancing = Behaviour::Balancing::per_packet;
    if (shape.per_destination)
        t.node(diverge).behaviour.balancing = Behaviour::Balancing::per_destination;
    for (std::size_t i = 1; i < lead.size(); ++i)
        t.add_route(lead[i], -1, {lead[i - 1]});
    for (std::size_t l = 0; l < layers.size(); ++l)
        for (std::size_t i = 0; i < layers[l].size(); ++i) {
            t.add_route(layers[l][i], server_link, toward[layers[l][i]]);
            t.add_route(layers[l][i], -1, {l == 0 ? diverge : layers[l - 1][i]});
        }
    t.add_route("join", -1, {layers.back().front()});
    for (auto& [name, node] : t.nodes())
        if (node.router)
            t.node(name).behaviour.answer_from = Behaviour::AnswerFrom::route_back;

    // The truth: each router answers from its link toward its route back.
    GeneratedTopology generated{t, {}};
    TrueGraph& truth = generated.truth;
    const auto answer_address = [&](const std::string& name) {
        const Link& first = t.link(client_link);
        if (first.a == name || first.b == name)
            return t.address(name, client_link, Family::v4);
        const std::string& back = t.node(name).routes.at(-1).front();
        for (const int number : t.links_of(name)) {
            const Link& l = t.link(number);
            if (l.a == back || l.b == back)
                return t.address(name, number, Family::v4);
        }
        return t.address(name, Family::v4);
    };
    truth.destination = t.address("server", server_link, Family::v4);
    int ttl = 1;
    std::map<std::string, double> reach;
    std::string previous;
    for (const auto& router : lead) {
        truth.vertices[ttl].insert(answer_address(router));
        reach[router] = 1;
        if (!previous.empty())
            truth.edges.insert({answer_address(previous), answer_address(router)});
        previous = router;
        ++ttl;
    }
    const double total_weight = shape.weights.empty()
                                    ? static_cast<double>(shape.width)
                                    : std::accumulate(shape.weights.begin(), shape.weights.end(), 0.0);
    for (std::size_t i = 0; i < layers.front().size(); ++i)
        reach[layers.front()[i]] = (shape.weights.empty() ? 1.0 : shape.weights[i]) / total_weight;
    for (std::size_t l = 0; l < layers.size(); ++l) {
        for (const auto& vertex : layers[l]) {
            truth.vertices[ttl].insert(answer_address(vertex));
            const auto& from = l == 0 ? std::vector<std::string>{diverge} : layers[l - 1];
            for (const auto& p : from) {
                const auto& next = l == 0 ? layers.front() : toward[p];
                if (std::find(next.begin(), next.end(), vertex) != next.end())
                    truth.edges.insert({answer_address(p), answer_address(vertex)});
            }
        }
        if (l + 1 < layers.size())
            for (const auto& vertex : layers[l + 1]) {
                double r = 0;
                for (const auto& p : layers[l]) {
                    const auto& next = toward[p];
                    if (std::find(next.begin(), next.end(), vertex) != next.end())
                        r += reach[p] / static_cast<double>(next.size());
                }
                reach[vertex] = r;
            }
        ++ttl;
    }
    truth.vertices[ttl].insert(answer_address("join"));
    reach["join"] = 1;
    for (const auto& vertex : layers.back())
        truth.edges.insert({answer_address(vertex), answer_address("join")});
    truth.vertices[ttl + 1].insert(truth.destination);
    truth.edges.insert({answer_address("join"), truth.destination});
    reach["server"] = 1;
    for (const auto& [name, share] : reach)
        truth.reach[name == "server" ? truth.destination : answer_address(name)] = share;
    return generated;
}

std::vector<IpAddress> add_servers(GeneratedTopology& generated, int count) {
    Topology& t = generated.topology;
    const int server_link = t.links_of("server").front();
    std::vector<IpAddress> added;
    added.reserve(static_cast<std::size_t>(count));
    for (int k = 1; k <= count; ++k) {
        const std::string name = fmt::format("server{}", k);
        t.add_node(name, false);
        t.node(name).reverse_server = t.node("server").reverse_server;
        const int link = t.add_link("join", name, t.link(server_link).delay_ns);
        std::vector<std::pair<std::string, std::vector<std::string>>> same_way;
        for (const auto& [node_name, node] : t.nodes())
            if (const auto route = node.routes.find(server_link); route != node.routes.end())
                same_way.emplace_back(node_name, route->second);
        for (auto& [node_name, via] : same_way)
            t.add_route(node_name, link, std::move(via));
        t.add_route(name, -1, {"join"});
        added.push_back(t.address(name, link, Family::v4));
    }
    return added;
}

std::string shape_name(const DiamondShape& shape) {
    std::string name = fmt::format("w{} l{}{}", shape.width, shape.length, shape.meshed ? " meshed" : "");
    if (!shape.weights.empty()) {
        name += " ";
        for (std::size_t i = 0; i < shape.weights.size(); ++i)
            name += fmt::format("{}{}", i ? ":" : "", shape.weights[i]);
    }
    if (shape.per_packet)
        name += " per-packet";
    if (shape.per_destination)
        name += " per-destination";
    return name;
}

}  // namespace rtt::sim
