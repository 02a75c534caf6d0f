// SPDX-License-Identifier: MIT
// libFuzzer target: a GeoIP database file (.mmdb) as --geoip opens it (truncated downloads,
// damaged or foreign files), then lookups of IPv4 and IPv6 addresses in it. Allowed outcomes: a
// MeasurementError when it is opened, or lookups that each give a place or none that the JSON
// writer takes; anything else is a finding. The bytes are handed over in a memory file (memfd), opened by its /proc
// path as a user's file would be.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "measurement/geo_location.h"
#include "measurement/geoip_database.h"
#include "measurement/measurement_error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const int fd = memfd_create("geoip-fuzz", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    std::size_t written = 0;
    while (written < size) {
        const ssize_t n = write(fd, data + written, size - written);
        if (n <= 0)
            break;
        written += static_cast<std::size_t>(n);
    }
    try {
        const rtt::GeoIpDatabase database("/proc/self/fd/" + std::to_string(fd));
        for (const char* text : {"198.18.1.2", "198.18.3.2", "8.8.8.8", "0.0.0.1", "255.255.255.254", "2001:db9::1",
                                 "2a00::1", "::ffff:198.18.1.2", "ffff::1"})
            if (const auto place = database.locate(*rtt::IpAddress::parse(text))) {
                (void)rtt::geo_location_label(*place);
                (void)rtt::geo_location_json(*place).dump();  // throws on invalid UTF-8
            }
        (void)database.build_time();
    } catch (const rtt::MeasurementError&) {
    }
    close(fd);
    return 0;
}
