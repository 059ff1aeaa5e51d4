"""A bounded soak test on loopback: many connections, a mix of the endpoints people use, for a fixed time.

    python -m bench.soak [--seconds 300] [--connections 64]     (make soak)

Starts the portal on a free 127.0.0.1 port (unless --url is given), runs the load, and reports requests,
failures, latency percentiles, the server's resident memory over time and the database file's sha256
before and after. Only loopback is ever contacted.
"""
import argparse
import hashlib
import json
import statistics
import threading
import time

import httpx

ENDPOINTS = [
    "/catalog/wards.json?_size=100",
    "/catalog/capital_projects.json?_facet=owner_id&_facet=section",
    "/catalog/plan_tasks?_facet=province_code",
    "/catalog/document_passages.json?_search=dong+thap",
    "/-/search.json?q=camera+giam+sat",
    "/catalog/tasks_led_by_agency.json?agency=khoa+hoc",
    "/catalog/wards.csv?_size=max",
    "/catalog/wards/29929.json",
    "/catalog/wards",
    "/catalog/nope.json",  # a 404 is an expected answer, not a failure
]
EXPECTED = {"/catalog/nope.json": 404}


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def soak(base, seconds=60, connections=32, pid=None):
    assert base.startswith(("http://127.", "http://localhost")), "soak only ever targets loopback"
    stop = time.monotonic() + seconds
    latencies, failures, lock = [], [], threading.Lock()
    memory = []

    def worker(offset):
        with httpx.Client(base_url=base, timeout=30) as client:
            n = offset
            while time.monotonic() < stop:
                path = ENDPOINTS[n % len(ENDPOINTS)]
                n += 1
                started = time.monotonic()
                try:
                    status = client.get(path).status_code
                    ok = status == EXPECTED.get(path, 200)
                except httpx.HTTPError as e:
                    ok, status = False, repr(e)
                with lock:
                    latencies.append(time.monotonic() - started)
                    if not ok:
                        failures.append((path, status))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    while pid and any(t.is_alive() for t in threads):
        memory.append(rss_kib(pid))
        time.sleep(1)
    for t in threads:
        t.join()
    latencies.sort()
    return {
        "seconds": seconds, "connections": connections, "requests": len(latencies), "failed": len(failures),
        "failures": failures[:10], "requests_per_second": round(len(latencies) / seconds, 1),
        "p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(1000 * latencies[int(len(latencies) * 0.99) - 1], 1) if latencies else None,
        # Resident memory at 0 %, 25 %, 50 %, 75 % and 100 % of the run: flat after warm-up is the goal.
        "rss_mib_by_quarter": [round(memory[min(len(memory) - 1, q * len(memory) // 4)] / 1024, 1)
                               for q in range(5)] if memory else None,
    }


def main():
    import os
    import subprocess
    import sys

    from bench.loopback import free_port, wait_until_serving
    from scripts.project import DATABASE, ROOT

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    digest = lambda: hashlib.sha256(DATABASE.read_bytes()).hexdigest()  # noqa: E731
    before = digest()
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "scripts.serve.portal", "--port", str(port)], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, server, timeout=30)
        report = soak(base, args.seconds, args.connections, pid=server.pid)
    finally:
        server.terminate()
        server.wait(timeout=10)
    report["sha256_unchanged"] = digest() == before
    print(json.dumps(report, indent=2))
    return 0 if report["failed"] == 0 and report["sha256_unchanged"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
