// SPDX-License-Identifier: MIT
#include "output/output_paths.h"

#include <unistd.h>

#include <filesystem>
#include <vector>

#include <fmt/format.h>

#include "client_error.h"

namespace rtt::client {
namespace {

OutputPaths paths_for(const ClientOptions& options, const std::string& base) {
    OutputPaths paths;
    if (options.store_json)
        paths.json = base + ".json";
    if (options.resolve_aliases)
        paths.aliases = base + ".aliases";
    if (options.render)
        paths.drawing = base + "." + options.format;
    return paths;
}

std::vector<std::string> all(const OutputPaths& paths) {
    std::vector<std::string> out;
    for (const auto* path : {&paths.json, &paths.aliases, &paths.drawing})
        if (*path)
            out.push_back(**path);
    return out;
}

bool any_exists(const OutputPaths& paths) {
    std::error_code ignored;
    for (const auto& path : all(paths))
        if (std::filesystem::exists(path, ignored))
            return true;
    return false;
}

void check_writable(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code error;
    if (fs::is_directory(path, error))
        throw ClientError(fmt::format("cannot write {}: it is a directory; give another -o", path));
    const fs::path parent = fs::path(path).parent_path();
    const std::string directory = parent.empty() ? std::string(".") : parent.string();
    if (!fs::is_directory(directory, error))
        throw ClientError(
            fmt::format("cannot write {}: directory {} does not exist; create it or give another -o", path, directory));
    if (access(directory.c_str(), W_OK | X_OK) != 0 || (fs::exists(path, error) && access(path.c_str(), W_OK) != 0))
        throw ClientError(fmt::format("cannot write {}: no permission; give another -o", path));
}

}  // namespace

OutputPaths plan_output_paths(const ClientOptions& options) {
    OutputPaths paths = paths_for(options, options.output_base);
    if (!options.force && any_exists(paths)) {
        for (int n = 1;; ++n) {
            if (n > 9999)
                throw ClientError(fmt::format("{}-1 to {}-9999 exist already: give another -o, or --force to overwrite",
                                              options.output_base, options.output_base));
            OutputPaths numbered = paths_for(options, fmt::format("{}-{}", options.output_base, n));
            if (!any_exists(numbered)) {
                numbered.renamed_from = options.output_base;
                paths = numbered;
                break;
            }
        }
    }
    for (const auto& path : all(paths))
        check_writable(path);
    return paths;
}

}  // namespace rtt::client
