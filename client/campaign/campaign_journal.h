// SPDX-License-Identifier: MIT
// A campaign's output: one measurement per line (JSON lines), each appended with one write as
// soon as its trace finished, so a campaign killed at any moment leaves whole lines and at most
// one torn last line (a write that fails, on a full disk, is taken back). Opened again, it tells which measurements are
// there already (a resumed campaign skips them), cuts a torn last line off, and appends after them.
#pragma once

#include <map>
#include <string>

namespace rtt::client {

class CampaignJournal {
public:
    // Opens (creating) `path`; throws ClientError (one sentence) if it cannot, or if a line other
    // than the last is not a measurement (then it is not this tool's output, and is left alone).
    explicit CampaignJournal(const std::string& path);
    ~CampaignJournal();
    CampaignJournal(const CampaignJournal&) = delete;
    CampaignJournal& operator=(const CampaignJournal&) = delete;

    // How many measurements of each identity (target_list.h) the file held when opened.
    const std::map<std::string, int>& finished() const { return finished_; }
    // Appends the measurement (JSON text without a newline); throws ClientError if it cannot.
    void append(const std::string& measurement);

private:
    std::string path_;
    int fd_ = -1;
    std::map<std::string, int> finished_;
};

}  // namespace rtt::client
