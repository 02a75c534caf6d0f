#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The collector's web page in headless Chromium, driven through chromedriver (WebDriver over
HTTP, Python standard library only): the page lists a stored measurement once a token is given,
clicking it shows its SVG graph, and a screenshot of the graph is not blank. Without a token the
page says why it cannot list. Exit 77 (skipped) if chromium or chromedriver is missing.
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
    log = open(f"{tmp}/collector.log", "w+")
    collector = subprocess.Popen([f"{build}/collector/reverse-traceroute-collector", "--listen", "127.0.0.1:0",
                                  "--db", f"{tmp}/m.db", "--token-file", f"{tmp}/tokens"], stderr=log)
    driver_port = free_port()
    driver = subprocess.Popen([chromedriver, f"--port={driver_port}"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    browser = None
    try:
        url = None
        for _ in range(100):
            log.seek(0)
            found = re.search(r"http://127\.0\.0\.1:\d+", log.read())
            if found:
                url = found.group(0)
                break
            time.sleep(0.05)
        assert url, "the collector did not start"
        with open(f"{HERE}/two-way-multipath.json", "rb") as f:
            document = f.read()
        stored = http("POST", f"{url}/api/v1/measurements", document,
                      {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        target = json.loads(document)["target"]

        for _ in range(100):
            try:
                http("GET", f"http://127.0.0.1:{driver_port}/status")
                break
            except OSError:
                time.sleep(0.1)
        browser = Browser(f"http://127.0.0.1:{driver_port}")

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
        rows = browser.wait_for(lambda: browser.find_all("tbody tr"), "the measurement list")
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
    finally:
        if browser:
            browser.close()
        driver.terminate()
        collector.terminate()
        collector.wait()
        driver.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{checks} checks, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
