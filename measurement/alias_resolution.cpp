// SPDX-License-Identifier: MIT
#include "measurement/alias_resolution.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace rtt {
namespace {

std::uint32_t v4_number(const IpAddress& address) {
    const auto bytes = address.header_bytes();
    return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) | (std::uint32_t{bytes[2]} << 8) |
           bytes[3];
}

struct Subnet {
    std::uint32_t network = 0;
    int length = 0;
    bool operator<(const Subnet& other) const {
        return std::tie(length, network) < std::tie(other.length, other.network);
    }
};

Subnet subnet_of(const IpAddress& address, int length) {
    const std::uint32_t mask = length == 0 ? 0 : ~std::uint32_t{0} << (32 - length);
    return {v4_number(address) & mask, length};
}

// Union-find over addresses.
class AliasSets {
public:
    const IpAddress& root(const IpAddress& address) {
        auto [it, added] = parent_.try_emplace(address, address);
        if (!(it->second == address))
            it->second = root(it->second);
        return parent_.at(address);
    }
    bool same(const IpAddress& a, const IpAddress& b) { return root(a) == root(b); }
    void join(const IpAddress& a, const IpAddress& b) { parent_[root(a)] = root(b); }
    std::vector<std::vector<IpAddress>> sets() {
        std::map<IpAddress, std::vector<IpAddress>> grouped;
        for (const auto& [address, parent] : std::map<IpAddress, IpAddress>(parent_))
            grouped[root(address)].push_back(address);
        std::vector<std::vector<IpAddress>> result;
        for (auto& [root, members] : grouped)
            if (members.size() > 1)
                result.push_back(std::move(members));
        return result;
    }

private:
    std::map<IpAddress, IpAddress> parent_;
};

std::optional<std::size_t> index_in(const AddressPath& path, const IpAddress& address) {
    const auto found = std::find(path.begin(), path.end(), address);
    return found == path.end() ? std::nullopt : std::optional<std::size_t>(found - path.begin());
}

}  // namespace

std::vector<std::vector<IpAddress>> resolve_aliases(const std::vector<AddressPath>& forward,
                                                    const std::vector<AddressPath>& reverse_turned) {
    std::vector<AddressPath> all = forward;
    all.insert(all.end(), reverse_turned.begin(), reverse_turned.end());
    std::set<IpAddress> seen;
    for (const auto& path : all)
        for (const auto& address : path)
            if (address.is_v4())
                seen.insert(address);

    // Candidate subnets /24 … /31: at least half their addresses seen, at least two members,
    // and no path holding two of its members more than one hop apart.
    std::map<Subnet, std::vector<IpAddress>> subnets;
    for (int length = 24; length <= 31; ++length) {
        std::map<Subnet, std::vector<IpAddress>> members;
        for (const auto& address : seen)
            members[subnet_of(address, length)].push_back(address);
        for (auto& [subnet, subnet_members] : members) {
            // A plain reference: the lambda below may not capture a structured binding (clang < 16).
            auto& list = subnet_members;
            const std::size_t size = std::size_t{1} << (32 - length);
            if (list.size() < 2 || 2 * list.size() < size)
                continue;
            const bool compact = std::all_of(all.begin(), all.end(), [&](const AddressPath& path) {
                std::vector<std::size_t> at;
                for (const auto& member : list)
                    if (const auto i = index_in(path, member))
                        at.push_back(*i);
                return at.size() < 2 ||
                       *std::max_element(at.begin(), at.end()) - *std::min_element(at.begin(), at.end()) <= 1;
            });
            if (compact)
                subnets.emplace(subnet, std::move(list));
        }
    }
    const auto share_subnet = [&](const IpAddress& a, const IpAddress& b) {
        return std::any_of(subnets.begin(), subnets.end(), [&](const auto& entry) {
            const auto& list = entry.second;
            return std::find(list.begin(), list.end(), a) != list.end() &&
                   std::find(list.begin(), list.end(), b) != list.end();
        });
    };

    AliasSets aliases;
    // Joining x and y must not put two addresses of one path into one set: a path visits a
    // router once.
    const auto may_join = [&](const IpAddress& x, const IpAddress& y) {
        return std::none_of(all.begin(), all.end(), [&](const AddressPath& path) {
            for (const auto& p : path)
                for (const auto& q : path)
                    if (!(p == q) && (aliases.same(p, x) || aliases.same(p, y)) &&
                        (aliases.same(q, x) || aliases.same(q, y)))
                        return true;
            return false;
        });
    };
    // Two passes: first only pairs with corroboration, then point-to-point subnets on their own.
    for (const bool point_to_point_pass : {false, true}) {
        for (const auto& [subnet, members] : subnets) {
            for (const auto& a : members)
                for (const auto& b : members) {
                    if (a == b)
                        continue;
                    for (const auto& f : forward) {
                        const auto i = index_in(f, a);
                        if (!i || *i < 1)
                            continue;
                        for (const auto& r : reverse_turned) {
                            const auto j = index_in(r, b);
                            if (!j || *j < 1)
                                continue;
                            const IpAddress& x = f[*i - 1];
                            const IpAddress& y = r[*j];
                            if (x == y || !x.is_v4() || aliases.same(x, y))
                                continue;
                            const bool corroborated = share_subnet(x, r[*j - 1]) ||
                                                      (*i >= 2 && f[*i - 2] == r[*j - 1]) ||
                                                      (point_to_point_pass && subnet.length >= 30);
                            if (corroborated && may_join(x, y))
                                aliases.join(x, y);
                        }
                    }
                }
        }
    }
    return aliases.sets();
}

}  // namespace rtt
