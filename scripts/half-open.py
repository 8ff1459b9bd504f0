#!/usr/bin/env python3
"""Half-open connections from one client address against a running Riposte, and how long
`GET /health` takes meanwhile from another address.

Each of --connections connections comes from --from (any of 127.0.0.0/8 reaches a server on
127.0.0.1), sends the start of a request head and nothing more, and is opened again as soon as
the server closes it. Every --every seconds a new connection from the default address asks for
/health; its time is what is reported (measured in a process of its own, so that the attackers'
event loop does not delay it).

    python3 scripts/half-open.py http://127.0.0.1:8080 --connections 1100 --seconds 40

Python 3 only, nothing to install. Prints one summary line per run.
"""

import argparse
import asyncio
import math
import multiprocessing
import resource
import socket
import statistics
import time
import urllib.parse

PARTIAL_HEAD = b"GET /health HTTP/1.1\r\nHost: x\r\n"


class Counts:
    def __init__(self):
        self.open = 0
        self.most_open = 0
        self.connects = 0
        self.refused = 0
        self.failed = 0


async def hold(host, port, source, counts, stop):
    """One attacker: connect, send a partial head, wait for the server to close, again."""
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(host, port, local_addr=(source, 0))
        except OSError:
            counts.failed += 1
            await asyncio.sleep(0.05)
            continue
        counts.connects += 1
        counts.open += 1
        counts.most_open = max(counts.most_open, counts.open)
        try:
            writer.write(PARTIAL_HEAD)
            await writer.drain()
            waiting = asyncio.ensure_future(reader.read(4096))
            stopping = asyncio.ensure_future(stop.wait())
            done, _ = await asyncio.wait({waiting, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if waiting in done and waiting.result().startswith(b"HTTP/1.1 429"):
                counts.refused += 1
            for task in (waiting, stopping):
                task.cancel()
        except OSError:
            pass
        finally:
            counts.open -= 1
            writer.close()


def health(host, port, timeout):
    """Seconds to get /health's status line over a new connection, or None past `timeout`."""
    started = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            if not sock.recv(64).startswith(b"HTTP/1.1 200"):
                return None
    except OSError:
        return None
    return time.monotonic() - started


def probe(host, port, seconds, every, results):
    """/health's times for `seconds`, one every `every`, sent to `results` at the end."""
    times, lost = [], 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        took = health(host, port, 30)
        if took is None:
            lost += 1
        else:
            times.append(took)
        time.sleep(every)
    results.send((times, lost))


async def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base", help="the server, as http://HOST:PORT")
    parser.add_argument("--connections", type=int, default=1100)
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--from", dest="source", default="127.0.0.2", help="the attacker's address")
    parser.add_argument("--every", type=float, default=0.25, help="seconds between two /health probes")
    args = parser.parse_args()
    url = urllib.parse.urlsplit(args.base)
    host, port = url.hostname, url.port or 80

    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    baseline = [health(host, port, 30) for _ in range(5)]
    counts, stop = Counts(), asyncio.Event()
    attackers = [asyncio.ensure_future(hold(host, port, args.source, counts, stop)) for _ in range(args.connections)]
    await asyncio.sleep(1)  # let them connect
    results, sender = multiprocessing.Pipe(duplex=False)
    prober = multiprocessing.Process(target=probe, args=(host, port, args.seconds, args.every, sender))
    prober.start()
    while not results.poll():
        await asyncio.sleep(0.2)
    times, lost = results.recv()
    prober.join()
    stop.set()
    await asyncio.gather(*attackers, return_exceptions=True)

    def ms(seconds):
        return f"{seconds * 1000:.1f} ms"

    quiet = [t for t in baseline if t is not None]
    print(
        f"/health alone: median {ms(statistics.median(quiet))}; "
        f"with {args.connections} half-open connections from {args.source} for {args.seconds:.0f} s: "
        f"{len(times)} probes, median {ms(statistics.median(times)) if times else '-'}, "
        f"p95 {ms(sorted(times)[math.ceil(0.95 * len(times)) - 1]) if times else '-'}, "
        f"max {ms(max(times)) if times else '-'}, {lost} not answered within 30 s; "
        f"attacker: at most {counts.most_open} open at once, {counts.connects} connects, "
        f"{counts.refused} answered 429, {counts.failed} failed to connect"
    )


if __name__ == "__main__":
    asyncio.run(main())
