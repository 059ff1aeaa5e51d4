"""The catalog as an ASGI application, for worker processes behind a caching proxy (deploy/, BENCHMARKS.md):

    uvicorn scripts.asgi:app --host 127.0.0.1 --port 8001 --no-access-log

It is the Datasette of `make serve` (scripts.portal.create_datasette: same metadata, plugins, templates and
settings), plus what an immutable catalog allows, each measured in BENCHMARKS.md:

- Schema look-ups answered once per process. Datasette asks SQLite for a table's columns, keys, foreign keys,
  FTS table, hidden tables … on every request (most of the ~25 queries of a table page), and deep-copies the
  whole metadata to check a table's permissions. The database is opened immutable and the metadata is never
  reloaded, so the answers are kept (CATALOG_MEMO=0 turns this off). Pages are byte-for-byte the same
  (tests/test_scale.py checks it).
- Content-hashed database URLs, the behaviour of datasette-hashed-urls 0.4 (Apache-2.0) without installing
  it: the database is served at /catalog-<first 7 hex of the file's SHA-256>/… with
  `Cache-Control: public, max-age=31536000, immutable`, so a CDN or proxy keeps every response; /catalog/…
  (and a stale hash) answers 302 to the current hash, so links keep working, and a new build changes the
  hash. Pages outside the database (/, /-/search.json, /-/dcat.jsonld …) that say nothing about caching get
  `Cache-Control: public, max-age=300` (CATALOG_UNHASHED_MAX_AGE). Registered here only: installed as a
  plugin it would also rename the route under `make serve` and the tests. CATALOG_HASHED_URLS=0 turns it off.
- Faster equivalents of eight Datasette helpers that profiling found on every table page, and no template
  mtime check per page (scripts/speedups.py; CATALOG_SPEEDUPS=0 turns them off). Pages are byte-for-byte the
  same; the one deliberate difference (text that is not UTF-8) is in that module's docstring.
- A Content-Length on whole responses, so a proxy cache replays them as plain files, not chunked.

Environment: CATALOG_DATABASE (default build/catalog.db), CATALOG_INSPECT (default inspect.json beside the
database: row counts from `datasette inspect`), CATALOG_SETTINGS (JSON merged over settings.json; the
deployment sets {"num_sql_threads": 0}, see deploy/Dockerfile).
"""
import copy
import functools
import json
import os
from pathlib import Path

from datasette import hookimpl
from datasette.app import Datasette
from datasette.database import Database
from datasette.inspect import inspect_hash
from datasette.plugins import pm

from scripts import speedups as datasette_speedups
from scripts.portal import DATABASE, create_datasette

HASHED_MAX_AGE = 31536000
UNHASHED_MAX_AGE = int(os.environ.get("CATALOG_UNHASHED_MAX_AGE", 300))
# Database methods whose answers depend only on the (immutable) file and the (static) metadata.
SCHEMA_METHODS = ["table_exists", "table_names", "view_names", "table_columns", "table_column_details",
                  "primary_keys", "fts_table", "label_column_for_table", "foreign_keys_for_table",
                  "hidden_table_names", "get_all_foreign_keys", "get_table_definition", "get_view_definition",
                  "attached_databases"]


def _copy(value):
    return copy.copy(value) if isinstance(value, (list, dict, set)) else value


def _memoized(name, original):
    @functools.wraps(original)
    async def method(self, *args):
        if self.is_mutable:
            return await original(self, *args)
        cache = self.__dict__.setdefault("_schema_memo", {})
        key = (name, args)
        if key not in cache:
            cache[key] = await original(self, *args)
        return _copy(cache[key])

    method._catalog_memo = True
    return method


def memoize_schema():
    """Answer schema look-ups of immutable databases once per process (idempotent)."""
    for name in SCHEMA_METHODS:
        original = getattr(Database, name)
        if not getattr(original, "_catalog_memo", False):
            setattr(Database, name, _memoized(name, original))
    original = Datasette._table_permission_allows
    if not getattr(original, "_catalog_memo", False):
        # The allow blocks of a table come from metadata, which a running process never reloads.
        @functools.wraps(original)
        def allows(self, database, table):
            cache = self.__dict__.setdefault("_allows_memo", {})
            if (database, table) not in cache:
                cache[(database, table)] = original(self, database, table)
            return _copy(cache[(database, table)])

        allows._catalog_memo = True
        Datasette._table_permission_allows = allows


def pin_file(path):
    """A path that keeps naming the file `path` names now, even after it is replaced; None if unsupported."""
    fd = os.open(path, os.O_RDONLY)
    pinned = f"/proc/self/fd/{fd}"
    if os.path.exists(pinned) and os.path.samefile(pinned, path):
        return pinned
    os.close(fd)
    return None


class HashedUrls:
    """datasette-hashed-urls 0.4, registered for this process only (see the module docstring)."""

    __name__ = "catalog_hashed_urls"

    @hookimpl
    def startup(self, datasette):
        datasette._hashed_url_databases = {}
        for name, database in datasette.databases.items():
            if database.is_mutable or database.is_memory:
                continue
            # Pin the file this process started with: a build that replaces catalog.db in place must not
            # make this replica serve the new bytes (the .db download, queries on connections opened later,
            # the SQL lane) under the old hash, cached for a year. An open descriptor keeps the old file,
            # and /proc/self/fd/<n> opens it again (Linux). Elsewhere the path is left as it was.
            pinned = pin_file(database.path)
            if pinned:
                database.path = pinned
            # Hash the file itself, not inspect.json's copy: a stale inspect.json must never keep an old hash
            # (and a year of cached responses) alive after a new build.
            digest = inspect_hash(Path(database.path))[:7]
            datasette._hashed_url_databases[name] = digest
            database.route = f"{name}-{digest}"

    @hookimpl
    def asgi_wrapper(self, datasette):
        def wrap(app):
            async def hashed_urls(scope, receive, send):
                async def send_short_lived(message):
                    # Pages outside the database route (/, /-/search.json, /-/dcat.jsonld …) change with a build
                    # too but carry no hash: a short lifetime lets a proxy absorb repeats and stay fresh.
                    if (message["type"] == "http.response.start" and message["status"] == 200
                            and scope.get("method") in ("GET", "HEAD")):
                        headers = message.get("headers", [])
                        names = {k.lower() for k, _ in headers}
                        if b"cache-control" not in names and b"set-cookie" not in names:
                            message = {**message, "headers": list(headers) + [
                                (b"cache-control", f"public, max-age={UNHASHED_MAX_AGE}".encode())]}
                    await send(message)

                hashes = getattr(datasette, "_hashed_url_databases", None)
                if scope.get("type") != "http" or not hashes:
                    return await app(scope, receive, send)
                first = scope["path"].lstrip("/").split("/", 1)[0]
                stem, dot, extension = first.partition(".")
                name, _, incoming = (stem, "", "") if stem in hashes else stem.rpartition("-")
                if name not in hashes:
                    return await app(scope, receive, send_short_lived)
                current = hashes[name]
                if incoming != current:
                    # Keep the rest of the path as the client encoded it (raw_path), and the query string.
                    raw = scope.get("raw_path") or scope["path"].encode("utf-8")
                    rest = raw.lstrip(b"/").partition(b"/")
                    location = f"/{name}-{current}{dot}{extension}".encode() + (b"/" + rest[2] if rest[1] else b"")
                    if scope.get("query_string"):
                        location += b"?" + scope["query_string"]
                    headers = [(b"location", location), (b"cache-control", b"no-cache"), (b"content-length", b"0")]
                    if datasette.cors:
                        headers.append((b"access-control-allow-origin", b"*"))
                    await send({"type": "http.response.start", "status": 302, "headers": headers})
                    await send({"type": "http.response.body", "body": b""})
                    return

                async def send_immutable(message):
                    if message["type"] == "http.response.start" and message["status"] == 200:
                        headers = message.get("headers", [])
                        if extension == "db":  # the pinned path's name is a descriptor number: name the file
                            headers = [(k, v) for k, v in headers if k.lower() != b"content-disposition"] + [
                                (b"content-disposition", f'attachment; filename="{name}.db"'.encode())]
                        # Datasette marks responses private when a request carries cookies or credentials, or
                        # sets a cookie: those stay private.
                        private = any(k.lower() == b"set-cookie" or (k.lower() == b"cache-control" and (
                            b"private" in v.lower() or b"no-store" in v.lower())) for k, v in headers)
                        if not private:
                            headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                            message = {**message, "headers": headers + [
                                (b"cache-control", f"public, max-age={HASHED_MAX_AGE}, immutable".encode())]}
                    await send(message)

                return await app(scope, receive, send_immutable)

            return hashed_urls

        return wrap


HASHED_URLS = HashedUrls()


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
    database = Path(database or os.environ.get("CATALOG_DATABASE") or DATABASE)
    inspect = Path(inspect or os.environ.get("CATALOG_INSPECT") or database.with_name("inspect.json"))
    memo = os.environ.get("CATALOG_MEMO", "1") != "0" if memo is None else memo
    hashed_urls = os.environ.get("CATALOG_HASHED_URLS", "1") != "0" if hashed_urls is None else hashed_urls
    speedups = os.environ.get("CATALOG_SPEEDUPS", "1") != "0" if speedups is None else speedups
    if memo:
        memoize_schema()
    if speedups:
        datasette_speedups.install()
    if hashed_urls and not pm.is_registered(HASHED_URLS):
        pm.register(HASHED_URLS, name="catalog_hashed_urls")
    overrides = json.loads(os.environ.get("CATALOG_SETTINGS") or "{}")
    if overrides:  # e.g. CATALOG_SETTINGS='{"num_sql_threads": 0}', to measure a setting before changing settings.json
        import scripts.portal

        scripts.portal.SETTINGS.update(overrides)
    datasette = create_datasette(database)
    if speedups:
        datasette.jinja_env.auto_reload = False  # a replica's templates never change: no stat() per page
    if datasette.inspect_data is None and inspect.exists():
        datasette.inspect_data = json.loads(inspect.read_text())
    return with_content_length(datasette.app())


def __getattr__(name):
    # `uvicorn scripts.asgi:app` reads this attribute; importing the module for create_app() changes nothing.
    if name == "app":
        globals()["app"] = create_app()
        return globals()["app"]
    raise AttributeError(name)
