// SPDX-License-Identifier: MIT
#include "output/live_view.h"

#include <curses.h>

#include "client_error.h"

namespace rtt::client {

LiveView::LiveView() {
    if (initscr() == nullptr)
        throw ClientError("--live cannot use this terminal (is TERM set?): use -c N for a report instead");
    cbreak();  // keys one at a time; Ctrl-C still signals (and ends the run with its report)
    noecho();
    nodelay(stdscr, TRUE);
    keypad(stdscr, TRUE);
    curs_set(0);
}

LiveView::~LiveView() {
    endwin();
}

void LiveView::draw(const std::string& status, const std::vector<std::string>& lines) {
    erase();
    const int width = COLS;
    mvaddnstr(0, 0, status.c_str(), width);
    for (std::size_t i = 0; i < lines.size() && static_cast<int>(i) + 2 < LINES; ++i)
        mvaddnstr(static_cast<int>(i) + 2, 0, lines[i].c_str(), width);
    refresh();
}

std::size_t LiveView::columns() const {
    return COLS > 0 ? static_cast<std::size_t>(COLS) : 80;
}

LiveKey LiveView::poll() {
    for (;;) {
        const int key = getch();
        switch (key) {
        case ERR: return LiveKey::none;
        case 'p':
        case ' ': return LiveKey::pause;
        case 'r': return LiveKey::reset;
        case 'n': return LiveKey::names;
        case 'g': return LiveKey::places;
        case 'q':
        case 'Q': return LiveKey::quit;
        default: break;  // KEY_RESIZE and other keys: the next draw fits the new size
        }
    }
}

}  // namespace rtt::client
