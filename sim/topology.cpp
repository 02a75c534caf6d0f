// SPDX-License-Identifier: MIT
#include "topology.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace rtt::sim {

void Topology::add_node(const std::string& name, bool router) {
    if (nodes_.contains(name))
        throw std::invalid_argument(fmt::format("node {} is declared twice", name));
    Node node;
    node.name = name;
    node.router = router;
    // Every router hashes flows with its own seed, as the lab seeds each namespace.
    node.behaviour.hash_seed = std::hash<std::string>{}(name)*0x9E3779B97F4A7C15ULL + nodes_.size();
    nodes_.emplace(name, std::move(node));
}

int Topology::add_link(const std::string& a, const std::string& b, std::int64_t delay_ns) {
    node(a);
    node(b);
    const int number = links_.empty() ? 1 : links_.rbegin()->first + 1;
    links_[number] = Link{number, a, b, delay_ns};
    return number;
}

void Topology::add_route(const std::string& name, int destination_link, std::vector<std::string> via) {
    for (const auto& neighbour : via)
        node(neighbour);
    node(name).routes[destination_link] = std::move(via);
}

void Topology::set_link_delays(std::int64_t delay_ns) {
    for (auto& [number, link] : links_)
        link.delay_ns = delay_ns;
}

Node& Topology::node(const std::string& name) {
    const auto found = nodes_.find(name);
    if (found == nodes_.end())
        throw std::invalid_argument(fmt::format("no node named {}", name));
    return found->second;
}

const Node& Topology::node(const std::string& name) const {
    return const_cast<Topology*>(this)->node(name);
}

const Link& Topology::link(int number) const {
    const auto found = links_.find(number);
    if (found == links_.end())
        throw std::invalid_argument(fmt::format("no link {}", number));
    return found->second;
}

std::vector<int> Topology::links_of(const std::string& name) const {
    std::vector<int> numbers;
    for (const auto& [number, link] : links_)
        if (link.a == name || link.b == name)
            numbers.push_back(number);
    return numbers;
}

IpAddress Topology::address(const std::string& name, int number, Family family) const {
    const Link& l = link(number);
    if (l.a != name && l.b != name)
        throw std::invalid_argument(fmt::format("{} is not on link {}", name, number));
    const int host = l.a == name ? 1 : 2;
    // The lab writes the link number's decimal digits as the IPv6 group (link 12: 2001:db8:12::).
    if (family == Family::v6)
        return *IpAddress::parse(fmt::format("2001:db8:{}::{}", number, host));
    if (number <= 255)
        return *IpAddress::parse(fmt::format("198.18.{}.{}", number, host));
    // Generated topologies have more links than 198.18.N.0/24 allows: a /30 each in 198.19/16.
    const int at = number * 4 + host;
    return *IpAddress::parse(fmt::format("198.19.{}.{}", at >> 8, at & 255));
}

IpAddress Topology::address(const std::string& name, Family family) const {
    const auto numbers = links_of(name);
    if (numbers.empty())
        throw std::invalid_argument(fmt::format("{} is on no link", name));
    return address(name, numbers.front(), family);
}

namespace {

// The link number and host part of a lab address, if it is one.
std::optional<std::pair<int, int>> lab_link_and_host(const IpAddress& address) {
    const auto& w = address.wire();
    if (address.is_v4()) {  // IPv4-mapped: the address is in the last four bytes
        if (w[12] != 198 || (w[13] != 18 && w[13] != 19))
            return std::nullopt;
        if (w[13] == 18)
            return std::pair{static_cast<int>(w[14]), static_cast<int>(w[15])};
        const int at = (w[14] << 8) | w[15];
        return std::pair{at / 4, at % 4};
    }
    if (w[0] != 0x20 || w[1] != 0x01 || w[2] != 0x0d || w[3] != 0xb8)
        return std::nullopt;
    const std::string digits = fmt::format("{:x}", (w[4] << 8) | w[5]);
    if (digits.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    return std::pair{std::stoi(digits), static_cast<int>(w[15])};
}

}  // namespace

std::optional<int> Topology::link_of(const IpAddress& address) const {
    const auto parts = lab_link_and_host(address);
    if (!parts || !links_.contains(parts->first))
        return std::nullopt;
    return parts->first;
}

std::optional<std::pair<std::string, int>> Topology::owner(const IpAddress& address) const {
    const auto parts = lab_link_and_host(address);
    if (!parts)
        return std::nullopt;
    const auto [number, host] = *parts;
    const auto found = links_.find(number);
    if (found == links_.end() || (host != 1 && host != 2))
        return std::nullopt;
    return std::pair{host == 1 ? found->second.a : found->second.b, number};
}

Topology Topology::parse(const std::string& text) {
    Topology topology;
    std::istringstream lines(text);
    std::string line;
    int line_number = 0;
    // Links may name nodes declared later; routes need their links. Collect, then build.
    std::vector<std::pair<int, std::vector<std::string>>> links, routes;
    while (std::getline(lines, line)) {
        ++line_number;
        std::istringstream in(line);
        std::vector<std::string> words;
        for (std::string word; in >> word;)
            words.push_back(word);
        if (words.empty() || words[0][0] == '#')
            continue;
        const auto bad = [&](const std::string& why) {
            return std::invalid_argument(fmt::format("topology line {}: {}: {}", line_number, why, line));
        };
        if (words[0] == "node" || words[0] == "router") {
            if (words.size() != 2)
                throw bad("expected `node NAME` or `router NAME`");
            topology.add_node(words[1], words[0] == "router");
        } else if (words[0] == "link") {
            if (words.size() != 4)
                throw bad("expected `link N A B`");
            links.emplace_back(line_number, words);
        } else if (words[0] == "route") {
            if (words.size() < 5 || words[3] != "via")
                throw bad("expected `route NODE DEST via NB [NB...]`");
            routes.emplace_back(line_number, words);
        } else if (words[0] == "truth") {
            if (words.size() < 3)
                throw bad("expected `truth NAME HOP...`");
            std::string hops;
            for (std::size_t i = 2; i < words.size(); ++i)
                hops += (i > 2 ? " " : "") + words[i];
            topology.truth_[words[1]] = hops;
        } else {
            throw bad("unknown statement");
        }
    }
    for (const auto& [number, words] : links) {
        const int n = std::stoi(words[1]);
        topology.node(words[2]);
        topology.node(words[3]);
        topology.links_[n] = Link{n, words[2], words[3], 1'000'000};
    }
    for (const auto& [number, words] : routes)
        topology.add_route(words[1], words[2] == "default" ? -1 : std::stoi(words[2]),
                           std::vector<std::string>(words.begin() + 4, words.end()));
    return topology;
}

Topology Topology::load(const std::string& path) {
    std::ifstream file(path);
    if (!file)
        throw std::invalid_argument(fmt::format("cannot read the topology {}", path));
    std::stringstream text;
    text << file.rdbuf();
    return parse(text.str());
}

}  // namespace rtt::sim
