// SPDX-License-Identifier: MIT
#include "simulated_network.h"

#include <algorithm>
#include <functional>
#include <stdexcept>

#include "codec.h"
#include "io/packet_queue.h"

extern "C" {
#include "protocol.h"
}

namespace rtt::sim {
namespace {

constexpr std::uint8_t kErrorTtl = 64;
// Linux quotes as much of the offending packet as fits a 576-byte (IPv4) or 1280-byte (IPv6)
// error message.
constexpr std::size_t kQuoteV4 = 576 - 20 - 8;
constexpr std::size_t kQuoteV6 = 1280 - 40 - 8;
// RFC 4884: with extensions, the quoted datagram is padded to 128 bytes.
constexpr std::size_t kQuoteWithExtensions = 128;
constexpr std::int64_t kServerSessionTimeout = 5'000'000'000;  // docs/protocol.md §5
constexpr std::uint8_t kTcpFin = 0x01, kTcpSyn = 0x02, kTcpRst = 0x04, kTcpAck = 0x10;

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

// The Internet checksum of `bytes` (their checksum field zero): ICMPv4 has no pseudo-header.
std::uint16_t internet_checksum(std::span<const std::uint8_t> bytes) {
    static const IpAddress none;
    return transport_checksum(RTT_IPPROTO_ICMP, none, none, bytes);
}

std::size_t ip_header_length(std::span<const std::uint8_t> packet) {
    return (packet[0] >> 4) == 4 ? std::size_t{packet[0] & 0x0Fu} * 4 : std::size_t{40};
}

void set_ttl(Bytes& packet, std::uint8_t ttl) {
    if ((packet[0] >> 4) == 4) {
        packet[8] = ttl;
        write16(packet, 10, 0);
        write16(packet, 10, internet_checksum(std::span(packet).first(ip_header_length(packet))));
    } else {
        packet[7] = ttl;
    }
}

// RFC 4884 extension structure with one RFC 4950 MPLS label stack object.
Bytes mpls_extension(const std::vector<std::uint32_t>& labels) {
    Bytes object(4, 0);
    write16(object, 0, static_cast<std::uint16_t>(4 + 4 * labels.size()));
    object[2] = 1;  // Class-Num: MPLS label stack
    object[3] = 1;  // C-Type: incoming stack
    for (std::size_t i = 0; i < labels.size(); ++i) {
        Bytes entry(4, 0);
        // Label (20 bits), traffic class 0, bottom-of-stack on the last, TTL 1 (it expired).
        write32(entry, 0, labels[i] << 12 | (i + 1 == labels.size() ? 1u << 8 : 0u) | 1u);
        append(object, entry);
    }
    Bytes extension{0x20, 0, 0, 0};  // version 2
    append(extension, object);
    write16(extension, 2, internet_checksum(extension));
    return extension;
}

}  // namespace

class SimulatedNetwork::HostWire final : public client::PacketWire {
public:
    HostWire(SimulatedNetwork& network, std::string host, std::vector<std::uint8_t> protocols)
        : network_(network), host_(std::move(host)), protocols_(std::move(protocols)) {
        network_.wires_[host_].push_back(this);
    }
    ~HostWire() override { std::erase(network_.wires_[host_], this); }
    HostWire(const HostWire&) = delete;
    HostWire& operator=(const HostWire&) = delete;

    void send(const client::OutgoingProbe& probe, const IpAddress& source, const IpAddress& destination) override {
        ++network_.counters_.packets_sent;
        network_.send_from(host_, wrap_in_ip(probe.ip_protocol, source, destination, probe.ip_ttl, probe.message,
                                             probe.traffic_class, probe.dont_fragment, probe.ip_id));
    }

    void receive(const Delivery& deliver) override { queue_.deliver_all(deliver); }

    bool has_input() override { return !queue_.empty(); }
    bool notify_on_input(const std::function<void()>& notify) override {
        queue_.notify_with(notify);
        return true;
    }

    // As a raw socket of each protocol sees it: IPv4 with its header, IPv6 without.
    void take(const IpView& ip, const Bytes& packet) {
        if (std::find(protocols_.begin(), protocols_.end(), ip.protocol) == protocols_.end())
            return;
        Bytes bytes = ip.family == Family::v4 ? packet : Bytes(ip.payload.begin(), ip.payload.end());
        queue_.push(std::move(bytes), ip.source, ip.protocol, network_.clock_.realtime_ns());
    }

private:
    SimulatedNetwork& network_;
    std::string host_;
    std::vector<std::uint8_t> protocols_;
    client::PacketQueue queue_;
};

SimulatedNetwork::SimulatedNetwork(Topology topology, std::uint64_t seed)
    : topology_(std::move(topology)), random_(seed) {
    // A new seed is a new flow→path mapping on every router, as lab_reseed gives the lab.
    for (const auto& [name, node] : topology_.nodes())
        topology_.node(name).behaviour.hash_seed ^= mix(seed);
}

SimulatedNetwork::~SimulatedNetwork() = default;

std::unique_ptr<client::PacketWire> SimulatedNetwork::attach(const std::string& host,
                                                             std::vector<std::uint8_t> protocols) {
    topology_.node(host);
    return std::make_unique<HostWire>(*this, host, std::move(protocols));
}

std::optional<std::int64_t> SimulatedNetwork::next_event_ns() const {
    if (events_.empty())
        return std::nullopt;
    return events_.top().at;
}

void SimulatedNetwork::advance_to(std::int64_t t) {
    while (!events_.empty() && events_.top().at <= t) {
        const Event event = events_.top();
        events_.pop();
        clock_.advance_to(event.at);
        arrive(event);
    }
    clock_.advance_to(t);
}

void SimulatedNetwork::send_from(const std::string& node, Bytes packet, std::int64_t delay_ns) {
    // Processed as an arrival from no link: routed without a TTL decrement.
    events_.push(Event{clock_.monotonic_ns() + delay_ns, sequence_++, node, 0, std::move(packet)});
}

int SimulatedNetwork::link_between(const std::string& a, const std::string& b) const {
    if (links_by_ends_.empty())  // built once: every hop of every packet asks
        for (const auto& [number, link] : topology_.links()) {
            links_by_ends_[link.a + '\n' + link.b] = number;
            links_by_ends_[link.b + '\n' + link.a] = number;
        }
    const auto found = links_by_ends_.find(a + '\n' + b);
    if (found == links_by_ends_.end())
        throw std::invalid_argument("no link between " + a + " and " + b);
    return found->second;
}

std::optional<std::string> SimulatedNetwork::next_hop(const std::string& node, const IpAddress& destination,
                                                      std::span<const std::uint8_t> packet) {
    const auto destination_link = topology_.link_of(destination);
    if (!destination_link)
        return std::nullopt;
    const Link& link = topology_.link(*destination_link);
    if (link.a == node || link.b == node) {  // directly connected: delivered, if someone has it
        const auto owner = topology_.owner(destination);
        return !owner || owner->first == node ? std::nullopt : std::optional(owner->first);
    }
    const Node& here = topology_.node(node);
    auto route = here.routes.find(*destination_link);
    if (route == here.routes.end())
        route = here.routes.find(-1);
    if (route == here.routes.end() || route->second.empty())
        return std::nullopt;
    const auto& choices = route->second;
    if (choices.size() == 1)
        return choices.front();
    std::size_t index = 0;
    if (here.behaviour.balancing == Behaviour::Balancing::per_packet) {
        index = std::uniform_int_distribution<std::size_t>(0, choices.size() - 1)(random_);
    } else {
        // Per flow: addresses, protocol and the first four bytes of L4 (ports, or the ICMP
        // type, code and checksum), as routers hash them; per destination: the addresses alone.
        const auto ip = parse_ip(packet, true);
        std::uint64_t h = here.behaviour.hash_seed;
        for (const std::uint8_t byte : ip->source.wire())
            h = mix(h ^ byte);
        for (const std::uint8_t byte : ip->destination.wire())
            h = mix(h ^ byte);
        if (here.behaviour.balancing == Behaviour::Balancing::per_flow) {
            h = mix(h ^ ip->protocol);
            for (std::size_t i = 0; i < std::min<std::size_t>(4, ip->payload.size()); ++i)
                h = mix(h ^ ip->payload[i]);
        }
        index = h % choices.size();
    }
    return choices[index];
}

void SimulatedNetwork::forward(const std::string& node, Bytes packet, bool originated) {
    const auto ip = parse_ip(packet, true);
    const auto next = next_hop(node, ip->destination, packet);
    if (!next) {
        if (originated && topology_.owner(ip->destination) &&
            topology_.owner(ip->destination)->first == node)  // to itself
            deliver_locally(node, 0, packet);
        return;  // no route: dropped
    }
    const int link = link_between(node, *next);
    events_.push(
        Event{clock_.monotonic_ns() + topology_.link(link).delay_ns, sequence_++, *next, link, std::move(packet)});
}

void SimulatedNetwork::arrive(const Event& event) {
    const Node& node = topology_.node(event.node);
    if (event.in_link == 0) {  // sent by this node
        forward(event.node, event.packet, true);
        return;
    }
    if (node.behaviour.loss > 0 && std::uniform_real_distribution<double>(0, 1)(random_) < node.behaviour.loss) {
        ++counters_.lost;
        return;
    }
    const auto ip = parse_ip(event.packet, true);
    if (!ip)
        return;
    const auto owner = topology_.owner(ip->destination);
    if (owner && owner->first == event.node) {
        deliver_locally(event.node, event.in_link, event.packet);
        return;
    }
    if (!node.router)
        return;  // hosts do not forward
    if (const auto& allowed = node.behaviour.firewall_tcp_ports;
        !allowed.empty() && ip->protocol == RTT_IPPROTO_TCP && ip->payload.size() >= 4 &&
        std::find(allowed.begin(), allowed.end(), read16(ip->payload, 2)) == allowed.end() &&
        std::find(allowed.begin(), allowed.end(), read16(ip->payload, 0)) == allowed.end())
        return;  // filtered
    if (ip->ttl <= 1) {
        send_error(event.node, event.in_link, event.packet, true, 0, 0);
        return;
    }
    Bytes packet = event.packet;
    set_ttl(packet, static_cast<std::uint8_t>(ip->ttl - 1));
    if (node.behaviour.nat)
        nat_rewrite(event.node, packet);
    forward(event.node, std::move(packet), false);
}

void SimulatedNetwork::nat_rewrite(const std::string& node, Bytes& packet) {
    const auto ip = parse_ip(packet, true);
    if (ip->protocol != RTT_IPPROTO_UDP && ip->protocol != RTT_IPPROTO_TCP)
        return;
    const std::size_t l4 = ip_header_length(packet);
    if (packet.size() < l4 + 4)
        return;
    // A reply to a translated flow gets its original port back (the NAT's connection table).
    if (const auto mapped = nat_ports_.find({node, ip->source, read16(packet, l4 + 2)}); mapped != nat_ports_.end()) {
        write16(packet, l4 + 2, mapped->second);
        return;
    }
    // A new source port per flow (addresses and ports), as a NAT's mapping table gives.
    std::uint64_t h = topology_.node(node).behaviour.hash_seed;
    for (std::size_t i = 0; i < 4; ++i)
        h = mix(h ^ packet[l4 + i]);
    const auto port = static_cast<std::uint16_t>(20000 + h % 40000);
    nat_ports_[{node, ip->destination, port}] = read16(packet, l4);
    write16(packet, l4, port);
    // The checksum is left as it was: a NAT fixes it, but nothing here verifies it, and the
    // probe's id must stay where the codec put it. ICMP errors quoting the packet are not
    // translated back, as some NATs do not.
}

bool SimulatedNetwork::rate_allows(const std::string& node, const IpAddress& destination) {
    const RateLimit& limit = topology_.node(node).behaviour.rate_limit;
    if (limit.burst <= 0)
        return true;
    const auto key = std::pair{node, limit.per_destination ? destination : IpAddress{}};
    const std::int64_t now = clock_.monotonic_ns();
    const std::int64_t full = limit.burst * limit.interval_ns;
    auto [tokens, fresh] = tokens_.try_emplace(key, full);
    auto [refilled, unused] = refilled_at_.try_emplace(key, now);
    tokens->second = std::min(full, tokens->second + (now - refilled->second));
    refilled->second = now;
    if (tokens->second < limit.interval_ns)
        return false;
    tokens->second -= limit.interval_ns;
    return true;
}

void SimulatedNetwork::send_error(const std::string& name, int in_link, const Bytes& packet, bool time_exceeded,
                                  std::uint8_t code_v4, std::uint8_t code_v6) {
    const Node& node = topology_.node(name);
    const auto ip = parse_ip(packet, true);
    const bool about_icmp_error = ip->protocol == icmp_protocol(ip->family) && !ip->payload.empty() &&
                                  ip->payload[0] != echo_request_type(ip->family);
    if (node.behaviour.silent || about_icmp_error)
        return;  // never an error about an error (or an echo reply)
    if (!rate_allows(name, ip->source)) {
        ++counters_.rate_limited;
        return;
    }
    const bool v4 = ip->family == Family::v4;
    // From the interface the packet came in on, or the one the route back leaves by; a host
    // answers from the address the packet was sent to.
    IpAddress from = ip->destination;
    if (in_link != 0 && time_exceeded) {
        from = topology_.address(name, in_link, ip->family);
        if (node.behaviour.answer_from == Behaviour::AnswerFrom::route_back)
            if (const auto back = next_hop(name, ip->source, packet))
                from = topology_.address(name, link_between(name, *back), ip->family);
    }
    Bytes quote(packet.begin(),
                packet.begin() + static_cast<std::ptrdiff_t>(std::min(packet.size(), v4 ? kQuoteV4 : kQuoteV6)));
    Bytes message(8, 0);
    message[0] = time_exceeded ? (v4 ? RTT_ICMP4_TIME_EXCEEDED : RTT_ICMP6_TIME_EXCEEDED)
                               : (v4 ? RTT_ICMP4_DEST_UNREACH : RTT_ICMP6_DEST_UNREACH);
    message[1] = time_exceeded ? 0 : (v4 ? code_v4 : code_v6);
    if (time_exceeded && !node.behaviour.mpls_labels.empty()) {
        quote.resize(std::max(quote.size(), kQuoteWithExtensions));
        quote.resize(kQuoteWithExtensions);
        // The length of the quoted datagram: 32-bit words (IPv4, byte 5), 64-bit (IPv6, byte 4).
        message[v4 ? 5 : 4] = static_cast<std::uint8_t>(kQuoteWithExtensions / (v4 ? 4 : 8));
        append(quote, mpls_extension(node.behaviour.mpls_labels));
    }
    append(message, quote);
    const std::uint8_t protocol = icmp_protocol(ip->family);
    message = with_checksum(std::move(message), 2, protocol, from, ip->source);
    ++counters_.errors_sent;
    send_from(name, wrap_in_ip(protocol, from, ip->source, kErrorTtl, message));
}

void SimulatedNetwork::deliver_locally(const std::string& name, int in_link, const Bytes& packet) {
    const auto ip = parse_ip(packet, true);
    for (HostWire* wire : wires_[name])
        wire->take(*ip, packet);
    const Node& node = topology_.node(name);
    if (node.reverse_server && serve_reverse(name, packet))
        return;
    const auto& l4 = ip->payload;
    if (ip->protocol == RTT_IPPROTO_UDP) {
        send_error(name, in_link, packet, false, 3, 4);  // port unreachable
    } else if (ip->protocol == icmp_protocol(ip->family) && !l4.empty() && l4[0] == echo_request_type(ip->family)) {
        // Linux answers any echo request with a code-0 echo reply carrying the same data.
        Bytes reply(l4.begin(), l4.end());
        reply[0] = echo_reply_type(ip->family);
        reply[1] = 0;
        reply = with_checksum(std::move(reply), 2, ip->protocol, ip->destination, ip->source);
        send_from(name, wrap_in_ip(ip->protocol, ip->destination, ip->source, kErrorTtl, reply));
    } else if (ip->protocol == RTT_IPPROTO_TCP && l4.size() >= 20 && (l4[13] & kTcpSyn) &&
               !(l4[13] & (kTcpAck | kTcpRst | kTcpFin))) {
        const std::uint16_t port = read16(l4, 2);
        const auto& open = node.behaviour.open_tcp_ports;
        const bool listening = std::find(open.begin(), open.end(), port) != open.end();
        Bytes answer(20, 0);
        write16(answer, 0, port);
        write16(answer, 2, read16(l4, 0));
        write32(answer, 4, listening ? static_cast<std::uint32_t>(random_()) : 0);
        write32(answer, 8, read32(l4, 4) + 1);
        answer[12] = 5 << 4;
        answer[13] = listening ? (kTcpSyn | kTcpAck) : (kTcpRst | kTcpAck);
        write16(answer, 14, listening ? 64240 : 0);
        answer = with_checksum(std::move(answer), 16, RTT_IPPROTO_TCP, ip->destination, ip->source);
        send_from(name, wrap_in_ip(RTT_IPPROTO_TCP, ip->destination, ip->source, kErrorTtl, answer));
    }
}

bool SimulatedNetwork::serve_reverse(const std::string& name, const Bytes& packet) {
    const auto ip = parse_ip(packet, true);
    const std::int64_t now = clock_.monotonic_ns();
    const auto respond = [&](const Response& response, const IpAddress& server, const IpAddress& client) {
        send_from(name, wrap_in_ip(icmp_protocol(ip->family), server, client, kErrorTtl,
                                   encode_response(response, server, client)));
    };
    if (ip->protocol == icmp_protocol(ip->family)) {
        if (const auto request = decode_request(ip->payload, ip->family)) {
            ++counters_.server_requests;
            if (request->ttl == 0) {
                respond(Response{request->id, RTT_STATE_INVALID_TTL, std::nullopt, 0, 0}, ip->destination, ip->source);
                return true;
            }
            if (!probe_protocol(request->protocol, ip->family)) {
                respond(Response{request->id, RTT_STATE_INVALID_PROTOCOL, std::nullopt, 0, 0}, ip->destination,
                        ip->source);
                return true;
            }
            const auto key = std::tuple{name, ip->source, request->id};
            if (const auto pending = sessions_.find(key);
                pending != sessions_.end() && now - pending->second.sent_ns < kServerSessionTimeout)
                return true;  // a duplicate of a pending request: dropped
            ProbeSpec spec;
            spec.protocol = request->protocol;
            spec.source = ip->destination;
            spec.destination = ip->source;
            spec.ttl = request->ttl;
            spec.id = request->id;
            spec.flow = request->flow;
            for (auto& byte : spec.random)
                byte = static_cast<std::uint8_t>(random_());
            const auto probe = build_probe(spec);
            if (!probe)
                return true;
            sessions_[key] = Session{now, ip->destination};
            send_from(name, *probe);
            return true;
        }
    }
    const auto key = match_answer(packet);
    if (!key)
        return false;
    const auto session = sessions_.find(std::tuple{name, key->requester, key->id});
    if (session == sessions_.end())
        return true;  // an answer to nothing pending: dropped
    const Session found = session->second;
    sessions_.erase(session);
    if (now - found.sent_ns > kServerSessionTimeout)
        return true;  // after the timeout: dropped, and nothing is sent
    respond(Response{key->id, RTT_STATE_SUCCESS, ip->source, static_cast<std::uint64_t>(now - found.sent_ns), 0},
            found.server, key->requester);
    return true;
}

}  // namespace rtt::sim
