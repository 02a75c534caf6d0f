// SPDX-License-Identifier: MIT
// Group commit for a store's writes: callers queue a measurement and wait; one writer thread
// takes everything queued at once and hands it to the store's commit function as one batch,
// which fulfils each promise after its transaction committed (or fails them all).
#pragma once

#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "measurement_store.h"

namespace rtt::collector {

struct PendingMeasurement {
    MeasurementColumns columns;
    std::string document;
    std::promise<AddedMeasurement> added;
};

class GroupCommit {
public:
    using Commit = std::function<void(std::vector<PendingMeasurement>&)>;
    // Starts the writer thread; `commit` must fulfil or fail every promise of its batch.
    explicit GroupCommit(Commit commit);
    // Commits what is queued, then stops the thread (stop() may have done so already).
    ~GroupCommit();
    GroupCommit(const GroupCommit&) = delete;
    GroupCommit& operator=(const GroupCommit&) = delete;

    // Queues the document and waits until its batch committed; throws what the commit threw.
    AddedMeasurement add(const MeasurementColumns& columns, std::string document);
    std::size_t queued();
    // Writes what is queued and joins the writer; later adds are refused. The store calls it
    // before closing the connection that `commit` uses.
    void stop();

private:
    void write_loop();

    Commit commit_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::vector<PendingMeasurement> queue_;
    bool stopping_ = false;
    std::thread writer_;
};

}  // namespace rtt::collector
