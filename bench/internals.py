"""Each replacement of a Datasette internal (scripts/serve/internals.py), and the text decoder hook, measured
alone: the deployment's app (scripts.serve.asgi, num_sql_threads 0, content-hashed route) called in process with
plain ASGI messages, CPU time per request with every patch against every patch but that one, on six requests
(a small table JSON page, the benchmark's table JSON page, a filtered faceted JSON page, the HTML table page, one
row and the ranked search). CPU time of this process (time.process_time), not wall time: the machine is shared,
and wall-clock rates swung ±60% between identical runs. With and without alternate in rounds of --requests requests per page;
the median ratio over --rounds is kept, with its range. Two runs by default, so a gain that is only noise shows
up as such: a patch is kept when one page gains ≥ 5% in both runs (issue 11).

    python -m bench.internals [--requests 100] [--rounds 7] [--runs 2]   # about 4 minutes on a quiet machine
"""
import argparse
import asyncio
import json
import os
import statistics
import time

PAGES = {"wards_json": ("wards.json", ""), "table_json": ("plan_tasks.json", ""),
         "facets": ("capital_projects.json", "_facet=owner_id&section=A.II"), "html": ("plan_tasks", ""),
         "row": ("wards/28615.json", ""), "search_all": ("/-/search.json", "q=dong+thap")}


class Client:
    """Plain ASGI calls into an app, without an HTTP client's own cost in the measurement."""

    def __init__(self, app):
        self.app = app

    async def start(self):
        messages = asyncio.Queue()
        await messages.put({"type": "lifespan.startup"})
        started = asyncio.Event()

        async def send(message):
            started.set()

        self.lifespan = asyncio.ensure_future(self.app({"type": "lifespan", "asgi": {"version": "3.0"}},
                                                       messages.get, send))
        await started.wait()

    async def get(self, path, query=""):
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
                 "root_path": "", "headers": [(b"host", b"127.0.0.1:8001")], "client": ("127.0.0.1", 5555),
                 "server": ("127.0.0.1", 8001)}
        answer = {}

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            if message["type"] == "http.response.start":
                answer.update(status=message["status"], headers=dict(message["headers"]))

        await self.app(scope, receive, send)
        return answer


async def cpu_per_request(client, pages, requests):
    out = {}
    for name, (path, query) in pages.items():
        started = time.process_time()
        for _ in range(requests):
            await client.get(path, query)
        out[name] = (time.process_time() - started) / requests
    return out


async def gain(client, pages, patch, requests, rounds):
    """Per page: (median, lowest, highest) over rounds of (CPU without the patch / CPU with it - 1), in %."""
    ratios = {page: [] for page in pages}
    for _ in range(rounds):
        with_it = await cpu_per_request(client, pages, requests)
        patch.revert()
        without = await cpu_per_request(client, pages, requests)
        patch.apply()
        for page in pages:
            ratios[page].append(100 * (without[page] / with_it[page] - 1))
    return {page: tuple(round(f(v), 1) for f in (statistics.median, min, max)) for page, v in ratios.items()}


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
    os.environ["CATALOG_SETTINGS"] = json.dumps({"num_sql_threads": 0})  # as the deployment runs (deploy/)
    from scripts.serve import asgi, internals

    datasette = asgi.deployment_datasette()
    client = Client(asgi.with_content_length(datasette.app()))
    await client.start()
    redirect = await client.get("/catalog/plan_tasks.json")
    route = redirect["headers"][b"location"].decode().split("/")[1]  # catalog-<hash>
    pages = {name: (path if path.startswith("/") else f"/{route}/{path}", query) for name, (path, query) in PAGES.items()}
    for path, query in pages.values():
        answer = await client.get(path, query)
        assert answer["status"] == 200, (path, answer)
    candidates = [p for p in internals.PATCHES if p.name not in ("hashed_urls", *internals.CORRECTNESS)]
    internals.install([p.name for p in candidates])
    extra = [TextDecoder(datasette)]
    await cpu_per_request(client, pages, 20)  # warm
    every = await cpu_per_request(client, pages, requests)
    print("every patch on, ms CPU per request: "
          + "  ".join(f"{page} {1000 * seconds:.2f}" for page, seconds in every.items()), flush=True)
    results = {}
    for run in range(runs):
        for patch in candidates + extra:
            gains = await gain(client, pages, patch, requests, rounds)
            results.setdefault(patch.name, []).append(gains)
            print(f"run {run + 1} {patch.name:40} " + "  ".join(
                f"{page} {median:+.1f}% [{low:+.0f}..{high:+.0f}]" for page, (median, low, high) in gains.items()),
                flush=True)
    internals.uninstall([p.name for p in candidates])
    plain = await cpu_per_request(client, pages, requests)
    print("no patch, ms CPU per request: " + "  ".join(f"{page} {1000 * seconds:.2f}" for page, seconds in plain.items())
          + "; every patch together: " + "  ".join(f"{page} {100 * (plain[page] / every[page] - 1):+.0f}%"
                                                  for page in pages), flush=True)
    kept = {name: any(all(g[page][0] >= 5 for g in gains) for page in pages) for name, gains in results.items()}
    print("≥ 5% on one page in every run: " + ", ".join(f"{name} {'yes' if ok else 'NO'}" for name, ok in kept.items()))
    print(json.dumps(results))
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.rounds, args.runs))
