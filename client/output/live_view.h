// SPDX-License-Identifier: MIT
// --live: the statistics of both directions in the terminal (ncurses), redrawn every round, with
// keys as in mtr: p pauses and resumes the rounds, r resets the statistics, n switches between
// names and addresses, g shows or hides places (GeoIP), q quits (and the report is printed as with -c).
#pragma once

#include <string>
#include <vector>

namespace rtt::client {

enum class LiveKey { none, pause, reset, names, places, quit };

class LiveView {
public:
    LiveView();   // takes over the terminal; throws ClientError if it cannot
    ~LiveView();  // gives it back
    LiveView(const LiveView&) = delete;
    LiveView& operator=(const LiveView&) = delete;

    // The screen: a status line, then `lines` (cut to the terminal's width and height).
    void draw(const std::string& status, const std::vector<std::string>& lines);
    // The terminal's width now (it may have been resized).
    std::size_t columns() const;
    // The next key pressed, if any (never waits).
    LiveKey poll();

private:
    bool resized_ = false;
};

}  // namespace rtt::client
