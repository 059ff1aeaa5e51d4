"""Ad-hoc SQL runs in its own lane, so a runaway query cannot starve table pages, search or the health check.

A query stopped at the 1.5 s time limit still holds what runs it for 1.5 s: under `make serve` the one SQL
thread, in the deployment (`num_sql_threads` 0) the event loop itself, health check included. One such query
a second took `make serve` from 67 to 1.2 requests/s (issue 13). So requests that run SQL the caller wrote —
`?sql=` and `?_where=` — are handed to a second
Datasette, built by scripts.serve.portal.create_datasette exactly like the first (same file, metadata, plugins,
settings), running on its own event loop in its own thread with its own SQLite connections. SQLite releases
the GIL while it works, so the main lane keeps answering at nearly full speed (bench/attack.py measures it).

And a per-client cap: at most PER_CLIENT ad-hoc requests in flight from one client address, and at most
LANE_MAX waiting or running in the lane altogether; beyond that the answer is 429 with Retry-After, as
datasette.io rate-limits `?sql=` and labordata caps query concurrency (datasette-query-concurrency-limit
anchors the idea; it caps per database for everyone, which here would still let one client fill the lane).
The client is the peer address; behind a proxy set CATALOG_CLIENT_IP_HEADER (e.g. x-real-ip) to the
header the proxy sets, never one a client can choose.

Why our own code: Datasette 0.65 has one executor per instance and no per-request routing; a second instance
behind an ASGI wrapper uses only public API (the constructor, .app(), asgi_wrapper).
"""
import asyncio
import os
import re
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs

from datasette import hookimpl

from scripts.project import DATABASE_NAME
from scripts.serve import errors
from scripts.serve.portal import DATABASE_ROUTE

PER_CLIENT = 2
LANE_MAX = 8
# A client's lane time: BUDGET_RATE seconds of ad-hoc SQL per second, in bursts of up to BUDGET_BURST seconds
# (a journalist's 50 ms queries: four a second, forty at once; runaways stopped at 1.5 s: two, then one per 7.5 s).
# CATALOG_SQL_BUDGET_RATE=0 turns the budget off (tests that fire many runaways from one address).
BUDGET_RATE = float(os.environ.get("CATALOG_SQL_BUDGET_RATE", "0.2"))
BUDGET_BURST = 2.0
# The lane's SQL thread runs at the lowest CPU priority (Linux schedules threads by their own niceness), so
# when the machine is busy the pages and search of the main lane come first.
LANE_NICE = int(os.environ.get("CATALOG_SQL_LANE_NICE", "19"))
CLIENT_IP_HEADER = os.environ.get("CATALOG_CLIENT_IP_HEADER", "").lower().encode()
DATABASE_PATH = re.compile(rf"^{DATABASE_ROUTE}(?:\.[a-z]+)?$")
QUERY_PATH = re.compile(rf"^{DATABASE_ROUTE}/(?P<name>[^/]+?)(?:\.[a-z]+)?$")


def is_ad_hoc(scope):
    """SQL the caller wrote: ?sql= on the database, ?_where= on a table. (Canned queries run our SQL with
    bound parameters, as cheap as a table page: they stay in the main lane.)"""
    path = scope.get("path", "")
    if not path.startswith(f"/{DATABASE_NAME}"):
        return False
    params = parse_qs(scope.get("query_string", b"").decode("utf-8", "replace"))
    if DATABASE_PATH.match(path):
        return "sql" in params
    return bool(QUERY_PATH.match(path)) and "_where" in params


class Budget:
    """Lane seconds per client: spending adds to a debt that drains at BUDGET_RATE a second."""

    def __init__(self):
        self.debts = {}

    def _debt(self, client, now):
        debt, then = self.debts.get(client, (0.0, now))
        return max(0.0, debt - (now - then) * BUDGET_RATE)

    def wait_needed(self, client):
        """Seconds until the client may run another ad-hoc query (0: now)."""
        if BUDGET_RATE <= 0:
            return 0
        debt = self._debt(client, time.monotonic())
        return 0 if debt <= BUDGET_BURST else (debt - BUDGET_BURST) / BUDGET_RATE

    def spend(self, client, seconds):
        if BUDGET_RATE <= 0:
            return
        now = time.monotonic()
        self.debts[client] = (self._debt(client, now) + seconds, now)
        if len(self.debts) > 10_000:  # forget clients that have paid off their debt
            self.debts = {c: v for c, v in self.debts.items() if self._debt(c, now) > 0}


def client_of(scope):
    if CLIENT_IP_HEADER:
        for name, value in scope.get("headers", []):
            if name.lower() == CLIENT_IP_HEADER:
                return value.decode("latin-1").strip()
    return (scope.get("client") or ("?",))[0]


class Lane:
    """A second Datasette on its own event loop in its own thread."""

    def __init__(self, datasette):
        self.main = datasette
        self.app = None
        self.loop = None
        self.ready = threading.Lock()

    def get_app(self):
        with self.ready:
            if self.app is None:
                self.loop = asyncio.new_event_loop()
                threading.Thread(target=self.loop.run_forever, name="sql-lane", daemon=True).start()
                from scripts.serve.portal import create_datasette

                path = Path(self.main.get_database(DATABASE_NAME).path)
                if path.name != f"{DATABASE_NAME}.db":
                    # The deployment pins the file it started with as /proc/self/fd/<n> (scripts/serve/asgi.py);
                    # Datasette names a database after its file, so the lane opens it through a link of
                    # the right name.
                    link = Path(tempfile.mkdtemp(prefix="catalog-sql-lane-")) / f"{DATABASE_NAME}.db"
                    link.symlink_to(path)
                    path = link
                # Its own SQL thread even where the main instance runs SQL on its event loop (the deployment's
                # num_sql_threads 0): the lane's loop stays free to pass answers back while a query runs.
                lane = create_datasette(path, settings={"num_sql_threads": 1}, inspect_data=self.main.inspect_data)
                lane._catalog_sql_lane = True
                self.app = lane.app()
                # Startup hooks now, not on the lane's first request: the deployment's content-hashed route
                # (scripts/serve/asgi.py) is set by one, and the first request already needs it.
                asyncio.run_coroutine_threadsafe(lane.invoke_startup(), self.loop).result()
            return self.app

    async def handle(self, scope, receive, send):
        main_loop = asyncio.get_running_loop()

        async def lane_receive():
            return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(receive(), main_loop))

        async def lane_send(message):
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(send(message), main_loop))

        app = await main_loop.run_in_executor(None, self.get_app) if self.app is None else self.app
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(app(scope, lane_receive, lane_send), self.loop))


async def too_many(send, client_wide, retry_after=2):
    vi, en = (("Bạn đang chạy quá nhiều truy vấn SQL cùng lúc; chờ một truy vấn xong rồi thử lại.",
               "Too many SQL queries from you at once; wait for one to finish and retry.") if client_wide else
              ("Máy chủ đang chạy nhiều truy vấn SQL; thử lại sau vài giây.",
               "The server is running many SQL queries; retry in a few seconds."))
    body = errors.body(429, (vi, en))
    await send({"type": "http.response.start", "status": 429, "headers": [
        (b"content-type", b"application/json; charset=utf-8"), (b"retry-after", str(retry_after).encode()),
        (b"cache-control", b"no-store"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


@hookimpl
def prepare_connection(datasette):
    # Called in the thread that will run the connection's queries: the lane's SQL thread yields the CPU.
    if getattr(datasette, "_catalog_sql_lane", False) and hasattr(os, "setpriority"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LANE_NICE)
        except OSError:
            pass


@hookimpl  # inside plugins/http_policy.py (trylast, outermost): a 429 here carries the policy's headers
def asgi_wrapper(datasette):
    def wrap(app):
        if getattr(datasette, "_catalog_sql_lane", False) or os.environ.get("CATALOG_SQL_LANE") == "0":
            return app
        lane = datasette.__dict__.setdefault("_catalog_lane", None) or Lane(datasette)
        datasette._catalog_lane = lane
        in_flight = Counter()
        budget = datasette.__dict__.setdefault("_catalog_lane_budget", Budget())
        total = 0

        async def route(scope, receive, send):
            nonlocal total
            if scope["type"] != "http" or not is_ad_hoc(scope):
                return await app(scope, receive, send)
            client = client_of(scope)
            wait = budget.wait_needed(client)
            if wait or in_flight[client] >= PER_CLIENT or total >= LANE_MAX:
                return await too_many(send, bool(wait) or in_flight[client] >= PER_CLIENT,
                                      max(1, round(wait)) if wait else 2)
            in_flight[client] += 1
            total += 1
            started = time.monotonic()
            try:
                await lane.handle(scope, receive, send)
            finally:
                budget.spend(client, time.monotonic() - started)
                in_flight[client] -= 1
                total -= 1
                if not in_flight[client]:
                    del in_flight[client]

        return route

    return wrap
