#!/usr/bin/env python3
"""Resource attacks against a real `riposte serve`, each on a fresh server: the peak memory the
server reached (VmHWM), the slowest `GET /health` while the attack ran, and what the attacker
was answered.

    cargo build --release && python3 scripts/attacks.py target/release/riposte

Python 3 only, nothing to install. A server that dies or is killed fails the run.
"""

import argparse
import concurrent.futures
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

DOUBLED = "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}"
PLUS_DOUBLED = DOUBLED.replace("~", "+")
TWENTY_STRINGS = "".join(f"{{% set s{i} = 'x' * 100000000 %}}" for i in range(20)) + "{{ s0|length }}"
REPEATED_LIST = "{{ ([0] * 100000000)|length }}"
KEPT = ("{% set ns = namespace(l=[]) %}{% for i in range(1000) %}"
        "{% set ns.l = ns.l + [('a' * 3000000) ~ i] %}{% endfor %}{{ ns.l|length }}")
CAPTURED = ("{% set x %}{% for i in range(100000) %}" + "y" * 1000 + "{% endfor %}{% endset %}{{ x|length }}")


class Server:
    def __init__(self, binary):
        self.dir = tempfile.mkdtemp()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(self.dir, "server.log"), "w")
        self.process = subprocess.Popen(
            [binary, "serve", "--data-dir", self.dir, "--listen", f"127.0.0.1:{self.port}"],
            stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(200):
            try:
                urllib.request.urlopen(self.base + "/health", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        with open(os.path.join(self.dir, "admin.key")) as f:
            self.key = f.read().strip()

    def call(self, method, path, body=None, timeout=120):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.key}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def status_mib(self, field):
        """A memory figure of the server's /proc status (VmHWM: the peak; VmRSS: now), in MiB."""
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def peak_mib(self):
        return self.status_mib("VmHWM")

    def rss_mib(self):
        return self.status_mib("VmRSS")

    def stop(self):
        alive = self.process.poll() is None
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        return alive


def health_watch(server, stop):
    """The slowest /health, in seconds, until `stop` is set."""
    slowest = 0.0
    while not stop.is_set():
        started = time.monotonic()
        try:
            urllib.request.urlopen(server.base + "/health", timeout=30).read()
        except OSError:
            pass
        slowest = max(slowest, time.monotonic() - started)
        time.sleep(0.05)
    return slowest


def render(server, template):
    status, body = server.call("POST", "/api/v1/symphony/templates/render", {"template": template, "nodes": {}})
    answer = json.loads(body)
    return f"{status} {answer.get('error', answer.get('value'))}"[:110]


SEED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "sync-alerts", "playbook.json")


def alerts_with_seed(server):
    """The README's playbook on, then 24 alerts of about 160 kB (a list of small numbers)."""
    with open(SEED) as f:
        seed = json.load(f)
    seed["nodes"]["2"]["arguments"]["url"] = "http://127.0.0.1:9/"  # nothing listens: it fails fast
    status, body = server.call("POST", "/api/v1/symphony/playbooks", {"playbook": seed})
    uuid = json.loads(body)["uuid"]
    server.call("POST", f"/api/v1/symphony/playbooks/{uuid}/activate", {})
    big = {"title": "t", "rule": {"name": "r"}, "numbers": [i % 10 for i in range(80_000)]}
    answers = [server.call("POST", "/api/v1/sic/alerts", big)[0] for _ in range(24)]
    time.sleep(2)
    return f"24 alerts of {len(json.dumps(big)) // 1024} kB: {sorted(set(answers))}"


def intake_batches(events, size, at_once=1):
    """`at_once` batches of `events` events of `size` characters each, pushed together."""
    return lambda s: _push_batches(s, events, size, at_once)


def _push_batches(server, events, size, at_once):
    status, body = server.call("POST", "/api/v1/intakes", {"name": "attack"})
    key = json.loads(body)["intake_key"]
    batch = json.dumps({"intake_key": key, "jsons": ["x" * size] * events}).encode()

    def push(_):
        request = urllib.request.Request(server.base + "/api/v1/intake-http/batch", data=batch, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return str(response.status)
        except urllib.error.HTTPError as e:
            return f"{e.code} {json.loads(e.read())['errors'][0]['detail']}"
        except OSError as e:  # refused while still sending: the answer went out before the body ended
            return f"connection closed while sending ({getattr(e, 'reason', e)})"

    answers = list(concurrent.futures.ThreadPoolExecutor(at_once).map(push, range(at_once)))
    return f"{len(batch) >> 20} MiB each: " + ", ".join(f"{answers.count(a)} x {a}" for a in sorted(set(answers)))


ATTACKS = [
    ("`~` doubling in a namespace loop", lambda s: render(s, DOUBLED)),
    ("`+` doubling in a namespace loop", lambda s: render(s, PLUS_DOUBLED)),
    ("20 strings of 100 MB", lambda s: render(s, TWENTY_STRINGS)),
    ("[0] * 100000000", lambda s: render(s, REPEATED_LIST)),
    ("1,000 strings of 3 MB kept in a list", lambda s: render(s, KEPT)),
    ("8 of those at once", lambda s: " | ".join(sorted(set(
        concurrent.futures.ThreadPoolExecutor(8).map(lambda _: render(s, KEPT), range(8)))))),
    ("100 MB of text captured by a loop", lambda s: render(s, CAPTURED)),
    ("24 alerts of 160 kB, the seed playbook on", alerts_with_seed),
    ("an intake batch of 1,000,000 tiny events", intake_batches(1_000_000, 1)),
    ("an intake batch at both limits", intake_batches(100_000, 120)),
    ("16 of those at once", intake_batches(100_000, 120, 16)),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary")
    parser.add_argument("--only", help="run the attacks whose name contains this")
    args = parser.parse_args()
    failed = False
    print(f"{'attack':40} {'start':>7} {'peak':>8} {'idle 5s':>8} {'/health':>8}  answer")
    for name, attack in ATTACKS:
        if args.only and args.only not in name:
            continue
        server = Server(args.binary)
        start = server.rss_mib()
        stop = threading.Event()
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            watch = pool.submit(health_watch, server, stop)
            try:
                answer = attack(server)
            except Exception as e:  # the attacker's side failing is a finding too
                answer = f"error: {e}"
            stop.set()
            slowest = watch.result()
        peak = server.peak_mib()
        time.sleep(5)
        idle = server.rss_mib()
        alive = server.stop()
        failed |= not alive
        state = "" if alive else "  THE SERVER DIED"
        print(f"{name:40} {start:6.0f}M {peak:7.0f}M {idle:7.0f}M {slowest:7.2f}s  {answer}{state}", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
