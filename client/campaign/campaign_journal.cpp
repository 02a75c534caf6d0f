// SPDX-License-Identifier: MIT
#include "campaign/campaign_journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "campaign/target_list.h"
#include "client_error.h"

namespace rtt::client {

CampaignJournal::CampaignJournal(const std::string& path) : path_(path) {
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // A torn last line (the campaign was killed while writing it) is cut off: that trace runs again.
    const auto last_newline = text.rfind('\n');
    const std::size_t whole = last_newline == std::string::npos ? 0 : last_newline + 1;
    std::size_t start = 0;
    int number = 0;
    while (start < whole) {
        const std::size_t end = text.find('\n', start);
        ++number;
        const auto line = nlohmann::json::parse(text.begin() + static_cast<std::ptrdiff_t>(start),
                                                text.begin() + static_cast<std::ptrdiff_t>(end), nullptr, false);
        if (line.is_discarded() || !line.is_object() || !line.contains("target") || !line["target"].is_string() ||
            !line.contains("direction") || !line.contains("protocol") || !line.contains("engine"))
            throw ClientError(
                fmt::format("{} line {} is not a measurement: give --output a new file or the output "
                            "of an earlier run of this campaign",
                            path, number));
        ++finished_[measurement_identity(line["target"].get<std::string>(), line.value("direction", ""),
                                         line.value("protocol", ""), line.value("engine", ""))];
        start = end + 1;
    }
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0 || ::ftruncate(fd_, static_cast<off_t>(whole)) != 0 || ::lseek(fd_, 0, SEEK_END) < 0) {
        const std::string why = std::strerror(errno);
        if (fd_ >= 0)
            ::close(fd_);
        throw ClientError(
            fmt::format("cannot write {} ({}): check its folder and permissions, or give another --output", path, why));
    }
}

CampaignJournal::~CampaignJournal() {
    if (fd_ >= 0)
        ::close(fd_);
}

void CampaignJournal::append(const std::string& measurement) {
    const std::string line = measurement + "\n";
    std::size_t written = 0;
    while (written < line.size()) {
        const ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            const std::string why = std::strerror(errno);
            // No torn line left behind: the file ends with the last whole measurement.
            if (::ftruncate(fd_, ::lseek(fd_, 0, SEEK_END) - static_cast<off_t>(written)) == 0)
                ::lseek(fd_, 0, SEEK_END);
            throw ClientError(fmt::format(
                "cannot write {} ({}): free some space, then run the same campaign again to finish it", path_, why));
        }
        written += static_cast<std::size_t>(n);
    }
}

}  // namespace rtt::client
