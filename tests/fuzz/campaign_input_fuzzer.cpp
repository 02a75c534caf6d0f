// SPDX-License-Identifier: MIT
// Fuzzes what a campaign reads (client/campaign): a target list, and an output file it resumes
// from. Either is taken or refused with ClientError, never a crash, a hang or another exception.
// The first byte chooses: even, the bytes are a target list; odd, an output file.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string>

#include "../../client/campaign/campaign_journal.h"
#include "../../client/campaign/target_list.h"
#include "../../client/client_error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0)
        return 0;
    const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
    try {
        if (data[0] % 2 == 0) {
            std::istringstream list(text);
            (void)rtt::client::read_target_list(list, "list", {});
        } else {
            // One file per fuzzing process, removed when it exits.
            static const struct Scratch {
                std::string path = "/tmp/campaign-input-fuzzer-" + std::to_string(::getpid()) + ".jsonl";
                ~Scratch() { std::remove(path.c_str()); }
            } scratch;
            const std::string& path = scratch.path;
            if (std::FILE* file = std::fopen(path.c_str(), "wb")) {
                std::fwrite(text.data(), 1, text.size(), file);
                std::fclose(file);
            }
            rtt::client::CampaignJournal journal(path);
            (void)journal.finished();
        }
    } catch (const rtt::client::ClientError&) {
    }
    return 0;
}
