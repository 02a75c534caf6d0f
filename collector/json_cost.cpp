// SPDX-License-Identifier: MIT
#include "json_cost.h"

#include <nlohmann/json.hpp>

namespace rtt::collector {
namespace {

using nlohmann::json;

// Bytes per parsed value, for libstdc++ on 64 bits, with malloc's overhead: a json node (16),
// doubled for a growing array's spare room; a string's or a key's heap copy when longer than
// the short-string buffer; an object's tree and its nodes; an array's vector.
constexpr std::size_t kNode = 32;
constexpr std::size_t kString = 48;
constexpr std::size_t kObject = 64;
constexpr std::size_t kMember = 96;
constexpr std::size_t kArray = 40;

std::size_t text_bytes(const std::string& text) {
    return text.size() > 15 ? text.size() + 1 : 0;
}

class CostCounter : public nlohmann::json_sax<json> {
public:
    CostCounter(int max_depth, std::size_t max_memory) : max_depth_(max_depth), max_memory_(max_memory) {}

    bool null() override { return add(kNode); }
    bool boolean(bool) override { return add(kNode); }
    bool number_integer(number_integer_t) override { return add(kNode); }
    bool number_unsigned(number_unsigned_t) override { return add(kNode); }
    bool number_float(number_float_t, const string_t&) override { return add(kNode); }
    bool string(string_t& value) override { return add(kNode + kString + text_bytes(value)); }
    bool binary(binary_t& value) override { return add(kNode + kString + value.size()); }
    bool start_object(std::size_t) override { return enter(kNode + kObject); }
    bool key(string_t& value) override { return add(kMember + text_bytes(value)); }
    bool end_object() override { return leave(); }
    bool start_array(std::size_t) override { return enter(kNode + kArray); }
    bool end_array() override { return leave(); }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
        failed_ = true;
        return false;
    }

    JsonCost result(bool completed) const {
        return JsonCost{completed && !failed_ && !over_, deepest_, memory_, over_};
    }

private:
    bool add(std::size_t bytes) {
        memory_ += bytes;
        over_ = over_ || memory_ > max_memory_;
        return !over_;
    }
    bool enter(std::size_t bytes) {
        deepest_ = std::max(deepest_, ++depth_);
        over_ = over_ || depth_ > max_depth_;
        return add(bytes);
    }
    bool leave() {
        --depth_;
        return true;
    }

    int max_depth_;
    std::size_t max_memory_;
    int depth_ = 0, deepest_ = 0;
    std::size_t memory_ = 0;
    bool over_ = false, failed_ = false;
};

}  // namespace

JsonCost json_cost(const std::string& text, int max_depth, std::size_t max_memory) {
    CostCounter counter(max_depth, max_memory);
    const bool completed = json::sax_parse(text, &counter);
    return counter.result(completed);
}

}  // namespace rtt::collector
