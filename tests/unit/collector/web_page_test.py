#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The collector's web page in headless Chromium, driven through chromedriver (WebDriver over
HTTP, Python standard library only): the page lists a stored measurement once a token is given,
clicking it shows its SVG graph, and a screenshot of the graph is not blank. Without a token the
page says why it cannot list. Then what an operator does (operator_view): opens the URL
--transmit printed, reads times to the second, source and outcome in the list and the hops of
both directions as text, downloads JSON and SVG, opens the graph full size and zooms, compares
two measurements of one target (path change history), filters by a part of the target and by
protocol; nothing is cut off at 1280x800 and 390x844. Exit 77 (skipped) if chromium or
chromedriver is missing.
Usage: web_page_test.py BUILD_DIR"""
import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
failures = 0
checks = 0


def check(condition, message):
    global failures, checks
    checks += 1
    if not condition:
        failures += 1
        print(f"FAIL: {message}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, headers=None):
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"null")


def png_pixels(png):
    """(width, height, rows of RGB(A) bytes) of an 8-bit RGB or RGBA PNG."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        data = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", data[:10])
        elif kind == b"IDAT":
            idat += data
        pos += 12 + length
    assert depth == 8 and color in (2, 6), f"unexpected PNG depth {depth} colour type {color}"
    channels = 4 if color == 6 else 3
    raw, stride, rows, previous = zlib.decompress(idat), width * channels, [], bytearray(width * channels)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, up_left = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else up_left)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


class Browser:
    """A WebDriver session in headless Chromium."""

    def __init__(self, driver_url):
        self.base = driver_url
        options = {"binary": "/usr/bin/chromium",
                   "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                            "--disable-background-networking", "--disable-component-update", "--disable-sync",
                            "--window-size=1400,900", f"--user-data-dir={tempfile.mkdtemp()}"]}
        answer = http("POST", f"{self.base}/session",
                      {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}}})
        self.session = f"{self.base}/session/{answer['value']['sessionId']}"

    def call(self, method, path, body=None):
        return http(method, self.session + path, body if body is not None else ({} if method == "POST" else None),
                    {"Content-Type": "application/json"})["value"]

    def go(self, url):
        self.call("POST", "/url", {"url": url})

    def find_all(self, css):
        return [next(iter(e.values())) for e in self.call("POST", "/elements", {"using": "css selector", "value": css})]

    def script(self, code, *args):
        return self.call("POST", "/execute/sync", {"script": code, "args": list(args)})

    def wait_for(self, condition, what, seconds=20):
        deadline = time.time() + seconds
        while time.time() < deadline:
            value = condition()
            if value:
                return value
            time.sleep(0.1)
        check(False, f"timed out waiting for {what}")
        return None

    def close(self):
        try:
            self.call("DELETE", "")
        except Exception:
            pass


class PageRig:
    """What every page test runs: the collector (`collector_args` after its listen address and
    database) with its URL read from its log, and headless Chromium through chromedriver; both
    ended when the `with` block ends."""

    def __init__(self, build, tmp, collector_args):
        self.log = open(f"{tmp}/collector.log", "w+")
        self.collector = subprocess.Popen([f"{build}/collector/reverse-traceroute-collector", "--listen",
                                           "127.0.0.1:0", "--db", f"{tmp}/m.db", *collector_args], stderr=self.log)
        self.driver_port = free_port()
        self.driver = subprocess.Popen(["chromedriver", f"--port={self.driver_port}"], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
        self.browser = None
        self.url = None

    def log_text(self):
        self.log.seek(0)
        return self.log.read()

    def __enter__(self):
        try:
            for _ in range(100):
                found = re.search(r"http://127\.0\.0\.1:\d+", self.log_text())
                if found:
                    self.url = found.group(0)
                    break
                time.sleep(0.05)
            assert self.url, f"the collector did not start: {self.log_text()}"
            for _ in range(100):
                try:
                    http("GET", f"http://127.0.0.1:{self.driver_port}/status")
                    break
                except OSError:
                    time.sleep(0.1)
            self.browser = Browser(f"http://127.0.0.1:{self.driver_port}")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *_):
        if self.browser:
            self.browser.close()
        self.driver.terminate()
        self.collector.terminate()
        self.collector.wait()
        self.driver.wait()
        self.log.close()


def click(browser, css):
    browser.call("POST", f"/element/{browser.find_all(css)[0]}/click")


def text_of(browser, css):
    return browser.script(f"const e = document.querySelector({json.dumps(css)}); return e ? e.textContent : ''")


def unclipped(browser, width, height, what):
    """At this window size nothing reaches past the viewport's width (no sideways scrolling,
    no control cut off)."""
    browser.call("POST", "/window/rect", {"width": width, "height": height})
    time.sleep(0.3)
    inner = browser.script("return window.innerWidth")
    page_width = browser.script("return document.documentElement.scrollWidth")
    check(page_width <= inner, f"{what} at {width}x{height}: the page is {page_width} px wide in {inner} px")
    outside = browser.script("""
        const out = [];
        for (const e of document.querySelectorAll('header *, #tools *, #title, h3, #status')) {
          const r = e.getBoundingClientRect();
          if (r.width > 0 && (r.left < -1 || r.right > window.innerWidth + 1)) out.push(e.id || e.tagName);
        }
        return out;""")
    check(not outside, f"{what} at {width}x{height}: cut off at the sides: {outside}")
    hidden = browser.script("""const t = document.querySelector('#list table');
        return t.scrollWidth - t.parentElement.clientWidth""")
    check(hidden <= 1, f"{what} at {width}x{height}: {hidden} px of the list hidden to the side")


def operator_view(browser, url, token, first_id, document, build):
    """What an operator does with the page: opens the URL --transmit printed, reads the hops,
    downloads, zooms, filters, and compares the paths of one target over time."""
    target = document["target"]
    # A second measurement of the same target whose reverse path changed, and another target.
    changed = json.loads(json.dumps(document))
    changed["traces"]["reverse"][1]["address"] = "198.18.99.1"
    changed["traces"]["forward"][1]["other_destination_next_hops"] = ["198.18.77.2"]
    changed["start_time"] = "2026-11-24T08:00:00.000Z"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    second = http("POST", f"{url}/api/v1/measurements", json.dumps(changed).encode(), headers)["id"]
    other = json.loads(json.dumps(document))
    other["target"], other["protocol"] = "other.example", "tcp"
    http("POST", f"{url}/api/v1/measurements", json.dumps(other).encode(), headers)

    # The URL --transmit prints, opened in the browser (the token is already in this tab).
    browser.go(f"{url}/api/v1/measurements/{second}")
    title = browser.wait_for(lambda: text_of(browser, "#title"), "the measurement the URL names")
    check(title and title.startswith(f"#{second}:") and target in title, f"the page opened measurement {second}: {title!r}")
    check(browser.script("return location.search") == f"?measurement={second}", "the page's address names the measurement")
    times = browser.wait_for(lambda: browser.script(
        "return [...document.querySelectorAll('#rows td.time')].map(e => e.textContent)"), "the list")
    check(times and all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", t) for t in times),
          f"times to the second: {times}")
    row = text_of(browser, f"#rows tr[data-id='{second}']")
    check(document["source"] in row and "forward reached" in row and "reverse reached" in row,
          f"the list shows source and outcome: {row!r}")

    # The hops as text, both ways, the reverse one saying whose RTTs they are.
    headings = browser.script("return [...document.querySelectorAll('#hops h3')].map(e => e.textContent)")
    check(len(headings) == 2 and headings[0].startswith("forward path") and "measured by the server" in headings[1],
          f"hop tables for both directions: {headings}")
    hop_rows = browser.script("return document.querySelectorAll('#hops tbody tr').length")
    vertices = len(changed["traces"]["forward"]) + len(changed["traces"]["reverse"])
    check(hop_rows == vertices, f"a hop row per vertex: {hop_rows} of {vertices}")
    check("198.18.99.1" in text_of(browser, "#hops"), "the hop table lists the changed reverse hop")
    check("per-destination: other addresses leave via 198.18.77.2" in text_of(browser, "#hops"),
          "the hop table names a per-destination balancer's other next hop")
    # Milliseconds as stored (the drawing shows the same figures).
    rtts = changed["traces"]["forward"][1]["rtt"]
    expected = f"{min(rtts):.3f} / {sum(rtts) / len(rtts):.3f} / {max(rtts):.3f}"
    check(expected in text_of(browser, "#hops"), f"the first hop's RTTs in ms: {expected}")

    # Downloads: the document and the drawing, as files with names.
    links = browser.script("""return ['download-json', 'download-svg'].map(id => {
        const a = document.getElementById(id); return [a.href.slice(0, 5), a.download]; })""")
    check(links == [["blob:", f"measurement-{second}.json"], ["blob:", f"measurement-{second}.svg"]],
          f"JSON and SVG downloads: {links}")
    downloaded = browser.script("""const done = arguments[arguments.length - 1];
        return fetch(document.getElementById('download-json').href).then(r => r.text())""")
    check(downloaded and json.loads(downloaded)["traces"]["reverse"][1]["address"] == "198.18.99.1",
          "the JSON download is the stored document")

    # The graph full size, zoomable.
    browser.wait_for(lambda: browser.script(
        "const i = document.getElementById('graph-image'); return i && i.complete && i.naturalWidth > 0"), "the graph")
    click(browser, "#open-viewer")
    opened = browser.wait_for(lambda: browser.script(
        "return document.getElementById('viewer').open && document.getElementById('viewer-image').clientWidth > 0"),
        "the full-size graph")
    if opened:
        natural = browser.script("return document.getElementById('viewer-image').naturalWidth")
        shown = browser.script("return document.getElementById('viewer-image').clientWidth")
        check(abs(shown - natural) <= 1, f"the graph opens at full size: {shown} px of {natural}")
        click(browser, "#zoom-in")
        larger = browser.script("return document.getElementById('viewer-image').clientWidth")
        check(larger > shown * 1.2, f"zoom in: {shown} → {larger} px")
        click(browser, "#zoom-fit")
        fitted = browser.script("return document.getElementById('viewer-image').clientWidth")
        area = browser.script("return document.getElementById('viewer-area').clientWidth")
        check(fitted <= area, f"fit: {fitted} px in {area} px")
        click(browser, "#viewer-close")

    # Path change history: this target's measurements, the latest two compared.
    click(browser, "#show-history")
    difference = browser.wait_for(lambda: text_of(browser, "#difference"), "the difference")
    check(difference and f"From #{first_id} to #{second}" in difference and "forward path: unchanged" in difference
          and "+ hop 198.18.99.1" in difference and "− hop " + document["traces"]["reverse"][1]["address"] in difference,
          f"the difference names the reverse hop that changed: {difference!r}")
    rows = browser.script("return document.querySelectorAll('#history tbody tr').length")
    check(rows == 2, f"the history lists this target's two measurements, not the other target's: {rows}")

    # Filters: substring of the target, protocol; nothing for an unknown target.
    def listed(target_text, protocol):
        browser.script("document.getElementById('target').value = arguments[0];"
                       "document.getElementById('protocol').value = arguments[1];", target_text, protocol)
        before = browser.script("return document.getElementById('rows').dataset.loads || '0'")
        browser.script("document.getElementById('rows').dataset.loads = String(Number(arguments[0]) + 1);", before)
        click(browser, "#refresh")
        time.sleep(0.5)
        return sorted(browser.script("return [...document.querySelectorAll('#rows tr')].map(r => Number(r.dataset.id))"))
    check(len(listed("other.exa", "")) == 1, "a part of a target name finds it")
    check(len(listed("", "tcp")) == 1, "the protocol filter")
    check(listed("nothing-like-this", "") == [] and "No measurements match" in text_of(browser, "#status"),
          "an unknown target lists nothing, and says so")
    listed("", "")

    first_hour(browser, url, token, document, second)

    # Nothing cut off on a laptop screen or a phone.
    for width, height in ((1280, 800), (390, 844)):
        unclipped(browser, width, height, "the page with a measurement shown")
        png = base64.b64decode(browser.call("GET", "/screenshot"))
        with open(f"{build}/tests/unit/collector/web_page_{width}x{height}.png", "wb") as f:
            f.write(png)


def first_hour(browser, url, token, document, second):
    """Issue 26, in a fresh tab: the link --transmit prints leads to a token prompt and then to that
    measurement (Enter in the token field works); no tools show before a measurement does; the
    history compares like with like and says plainly when a direction is missing on one side."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    browser.script("sessionStorage.clear()")
    browser.go(f"{url}/api/v1/measurements/{second}")
    prompt = browser.wait_for(lambda: text_of(browser, "#status"), "the token prompt")
    check(prompt and "needs a token" in prompt and "press Enter" in prompt, f"a token prompt: {prompt!r}")
    check(browser.script("return document.activeElement && document.activeElement.id") == "token",
          "the token field has the focus")
    check(browser.script("return getComputedStyle(document.getElementById('tools')).display") == "none",
          "no Download/Graph/History before a measurement is shown")
    field = browser.find_all("#token")[0]
    browser.call("POST", f"/element/{field}/value", {"text": token + "\ue007"})  # Enter
    title = browser.wait_for(lambda: text_of(browser, "#title"), "the measurement after the token")
    check(title and title.startswith(f"#{second}:"), f"after the token, the page opened measurement {second}: {title!r}")
    check(browser.script("return getComputedStyle(document.getElementById('tools')).display") != "none",
          "the tools show with a measurement")

    # A forward-only ICMP measurement of the same target, stored last: not the default "before".
    forward_only = json.loads(json.dumps(document))
    forward_only.update(direction="forward", protocol="icmp", start_time="2026-11-25T08:00:00.000Z")
    for key in ("traces", "outcome", "probes"):
        forward_only[key].pop("reverse", None)
    forward_only.pop("server", None)
    unlike = http("POST", f"{url}/api/v1/measurements", json.dumps(forward_only).encode(), headers)["id"]
    click(browser, "#show-history")
    difference = browser.wait_for(lambda: text_of(browser, "#difference"), "the like-with-like difference")
    check(difference and f"#{unlike}" not in difference, f"the default compares like with like: {difference!r}")
    ids = browser.script("return [...document.querySelectorAll('#history tbody tr')].map(r => r.children[2].textContent)")
    check(str(unlike) not in ids, f"the forward ICMP measurement is not in the like-with-like history: {ids}")
    click(browser, "#history-all")
    browser.wait_for(lambda: browser.script("return document.querySelectorAll('#history tbody tr').length") == 3,
                     "every measurement of the target")
    browser.script("document.querySelector(`#history input[name=before][value='${arguments[0]}']`).click();"
                   "document.getElementById('difference').textContent = '';", unlike)
    click(browser, "#compare")
    difference = browser.wait_for(lambda: text_of(browser, "#difference"), "the unlike difference")
    check(difference and f"reverse path: traced only in #{second}, not in #{unlike}" in difference,
          f"a missing direction is said plainly, not shown as a change: {difference!r}")
    click(browser, "#history-all")


def run_page(browser, url, token, build):
    """The page with one stored measurement, then what an operator does with it."""
    with open(f"{HERE}/two-way-multipath.json", "rb") as f:
        document = f.read()
    stored = http("POST", f"{url}/api/v1/measurements", document,
                  {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    target = json.loads(document)["target"]

    # Without a token: the page says why it lists nothing.
    browser.go(url + "/")
    status = browser.wait_for(lambda: browser.script("return document.getElementById('status').textContent"),
                              "the status line without a token")
    check(status and "401" in status, f"no-token status says 401: {status!r}")
    check(not browser.find_all("tbody tr"), "no rows without a token")

    # With the token: the list shows the measurement; clicking it shows the graph.
    token_field = browser.find_all("#token")[0]
    browser.call("POST", f"/element/{token_field}/value", {"text": token})
    browser.call("POST", f"/element/{browser.find_all('#refresh')[0]}/click")
    rows = browser.wait_for(lambda: browser.find_all("#rows tr"), "the measurement list")
    check(rows and len(rows) == 1, f"one row listed, got {len(rows or [])}")
    if rows:
        text = browser.call("GET", f"/element/{rows[0]}/text")
        check(str(stored["id"]) in text and target in text and "two-way" in text,
              f"the row shows id, target and direction: {text!r}")
        browser.call("POST", f"/element/{rows[0]}/click")
        loaded = browser.wait_for(lambda: browser.script(
            "const i = document.getElementById('graph-image'); return i && i.complete && i.naturalWidth > 0"),
            "the graph image")
        check(loaded, "the graph image loaded")
        title = browser.script("return document.getElementById('title').textContent")
        check("two-way udp multipath" in title and target in title, f"the graph title: {title!r}")
        if loaded:
            image = browser.find_all("#graph-image")[0]
            png = base64.b64decode(browser.call("GET", f"/element/{image}/screenshot"))
            with open(f"{build}/tests/unit/collector/web_page_graph.png", "wb") as f:
                f.write(png)
            width, height, channels, pixel_rows = png_pixels(png)
            pixels = [row[i:i + 3] for row in pixel_rows for i in range(0, len(row), channels)]
            dark = sum(1 for p in pixels if sum(p) < 384)
            colours = len(set(pixels))
            print(f"graph screenshot: {width}x{height}, {dark} dark pixels, {colours} colours")
            check(width > 200 and height > 100, f"graph screenshot size {width}x{height}")
            check(dark > 0.002 * len(pixels) and colours > 5,
                  f"graph screenshot is blank ({dark} dark pixels, {colours} colours)")
    page = base64.b64decode(browser.call("GET", "/screenshot"))
    with open(f"{build}/tests/unit/collector/web_page.png", "wb") as f:
        f.write(page)
    operator_view(browser, url, token, stored["id"], json.loads(document), build)



def main():
    build = sys.argv[1]
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not chromedriver:
        print("skipped: needs Debian's chromium and chromium-driver (scripts/install-deps installs them)")
        return 77
    tmp = tempfile.mkdtemp()
    token = os.urandom(16).hex()
    with open(f"{tmp}/tokens", "w") as f:
        f.write(token + "\n")
    try:
        with PageRig(build, tmp, ["--token-file", f"{tmp}/tokens"]) as rig:
            run_page(rig.browser, rig.url, token, build)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{checks} checks, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
