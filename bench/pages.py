"""A short, bounded timing of the HTML table pages, in process (no server, no wrk): for comparing a template or
plugin change before and after on the same machine and the same build. `python -m bench.pages [--rounds N]`.

Each table's first HTML page (25 rows, default facets) is requested once to warm up, then N times; prints the
median CPU time and the total per table and overall, in milliseconds. Bounded: at most 60 s of requests."""
import argparse
import asyncio
import statistics
import sys
import time

from scripts.project import DATABASE, DATABASE_NAME
from scripts.serve.portal import create_datasette

TABLES = ["capital_projects", "plan_tasks", "indicators", "wards", "ward_predecessors", "agencies", "documents",
          "document_passages"]
BUDGET_SECONDS = 60


async def run(rounds):
    ds = create_datasette(DATABASE)
    start = time.monotonic()
    results = {}
    for table in TABLES:
        path = f"/{DATABASE_NAME}/{table}"
        response = await ds.client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        times = []
        for _ in range(rounds):
            if time.monotonic() - start > BUDGET_SECONDS:
                break
            t0 = time.process_time()  # CPU time of this process: less disturbed by other work on the machine
            response = await ds.client.get(path)
            times.append((time.process_time() - t0) * 1000)
        results[table] = (statistics.median(times), len(response.content))
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)
    results = asyncio.run(run(args.rounds))
    for table, (median, size) in results.items():
        print(f"{table:22} median {median:7.1f} ms  {size / 1024:6.1f} kB")
    print(f"{'all tables':22} sum of medians {sum(m for m, _ in results.values()):7.1f} ms")


if __name__ == "__main__":
    sys.exit(main())
