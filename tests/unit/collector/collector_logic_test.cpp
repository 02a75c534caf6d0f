// SPDX-License-Identifier: MIT
// The collector's logic without HTTP: what changed between two measurements (path_difference),
// who may read and write (AccessControl), and the store on a real SQLite file in a temporary
// folder (MeasurementStore): ids, the same document stored once, filters, paging, reopening.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "access_control.h"
#include "collector_error.h"
#include "measurement/measurement_error.h"
#include "path_difference.h"
#include "sqlite_store.h"
#include "trace_target_policy.h"

namespace rtt::collector {
namespace {

using nlohmann::json;

// A two-way measurement whose forward path is client → a → b and whose reverse path is s → c → d;
// a vertex is {id, address, ttl, successors}.
json two_way(const std::string& reverse_hop = "198.18.3.1") {
    const auto vertex = [](int id, const std::string& address, int ttl, std::vector<int> successors) {
        return json{{"id", id}, {"address", address}, {"ttl", ttl}, {"successors", successors}};
    };
    return json{
        {"tool", {{"name", "reverse-traceroute"}}},
        {"traces",
         {{"forward",
           {vertex(0, "198.18.1.1", 0, {1}), vertex(1, "198.18.1.2", 1, {2}), vertex(2, "198.18.2.2", 2, {})}},
          {"reverse",
           {vertex(0, "198.18.2.2", 0, {1}), vertex(1, reverse_hop, 1, {2}), vertex(2, "198.18.1.1", 2, {})}}}}};
}

TEST(PathDifference, TheSameMeasurementIsUnchangedBothWays) {
    const json d = path_difference(two_way(), two_way());
    for (const char* direction : {"forward", "reverse"}) {
        EXPECT_TRUE(d["directions"][direction]["unchanged"]) << direction;
        EXPECT_EQ(d["directions"][direction]["traced"], (json{{"before", true}, {"after", true}})) << direction;
    }
}

TEST(PathDifference, AChangedHopIsNamedWithItsLinks) {
    const json d = path_difference(two_way(), two_way("198.18.9.1"));
    EXPECT_TRUE(d["directions"]["forward"]["unchanged"]);
    const json& reverse = d["directions"]["reverse"];
    EXPECT_FALSE(reverse["unchanged"]);
    EXPECT_EQ(reverse["hops"]["appeared"], json::array({"198.18.9.1"}));
    EXPECT_EQ(reverse["hops"]["disappeared"], json::array({"198.18.3.1"}));
    EXPECT_EQ(reverse["links"]["appeared"],
              json::array({json::array({"198.18.2.2", "198.18.9.1"}), json::array({"198.18.9.1", "198.18.1.1"})}));
    EXPECT_EQ(reverse["links"]["disappeared"].size(), 2u);
}

// A silent hop has no address: it is named by its TTL, and the same silence is no change.
TEST(PathDifference, ASilentHopIsNamedByItsTtl) {
    const json d = path_difference(two_way(), two_way("***"));
    EXPECT_EQ(d["directions"]["reverse"]["hops"]["appeared"], json::array({"*** at 1"}));
    EXPECT_TRUE(path_difference(two_way("***"), two_way("***"))["directions"]["reverse"]["unchanged"]);
}

// Issue 26: a direction traced on one side only is reported as such (the page says so plainly).
TEST(PathDifference, ADirectionTracedOnOneSideOnlySaysSo) {
    json forward_only = two_way();
    forward_only["traces"].erase("reverse");
    const json d = path_difference(forward_only, two_way());
    EXPECT_EQ(d["directions"]["reverse"]["traced"], (json{{"before", false}, {"after", true}}));
    EXPECT_TRUE(d["directions"]["forward"]["unchanged"]);
}

TEST(PathDifference, OtherFormatsAndBrokenTracesAreRefused) {
    EXPECT_THROW(path_difference(json{{"traces", json::object()}}, two_way()), MeasurementError);
    json broken = two_way();
    broken["traces"]["forward"] = "not a list";
    EXPECT_THROW(path_difference(two_way(), broken), MeasurementError);
}

class TemporaryFolder {
public:
    TemporaryFolder() : path_(std::filesystem::path(::testing::TempDir()) / ("rtt-collector-" + unique())) {
        std::filesystem::create_directories(path_);
    }
    ~TemporaryFolder() { std::filesystem::remove_all(path_); }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    static std::string unique() {
        return std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name();
    }
    std::filesystem::path path_;
};

TEST(AccessControl, BearerAndBasicTokensFromTheFile) {
    TemporaryFolder folder;
    std::ofstream(folder.file("tokens")) << "# the operator's note\n\n  first-token  \nsecond-token\n";
    const auto access = AccessControl::from_file(folder.file("tokens"));
    EXPECT_FALSE(access.open());
    EXPECT_TRUE(access.allows("Bearer first-token"));
    EXPECT_TRUE(access.allows("Bearer second-token"));
    EXPECT_FALSE(access.allows("Bearer first-toke"));
    EXPECT_FALSE(access.allows("Bearer # the operator's note"));
    EXPECT_FALSE(access.allows(""));
    EXPECT_FALSE(access.allows("Bearer "));
    EXPECT_FALSE(access.allows("Token first-token"));
    // The Augsburg client's basic auth: user "any", password the token.
    EXPECT_TRUE(access.allows("Basic YW55OnNlY29uZC10b2tlbg=="));  // any:second-token
    EXPECT_FALSE(access.allows("Basic YW55Ondyb25n"));             // any:wrong
    EXPECT_FALSE(access.allows("Basic !!!not base64!!!"));
    EXPECT_TRUE(AccessControl().allows(""));  // --open
}

TEST(AccessControl, AMissingOrEmptyTokenFileIsOneSentence) {
    TemporaryFolder folder;
    EXPECT_THROW(AccessControl::from_file(folder.file("absent")), CollectorError);
    std::ofstream(folder.file("empty")) << "# nothing but a comment\n\n";
    try {
        AccessControl::from_file(folder.file("empty"));
        ADD_FAILURE() << "an empty token file was accepted";
    } catch (const CollectorError& e) {
        EXPECT_NE(std::string(e.what()).find("holds no token"), std::string::npos) << e.what();
    }
}

TEST(AccessControl, ScopesAndNamesFromTheFile) {
    TemporaryFolder folder;
    std::ofstream(folder.file("tokens")) << "plain\nwatcher alice read,trace\nfeeder bob submit\n";
    const auto access = AccessControl::from_file(folder.file("tokens"));
    // A token alone keeps what every token could before scopes: submit and read.
    const auto plain = access.grant("Bearer plain");
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->name, "token-1");
    EXPECT_TRUE(plain->has(Scope::submit) && plain->has(Scope::read) && !plain->has(Scope::trace));
    const auto alice = access.grant("Bearer watcher");
    ASSERT_TRUE(alice);
    EXPECT_EQ(alice->name, "alice");
    EXPECT_TRUE(!alice->has(Scope::submit) && alice->has(Scope::read) && alice->has(Scope::trace));
    EXPECT_FALSE(alice->anonymous);
    EXPECT_FALSE(access.grant("Bearer nobody"));
    // --open-traces: anyone may trace, and only that.
    auto open = AccessControl::from_file(folder.file("tokens"));
    open.open_traces();
    const auto anonymous = open.grant("");
    ASSERT_TRUE(anonymous);
    EXPECT_TRUE(anonymous->anonymous && anonymous->has(Scope::trace) && !anonymous->has(Scope::read));
    EXPECT_TRUE(open.grant("Bearer feeder")->has(Scope::trace));
    // --open: anyone may submit and read, not trace.
    const auto everyone = AccessControl().grant("");
    EXPECT_TRUE(everyone->has(Scope::submit) && everyone->has(Scope::read) && !everyone->has(Scope::trace));
}

TEST(AccessControl, AnUnknownScopeIsOneSentence) {
    TemporaryFolder folder;
    std::ofstream(folder.file("tokens")) << "secret carol read,root\n";
    try {
        AccessControl::from_file(folder.file("tokens"));
        ADD_FAILURE() << "an unknown scope was accepted";
    } catch (const CollectorError& e) {
        EXPECT_NE(std::string(e.what()).find("line 1: unknown scope \"root\""), std::string::npos) << e.what();
    }
    std::ofstream(folder.file("long")) << "secret carol read extra\n";
    EXPECT_THROW(AccessControl::from_file(folder.file("long")), CollectorError);
}

IpAddress address(const char* text) {
    return *IpAddress::parse(text);
}

TEST(TraceTargetPolicy, PrefixesContainTheirAddressesOnly) {
    const auto lab = Prefix::parse("198.18.0.0/15");
    ASSERT_TRUE(lab);
    EXPECT_TRUE(lab->contains(address("198.19.255.255")));
    EXPECT_FALSE(lab->contains(address("198.20.0.0")));
    EXPECT_FALSE(lab->contains(address("2001:db8::1")));
    EXPECT_TRUE(Prefix::parse("2001:db8::/32")->contains(address("2001:db8:ffff::1")));
    EXPECT_FALSE(Prefix::parse("2001:db8::/33")->contains(address("2001:db8:8000::1")));
    EXPECT_TRUE(Prefix::parse("0.0.0.0/0")->contains(address("203.0.113.9")));
    EXPECT_EQ(Prefix::parse("192.0.2.7")->length, 32);
    for (const char* bad : {"198.18.0.0/33", "2001:db8::/129", "example.net/8", "10.0.0.0/", "10.0.0.0/x", ""})
        EXPECT_FALSE(Prefix::parse(bad)) << bad;
}

TEST(TraceTargetPolicy, SpecialRangesOwnAddressesAllowAndDeny) {
    const TraceTargetPolicy plain({}, {}, {address("203.0.113.5")});
    EXPECT_FALSE(plain.refusal(address("8.8.8.8")));
    EXPECT_FALSE(plain.refusal(address("2a00:1450::1")));
    for (const char* special : {"127.0.0.1", "10.1.2.3", "172.31.0.1", "192.168.1.1", "169.254.0.1", "100.64.0.1",
                                "224.0.0.1", "255.255.255.255", "0.0.0.0", "192.0.2.1", "198.51.100.1", "198.18.6.2",
                                "::1", "::", "fe80::1", "fd00::1", "ff02::1", "2001:db8::1", "::ffff:127.0.0.1"})
        EXPECT_TRUE(plain.refusal(address(special))) << special;
    EXPECT_EQ(*plain.refusal(address("10.1.2.3")),
              "10.1.2.3 is a private (RFC 1918) address, not one on the Internet: trace a public address (the "
              "operator may allow 10.0.0.0/8 with --trace-allow)");
    EXPECT_EQ(*plain.refusal(address("203.0.113.5")),
              "203.0.113.5 is an address of the looking glass's own host: trace another one");
    // The lab allowed, one of its prefixes denied again: the longest match decides.
    const TraceTargetPolicy lab({*Prefix::parse("198.18.0.0/15"), *Prefix::parse("198.18.9.9/32")},
                                {*Prefix::parse("198.18.9.0/24")}, {address("198.18.1.1")});
    EXPECT_FALSE(lab.refusal(address("198.18.6.2")));
    EXPECT_TRUE(lab.refusal(address("198.18.9.1")));
    EXPECT_FALSE(lab.refusal(address("198.18.9.9")));
    EXPECT_TRUE(lab.refusal(address("198.18.1.1")));  // its own, allowed or not
    EXPECT_TRUE(lab.refusal(address("10.0.0.1")));
    // A deny as long as an allow wins.
    const TraceTargetPolicy tie({*Prefix::parse("192.0.2.0/24")}, {*Prefix::parse("192.0.2.0/24")}, {});
    EXPECT_TRUE(tie.refusal(address("192.0.2.1")));
}

TEST(TraceTargetPolicy, TargetsAreCheckedAfterResolution) {
    const TraceTargetPolicy policy({}, {}, {});
    const auto refused = [&](const std::string& target) -> std::pair<int, std::string> {
        try {
            policy.resolve(target, std::nullopt);
        } catch (const TraceRefused& e) {
            return {e.status(), e.what()};
        }
        return {0, "(taken)"};
    };
    for (const char* hostile : {"; id", "$(reboot)", "-o /etc/passwd", "a b", "", "x`id`", "host\nname"})
        EXPECT_EQ(refused(hostile).first, 400) << hostile;
    EXPECT_EQ(refused("localhost").first, 403);
    EXPECT_NE(refused("localhost").second.find("localhost resolves to "), std::string::npos);
    EXPECT_EQ(policy.resolve("8.8.8.8", std::nullopt).to_string(), "8.8.8.8");
    EXPECT_EQ(refused("8.8.8.8").first, 0);
    try {
        policy.resolve("8.8.8.8", Family::v6);
        ADD_FAILURE() << "an IPv4 address was taken for IPv6";
    } catch (const TraceRefused& e) {
        EXPECT_EQ(e.status(), 422);
    }
}

MeasurementColumns columns(const std::string& target, const std::string& direction, const std::string& protocol) {
    MeasurementColumns c;
    c.format = "reverse-traceroute";
    c.target = target;
    c.destination = "198.18.4.2";
    c.source = "198.18.1.1";
    c.direction = direction;
    c.protocol = protocol;
    c.engine = "singlepath";
    c.outcome = R"({"forward":"reached"})";
    return c;
}

TEST(MeasurementStore, StoresOnceFiltersPagesAndSurvivesReopening) {
    TemporaryFolder folder;
    const std::string path = folder.file("m.db");
    std::int64_t first = 0;
    {
        SqliteMeasurementStore store(path);
        EXPECT_EQ(store.count(), 0);
        const auto a = store.add(columns("server.example", "two-way", "udp"), R"({"n": 1})");
        const auto b = store.add(columns("other.example", "forward", "tcp"), R"({"n": 2})");
        const auto c = store.add(columns("server.example", "forward", "icmp"), R"({"n": 3})");
        EXPECT_TRUE(a.created && b.created && c.created);
        EXPECT_LT(a.id, b.id);
        EXPECT_LT(b.id, c.id);
        first = a.id;
        // The same bytes again: the stored copy's id, nothing new.
        const auto again = store.add(columns("server.example", "two-way", "udp"), R"({"n": 1})");
        EXPECT_FALSE(again.created);
        EXPECT_EQ(again.id, a.id);
        EXPECT_EQ(store.count(), 3);

        EXPECT_EQ(store.document(b.id), R"({"n": 2})");
        EXPECT_FALSE(store.document(c.id + 100));

        const auto ids = [&](const ListQuery& query) {
            std::vector<std::int64_t> out;
            for (const auto& row : store.list(query))
                out.push_back(row.id);
            return out;
        };
        EXPECT_EQ(ids({}), (std::vector<std::int64_t>{c.id, b.id, a.id}));  // newest first
        ListQuery by_target;
        by_target.target = "server.exa";  // a part of the name
        EXPECT_EQ(ids(by_target), (std::vector<std::int64_t>{c.id, a.id}));
        ListQuery by_destination;
        by_destination.target = "198.18.4";
        EXPECT_EQ(ids(by_destination).size(), 3u);
        ListQuery forward_icmp;
        forward_icmp.direction = "forward";
        forward_icmp.protocol = "icmp";
        EXPECT_EQ(ids(forward_icmp), (std::vector<std::int64_t>{c.id}));
        ListQuery page;
        page.limit = 2;
        EXPECT_EQ(ids(page), (std::vector<std::int64_t>{c.id, b.id}));
        page.before_id = b.id;
        EXPECT_EQ(ids(page), (std::vector<std::int64_t>{a.id}));
        ListQuery future;
        future.since = "2999-01-01";
        EXPECT_TRUE(ids(future).empty());
        const auto row = store.list({}).back();
        EXPECT_EQ(row.columns.direction, "two-way");
        EXPECT_EQ(row.columns.outcome, R"({"forward":"reached"})");
        EXPECT_EQ(row.received_at.size(), std::string("2026-12-03T08:00:00.000Z").size()) << row.received_at;
    }
    SqliteMeasurementStore reopened(path);
    EXPECT_EQ(reopened.count(), 3);
    EXPECT_EQ(reopened.document(first), R"({"n": 1})");
}

TEST(MeasurementStore, AFileThatIsNoDatabaseIsOneSentence) {
    TemporaryFolder folder;
    std::ofstream(folder.file("not.db")) << "this is not an SQLite database, and it is long enough to tell";
    EXPECT_THROW(SqliteMeasurementStore(folder.file("not.db")), CollectorError);
}

}  // namespace
}  // namespace rtt::collector
