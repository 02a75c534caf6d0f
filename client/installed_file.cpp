// SPDX-License-Identifier: MIT
#include "installed_file.h"

#include <filesystem>

namespace rtt::client {

std::string installed_file(const std::string& name, const std::string& relative_dir, const std::string& absolute_dir) {
    std::error_code error;
    const auto here = std::filesystem::read_symlink("/proc/self/exe", error).parent_path();
    if (!error) {
        for (const auto& candidate : {here / name, here.parent_path() / relative_dir / name})
            if (std::filesystem::exists(candidate, error))
                return candidate.string();
    }
    return absolute_dir + "/" + name;
}

}  // namespace rtt::client
