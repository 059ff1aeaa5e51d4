"""The catalog as an ASGI application, for worker processes behind a caching proxy (deploy/, BENCHMARKS.md):

    uvicorn scripts.serve.asgi:app --host 127.0.0.1 --port 8001 --no-access-log

It is the Datasette of `make serve` (scripts.serve.portal.create_datasette: same metadata, plugins, templates and
settings), plus what an immutable catalog allows, each measured in BENCHMARKS.md:

- The replacements of Datasette internals in scripts/serve/internals.py (version-checked: on any other Datasette
  they are off): schema look-ups and the anonymous visitor's permissions answered once per process
  (CATALOG_MEMO=0 turns them off), faster helpers (CATALOG_SPEEDUPS=0), content-hashed database URLs /catalog-<hash>/… with /catalog/…
  redirecting there (CATALOG_HASHED_URLS=0). Pages are byte-for-byte the same (tests/scale/test_deployment.py).
- A Content-Length on whole responses, so a proxy cache replays them as plain files, not chunked.

Caching headers, security headers and absolute URLs are plugins/http_policy.py's, here as under `make serve`.

Environment: CATALOG_DATABASE (default build/catalog.db), CATALOG_INSPECT (default inspect.json beside the
database: row counts from `datasette inspect`), CATALOG_SETTINGS (JSON merged over settings.json; the
deployment sets {"num_sql_threads": 0}, see deploy/Dockerfile).
"""
import json
import os
from pathlib import Path

from scripts.serve import internals
from scripts.serve.portal import DATABASE, create_datasette


def with_content_length(app):
    """Give whole (not streamed) responses a Content-Length. Datasette sends none, so uvicorn answers chunked,
    and a proxy cache keeps and replays the chunked form; with the length a cache serves stored bodies as plain
    files (sendfile). Streamed responses (CSV with _stream, …) pass through unchanged."""

    async def app_with_length(scope, receive, send):
        if scope.get("type") != "http" or scope.get("method") == "HEAD":
            return await app(scope, receive, send)
        held = None

        async def send_with_length(message):
            nonlocal held
            if message["type"] == "http.response.start":
                held = message
                return
            if held is not None:
                start, held = held, None
                headers = list(start.get("headers", []))
                if not message.get("more_body") and not any(k.lower() in (b"content-length", b"transfer-encoding")
                                                            for k, _ in headers):
                    headers.append((b"content-length", str(len(message.get("body", b""))).encode()))
                await send({**start, "headers": headers})
            await send(message)

        await app(scope, receive, send_with_length)

    return app_with_length


def create_app(database=None, inspect=None, memo=None, hashed_urls=None, speedups=None):
    """The ASGI app; arguments default to the environment (see the module docstring)."""
    return with_content_length(deployment_datasette(database, inspect, memo, hashed_urls, speedups).app())


def deployment_datasette(database=None, inspect=None, memo=None, hashed_urls=None, speedups=None):
    """The Datasette instance behind create_app(), with the patches of scripts/serve/internals.py installed."""
    database = Path(database or os.environ.get("CATALOG_DATABASE") or DATABASE)
    inspect = Path(inspect or os.environ.get("CATALOG_INSPECT") or database.with_name("inspect.json"))
    memo = os.environ.get("CATALOG_MEMO", "1") != "0" if memo is None else memo
    hashed_urls = os.environ.get("CATALOG_HASHED_URLS", "1") != "0" if hashed_urls is None else hashed_urls
    speedups = os.environ.get("CATALOG_SPEEDUPS", "1") != "0" if speedups is None else speedups
    internals.install((internals.MEMO if memo else []) + (internals.SPEEDUPS if speedups else [])
                      + (["hashed_urls"] if hashed_urls else []))
    overrides = json.loads(os.environ.get("CATALOG_SETTINGS") or "{}")
    if overrides:  # e.g. CATALOG_SETTINGS='{"num_sql_threads": 0}', to measure a setting before changing settings.json
        import scripts.serve.portal

        scripts.serve.portal.SETTINGS.update(overrides)
    datasette = create_datasette(database)
    if datasette.inspect_data is None and inspect.exists():
        datasette.inspect_data = json.loads(inspect.read_text())
    return datasette


def __getattr__(name):
    # `uvicorn scripts.serve.asgi:app` reads this attribute; importing the module for create_app() changes nothing.
    if name == "app":
        globals()["app"] = create_app()
        return globals()["app"]
    raise AttributeError(name)
