// SPDX-License-Identifier: MIT
// Offline GeoIP: a MaxMind DB file (.mmdb) read with libmaxminddb, memory-mapped, nothing asked
// of any service. Two layouts are understood, told apart by the file's `database_type`:
// MaxMind's (GeoLite2/GeoIP2 City and Country, DB-IP Lite City and Country: country.iso_code,
// city.names.en, location.latitude/longitude/accuracy_radius) and IPinfo's flat one (IPinfo
// Lite: country_code, asn "AS174", as_name); an entry the named layout finds nothing in is read
// in the other (other makers' files copy one or the other). Private, shared, loopback,
// link-local, multicast and documentation addresses have no location whatever the file says;
// the benchmarking range (198.18.0.0/15, a lab's) is looked up like any other.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/ip_address.h"
#include "measurement/geo_location.h"
#include "measurement/measurement_error.h"

namespace rtt {

class GeoIpDatabase {
public:
    // Opens and checks `path`; throws MeasurementError with one sentence (cause and fix) when it
    // is missing, unreadable or not a MaxMind DB file.
    explicit GeoIpDatabase(const std::string& path);
    ~GeoIpDatabase();
    GeoIpDatabase(const GeoIpDatabase&) = delete;
    GeoIpDatabase& operator=(const GeoIpDatabase&) = delete;

    // Where `address` is, or nullopt: not in the file, a special-purpose address, or an entry
    // with nothing usable. A damaged entry is "no location", never a crash.
    std::optional<GeoLocation> locate(const IpAddress& address) const;

    const std::string& path() const { return path_; }
    // The file's own word for what it is, e.g. "GeoLite2-City", "DBIP-City-Lite".
    const std::string& database_type() const { return type_; }
    // When the file was built (its metadata), as RFC 3339 UTC.
    std::string build_time() const;

private:
    struct Handle;
    std::string path_;
    std::string type_;
    bool flat_layout_ = false;
    std::unique_ptr<Handle> handle_;
};

// Where a GeoIP database is looked for when none is named (--geoip, the `geoip` key): the first
// readable .mmdb file, in name order, in /usr/share/GeoIP and then /var/lib/GeoIP (where
// Debian's geoipupdate and the DB-IP packages put them). Taken as given, so tests can point
// elsewhere. Nullopt: none, which means no locations and no error.
// The database a program uses (the client, the collector, the prober): `named` (--geoip), else
// the first found. A named file that cannot be used throws MeasurementError; one found that
// cannot be used is passed to `skipped` (its sentence) and none is used. Null: no database.
std::unique_ptr<GeoIpDatabase> open_geoip_database(const std::string& named,
                                                   const std::function<void(const std::string&)>& skipped);

std::optional<std::string> find_geoip_database(const std::vector<std::string>& directories = {"/usr/share/GeoIP",
                                                                                              "/var/lib/GeoIP"});

}  // namespace rtt
