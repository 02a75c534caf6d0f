#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The collector's connection model against issue 14's reproducers, over loopback: slow and
idle peers do not starve a legitimate client; headers and whole requests have deadlines (not
per-byte timeouts); one address holds a bounded number of connections; request bodies held at
once are bounded (503 beyond, before the body is sent); a body announced above --max-body is
refused before it is sent; 16 parallel bodies of the largest size leave RSS below 200 MB; and
X-Forwarded-For counts only from a trusted proxy; HTTP that is not HTTP gets a 4xx or is closed.

Usage: collector_exposure_test.py BUILD_DIR
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

failures = []
checks = 0


def check(condition, what):
    global checks
    checks += 1
    if not condition:
        failures.append(what)
        print(f"FAIL: {what}", flush=True)


class Collector:
    def __init__(self, binary, folder, *extra):
        self.log_path = os.path.join(folder, f"collector-{time.monotonic_ns()}.log")
        self.log = open(self.log_path, "w+")
        self.process = subprocess.Popen(
            [binary, "--listen", "127.0.0.1:0", "--db", os.path.join(folder, f"{time.monotonic_ns()}.db"),
             "--open", *extra], stderr=self.log, stdout=subprocess.DEVNULL)
        for _ in range(200):
            found = re.search(r"http://127\.0\.0\.1:(\d+)", self.text())
            if found:
                self.port = int(found.group(1))
                return
            time.sleep(0.05)
        sys.exit("collector did not start: " + self.text())

    def text(self):
        with open(self.log_path) as f:
            return f.read()

    def rss_peak_mib(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return 0

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def connect(port, source="127.0.0.1", timeout=5):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def request(port, text, source="127.0.0.1", timeout=10):
    """Sends a whole request; returns (status line, seconds taken) or (None, seconds)."""
    start = time.monotonic()
    try:
        s = connect(port, source, timeout)
        s.sendall(text)
        answer = b""
        while b"\r\n" not in answer:
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
        s.close()
        return answer.split(b"\r\n", 1)[0].decode(errors="replace") or None, time.monotonic() - start
    except OSError:
        return None, time.monotonic() - start


GET = b"GET /api/v1/measurements HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


def closed_within(s, seconds):
    """Seconds until the peer closed `s` (reading and discarding), or None if it did not."""
    start = time.monotonic()
    s.settimeout(0.2)
    while time.monotonic() - start < seconds:
        try:
            if not s.recv(4096):
                return time.monotonic() - start
        except socket.timeout:
            pass
        except OSError:
            return time.monotonic() - start
    return None


def trickle(s, stop, data=b"a"):
    try:
        while not stop.is_set():
            s.sendall(data)
            time.sleep(0.5)
    except OSError:
        pass


def slow_peers_do_not_starve(binary, folder):
    # The reproducer: 32 slowloris connections (one byte at a time, which re-armed the old
    # per-byte timeout) and 64 idle reconnecting connections, from addresses of their own.
    c = Collector(binary, folder, "--rate", "1000", "--burst", "1000")
    stop = threading.Event()
    peers = []
    for i in range(32):
        s = connect(c.port, f"127.0.3.{1 + i // 8}")
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        peers.append(s)
        threading.Thread(target=trickle, args=(s, stop), daemon=True).start()
    for i in range(64):
        s = connect(c.port, f"127.0.4.{1 + i // 8}")
        peers.append(s)
    time.sleep(0.5)
    slowest = 0
    for _ in range(20):
        status, seconds = request(c.port, GET)
        check(status == "HTTP/1.1 200 OK", f"a legitimate request under 32 slow and 64 idle peers: {status}")
        slowest = max(slowest, seconds)
    check(slowest < 1, f"legitimate requests took up to {slowest:.2f} s under slow peers (once 29.5 s)")
    stop.set()
    for s in peers:
        s.close()
    c.stop()


def deadlines(binary, folder):
    c = Collector(binary, folder, "--header-deadline", "2", "--request-deadline", "4")
    stop = threading.Event()
    # Headers trickled a byte every half second: cut at the header deadline, not kept alive by
    # each byte.
    s = connect(c.port)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    threading.Thread(target=trickle, args=(s, stop), daemon=True).start()
    took = closed_within(s, 8)
    check(took is not None and took < 3.5, f"trickled headers were cut after {took} s (deadline 2 s)")
    # A body trickled after complete headers: cut at the request deadline.
    s = connect(c.port)
    s.sendall(b"POST /api/v1/measurements HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{")
    threading.Thread(target=trickle, args=(s, stop, b" "), daemon=True).start()
    took = closed_within(s, 10)
    check(took is not None and took < 5.5, f"a trickled body was cut after {took} s (deadline 4 s)")
    # An idle keep-alive connection ends at the header deadline too.
    s = connect(c.port)
    took = closed_within(s, 8)
    check(took is not None and took < 3.5, f"an idle connection was closed after {took} s (deadline 2 s)")
    stop.set()
    status, _ = request(c.port, GET)
    check(status == "HTTP/1.1 200 OK", f"the collector serves after cutting peers: {status}")
    c.stop()


def connections_per_address(binary, folder):
    c = Collector(binary, folder, "--connections-per-address", "4")
    # Each held connection is answered once (kept alive) before the next: only then is it surely
    # accepted and counted. Connected only, two of them could be accepted by two of the
    # collector's threads in either order, and the one refused need not be the fifth (a sanitized
    # run under load saw exactly that).
    held = []
    for _ in range(4):
        s = connect(c.port, "127.0.5.1", timeout=10)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = s.recv(4096)
            if not data:
                break
            answer += data
        check(answer.startswith(b"HTTP/1.1 200"), f"a held connection was not served: {answer[:40]!r}")
        held.append(s)
    extra = connect(c.port, "127.0.5.1")
    # Refused at once; the window is wide for a loaded machine (a sanitized build beside a
    # compiler) yet well inside the 10 s header deadline that would close it anyway.
    check(closed_within(extra, 6) is not None, "a fifth connection from one address was not refused")
    status, _ = request(c.port, GET, source="127.0.5.2")
    check(status == "HTTP/1.1 200 OK", f"another address is served while one holds its share: {status}")
    for s in held:
        s.close()
    c.stop()


def body_limits(binary, folder):
    c = Collector(binary, folder, "--max-body", "65536", "--body-memory", "131072")

    def announce(length):
        s = connect(c.port)
        s.sendall(b"POST /api/v1/measurements HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                  b"Content-Type: application/json\r\nContent-Length: " + str(length).encode() + b"\r\n\r\n")
        return s, s.recv(4096).decode(errors="replace")

    first, answer1 = announce(60000)
    second, answer2 = announce(60000)
    third, answer3 = announce(60000)
    check(answer1.startswith("HTTP/1.1 100") and answer2.startswith("HTTP/1.1 100"),
          f"two 60 kB bodies fit in 128 KiB of --body-memory: {answer1[:20]!r} {answer2[:20]!r}")
    check(answer3.startswith("HTTP/1.1 503") and "Retry-After: 2" in answer3,
          f"a third body is refused with 503 and Retry-After before it is sent: {answer3[:200]!r}")
    for s in (first, second, third):
        s.close()
    time.sleep(0.3)
    fourth, answer4 = announce(60000)
    check(answer4.startswith("HTTP/1.1 100"), f"the memory is given back when bodies end: {answer4[:20]!r}")
    fourth.close()
    big, answer = announce(70000)
    check(answer.startswith("HTTP/1.1 413"), f"a body announced above --max-body gets 413 first: {answer[:20]!r}")
    big.close()
    c.stop()


def memory_under_parallel_bodies(binary, folder):
    c = Collector(binary, folder)
    body = b'{"schema_version": 1, "padding": [' + b"0," * (4 * 1024 * 1024 - 20) + b"0]}"
    statuses = []

    def send():
        s = connect(c.port, timeout=120)
        s.sendall(b"POST /api/v1/measurements HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Expect: 100-continue\r\nConnection: close\r\nContent-Length: " + str(len(body)).encode() +
                  b"\r\n\r\n")
        answer = s.recv(4096)
        if answer.startswith(b"HTTP/1.1 100"):
            s.sendall(body)
            answer = s.recv(4096)
        statuses.append(answer.split(b"\r\n", 1)[0].decode())
        s.close()

    senders = [threading.Thread(target=send) for _ in range(16)]
    for t in senders:
        t.start()
    for t in senders:
        t.join()
    peak = c.rss_peak_mib()
    check(peak < 200, f"peak RSS {peak:.0f} MiB after 16 parallel 8 MiB bodies (once 2.55 GB); answers {statuses}")
    check(all(s.startswith("HTTP/1.1 4") or s.startswith("HTTP/1.1 503") for s in statuses),
          f"every such body gets 400 or 503: {statuses}")
    c.stop()


def forwarded_for(binary, folder):
    c = Collector(binary, folder, "--rate", "0.001", "--burst", "2", "--trusted-proxy", "127.0.0.1")
    via_proxy = lambda client: (b"GET /api/v1/measurements HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                b"X-Forwarded-For: 192.0.2.99, " + client + b"\r\n\r\n")
    for _ in range(2):
        request(c.port, via_proxy(b"198.51.100.7"))
    status, _ = request(c.port, via_proxy(b"198.51.100.7"))
    check(status is not None and status.startswith("HTTP/1.1 429"),
          f"the client a trusted proxy names is rate limited: {status}")
    status, _ = request(c.port, via_proxy(b"198.51.100.8"))
    check(status == "HTTP/1.1 200 OK", f"another client behind the same proxy is not: {status}")
    check("198.51.100.7 GET" in c.text(), "the access log names the forwarded client")
    # From a peer that is not a trusted proxy, the header is ignored (and the peer limited).
    for _ in range(2):
        request(c.port, via_proxy(b"198.51.100.9"), source="127.0.0.2")
    status, _ = request(c.port, via_proxy(b"198.51.100.10"), source="127.0.0.2")
    check(status is not None and status.startswith("HTTP/1.1 429"),
          f"X-Forwarded-For from an untrusted peer does not dodge its limit: {status}")
    c.stop()


def malformed_http(binary, folder):
    # HTTP that is not HTTP: libmicrohttpd answers 4xx (its own one-sentence pages) or closes,
    # and the collector lives on.
    c = Collector(binary, folder)
    for what, text in (("a header line without a colon", b"GET / HTTP/1.1\r\nHost: x\r\nBad\r\n\r\n"),
                       ("100 kB of headers", b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n"),
                       ("a Content-Length that is not a number",
                        b"POST /api/v1/measurements HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"),
                       ("broken chunked encoding",
                        b"POST /api/v1/measurements HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
                       ("a request line that is not HTTP", b"GARBAGE\r\n\r\n")):
        status, _ = request(c.port, text)
        check(status is None or status.startswith("HTTP/1.1 4"), f"{what}: {status}")
        check(c.process.poll() is None, f"the collector lives after {what}")
    status, _ = request(c.port, GET)
    check(status == "HTTP/1.1 200 OK", f"the collector serves after malformed HTTP: {status}")
    c.stop()


def main():
    binary = os.path.join(sys.argv[1], "collector", "reverse-traceroute-collector")
    with tempfile.TemporaryDirectory() as folder:
        for test in (slow_peers_do_not_starve, deadlines, connections_per_address, body_limits,
                     memory_under_parallel_bodies, forwarded_for, malformed_http):
            test(binary, folder)
    print(f"{checks - len(failures)}/{checks} checks passed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
