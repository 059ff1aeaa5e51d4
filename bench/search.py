"""A short, bounded measurement of the search box (issue 16): one connection, sequential requests, against the
portal as `make serve` runs it, on a catalog you name (the 100x synthetic national catalog for the issue):

    python -m scripts.synthetic --scale 100 --out build/synthetic/x100      # once, ~1 minute
    python -m bench.search build/synthetic/x100/build/catalog.db [--rounds 10]

Prints p50 / p90 / max in milliseconds of /-/search.json (the search itself) and /-/search (the result page),
over every query of QUERIES and each round after one warm-up round, and the server's CPU time per request
(from /proc; 10 ms clock ticks, so a mean over the requests), which a busy shared machine inflates less than
wall-clock latency. ~20 queries x 2 pages x rounds requests,
so it ends within about a minute; the server runs on 127.0.0.1 and is stopped afterwards.
"""
import argparse
import http.client
import os
import statistics
import time
import urllib.parse
from pathlib import Path

from bench import servers
from bench.loopback import HOST, free_port

# What people type: common and rare words, abbreviations, numbers, money, questions, typos, prefixes.
QUERIES = ["dong thap", "chuyen doi so", "camera giam sat", "giam xat giao thong", "so khoa hoc va cong nghe",
           "KH&CN", "ATTT", "co so du lieu dat dai", "dich vu cong truc tuyen toan trinh", "quyet dinh 2744",
           "2744/QĐ-UBND", "45,9 tỷ", "45.900", "bao nhieu du an cua so y te", "xa phu kiet nay la xa nao",
           "Hà Nội", "ha tang so", "camer giam sat", "tan ho co", "chu ky so", "trung tam dieu hanh thong minh",
           "an ninh mang o dau"]


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def cpu_seconds(pid):
    """User + system CPU time of a process (Linux /proc): the server's own work, whatever else the machine
    runs at the same time (on a shared machine wall-clock latency also measures the queue for a core)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(port, rounds, pid):
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    timings = {"search.json": [], "search (page)": []}
    cpu = {name: 0.0 for name in timings}
    statuses = set()
    for round_no in range(rounds + 1):
        for q in QUERIES:
            for name, path in (("search.json", "/-/search.json"), ("search (page)", "/-/search")):
                cpu_before = cpu_seconds(pid)
                started = time.perf_counter()
                conn.request("GET", path + "?" + urllib.parse.urlencode({"q": q}))
                response = conn.getresponse()
                response.read()
                elapsed = (time.perf_counter() - started) * 1000
                statuses.add(response.status)
                if round_no:  # the first round warms caches and the vocabulary
                    timings[name].append(elapsed)
                    cpu[name] += cpu_seconds(pid) - cpu_before
    conn.close()
    return timings, cpu, statuses


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", type=Path)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args(argv)
    port = free_port()
    with servers.portal_single(args.database.resolve(), port, name="search-bench") as server:
        timings, cpu, statuses = measure(port, max(1, min(args.rounds, 50)), server.process.pid)
    print(f"{args.database}: {len(QUERIES)} queries x {args.rounds} rounds, one connection, statuses "
          f"{sorted(statuses)}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for name, values in timings.items():
        print(f"  {name:14} p50 {statistics.median(values):6.1f} ms   p90 {percentile(values, 90):6.1f} ms"
              f"   max {max(values):6.1f} ms   server CPU {cpu[name] * 1000 / len(values):5.1f} ms/request"
              f"   ({len(values)} requests)")


if __name__ == "__main__":
    main()
