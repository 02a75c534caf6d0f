// SPDX-License-Identifier: MIT
#include "group_commit.h"

#include "collector_error.h"

namespace rtt::collector {

GroupCommit::GroupCommit(Commit commit) : commit_(std::move(commit)) {
    writer_ = std::thread([this] { write_loop(); });
}

GroupCommit::~GroupCommit() {
    stop();
}

void GroupCommit::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    ready_.notify_all();
    if (writer_.joinable())
        writer_.join();
}

AddedMeasurement GroupCommit::add(const MeasurementColumns& columns, std::string document) {
    std::future<AddedMeasurement> added;
    {
        std::lock_guard lock(mutex_);
        if (stopping_)
            throw CollectorError("the collector is shutting down: submit again later");
        queue_.push_back({columns, std::move(document), {}});
        added = queue_.back().added.get_future();
    }
    ready_.notify_one();
    return added.get();
}

std::size_t GroupCommit::queued() {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

void GroupCommit::write_loop() {
    for (;;) {
        std::vector<PendingMeasurement> batch;
        {
            std::unique_lock lock(mutex_);
            ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty())
                return;  // stopping, nothing left to write
            batch.swap(queue_);
        }
        commit_(batch);
    }
}

}  // namespace rtt::collector
