"""Each replacement of a Datasette internal (scripts/serve/internals.py), and the text decoder hook, measured
alone: in process, the deployment's settings (num_sql_threads 0), CPU time per request with every patch against
every patch but that one, on three pages (table JSON, table JSON with a facet, the HTML table page). CPU time of
this process (time.process_time), not wall time: the machine is shared, and wall-clock rates swung ±60% between
identical runs. With and without alternate in short rounds and the median ratio is kept. Bounded (about a
minute); two runs by default, so a gain that is only noise shows up as such.

    python -m bench.internals [--requests 10] [--rounds 5] [--runs 2]
"""
import argparse
import asyncio
import json
import statistics
import time

from scripts.project import DATABASE

PAGES = {"table_json": "/catalog/plan_tasks.json", "facets": "/catalog/plan_tasks.json?_facet=due_year",
         "html": "/catalog/plan_tasks"}


def portal():
    import scripts.serve.portal as portal

    portal.SETTINGS.update({"num_sql_threads": 0})  # as the deployment runs (deploy/Dockerfile)
    return portal.create_datasette(DATABASE)


async def cpu_per_request(datasette, requests):
    out = {}
    for name, path in PAGES.items():
        await datasette.client.get(path)  # warm
        started = time.process_time()
        for _ in range(requests):
            response = await datasette.client.get(path)
            assert response.status_code == 200, (path, response.status_code)
        out[name] = (time.process_time() - started) / requests
    return out


async def gain(datasette, patch, requests, rounds):
    """Median over rounds of (CPU without the patch / CPU with it - 1), per page, in %."""
    ratios = {page: [] for page in PAGES}
    for _ in range(rounds):
        with_it = await cpu_per_request(datasette, requests)
        patch.revert()
        without = await cpu_per_request(datasette, requests)
        patch.apply()
        for page in PAGES:
            ratios[page].append(without[page] / with_it[page] - 1)
    return {page: round(100 * statistics.median(values), 1) for page, values in ratios.items()}


class TextDecoder:
    """plugins/text_decoding.py's hook, switched off by restoring Datasette's decoder after it."""

    name = "text_decoder (plugins/text_decoding.py)"

    def __init__(self, datasette):
        self.datasette, self.module = datasette, None

    def revert(self):
        from datasette import hookimpl
        from datasette.plugins import pm

        class Lenient:
            @hookimpl(trylast=True)
            def prepare_connection(self, conn):
                conn.text_factory = lambda x: str(x, "utf-8", "replace")

        self.module = Lenient()
        pm.register(self.module, name="lenient_text_for_bench")
        self._reset()

    def apply(self):
        from datasette.plugins import pm

        if self.module:
            pm.unregister(self.module)
            self.module = None
            self._reset()

    def _reset(self):
        for db in self.datasette.databases.values():  # new connections pick up the hooks again
            db._read_connection = None


async def main(requests, rounds, runs):
    from scripts.serve import internals

    datasette = portal()
    candidates = [p for p in internals.PATCHES if p.name not in ("hashed_urls", *internals.CORRECTNESS)]  # speed only
    internals.install([p.name for p in candidates])
    extra = [TextDecoder(datasette)]
    for item in extra:
        item.apply()
    await cpu_per_request(datasette, 5)
    results = {}
    for run in range(runs):
        for patch in candidates + extra:
            gains = await gain(datasette, patch, requests, rounds)
            results.setdefault(patch.name, []).append(gains)
            print(f"run {run + 1} {patch.name:45} " + "  ".join(f"{k} {v:+.1f}%" for k, v in gains.items()),
                  flush=True)
    print(json.dumps(results))
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.rounds, args.runs))
