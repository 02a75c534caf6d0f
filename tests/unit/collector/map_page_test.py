#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The map on the collector's page, in headless Chromium (issue 29). The collector runs with
--geoip and the tests' own database (tests/geoip/lab_places.json) and is sent a two-way
multipath measurement without places: it stores the places itself (located_by collector),
while a submission that brings its own keeps them. The page then draws the map: a point per
located vertex in each direction (26 forward, 11 reverse), none for the absent entries
(198.18.3.2, 198.18.13.2) or the one with a country only (198.18.2.2), which are listed beside
the map; the load-balanced hop branches into several lines; a click on a point says its
address and place. At 1280x800 and 390x844 nothing is cut off and the screenshot shows both
colours. The base map is served offline (/world.json) within 300 KB. Exit 77 (skipped) if
chromium or chromedriver is missing.
Usage: map_page_test.py BUILD_DIR"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import web_page_test as page  # noqa: E402  (its browser driver and checks)

FORWARD_POINTS, REVERSE_POINTS = 26, 11
NOT_ON_MAP = {"198.18.3.2": "no location", "198.18.13.2": "no location", "198.18.2.2": "AT, no coordinates"}


def colour_pixels(png, rgb, tolerance=40):
    width, height, channels, rows = page.png_pixels(png)
    return sum(1 for row in rows for i in range(0, len(row), channels)
               if all(abs(row[i + k] - rgb[k]) <= tolerance for k in range(3)))


def check_map(browser, url, token, measurement, build, width, height):
    browser.call("POST", "/window/rect", {"width": width, "height": height})
    browser.go(f"{url}/?measurement={measurement}")
    drawn = browser.wait_for(lambda: browser.script(
        "return document.querySelectorAll('#map-svg circle').length > 0 && "
        "document.querySelector('#map-svg path.land') !== null"), f"the map at {width}x{height}")
    page.check(drawn, f"the map is drawn with its base map at {width}x{height}")
    counts = browser.script("""return ['forward', 'reverse'].map(d =>
        document.querySelectorAll('#map-svg circle.' + d).length)""")
    page.check(counts == [FORWARD_POINTS, REVERSE_POINTS],
               f"points per direction {counts}, expected {[FORWARD_POINTS, REVERSE_POINTS]}")
    on_map = set(browser.script("return [...document.querySelectorAll('#map-svg circle')].map(c => c.dataset.address)"))
    page.check(not on_map & set(NOT_ON_MAP), f"no point for hops without coordinates: {on_map & set(NOT_ON_MAP)}")
    listed = page.text_of(browser, "#map-unlocated")
    for address, why in NOT_ON_MAP.items():
        page.check(f"{address} — {why}" in listed, f"{address} listed beside the map as '{why}': {listed!r}")
    # The first hop (198.18.1.2) is load-balanced: the forward path branches there.
    branches = browser.script("""
        const c = document.querySelector('#map-svg circle.forward[data-address="198.18.1.2"]');
        const x = c.getAttribute('cx'), y = c.getAttribute('cy');
        return [...document.querySelectorAll('#map-svg line.forward')]
          .filter(l => l.getAttribute('x1') === x && l.getAttribute('y1') === y).length""")
    page.check(branches >= 6, f"the load-balanced first hop branches into {branches} forward lines (expected >= 6)")
    page.check(browser.script("return document.querySelectorAll('#map-svg line.reverse').length") > 0,
               "reverse lines drawn")
    page.check(browser.script("return document.querySelectorAll('#map-svg line.hidden-hops').length") > 0,
               "lines through hops without a place are dashed")
    # Hover shows the address (an SVG title); a click (or tap) says more beside the map.
    dot = browser.find_all('#map-svg circle.forward[data-address="198.18.1.2"]')
    page.check(dot, "a point for 198.18.1.2")
    if dot:
        page.check("198.18.1.2 · Augsburg, DE" in browser.script(
            "return document.querySelector('#map-svg circle.forward[data-address=\"198.18.1.2\"] title').textContent"),
            "the point's hover title")
        browser.script("document.querySelector('#map-svg circle.forward[data-address=\"198.18.1.2\"]')"
                       ".dispatchEvent(new MouseEvent('click', {bubbles: true}))")
        info = page.text_of(browser, "#map-info")
        page.check("forward TTL 1" in info and "198.18.1.2" in info and "Augsburg, DE ±10 km" in info,
                   f"a click says TTL, address and place: {info!r}")
    places = browser.script("return [...document.querySelectorAll('#hops th')].map(e => e.textContent)")
    page.check("place" in places, f"the hop tables have a place column: {places}")
    # Nothing cut off: the map and its list fit the window.
    outside = browser.script("""
        const out = [];
        for (const e of document.querySelectorAll('#map-box, #map-svg, #map-aside, #map-legend')) {
          const r = e.getBoundingClientRect();
          if (r.width === 0 || r.left < -1 || r.right > window.innerWidth + 1) out.push(e.id);
        }
        return out;""")
    page.check(not outside, f"at {width}x{height} cut off or not shown: {outside}")
    page.check(browser.script("return document.documentElement.scrollWidth <= window.innerWidth"),
               f"no sideways scrolling at {width}x{height}")
    browser.script("document.getElementById('map-box').scrollIntoView()")
    time.sleep(0.3)
    shot = base64.b64decode(browser.call("GET", f"/element/{browser.find_all('#map-svg')[0]}/screenshot"))
    with open(f"{build}/tests/unit/collector/map_page_{width}x{height}.png", "wb") as f:
        f.write(shot)
    blue, orange = colour_pixels(shot, (0x15, 0x65, 0xc0)), colour_pixels(shot, (0xd8, 0x43, 0x15))
    print(f"map screenshot {width}x{height}: {blue} forward-coloured, {orange} reverse-coloured pixels")
    page.check(blue > 50 and orange > 50, f"both paths visible in the screenshot ({blue} blue, {orange} orange pixels)")


def run_map_page(rig, build, database, token):
    """The stored places, then the map at both window sizes."""
    url, browser = rig.url, rig.browser
    page.check("places from " + database + " (DBIP-City-Lite)" in rig.log_text(), "the collector names its database")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with open(f"{HERE}/two-way-multipath.json", "rb") as f:
        document = json.load(f)
    page.check("locations" not in document, "the fixture carries no places")
    stored = page.http("POST", f"{url}/api/v1/measurements", json.dumps(document).encode(), headers)
    kept = page.http("GET", f"{url}/api/v1/measurements/{stored['id']}", None, headers)
    page.check(kept.get("geoip", {}).get("located_by") == "collector" and
               kept["geoip"].get("database_type") == "DBIP-City-Lite", f"placed by the collector: {kept.get('geoip')}")
    page.check(kept.get("locations", {}).get("198.18.1.2", {}).get("city") == "Augsburg" and
               "198.18.3.2" not in kept.get("locations", {}), "the stored places")
    # A submission with its own places keeps them.
    own = dict(document, locations={"198.18.1.2": {"country": "FR"}},
               geoip={"database_type": "GeoLite2-City", "located_by": "client"}, start_time="2026-12-01T00:00:00.000Z")
    own_id = page.http("POST", f"{url}/api/v1/measurements", json.dumps(own).encode(), headers)["id"]
    own_kept = page.http("GET", f"{url}/api/v1/measurements/{own_id}", None, headers)
    page.check(own_kept.get("locations") == {"198.18.1.2": {"country": "FR"}}, "a client's own places are kept")
    with urllib.request.urlopen(f"{url}/world.json", timeout=10) as response:
        world = response.read()
    page.check(len(world) <= 300 * 1024 and b'"land"' in world, f"the base map is {len(world)} bytes (at most 300 KB)")
    print(f"base map: {len(world)} bytes")

    browser.go(url + "/")
    browser.script("sessionStorage.setItem('collector-token', arguments[0])", token)
    for width, height in ((1280, 800), (390, 844)):
        check_map(browser, url, token, stored["id"], build, width, height)
    # A measurement without places shows no map.
    plain = dict(document, start_time="2026-12-02T00:00:00.000Z")
    plain["locations"] = {}
    plain_id = page.http("POST", f"{url}/api/v1/measurements", json.dumps(plain).encode(), headers)["id"]
    browser.go(f"{url}/?measurement={plain_id}")
    browser.wait_for(lambda: page.text_of(browser, "#title"), "the measurement without places")
    time.sleep(0.3)
    page.check("No hop of this measurement has coordinates" in page.text_of(browser, "#map"),
               f"a measurement with no places says so: {page.text_of(browser, '#map')!r}")


def main():
    build = sys.argv[1]
    if not shutil.which("chromium") or not shutil.which("chromedriver"):
        print("skipped: needs Debian's chromium and chromium-driver (scripts/install-deps installs them)")
        return 77
    database = f"{build}/tests/geoip/lab.mmdb"
    tmp = tempfile.mkdtemp()
    token = os.urandom(16).hex()
    with open(f"{tmp}/tokens", "w") as f:
        f.write(token + "\n")
    try:
        with page.PageRig(build, tmp, ["--token-file", f"{tmp}/tokens", "--geoip", database]) as rig:
            run_map_page(rig, build, database, token)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{page.checks} checks, {page.failures} failures")
    return 1 if page.failures else 0


if __name__ == "__main__":
    sys.exit(main())
