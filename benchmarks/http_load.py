"""The load generator of ``benchmarks/web_requests.py``, in a process of its own so that its
work does not share a process (or a GIL) with the server it measures.

It opens ``--concurrency`` keep-alive connections (one ``httpx.Client`` per thread), sends a few
warm-up requests on each, prints ``ready`` and then, for every ``go`` line on standard input,
sends ``--requests`` requests in all (``GET`` of the ids in ``--ids`` in turn) and prints one
JSON line: seconds, requests, errors (status other than 200, or no answer), median and p99
latency. ``quit`` (or the end of input) ends it.

    python -P benchmarks/http_load.py URL --token T --ids FILE [--requests 1000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import threading
import time

import httpx


def one_round(clients: list[httpx.Client], paths: list[str], total: int) -> dict[str, float]:
    """``total`` requests shared by the clients' threads; their figures."""
    lock = threading.Lock()
    counter = itertools.count()
    latencies: list[float] = []
    errors = [0]

    def work(client: httpx.Client) -> None:
        mine: list[float] = []
        failed = 0
        while True:
            with lock:
                n = next(counter)
            if n >= total:
                break
            start = time.perf_counter()
            try:
                ok = client.get(paths[n % len(paths)]).status_code == 200
            except httpx.HTTPError:
                ok = False
            mine.append(time.perf_counter() - start)
            failed += not ok
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    ordered = sorted(latencies)
    return {
        "seconds": seconds,
        "requests": len(ordered),
        "errors": errors[0],
        "median_ms": 1000 * statistics.median(ordered),
        "p99_ms": 1000 * ordered[max(0, -(-99 * len(ordered) // 100) - 1)],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--token", required=True)
    parser.add_argument("--ids", required=True)
    parser.add_argument("--purpose", default="customer_service")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    with open(args.ids, encoding="utf-8") as source:
        ids = source.read().split()
    headers = {"Authorization": f"Bearer {args.token}"}
    clients = [
        httpx.Client(base_url=args.url, headers=headers, timeout=60)
        for _ in range(args.concurrency)
    ]
    paths = [f"/api/v1/contacts/{i}?purpose={args.purpose}" for i in ids]
    for n, client in enumerate(clients):
        for path in paths[n : n + 3]:
            client.get(path).raise_for_status()
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() != "go":
            break
        print(json.dumps(one_round(clients, paths, args.requests)), flush=True)
    for client in clients:
        client.close()


if __name__ == "__main__":
    main()
