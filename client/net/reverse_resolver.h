// SPDX-License-Identifier: MIT
// DNS for the addresses a trace finds, asynchronous (c-ares): the host name of each address
// (PTR, or the hosts file) and, with -A, its origin AS numbers (TXT records of
// origin.asn.cymru.com / origin6.asn.cymru.com, as mtr -z and traceroute -A ask). Each lookup
// starts as soon as its address is seen and runs beside probing; the output waits for answers
// only within one budget for the whole run, so a DNS server that does not answer costs at
// most that budget, never a timeout per name.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ip_address.h"

namespace rtt::client {

class ReverseResolver {
public:
    // `names` false (-n): no PTR lookups. `origin_as` (-A): AS lookups too. `budget`: the
    // longest all waits for answers together may hold up output.
    ReverseResolver(bool names, std::chrono::milliseconds budget, bool origin_as = false);
    ~ReverseResolver();
    ReverseResolver(const ReverseResolver&) = delete;
    ReverseResolver& operator=(const ReverseResolver&) = delete;

    // Starts the lookups of `address` (once; later calls do nothing).
    void start(const IpAddress& address);
    // The name of `address`, waiting for its lookup while the budget lasts; nullopt if none.
    std::optional<std::string> name(const IpAddress& address);
    // The name if its lookup has finished, without waiting (the live view).
    std::optional<std::string> known_name(const IpAddress& address);
    // The origin AS numbers of `address` (-A), waiting like name(); empty if none are known.
    std::vector<std::uint32_t> origin_as(const IpAddress& address);
    // The origin AS numbers if their lookup has finished, without waiting (the live view).
    std::vector<std::uint32_t> known_origin_as(const IpAddress& address);
    bool looks_up_origin_as() const { return origin_as_; }

    // Waits, within the budget left, for every lookup started so far (before the measurement
    // records names and AS numbers).
    void settle();
    // Everything found so far (for the measurement's "hostnames" and "asn").
    std::map<IpAddress, std::string> names();
    std::map<IpAddress, std::vector<std::uint32_t>> origin_as_numbers();

private:
    class Worker;
    bool names_;
    bool origin_as_;
    std::unique_ptr<Worker> worker_;  // null when nothing is looked up
};

// The TXT owner name Team Cymru answers for `address`: reversed octets (IPv4) or nibbles (IPv6)
// followed by origin.asn.cymru.com or origin6.asn.cymru.com.
std::string origin_as_query_name(const IpAddress& address);

// The AS numbers in one such TXT record ("64500 64501 | 198.18.0.0/15 | ZZ | ..."); empty if
// the record does not start with numbers.
std::vector<std::uint32_t> parse_origin_as(const std::string& record);

// The AS numbers of a whole DNS answer (as a DNS server sent it) to such a TXT query.
std::vector<std::uint32_t> origin_as_from_answer(std::span<const unsigned char> answer);

}  // namespace rtt::client
