// SPDX-License-Identifier: MIT
// What placing a hop costs: GeoIpDatabase::locate on random IPv4 addresses (1.0.0.0-223.x) and
// IPv6 ones in 2a00::/12 (where bench/geoip_bench_db.pl puts its networks), the ones the
// database has (a place) and the ones it does not, timed separately, after a first pass that
// maps the file in (the client locates each address of a trace once).
// Usage: geoip-lookup DATABASE.mmdb [LOOKUPS]
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "measurement/geoip_database.h"

namespace {

std::vector<rtt::IpAddress> random_addresses(bool v6, std::size_t count, std::mt19937_64& random) {
    std::vector<rtt::IpAddress> out;
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        const auto word = random();
        const std::string text = v6 ? fmt::format("{:x}:{:x}:{:x}::{:x}", 0x2a00 + (word & 0xf), (word >> 4) & 0xffff,
                                                  (word >> 20) & 0xffff, (word >> 36) & 0xffff)
                                    : fmt::format("{}.{}.{}.{}", 1 + (word & 0xff) % 223, (word >> 8) & 0xff,
                                                  (word >> 16) & 0xff, (word >> 24) & 0xff);
        out.push_back(*rtt::IpAddress::parse(text));
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: geoip-lookup DATABASE.mmdb [LOOKUPS]\n");
        return 2;
    }
    const std::size_t lookups = argc > 2 ? std::stoul(argv[2]) : 1000000;
    try {
        const rtt::GeoIpDatabase database(argv[1]);
        std::mt19937_64 random(29);
        for (const bool v6 : {false, true}) {
            const auto addresses = random_addresses(v6, lookups, random);
            std::size_t found = 0;
            for (const auto& address : addresses)  // maps the file in
                found += database.locate(address).has_value();
            double found_ns = 0, absent_ns = 0;
            for (const auto& address : addresses) {
                const auto start = std::chrono::steady_clock::now();
                const bool has = database.locate(address).has_value();
                const double ns =
                    std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
                (has ? found_ns : absent_ns) += ns;
            }
            const std::size_t absent = addresses.size() - found;
            const auto each = [](double ns, std::size_t n) {
                return n == 0 ? std::string("n/a") : fmt::format("{:.2f} µs", ns / 1000 / static_cast<double>(n));
            };
            std::printf("IPv%d: %zu lookups, %zu with a place: %s each with a place, %s each without\n", v6 ? 6 : 4,
                        addresses.size(), found, each(found_ns, found).c_str(), each(absent_ns, absent).c_str());
        }
    } catch (const rtt::MeasurementError& e) {
        std::fprintf(stderr, "geoip-lookup: %s\n", e.what());
        return 1;
    }
    return 0;
}
