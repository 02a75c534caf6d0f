#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The looking glass on the collector's page, in headless Chromium (issue 28): the trace form
is offered to a token with the trace scope only; a two-way multipath trace started from it fills
both directions' tables and graphs live as its events arrive (the simulated network is paced so that they
arrive over seconds, and rows are seen while the trace still runs), then the stored
measurement's page is shown with its graph. The traces run in reverse-traceroute-prober on the
simulated network, so no privilege is needed. Exit 77 (skipped) if chromium or chromedriver is
missing.
Usage: looking_glass_page_test.py SOURCE_DIR BUILD_DIR"""
import base64
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import web_page_test as page  # noqa: E402  (its browser driver and checks)


def run_glass_page(browser, url, build):
    """The trace form by scope, a trace started from it, live, then stored."""

    def use_token(secret):
        field = browser.find_all("#token")[0]
        browser.call("POST", f"/element/{field}/clear")
        browser.call("POST", f"/element/{field}/value", {"text": secret})
        page.click(browser, "#refresh")
        time.sleep(0.5)

    def form_shown():
        return browser.script("return !document.getElementById('trace-form').hidden")

    browser.go(url + "/")
    time.sleep(0.5)
    page.check(not form_shown(), "no trace form without a token")
    use_token("reader-secret")
    page.check(not form_shown(), "no trace form for a token without the trace scope")
    use_token("tracer-secret")
    page.check(browser.wait_for(form_shown, "the trace form"), "the trace form for a tracing token")

    field = browser.find_all("#trace-target")[0]
    browser.call("POST", f"/element/{field}/value", {"text": "198.18.6.2"})
    page.click(browser, "#trace-start")
    rows = "return [...document.querySelectorAll('#live-forward tr, #live-reverse tr')].length"
    running = browser.wait_for(
        lambda: browser.script(rows) > 0 and browser.script(
            "return document.getElementById('live-state').textContent") == "running", "live rows while running")
    page.check(running, "rows appear while the trace runs")
    drawn = browser.wait_for(lambda: browser.script(
        "return document.querySelectorAll('#live-graph-forward line').length > 0 && "
        "document.getElementById('live-state').textContent === 'running'"), "the live graph while running")
    page.check(drawn, "the graph is drawn while the trace runs")
    # Then the stored measurement's page, with its graph.
    stored = browser.wait_for(lambda: browser.script(
        "const i = document.getElementById('graph-image'); return i && i.complete && i.naturalWidth > 0"),
        "the stored measurement's graph", seconds=60)
    page.check(stored, "the stored measurement is shown with its graph")
    title = page.text_of(browser, "#title")
    page.check("two-way udp multipath" in title and "198.18.6.2" in title, f"its title: {title!r}")
    live = browser.script("""
        const by = {};
        for (const d of ['forward', 'reverse'])
          by[d] = [...document.querySelectorAll('#live-' + d + ' tr')].map(r => r.dataset.key);
        return by;""")
    # The diamond: both branches each way, and the end of each path.
    page.check(len(live["forward"]) == 6 and "4 198.18.6.2" in live["forward"],
               f"the forward table: {live['forward']}")
    page.check(len(live["reverse"]) == 6 and "4 198.18.1.1" in live["reverse"],
               f"the reverse table: {live['reverse']}")
    lines = browser.script("""return ['forward', 'reverse'].map(d =>
        document.querySelectorAll('#live-graph-' + d + ' line').length)""")
    # The diamond's links each way: root to the first hop, two branches in, two out, two to the end.
    page.check(lines == [7, 7], f"the live graphs' links: {lines}")
    state = page.text_of(browser, "#live-state")
    page.check(state.startswith("done: stored as measurement #"), f"the trace's state: {state!r}")
    with open(f"{build}/tests/unit/collector/looking_glass_page.png", "wb") as f:
        f.write(base64.b64decode(browser.call("GET", "/screenshot")))


def main():
    source, build = sys.argv[1], sys.argv[2]
    if not shutil.which("chromium") or not shutil.which("chromedriver"):
        print("skipped: needs Debian's chromium and chromium-driver (scripts/install-deps installs them)")
        return 77
    tmp = tempfile.mkdtemp()
    with open(f"{tmp}/tokens", "w") as f:
        f.write("tracer-secret tracer trace,read\nreader-secret reader read\n")
    sock = f"{tmp}/prober.sock"
    # Paced: a simulated second takes four real ones, so the trace runs for a few seconds.
    prober = subprocess.Popen([f"{build}/prober/reverse-traceroute-prober", "--simulate",
                               f"{source}/tests/lab/topologies/diamond.topo", "--listen", sock, "--speed", "0.25"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    for _ in range(100):
        if os.path.exists(sock):
            break
        time.sleep(0.05)
    try:
        with page.PageRig(build, tmp, ["--token-file", f"{tmp}/tokens", "--looking-glass", "--prober-socket", sock,
                                       "--trace-allow", "198.18.0.0/15"]) as rig:
            run_glass_page(rig.browser, rig.url, build)
    finally:
        prober.terminate()
        prober.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{page.checks} checks, {page.failures} failures")
    return 1 if page.failures else 0


if __name__ == "__main__":
    sys.exit(main())
