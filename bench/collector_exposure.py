#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The collector under the abuse an Internet-facing service meets, over loopback (issue 14):

  latency  a legitimate client's requests (a new connection each, GET of the list) while
           SLOW slowloris connections (a header line started, one byte a second, reopened
           when cut) and IDLE keep-alive connections (one request, then silence) are held
           open from other loopback addresses (127.0.1.x, 127.0.2.x), as many per address
           as the collector allows;
  memory   the collector's peak RSS (VmHWM) while PARALLEL clients each send a body of the
           largest accepted size (--max-body, 8 MiB by default) at once: valid JSON made of
           small numbers, the most memory per byte a parser spends.

Usage: collector_exposure.py COLLECTOR_BINARY [--seconds S] [--slow 256] [--idle 64]
       [--parallel 16] [--label NAME]
Prints one line per figure; the shell wrapper compares two builds in one run.
"""
import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time


def start_collector(binary, folder, extra):
    log = open(os.path.join(folder, "collector.log"), "w+")
    process = subprocess.Popen(
        [binary, "--listen", "127.0.0.1:0", "--db", os.path.join(folder, "m.db"), "--open",
         "--rate", "1000000", "--burst", "1000000", *extra],
        stderr=log, stdout=subprocess.DEVNULL)
    for _ in range(200):
        log.seek(0)
        found = re.search(r"http://127\.0\.0\.1:(\d+)", log.read())
        if found:
            return process, int(found.group(1))
        if process.poll() is not None:
            break
        time.sleep(0.05)
    log.seek(0)
    sys.exit("collector did not start: " + log.read())


def connect(port, source):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


class Attack:
    """Keeps `count` connections of one kind open from addresses `prefix`.1, .2, ..."""

    def __init__(self, port, prefix, per_address, count, kind):
        self.port, self.prefix, self.per_address = port, prefix, per_address
        self.count, self.kind = count, kind
        self.stop = threading.Event()
        self.opened = 0
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.hold, args=(i,), daemon=True) for i in range(count)]

    def source(self, i):
        return f"{self.prefix}.{1 + i // self.per_address}"

    def hold(self, i):
        while not self.stop.is_set():
            try:
                s = connect(self.port, self.source(i))
                with self.lock:
                    self.opened += 1
                if self.kind == "idle":
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                    s.recv(65536)
                    while not self.stop.is_set() and s.recv(1):
                        pass  # silence until the collector closes it
                else:
                    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                    while not self.stop.is_set():
                        s.sendall(b"a")
                        time.sleep(1)
            except OSError:
                pass  # cut: open another one
            finally:
                try:
                    s.close()
                except Exception:
                    pass
            if not self.stop.is_set():
                time.sleep(0.2)

    def start(self):
        for t in self.threads:
            t.start()

    def end(self):
        self.stop.set()


def legitimate_latencies(port, seconds):
    latencies, failures = [], 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        start = time.monotonic()
        try:
            s = connect(port, "127.0.0.1")
            s.settimeout(60)
            s.sendall(b"GET /api/v1/measurements HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            answer = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                answer += chunk
            s.close()
            if not answer.startswith(b"HTTP/1.1 200"):
                failures += 1
        except OSError:
            failures += 1
        latencies.append(time.monotonic() - start)
        time.sleep(0.02)
    return latencies, failures


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def vm_hwm(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def numbers_body(size):
    """Valid JSON of `size` bytes made of small numbers: a measurement no schema accepts, but one
    the collector must read to find that out."""
    head = b'{"schema_version": 1, "padding": ['
    numbers = b"0," * ((size - len(head) - 3) // 2)
    return head + numbers + b"0]}"


def measurement_body(size):
    """The test measurement with its forward vertices repeated until it is `size` bytes: parsed
    in full before the schema refuses the copies."""
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "../tests/unit/collector/two-way-multipath.json")) as f:
        document = json.load(f)
    vertices = document["traces"]["forward"]
    unit = json.dumps(vertices, separators=(",", ":")).encode()
    head = json.dumps(document, separators=(",", ":")).encode()[:-1] + b',"padding":['
    copies = max(1, (size - len(head) - 2) // (len(unit) + 1))
    body = head + b",".join([unit] * copies) + b"]}"
    return body[:size] if len(body) > size else body


def send_body(port, body, results, i):
    """As curl sends a large body: it waits for 100 Continue, so a refusal comes before the body."""
    try:
        s = connect(port, "127.0.0.1")
        s.settimeout(120)
        s.sendall(b"POST /api/v1/measurements HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Expect: 100-continue\r\nConnection: close\r\nContent-Length: " + str(len(body)).encode() +
                  b"\r\n\r\n")
        answer = s.recv(200)
        if answer.startswith(b"HTTP/1.1 100"):
            s.sendall(body)
            answer = s.recv(200)
        results[i] = answer.split(b"\r\n", 1)[0].decode(errors="replace")
        s.close()
    except OSError as e:
        results[i] = f"error {e}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--seconds", type=float, default=25)
    parser.add_argument("--slow", type=int, default=256)
    parser.add_argument("--idle", type=int, default=64)
    parser.add_argument("--parallel", type=int, default=16)
    parser.add_argument("--per-address", type=int, default=16)
    parser.add_argument("--label", default="collector")
    parser.add_argument("extra", nargs="*", help="more collector options")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        process, port = start_collector(args.binary, folder, args.extra)
        try:
            slow = Attack(port, "127.0.1", args.per_address, args.slow, "slow")
            idle = Attack(port, "127.0.2", args.per_address, args.idle, "idle")
            slow.start()
            idle.start()
            time.sleep(2)
            latencies, failures = legitimate_latencies(port, args.seconds)
            slow.end()
            idle.end()
            print(f"{args.label}: latency under {args.slow} slowloris + {args.idle} idle connections: "
                  f"{len(latencies)} requests, p50 {percentile(latencies, 50) * 1000:.1f} ms, "
                  f"p99 {percentile(latencies, 99) * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms, "
                  f"{failures} failed; attack connections opened: {slow.opened} slow, {idle.opened} idle")
            sys.stdout.flush()
            time.sleep(1)

            for kind, body in (("measurement", measurement_body(8 * 1024 * 1024)),
                               ("numbers", numbers_body(8 * 1024 * 1024))):
                results = [None] * args.parallel
                senders = [threading.Thread(target=send_body, args=(port, body, results, i))
                           for i in range(args.parallel)]
                for t in senders:
                    t.start()
                for t in senders:
                    t.join()
                statuses = {}
                for r in results:
                    statuses[r] = statuses.get(r, 0) + 1
                print(f"{args.label}: peak RSS after {args.parallel} parallel 8 MiB bodies ({kind}): "
                      f"{vm_hwm(process.pid) / 2**20:.0f} MiB; answers: " + json.dumps(statuses))
                sys.stdout.flush()
        finally:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
