"""Ad-hoc SQL runs in its own lane, so a runaway query cannot starve table pages, search or the health check.

A query stopped at the 1.5 s time limit still holds what runs it for 1.5 s: under `make serve` the one SQL
thread, in the deployment (`num_sql_threads` 0) the event loop itself, health check included. One such query
a second took `make serve` from 67 to 1.2 requests/s (issue 13). So requests that run SQL the caller wrote —
`?sql=` and `?_where=` — are handed to the SQL lane: a child process of the server running the same Datasette,
at the lowest CPU priority and with its own memory bound (scripts/serve/lane.py says how and why a process).
Its answers come back through this layer, so they leave through plugins/http_policy.py once, like any other.

And a per-client cap: at most PER_CLIENT ad-hoc requests in flight from one client address, and at most
LANE_MAX waiting or running in the lane altogether; beyond that the answer is 429 with Retry-After, as
datasette.io rate-limits `?sql=` and labordata caps query concurrency (datasette-query-concurrency-limit
anchors the idea; it caps per database for everyone, which here would still let one client fill the lane).
The client is the address the server settled on (scope["client"]): the peer's, or behind a proxy the one uvicorn
takes from X-Forwarded-For — which it believes only from the addresses in FORWARDED_ALLOW_IPS (deploy/Dockerfile,
deploy/compose.yaml: the proxy's own). No request header is read here: a header any client can send would let a
client reaching a replica directly name itself a new client for every query.

Why our own code: Datasette 0.65 has one executor per instance and no per-request routing; the routing here
uses only public API (asgi_wrapper), the lane the constructor and .app().
"""
import os
import re
import time
from collections import Counter
from urllib.parse import parse_qs

from datasette import hookimpl

from scripts.project import DATABASE_NAME
from scripts.serve import errors
from scripts.serve.lane import LaneProcess
from scripts.serve.portal import DATABASE_ROUTE

PER_CLIENT = 2
LANE_MAX = 8
# A client's lane time: BUDGET_RATE seconds of ad-hoc SQL per second, in bursts of up to BUDGET_BURST seconds
# (a journalist's 50 ms queries: four a second, forty at once; runaways stopped at 1.5 s: two, then one per 7.5 s).
# CATALOG_SQL_BUDGET_RATE=0 turns the budget off (tests that fire many runaways from one address).
BUDGET_RATE = float(os.environ.get("CATALOG_SQL_BUDGET_RATE", "0.2"))
BUDGET_BURST = 2.0
# Any extension, in any case: Datasette 0.65 answers an unknown one (".JSON", ".Csv") with the HTML page, which
# runs the SQL all the same.
DATABASE_PATH = re.compile(rf"^{DATABASE_ROUTE}(?:\.[^/.]*)?$")
QUERY_PATH = re.compile(rf"^{DATABASE_ROUTE}/(?P<name>[^/]+?)(?:\.[^/.]*)?$")


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
    return (scope.get("client") or ("?",))[0]


async def too_many(send, client_wide, retry_after=2):
    vi, en = (("Bạn đang chạy quá nhiều truy vấn SQL cùng lúc; chờ một truy vấn xong rồi thử lại.",
               "Too many SQL queries from you at once; wait for one to finish and retry.") if client_wide else
              ("Máy chủ đang chạy nhiều truy vấn SQL; thử lại sau vài giây.",
               "The server is running many SQL queries; retry in a few seconds."))
    await errors.answer(send, 429, (vi, en),
                        [(b"retry-after", str(retry_after).encode()), (b"cache-control", b"no-store")])


@hookimpl  # inside plugins/http_policy.py (trylast, outermost): a 429 here carries the policy's headers
def asgi_wrapper(datasette):
    def wrap(app):
        if getattr(datasette, "_catalog_sql_lane", False) or os.environ.get("CATALOG_SQL_LANE") == "0":
            return app
        lane = datasette.__dict__.setdefault("_catalog_lane", None) or LaneProcess(datasette)
        datasette._catalog_lane = lane
        in_flight = Counter()
        budget = datasette.__dict__.setdefault("_catalog_lane_budget", Budget())
        total = 0

        async def route(scope, receive, send):
            nonlocal total
            if scope["type"] == "lifespan":  # the lane starts with the server (once Datasette has), stops with it
                return await app(scope, lane.stopping_with(receive), lane.starting_with(send))
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
                await lane.wait_ready()
                started = time.monotonic()  # a lane (re)starting is not the client's time
                await lane.handle(scope, receive, send)
            finally:
                budget.spend(client, time.monotonic() - started)
                in_flight[client] -= 1
                total -= 1
                if not in_flight[client]:
                    del in_flight[client]

        return route

    return wrap
