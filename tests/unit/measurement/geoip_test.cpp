// SPDX-License-Identifier: MIT
// Offline GeoIP lookups against the databases tests/geoip writes: places in MaxMind's City
// layout and IPinfo's flat one, absent entries, the addresses that never have a location, and
// damaged files (one sentence, no crash).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "measurement/geo_location.h"
#include "measurement/geoip_database.h"

namespace rtt {
namespace {

const std::string kLab = std::string(RTT_GEOIP_TEST_DIR) + "/lab.mmdb";
const std::string kIpinfo = std::string(RTT_GEOIP_TEST_DIR) + "/ipinfo-lite.mmdb";

IpAddress address(const char* text) {
    return *IpAddress::parse(text);
}

std::vector<char> bytes_of(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class TempDir {
public:
    TempDir() {
        char name[] = "/tmp/rtt-geoip-XXXXXX";
        path_ = mkdtemp(name);
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    std::string file(const std::string& name, const std::vector<char>& content) const {
        std::string path = path_ + "/" + name;
        std::ofstream(path, std::ios::binary).write(content.data(), static_cast<std::streamsize>(content.size()));
        return path;
    }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

TEST(GeoIp, CityLayoutGivesCountryCityCoordinatesAndRadius) {
    const GeoIpDatabase db(kLab);
    EXPECT_EQ(db.database_type(), "DBIP-City-Lite");
    const auto augsburg = db.locate(address("198.18.1.2"));
    ASSERT_TRUE(augsburg);
    EXPECT_EQ(augsburg->country, "DE");
    EXPECT_EQ(augsburg->city, "Augsburg");
    EXPECT_DOUBLE_EQ(*augsburg->latitude, 48.37);
    EXPECT_DOUBLE_EQ(*augsburg->longitude, 10.9);
    EXPECT_EQ(augsburg->accuracy_radius_km, 10u);
    EXPECT_FALSE(augsburg->asn);
    EXPECT_EQ(geo_location_label(*augsburg), "Augsburg, DE");
}

TEST(GeoIp, CountryOnlyEntryHasNoCoordinates) {
    const GeoIpDatabase db(kLab);
    const auto austria = db.locate(address("198.18.2.2"));
    ASSERT_TRUE(austria);
    EXPECT_EQ(austria->country, "AT");
    EXPECT_TRUE(austria->city.empty());
    EXPECT_FALSE(austria->has_coordinates());
    EXPECT_EQ(geo_location_label(*austria), "AT");
}

TEST(GeoIp, AbsentEntryIsNoLocation) {
    const GeoIpDatabase db(kLab);
    EXPECT_FALSE(db.locate(address("198.18.3.2")));
    EXPECT_FALSE(db.locate(address("2001:db9::1")));
}

TEST(GeoIp, PrivateSharedAndDocumentationAddressesHaveNoLocationWhateverTheFileSays) {
    // The file has entries for 10.0.0.0/8 and 2001:db8::/32; they are not places.
    const GeoIpDatabase db(kLab);
    for (const char* special :
         {"10.1.2.3", "2001:db8:4::2", "192.168.1.1", "100.64.0.1", "192.0.2.1", "127.0.0.1", "fe80::1", "::1"})
        EXPECT_FALSE(db.locate(address(special))) << special;
    const GeoIpDatabase flat(kIpinfo);
    EXPECT_FALSE(flat.locate(address("2001:db8::1")));
}

TEST(GeoIp, FlatIpinfoLayoutGivesCountryAndOriginAs) {
    const GeoIpDatabase db(kIpinfo);
    EXPECT_EQ(db.database_type(), "ipinfo lite.mmdb");
    const auto germany = db.locate(address("198.18.1.2"));
    ASSERT_TRUE(germany);
    EXPECT_EQ(germany->country, "DE");
    EXPECT_EQ(germany->asn, 64500u);
    EXPECT_EQ(germany->as_name, "Lab Net");
    EXPECT_FALSE(germany->has_coordinates());
    const auto austria = db.locate(address("198.18.2.2"));
    ASSERT_TRUE(austria);
    EXPECT_EQ(austria->country, "AT");
    EXPECT_FALSE(austria->asn);
}

TEST(GeoIp, FileOfAnotherTypeIsReadInTheLayoutItsEntriesHave) {
    const GeoIpDatabase db(std::string(RTT_GEOIP_TEST_DIR) + "/other-country.mmdb");
    EXPECT_EQ(db.database_type(), "iptoasn-country");
    const auto germany = db.locate(address("198.18.1.2"));
    ASSERT_TRUE(germany);
    EXPECT_EQ(germany->country, "DE");
    EXPECT_EQ(germany->asn, 64500u);
    // And the City file, whose entries have MaxMind's layout, is never read as a flat one.
    EXPECT_EQ(GeoIpDatabase(kLab).locate(address("198.18.1.2"))->city, "Augsburg");
}

TEST(GeoIp, MissingFileIsOneSentenceNamingIt) {
    try {
        const GeoIpDatabase db("/nonexistent/GeoLite2-City.mmdb");
        FAIL() << "opened a missing file";
    } catch (const MeasurementError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("/nonexistent/GeoLite2-City.mmdb"), std::string::npos) << what;
        EXPECT_NE(what.find("No such file"), std::string::npos) << what;
        EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    }
}

TEST(GeoIp, TruncatedAndForeignFilesAreOneSentence) {
    const TempDir dir;
    const auto whole = bytes_of(kLab);
    ASSERT_GT(whole.size(), 1000u);
    const std::vector<std::string> bad{
        dir.file("half.mmdb", std::vector<char>(whole.begin(), whole.begin() + static_cast<long>(whole.size() / 2))),
        dir.file("empty.mmdb", {}),
        dir.file("text.mmdb", std::vector<char>{'n', 'o', 't', ' ', 'a', ' ', 'd', 'b', '\n'}),
        dir.path(),  // a directory
    };
    for (const auto& path : bad) {
        try {
            const GeoIpDatabase db(path);
            FAIL() << "opened " << path;
        } catch (const MeasurementError& e) {
            const std::string what = e.what();
            EXPECT_NE(what.find(path), std::string::npos) << what;
            EXPECT_EQ(what.find('\n'), std::string::npos) << what;
        }
    }
}

TEST(GeoIp, DamagedSearchTreeAndDataGiveNoLocationNotACrash) {
    // Every byte before the metadata flipped in turn: the file still opens (its metadata is
    // intact), and every lookup ends with a location or none.
    const TempDir dir;
    const auto whole = bytes_of(kLab);
    const auto metadata = std::string(whole.begin(), whole.end()).rfind("\xab\xcd\xefMaxMind.com");
    ASSERT_NE(metadata, std::string::npos);
    int opened = 0;
    for (std::size_t at = 0; at < metadata; at += 7) {
        auto damaged = whole;
        damaged[at] = static_cast<char>(damaged[at] ^ 0x5a);
        const auto path = dir.file("damaged.mmdb", damaged);
        try {
            const GeoIpDatabase db(path);
            ++opened;
            for (const char* probe :
                 {"198.18.1.1", "198.18.1.2", "198.18.2.2", "198.18.3.2", "198.18.4.2", "2001:db9::1"})
                (void)db.locate(address(probe));
        } catch (const MeasurementError&) {
        }
    }
    EXPECT_GT(opened, 0);
}

TEST(GeoIp, DatabaseIsFoundInTheUsualPlacesInNameOrder) {
    const TempDir first, second;
    EXPECT_FALSE(find_geoip_database({first.path(), second.path(), "/nonexistent"}));
    const auto lab = bytes_of(kLab);
    second.file("b.mmdb", lab);
    second.file("a.mmdb", lab);
    second.file("notes.txt", {'x'});
    EXPECT_EQ(find_geoip_database({first.path(), second.path()}), second.path() + "/a.mmdb");
    first.file("z.mmdb", lab);
    EXPECT_EQ(find_geoip_database({first.path(), second.path()}), first.path() + "/z.mmdb");
}

TEST(GeoLocationText, OnlyValidPrintableUtf8IsKeptAndNeverCutInsideACharacter) {
    EXPECT_EQ(printable_utf8("Z\xc3\xbcrich", 100), "Z\xc3\xbcrich");    // ü kept
    EXPECT_EQ(printable_utf8("A\x1b[31mB\x7f\xc2\x9b", 100), "A[31mB");  // escapes, DEL, C1
    EXPECT_EQ(printable_utf8("a\xff\xc3"
                             "b\xed\xa0\x80"
                             "c\xe0\x80\x80"
                             "d",
                             100),
              "abcd");                                                       // broken, surrogate, overlong
    EXPECT_EQ(printable_utf8("\xf0\x9f\x8c\x8d", 100), "\xf0\x9f\x8c\x8d");  // a 4-byte character
    EXPECT_EQ(printable_utf8("ab\xc3\xbc", 3), "ab");                        // not cut inside ü
    EXPECT_EQ(printable_utf8("abc", 2), "ab");
    // Whatever the bytes, the JSON writer takes the result.
    std::string every;
    for (int b = 0; b < 256; ++b)
        every.push_back(static_cast<char>(b));
    EXPECT_NO_THROW((void)nlohmann::json(printable_utf8(every + every, 1000)).dump());
}

TEST(GeoLocationJson, RoundTripsAndRefusesWhatIsNotALocation) {
    const GeoLocation place{"DE", "Augsburg", 48.37, 10.9, 10, 64500, "Lab Net"};
    EXPECT_EQ(geo_location_from_json(geo_location_json(place)), place);
    for (const char* bad : {R"("DE")", R"({"latitude": 91, "longitude": 0})", R"({"latitude": 1})", R"({"country": 5})",
                            R"({"asn": -1})", R"({"longitude": "east", "latitude": 1})"})
        EXPECT_FALSE(geo_location_from_json(nlohmann::json::parse(bad))) << bad;
}

}  // namespace
}  // namespace rtt
