// SPDX-License-Identifier: MIT
#include "measurement/geoip_database.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>
#include <maxminddb.h>

#include "common/ip_prefix.h"
#include "measurement/json_measurement.h"

namespace rtt {

struct GeoIpDatabase::Handle {
    MMDB_s mmdb{};
    bool opened = false;  // MMDB_open frees what it took itself when it fails: closed only if open
    ~Handle() {
        if (opened)
            MMDB_close(&mmdb);
    }
};

namespace {

// The file decides what its strings hold (libmaxminddb does not check them): made valid,
// printable UTF-8 of bounded length before anything is shown or stored.
std::string clean_text(const char* bytes, std::uint32_t size, std::size_t longest) {
    return printable_utf8(std::string_view(bytes, size), longest);
}

// A value at `path` (NULL-terminated list of keys) of the entry, if it has that type.
template <typename... Keys>
std::optional<MMDB_entry_data_s> value_at(MMDB_entry_s& entry, std::uint32_t type, Keys... keys) {
    MMDB_entry_data_s data{};
    if (MMDB_get_value(&entry, &data, keys..., nullptr) != MMDB_SUCCESS || !data.has_data || data.type != type)
        return std::nullopt;
    return data;
}

template <typename... Keys>
std::string text_at(MMDB_entry_s& entry, std::size_t longest, Keys... keys) {
    const auto data = value_at(entry, MMDB_DATA_TYPE_UTF8_STRING, keys...);
    return data ? clean_text(data->utf8_string, data->data_size, longest) : std::string();
}

// Latitude or longitude: a double within ±limit degrees.
template <typename... Keys>
std::optional<double> degrees_at(MMDB_entry_s& entry, double limit, Keys... keys) {
    const auto data = value_at(entry, MMDB_DATA_TYPE_DOUBLE, keys...);
    if (!data || !std::isfinite(data->double_value) || std::fabs(data->double_value) > limit)
        return std::nullopt;
    return data->double_value;
}

template <typename... Keys>
std::optional<std::uint32_t> whole_at(MMDB_entry_s& entry, Keys... keys) {
    MMDB_entry_data_s data{};
    if (MMDB_get_value(&entry, &data, keys..., nullptr) != MMDB_SUCCESS || !data.has_data)
        return std::nullopt;
    if (data.type == MMDB_DATA_TYPE_UINT16)
        return data.uint16;
    if (data.type == MMDB_DATA_TYPE_UINT32)
        return data.uint32;
    return std::nullopt;
}

// "DE": two or three ASCII letters or digits, as ISO 3166-1 codes are (and "ZZ", unknown, is
// no location at all).
std::string country_code(std::string code) {
    const bool fits = code.size() >= 2 && code.size() <= 3 && std::all_of(code.begin(), code.end(), [](char c) {
                          return std::isalnum(static_cast<unsigned char>(c));
                      });
    if (!fits || code == "ZZ")
        return {};
    std::transform(code.begin(), code.end(), code.begin(),
                   [](char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); });
    return code;
}

// IPinfo's "AS174" (or a bare number).
std::optional<std::uint32_t> as_number(std::string_view text) {
    if (text.size() > 2 && (text[0] == 'A' || text[0] == 'a') && (text[1] == 'S' || text[1] == 's'))
        text.remove_prefix(2);
    if (text.empty() || text.size() > 10 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    const auto number = std::stoull(std::string(text));
    if (number == 0 || number > UINT32_MAX)
        return std::nullopt;
    return static_cast<std::uint32_t>(number);
}

// MaxMind's layout: GeoLite2/GeoIP2 City, Country and ASN, DB-IP Lite City and Country.
GeoLocation read_maxmind_layout(MMDB_entry_s& entry) {
    GeoLocation location;
    location.country = country_code(text_at(entry, 8, "country", "iso_code"));
    location.city = text_at(entry, 200, "city", "names", "en");
    location.latitude = degrees_at(entry, 90, "location", "latitude");
    location.longitude = degrees_at(entry, 180, "location", "longitude");
    location.accuracy_radius_km = whole_at(entry, "location", "accuracy_radius");
    location.asn = whole_at(entry, "autonomous_system_number");
    location.as_name = text_at(entry, 200, "autonomous_system_organization");
    return location;
}

// The flat layout: IPinfo Lite, and the country files of others that copied it.
GeoLocation read_flat_layout(MMDB_entry_s& entry) {
    GeoLocation location;
    location.country = country_code(text_at(entry, 8, "country_code"));
    location.city = text_at(entry, 200, "city");
    location.latitude = degrees_at(entry, 90, "latitude");
    location.longitude = degrees_at(entry, 180, "longitude");
    location.asn = as_number(text_at(entry, 16, "asn"));
    location.as_name = text_at(entry, 200, "as_name");
    return location;
}

bool usable(const GeoLocation& location) {
    return !location.country.empty() || !location.city.empty() || location.has_coordinates() || location.asn;
}

}  // namespace

GeoIpDatabase::GeoIpDatabase(const std::string& path) : path_(path), handle_(std::make_unique<Handle>()) {
    if (std::error_code ignored; std::filesystem::is_directory(path, ignored))
        throw MeasurementError(
            fmt::format("{} is a directory, not a GeoIP database: give the .mmdb file in it with --geoip", path));
    const int rc = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &handle_->mmdb);
    handle_->opened = rc == MMDB_SUCCESS;
    if (rc == MMDB_FILE_OPEN_ERROR) {
        const int error = errno;
        handle_.reset();
        throw MeasurementError(
            fmt::format("cannot open the GeoIP database {} ({}): give the path of a readable "
                        ".mmdb file, or leave --geoip out",
                        path, std::strerror(error)));
    }
    if (rc != MMDB_SUCCESS) {
        handle_.reset();
        throw MeasurementError(
            fmt::format("{} is not a usable MaxMind DB (.mmdb) file ({}): download the database "
                        "again, or give another file with --geoip",
                        path, MMDB_strerror(rc)));
    }
    const auto& metadata = handle_->mmdb.metadata;
    type_ =
        metadata.database_type == nullptr
            ? std::string()
            : clean_text(metadata.database_type, static_cast<std::uint32_t>(std::strlen(metadata.database_type)), 100);
    std::string lower = type_;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
    flat_layout_ = lower.find("ipinfo") != std::string::npos;
}

GeoIpDatabase::~GeoIpDatabase() = default;

std::string GeoIpDatabase::build_time() const {
    return rfc3339(std::chrono::system_clock::time_point(
        std::chrono::seconds(static_cast<std::int64_t>(handle_->mmdb.metadata.build_epoch))));
}

std::optional<GeoLocation> GeoIpDatabase::locate(const IpAddress& address) const {
    if (const SpecialRange* range = special_range(address); range && !range->benchmarking)
        return std::nullopt;
    sockaddr_storage storage{};
    if (address.is_v4()) {
        auto* in = reinterpret_cast<sockaddr_in*>(&storage);
        in->sin_family = AF_INET;
        std::memcpy(&in->sin_addr, address.header_bytes().data(), 4);
    } else {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
        in6->sin6_family = AF_INET6;
        std::memcpy(&in6->sin6_addr, address.header_bytes().data(), 16);
    }
    int error = MMDB_SUCCESS;
    MMDB_lookup_result_s result =
        MMDB_lookup_sockaddr(&handle_->mmdb, reinterpret_cast<const sockaddr*>(&storage), &error);
    if (error != MMDB_SUCCESS || !result.found_entry)
        return std::nullopt;
    MMDB_entry_s& entry = result.entry;
    // The layout the file's type names; a file of another type is read in the other layout
    // when the first finds nothing (its type is the maker's choice, its keys are what count).
    GeoLocation location = flat_layout_ ? read_flat_layout(entry) : read_maxmind_layout(entry);
    if (!usable(location))
        location = flat_layout_ ? read_maxmind_layout(entry) : read_flat_layout(entry);
    if (location.asn == 0u)
        location.asn.reset();
    // Coordinates come in pairs.
    if (!location.latitude || !location.longitude)
        location.latitude.reset(), location.longitude.reset();
    if (!usable(location))
        return std::nullopt;
    return location;
}

std::unique_ptr<GeoIpDatabase> open_geoip_database(const std::string& named,
                                                   const std::function<void(const std::string&)>& skipped) {
    if (!named.empty())
        return std::make_unique<GeoIpDatabase>(named);
    const auto found = find_geoip_database();
    if (!found)
        return nullptr;
    try {
        return std::make_unique<GeoIpDatabase>(*found);
    } catch (const MeasurementError& e) {
        skipped(e.what());
        return nullptr;
    }
}

std::optional<std::string> find_geoip_database(const std::vector<std::string>& directories) {
    for (const auto& directory : directories) {
        std::error_code error;
        std::vector<std::string> files;
        for (const auto& entry : std::filesystem::directory_iterator(directory, error))
            if (entry.path().extension() == ".mmdb")
                files.push_back(entry.path().string());
        std::sort(files.begin(), files.end());
        for (const auto& file : files)
            if (access(file.c_str(), R_OK) == 0 && std::filesystem::is_regular_file(file, error))
                return file;
    }
    return std::nullopt;
}

}  // namespace rtt
