// SPDX-License-Identifier: MIT
#include "reverse_resolver.h"

#include <ares.h>
#include <arpa/nameser.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <limits>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "client_error.h"

namespace rtt::client {
namespace {

// c-ares gives up on a server after this long per try, and tries each server this often.
constexpr int kQueryTimeoutMs = 1000;
constexpr int kQueryTries = 2;
// The longest a wait holds for the worker thread to pass an address to c-ares (it does so
// within microseconds unless the machine is starved).
constexpr std::chrono::milliseconds kHandOverWait{200};

}  // namespace

std::string origin_as_query_name(const IpAddress& address) {
    const auto bytes = address.header_bytes();
    std::string name;
    if (address.is_v4()) {
        for (std::size_t i = bytes.size(); i-- > 0;)
            name += fmt::format("{}.", bytes[i]);
        return name + "origin.asn.cymru.com";
    }
    for (std::size_t i = bytes.size(); i-- > 0;)
        name += fmt::format("{:x}.{:x}.", bytes[i] & 0x0f, bytes[i] >> 4);
    return name + "origin6.asn.cymru.com";
}

std::vector<std::uint32_t> parse_origin_as(const std::string& record) {
    std::vector<std::uint32_t> numbers;
    const std::string first = record.substr(0, record.find('|'));
    std::size_t i = 0;
    while (i < first.size()) {
        while (i < first.size() && first[i] == ' ')
            ++i;
        std::uint64_t value = 0;
        std::size_t digits = 0;
        while (i < first.size() && first[i] >= '0' && first[i] <= '9' && digits < 11) {
            value = value * 10 + static_cast<std::uint64_t>(first[i++] - '0');
            ++digits;
        }
        if (i < first.size() && first[i] != ' ')
            return {};  // not a list of numbers
        if (digits > 0 && digits <= 10 && value <= 0xffffffffULL)
            numbers.push_back(static_cast<std::uint32_t>(value));
        else if (digits > 0)
            return {};
    }
    return numbers;
}

std::vector<std::uint32_t> origin_as_from_answer(std::span<const unsigned char> answer) {
    std::vector<std::uint32_t> numbers;
    ares_txt_reply* replies = nullptr;
    if (answer.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
        ares_parse_txt_reply(answer.data(), static_cast<int>(answer.size()), &replies) != ARES_SUCCESS)
        return numbers;
    for (const ares_txt_reply* r = replies; r; r = r->next)
        for (const auto number : parse_origin_as(std::string(reinterpret_cast<const char*>(r->txt), r->length)))
            if (std::find(numbers.begin(), numbers.end(), number) == numbers.end())
                numbers.push_back(number);
    ares_free_data(replies);
    return numbers;
}

// Owns the c-ares channel and the one thread that drives it (c-ares 1.18 channels are not
// thread-safe); callers queue addresses and wait on the results.
class ReverseResolver::Worker {
public:
    Worker(bool names, bool origin_as, std::chrono::milliseconds budget)
        : names_(names), origin_as_(origin_as), budget_(budget) {
        if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS)
            throw ClientError("cannot start the DNS resolver (c-ares)");
        ares_options options{};
        options.timeout = kQueryTimeoutMs;
        options.tries = kQueryTries;
        if (ares_init_options(&channel_, &options, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES) != ARES_SUCCESS) {
            ares_library_cleanup();
            throw ClientError("cannot start the DNS resolver (c-ares): is /etc/resolv.conf readable?");
        }
        if (pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
            ares_destroy(channel_);
            ares_library_cleanup();
            throw ClientError("cannot start the DNS resolver: no pipe");
        }
        thread_ = std::thread([this] { run(); });
    }

    ~Worker() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake();
        thread_.join();
        ares_destroy(channel_);  // in this thread: the worker has stopped touching it
        ares_library_cleanup();
        ::close(wake_[0]);
        ::close(wake_[1]);
    }

    void start(const IpAddress& address) {
        {
            std::lock_guard lock(mutex_);
            if (!entries_.emplace(address, Entry{}).second)
                return;
            entries_[address].name_done = !names_;
            entries_[address].as_done = !origin_as_;
            queued_.push_back(address);
        }
        wake();
    }

    // Waits (within the budget left) until `done` holds for the entry of `address`. Even with
    // the budget spent it waits for the worker to hand the address to c-ares, which answers from
    // the hosts file at once: what the system knows locally is never raced away.
    template <typename Done>
    void wait(const IpAddress& address, Done done) {
        start(address);
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, kHandOverWait, [&] { return entries_[address].asked; });
        spend_budget(lock, [&] { return done(entries_[address]); });
    }

    // Waits (within the budget left) until every lookup started so far has finished.
    void settle() {
        std::unique_lock lock(mutex_);
        const auto all_asked = [&] {
            return std::all_of(entries_.begin(), entries_.end(), [](const auto& e) { return e.second.asked; });
        };
        changed_.wait_for(lock, kHandOverWait, all_asked);
        spend_budget(lock, [&] {
            return std::all_of(entries_.begin(), entries_.end(),
                               [](const auto& e) { return e.second.name_done && e.second.as_done; });
        });
    }

    struct Entry {
        bool asked = false;  // handed to c-ares by the worker
        bool name_done = false;
        bool as_done = false;
        std::optional<std::string> name;
        std::vector<std::uint32_t> origin_as;
    };

    std::optional<std::string> name(const IpAddress& address, bool wait_for_it) {
        if (wait_for_it)
            wait(address, [](const Entry& e) { return e.name_done; });
        else
            start(address);
        std::lock_guard lock(mutex_);
        return entries_[address].name;
    }

    std::vector<std::uint32_t> origin_as(const IpAddress& address, bool wait_for_it) {
        if (wait_for_it)
            wait(address, [](const Entry& e) { return e.as_done; });
        else
            start(address);
        std::lock_guard lock(mutex_);
        return entries_[address].origin_as;
    }

    std::map<IpAddress, std::string> names() {
        std::lock_guard lock(mutex_);
        std::map<IpAddress, std::string> out;
        for (const auto& [address, entry] : entries_)
            if (entry.name)
                out.emplace(address, *entry.name);
        return out;
    }

    std::map<IpAddress, std::vector<std::uint32_t>> origin_as_numbers() {
        std::lock_guard lock(mutex_);
        std::map<IpAddress, std::vector<std::uint32_t>> out;
        for (const auto& [address, entry] : entries_)
            if (!entry.origin_as.empty())
                out.emplace(address, entry.origin_as);
        return out;
    }

private:
    // What a callback needs: the worker and the address it was about.
    struct Query {
        Worker* worker;
        IpAddress address;
    };

    template <typename Done>
    void spend_budget(std::unique_lock<std::mutex>& lock, Done done) {
        if (done() || budget_.count() <= 0)
            return;
        const auto began = std::chrono::steady_clock::now();
        changed_.wait_for(lock, budget_, done);
        budget_ -= std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began);
    }

    void wake() {
        const char byte = 1;
        [[maybe_unused]] const auto ignored = ::write(wake_[1], &byte, 1);
    }

    void run() {
        for (;;) {
            std::deque<IpAddress> batch;
            {
                std::lock_guard lock(mutex_);
                if (stopping_)
                    return;
                batch.swap(queued_);
            }
            for (const auto& address : batch) {
                send(address);
                std::lock_guard lock(mutex_);
                entries_[address].asked = true;
                changed_.notify_all();
            }
            pollfd fds[ARES_GETSOCK_MAXNUM + 1];
            ares_socket_t sockets[ARES_GETSOCK_MAXNUM];
            const int mask = ares_getsock(channel_, sockets, ARES_GETSOCK_MAXNUM);
            nfds_t n = 0;
            fds[n++] = {wake_[0], POLLIN, 0};
            for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
                short events = 0;
                if (ARES_GETSOCK_READABLE(mask, i))
                    events |= POLLIN;
                if (ARES_GETSOCK_WRITABLE(mask, i))
                    events |= POLLOUT;
                if (events)
                    fds[n++] = {sockets[i], events, 0};
            }
            timeval longest{1, 0};
            const timeval* timeout = ares_timeout(channel_, &longest, &longest);
            const int ms = static_cast<int>(timeout->tv_sec * 1000 + timeout->tv_usec / 1000);
            ::poll(fds, n, std::max(ms, 1));
            if (fds[0].revents & POLLIN) {
                char drain[64];
                while (::read(wake_[0], drain, sizeof drain) > 0) {
                }
            }
            bool any = false;
            for (nfds_t i = 1; i < n; ++i)
                if (fds[i].revents) {
                    any = true;
                    ares_process_fd(channel_,
                                    fds[i].revents & (POLLIN | POLLERR | POLLHUP) ? fds[i].fd : ARES_SOCKET_BAD,
                                    fds[i].revents & POLLOUT ? fds[i].fd : ARES_SOCKET_BAD);
                }
            if (!any)
                ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts
        }
    }

    void send(const IpAddress& address) {
        if (names_) {
            const auto bytes = address.header_bytes();
            ares_gethostbyaddr(channel_, bytes.data(), static_cast<int>(bytes.size()),
                               address.is_v4() ? AF_INET : AF_INET6, &Worker::on_name, new Query{this, address});
        }
        if (origin_as_)
            ares_query(channel_, origin_as_query_name(address).c_str(), ns_c_in, ns_t_txt, &Worker::on_txt,
                       new Query{this, address});
    }

    static void on_name(void* arg, int status, int, hostent* host) {
        std::unique_ptr<Query> query(static_cast<Query*>(arg));
        std::lock_guard lock(query->worker->mutex_);
        Entry& entry = query->worker->entries_[query->address];
        entry.name_done = true;
        if (status == ARES_SUCCESS && host && host->h_name && *host->h_name)
            entry.name = host->h_name;
        query->worker->changed_.notify_all();
    }

    static void on_txt(void* arg, int status, int, unsigned char* answer, int length) {
        std::unique_ptr<Query> query(static_cast<Query*>(arg));
        std::vector<std::uint32_t> numbers;
        if (status == ARES_SUCCESS && answer != nullptr && length > 0)
            numbers = origin_as_from_answer({answer, static_cast<std::size_t>(length)});
        std::lock_guard lock(query->worker->mutex_);
        Entry& entry = query->worker->entries_[query->address];
        entry.as_done = true;
        entry.origin_as = std::move(numbers);
        query->worker->changed_.notify_all();
    }

    bool names_;
    bool origin_as_;
    ares_channel channel_ = nullptr;
    int wake_[2] = {-1, -1};
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::map<IpAddress, Entry> entries_;
    std::deque<IpAddress> queued_;
    std::chrono::milliseconds budget_;
    bool stopping_ = false;
};

ReverseResolver::ReverseResolver(bool names, std::chrono::milliseconds budget, bool origin_as)
    : names_(names), origin_as_(origin_as) {
    if (names || origin_as)
        worker_ = std::make_unique<Worker>(names, origin_as, budget);
}

ReverseResolver::~ReverseResolver() = default;

void ReverseResolver::start(const IpAddress& address) {
    if (worker_)
        worker_->start(address);
}

std::optional<std::string> ReverseResolver::name(const IpAddress& address) {
    return worker_ && names_ ? worker_->name(address, true) : std::nullopt;
}

std::optional<std::string> ReverseResolver::known_name(const IpAddress& address) {
    return worker_ && names_ ? worker_->name(address, false) : std::nullopt;
}

std::vector<std::uint32_t> ReverseResolver::origin_as(const IpAddress& address) {
    return worker_ && origin_as_ ? worker_->origin_as(address, true) : std::vector<std::uint32_t>{};
}

std::vector<std::uint32_t> ReverseResolver::known_origin_as(const IpAddress& address) {
    return worker_ && origin_as_ ? worker_->origin_as(address, false) : std::vector<std::uint32_t>{};
}

void ReverseResolver::settle() {
    if (worker_)
        worker_->settle();
}

std::map<IpAddress, std::string> ReverseResolver::names() {
    return worker_ ? worker_->names() : std::map<IpAddress, std::string>{};
}

std::map<IpAddress, std::vector<std::uint32_t>> ReverseResolver::origin_as_numbers() {
    return worker_ ? worker_->origin_as_numbers() : std::map<IpAddress, std::vector<std::uint32_t>>{};
}

}  // namespace rtt::client
