// SPDX-License-Identifier: MIT
#include "cli/user_config.h"

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "cli/name_suggestion.h"

namespace rtt::client {

std::string default_config_path() {
    if (const char* config = std::getenv("XDG_CONFIG_HOME"); config && *config)
        return std::string(config) + "/reverse-traceroute/config";
    const char* home = std::getenv("HOME");
    return std::string(home && *home ? home : "") + "/.config/reverse-traceroute/config";
}

UserConfigFormat::UserConfigFormat(const CLI::App& app, std::vector<std::pair<std::string, std::string>> engine_groups,
                                   std::function<std::string()> chosen_engine)
    : app_(app), engine_groups_(std::move(engine_groups)), chosen_engine_(std::move(chosen_engine)) {}

std::vector<CLI::ConfigItem> UserConfigFormat::from_config(std::istream& input) const {
    // The keys a user may write: every long option that is allowed in a config file.
    std::vector<std::string> keys;
    for (const CLI::Option* option : app_.get_options())
        if (option->get_configurable() && !option->get_positional() && !option->get_lnames().empty())
            keys.push_back(option->get_lnames().front());

    std::vector<CLI::ConfigItem> kept;
    for (CLI::ConfigItem item : CLI::ConfigTOML::from_config(input)) {
        if (item.name == "++" || item.name == "--")
            continue;  // CLI11's section markers: the sections are flattened below
        const std::string section = item.parents.empty() ? "" : item.parents.front();
        const auto engine = std::find_if(engine_groups_.begin(), engine_groups_.end(),
                                         [&](const auto& entry) { return entry.first == section; });
        if (item.parents.size() > 1 || (!section.empty() && engine == engine_groups_.end()))
            throw UserConfigError(fmt::format("unknown section [{}]: the sections are [singlepath] and [multipath]",
                                              fmt::join(item.parents, ".")));
        const CLI::Option* option = app_.get_option_no_throw("--" + item.name);
        if (option != nullptr && !option->get_positional() && !option->get_configurable())
            throw UserConfigError(fmt::format("`{}` cannot be set in a config file: give --{} on the command line",
                                              item.name, item.name));
        if (option == nullptr || option->get_positional()) {
            std::string hint;
            if (const auto key = closest_name(item.name, keys))
                hint = fmt::format(": did you mean `{}`?", *key);
            if (hint.empty())
                hint = ": see `reverse-traceroute --help` for the options (long names without the dashes)";
            throw UserConfigError(fmt::format("unknown key `{}`{}", item.name, hint));
        }
        if (!section.empty()) {
            if (option->get_group() != engine->second)
                throw UserConfigError(fmt::format("`{}` in section [{}] is not a {} option: move it {}", item.name,
                                                  section, section, [&] {
                                                      for (const auto& [other, group] : engine_groups_)
                                                          if (option->get_group() == group)
                                                              return fmt::format("to [{}]", other);
                                                      return std::string("above the first section");
                                                  }()));
            if (section != chosen_engine_())
                continue;  // the other engine's defaults
        }
        item.parents.clear();
        kept.push_back(std::move(item));
    }
    return kept;
}

}  // namespace rtt::client
