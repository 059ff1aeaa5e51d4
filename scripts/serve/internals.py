"""Every replacement of a Datasette internal, behind one door: applied only on the Datasette version it was
written and measured against (SUPPORTED); on any other version `install()` applies nothing and logs one line, so
the portal runs as plain Datasette (slower, same pages). Only the deployment's ASGI entry point
(scripts/serve/asgi.py) installs the speed patches; `make serve` and the tests' Datasette run without them, and
tests/scale/test_deployment.py checks every page is byte-for-byte the same with and without them. The one
correctness patch (sort_tiebreak, below) is installed everywhere the catalog is served.

Each patch names the BENCHMARKS.md row that justifies it and its measured gain. The steps table measures the
patches in two groups ("5 + schema look-ups and anonymous permissions memoized", "6 + faster Datasette helpers");
each one's own share comes from `python -m bench.internals` (the deployment's app in process, CPU per request
with every patch but that one against all of them, two runs), and a patch that did not buy ≥ 5% on one page in
both runs is dropped (see PATCHES and docs/upgrading.md). What Datasette 1.0 does to each is in docs/upgrading.md.

Kept (gain alone, run 1/run 2 of `python -m bench.internals --requests 100 --rounds 7`, 2026-12-01 18:19, on the
pages where it shows: small table JSON, the benchmark's table JSON, a filtered faceted JSON page, the HTML table
page, one row):
- schema_memo (14 Database methods): Datasette asks SQLite for a table's columns, keys, foreign keys, FTS table,
  hidden tables … on every request; the file is immutable, so the answers are kept per process. Step 5. Alone:
  +28/+33%, +21/+23%, +48/+50%, +14/+11%, +27/+26%.
- anonymous_permissions (Datasette.permission_allowed for the anonymous actor): three to five checks a page, each
  through the plugin hook, a deep copy of the whole metadata (0.65.5's _table_permission_allows, ~1.1 ms) and, for
  "view-table", a query on sqlite_master; for the anonymous actor the answer depends only on the metadata and the
  schema, which a running process never changes. A signed-in actor is asked afresh every time. Step 5. Alone:
  +92/+92%, +44/+39%, +76/+69%, +16/+13%, +248/+248%. (It replaces the earlier permission_allows_memo, which
  bought 0 ± 2% beside it.)
- absolute_url: a facet value's link joined the page URL with urllib's urljoin (a dozen microseconds, ~70 times a
  page); for an absolute path without dot segments the join is plain concatenation. Step 6. Alone: facets
  +31/+30%, HTML +21/+10%.
- table_view_hooks (the table view's pm): render_cell, called for each of the ~500 cells of a 25-row HTML page
  although no plugin here implements it, is skipped while none does; register_facet_classes, asked on every
  request (and through it an in-memory SQLite connection opened to see whether JSON1 exists), is answered once per
  set of implementations. Step 6. Alone: +10/+10%, +5.4/+5.0%, +8/+7%, HTML +8/+13%.
- request_args (Request.args): re-parsed the query string on each of a dozen to two dozen reads a request; parsed
  once per request and query string. Step 6. Alone: +5.0/+7.9%, +10/+4%, +7.6/+9.4%.
- facet_links (datasette.facets.path_with_added_args): each facet value's link re-parsed and re-encoded the page's
  whole query string; the page's part is encoded once and each (column, value) pair once per process. Step 6.
  Alone: facets +7.7/+8.1%, HTML +5.8/+0.6%.
- hashed_urls: content-hashed database URLs (HashedUrls below). BENCHMARKS.md step 10 "nginx cache (repeats)":
  39–180× the uncached deployment.
- sort_tiebreak (Database.execute) — correctness, not speed: Datasette 0.65.5 orders the first page of a sorted
  table by the sort column alone (`order by due_year limit 101`) but every page after it, reached with `_next`, by
  the sort column and then the primary key, continuing after the last row's (value, key). Among rows with the same
  value SQLite may return the first page in any order, so rows at the page boundary were repeated or skipped (93
  of 356 table × column × direction cases, on plain Datasette too). Datasette has no hook for a table page's SQL;
  the patch appends the primary key (or rowid) to exactly the statement the table view builds (`select … from
  <table> [where …] order by <column>[ desc] limit <n>`), so every page uses the same total order. Unlike the
  others it is installed wherever the catalog is served — `make serve`, the tests and the deployment — by the
  startup hook of plugins/sorted_paging.py (CORRECTNESS); tests/api/test_paging.py pages through every table,
  sortable column and direction and fails without it (e.g. on another Datasette version).

Dropped (no page gained 5% in both runs; Datasette's own code runs again): permission_allows_memo (0 ± 2% beside
anonymous_permissions), caching tilde_encode in the table view and the URL builder (HTML +3.1/+7.2%, search
+1.8/+4.6%), remove_infinites (−2/0%, −5/+1%, +1/+1% in the earlier runs), caching tilde_decode (+5/−6%,
−6/−10%, −1/+1%), and switching off Jinja's template mtime check (−9/−6%, 0/+3%, +2/+2%). Caching detect_json1
and skipping render_cell, dropped alone earlier, are now part of table_view_hooks, measured together.

Moved to a public hook: the text decoder (plugins/text_decoding.py, prepare_connection; +11/+10% small table
JSON, +11/+12% table JSON).
"""
import copy
import functools
import logging
import os
import re
import urllib.parse
from pathlib import Path

import datasette.facets
import datasette.views.table
from datasette import __version__ as DATASETTE_VERSION
from datasette import hookimpl
from datasette.app import Datasette
from datasette.database import Database
from datasette.inspect import inspect_hash
from datasette.plugins import pm
from datasette.utils.asgi import Request

SUPPORTED = "0.65.5"
log = logging.getLogger("catalog.internals")

_PLAIN_PATH = re.compile(r"/(?!/)[^;#\x00-\x20\x7f]*")  # what urljoin passes through unchanged …
_DOT_SEGMENT = re.compile(r"(^|/)\.\.?(/|$)")  # … unless the path has "." or ".." segments
_PLAIN_HOST = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]+)?")


def _origin(request):
    """scheme://host of the request, computed once per request; empty when urljoin might rewrite it."""
    cached = request.__dict__.get("_catalog_origin")
    if cached is None:
        host = request.host
        plain = request.scheme in ("http", "https") and _PLAIN_HOST.fullmatch(host)
        cached = request.__dict__["_catalog_origin"] = f"{request.scheme}://{host}" if plain else ""
    return cached


def _absolute_url(original):
    @functools.wraps(original)
    def absolute_url(self, request, path):
        path = str.__str__(path)  # PrefixedUrlString wraps every str method; a plain copy is much cheaper
        origin = _origin(request)
        if (origin and _PLAIN_PATH.fullmatch(path) and not path.endswith("?")
                and not _DOT_SEGMENT.search(path.partition("?")[0])):
            url = origin + path
            if url.startswith("http://") and self.setting("force_https_urls"):
                url = "https://" + url[len("http://"):]
            return url
        return original(self, request, path)

    return absolute_url


# --- schema look-ups and permission allow-lists, answered once per process -------------------------------------

# Database methods whose answers depend only on the (immutable) file and the (static) metadata.
SCHEMA_METHODS = ["table_exists", "table_names", "view_names", "table_columns", "table_column_details",
                  "primary_keys", "fts_table", "label_column_for_table", "foreign_keys_for_table",
                  "hidden_table_names", "get_all_foreign_keys", "get_table_definition", "get_view_definition",
                  "attached_databases"]


MEMO_ENTRIES = 4096  # per memo: its keys hold names from request paths (/catalog/<any name>), so it is bounded
MEMO_NAME = 200  # characters: no table, view or query of a catalog is named longer; a longer name is not kept


def _remember(cache, key, value):
    """cache[key] = value, unless the key holds a name longer than any real one; the memo emptied first when
    full. A client requesting endless made-up table names (up to ~8 kB each behind nginx) costs this process at
    most MEMO_ENTRIES short answers, not unbounded memory."""
    if any(len(part) > MEMO_NAME for part in _strings(key)):
        return value
    if len(cache) >= MEMO_ENTRIES:
        cache.clear()
    cache[key] = value
    return value


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _strings(item)


def _copy(value):
    return copy.copy(value) if isinstance(value, (list, dict, set)) else value


def _memoized(name, original):
    @functools.wraps(original)
    async def method(self, *args):
        if self.is_mutable:
            return await original(self, *args)
        cache = self.__dict__.setdefault("_schema_memo", {})
        key = (name, args)
        value = cache[key] if key in cache else _remember(cache, key, await original(self, *args))
        return _copy(value)

    return method


# --- per-request answers that only change when the process does -----------------------------------------------

def _memoized_anonymous(original):
    # For the anonymous actor, whether an action is allowed depends on the metadata's allow blocks and settings,
    # which a running process never reloads, and on the (immutable) schema: Datasette 0.65.5 answers it afresh
    # three to five times a page, each "view-table" check with a query on sqlite_master. A signed-in actor (the
    # --root account) is always asked afresh, and only those checks are logged for /-/permissions.
    @functools.wraps(original)
    async def permission_allowed(self, actor, action, resource=None, default=False):
        if actor is not None:
            return await original(self, actor, action, resource, default)
        implementations = tuple(pm.hook.permission_allowed.get_hookimpls())
        memo = self.__dict__.get("_anonymous_permissions_memo")
        if memo is None or memo[0] != implementations:  # a permission plugin registered later is asked too
            memo = self.__dict__["_anonymous_permissions_memo"] = (implementations, {})
        cache = memo[1]
        key = (action, tuple(resource) if isinstance(resource, list) else resource, default)
        return cache[key] if key in cache else _remember(cache, key, await original(self, actor, action, resource,
                                                                                     default))

    return permission_allowed


class _TableViewHooks:
    """pm.hook as the table view sees it. Two of its hooks give a page nothing new: render_cell, called once per
    cell (~500 pluggy calls on a 25-row HTML page) although no plugin here implements it, is skipped while none
    does; register_facet_classes, asked on every request (and, through datasette.facets, opening an in-memory
    SQLite connection each time to see whether JSON1 exists), is answered once per set of implementations."""

    def __init__(self):
        self._facet_classes = (None, None)

    def __getattr__(self, name):
        return getattr(pm.hook, name)

    @property
    def render_cell(self):
        hook = pm.hook.render_cell
        return hook if hook.get_hookimpls() else _no_render_cell

    @property
    def register_facet_classes(self):
        hook = pm.hook.register_facet_classes
        implementations, classes = self._facet_classes
        current = tuple(hook.get_hookimpls())
        if implementations != current:
            classes = list(hook())
            self._facet_classes = (current, classes)
        return lambda: list(classes)


def _no_render_cell(**kwargs):
    return []


class _TableViewPluginManager:
    def __init__(self):
        self.hook = _TableViewHooks()

    def __getattr__(self, name):
        return getattr(pm, name)


def _memoized_args(original):
    # Request.args re-parses the query string on every access, and the table view and its plugins read it a
    # dozen to two dozen times a request; parsed once per request (per query string, should a plugin change it).
    @functools.wraps(original.fget)
    def args(self):
        query_string = self.query_string
        cached = self.__dict__.get("_args_memo")
        if cached is None or cached[0] != query_string:
            cached = self.__dict__["_args_memo"] = (query_string, original.fget(self))
        return cached[1]

    return property(args)


# --- facet links -----------------------------------------------------------------------------------------------

def _without(query_string, removed):
    return urllib.parse.urlencode([(k, v) for k, v in urllib.parse.parse_qsl(query_string) if k not in removed])


_remembered_without = functools.lru_cache(maxsize=1024)(_without)
REMEMBERED_QUERY = 2000  # characters: longer query strings (a client's to choose) are encoded each time, not kept


def _kept_query(query_string, removed):
    """The page's own query string without the keys `removed`, parsed and encoded once per page address."""
    return (_remembered_without if len(query_string) <= REMEMBERED_QUERY else _without)(query_string, removed)


@functools.lru_cache(maxsize=65536, typed=True)  # typed: 1, 1.0 and True are equal keys but encode differently
def _pair(key, value):
    return urllib.parse.urlencode([(key, value)])


def _path_with_added_args(original):
    # Each facet value's link is the page's query string plus "column=value": Datasette parses the page's query
    # string again and url-encodes every pair of it for each of the ~70 values of a page. urlencode joins its
    # pairs with "&", so the page's part is encoded once and each (column, value) pair once per process; the
    # same bytes as the original, which is called for anything unusual (an unhashable value).
    @functools.wraps(original)
    def path_with_added_args(request, args, path=None):
        pairs = list(args.items() if isinstance(args, dict) else args)
        try:
            parts = [_kept_query(request.query_string, frozenset(k for k, v in pairs if v is None))]
            parts.extend(_pair(k, v) for k, v in pairs if v is not None)
        except TypeError:
            return original(request, args, path)
        query = "&".join(part for part in parts if part)
        return (path or request.path) + (f"?{query}" if query else "")

    return path_with_added_args


# --- content-hashed database URLs ---------------------------------------------------------------------------

def pin_file(path):
    """A path that keeps naming the file `path` names now, even after it is replaced; None if unsupported."""
    fd = os.open(path, os.O_RDONLY)
    pinned = f"/proc/self/fd/{fd}"
    if os.path.exists(pinned) and os.path.samefile(pinned, path):
        return pinned
    os.close(fd)
    return None


class HashedUrls:
    """The behaviour of datasette-hashed-urls 0.4 (Apache-2.0): the database is served at
    /catalog-<first 7 hex of the file's SHA-256>/…; /catalog/… and a stale hash answer 302 to the current hash,
    so links keep working and a new build changes every URL (the year-long Cache-Control of those URLs is
    plugins/http_policy.py's). Why not the plugin itself: it hashes with Datasette's database.hash, which
    comes from inspect.json when one is given (a stale inspect.json would keep an old hash, and a year of
    cached answers, alive after a new build); it builds the redirect from the decoded path and encodes it as
    Latin-1 (a Vietnamese table name or key is a 500); it sets a year-long Cache-Control on every answer of the
    route, errors included; and as an installed plugin it would rename the route under `make serve` and the
    tests too. Registered by the deployment only."""

    __name__ = "catalog_hashed_urls"

    @hookimpl
    def startup(self, datasette):
        datasette._hashed_url_databases = {}
        for name, database in datasette.databases.items():
            if database.is_mutable or database.is_memory:
                continue
            # Pin the file this process started with: a build that replaces catalog.db in place must not make
            # this replica serve the new bytes (the .db download, queries on connections opened later, the SQL
            # lane of plugins/sql_lane.py) under the old hash, cached for a year. An open descriptor keeps the old
            # file, and /proc/self/fd/<n> opens it again (Linux). Elsewhere the path is left as it was.
            pinned = pin_file(database.path)
            if pinned:
                database.path = pinned
            digest = inspect_hash(Path(database.path))[:7]  # the file itself, never inspect.json's copy
            datasette._hashed_url_databases[name] = digest
            database.route = f"{name}-{digest}"

    @hookimpl
    def asgi_wrapper(self, datasette):
        def wrap(app):
            async def hashed_urls(scope, receive, send):
                hashes = getattr(datasette, "_hashed_url_databases", None)
                if scope.get("type") != "http" or not hashes:
                    return await app(scope, receive, send)
                first = scope["path"].lstrip("/").split("/", 1)[0]
                stem, dot, extension = first.partition(".")
                name, _, incoming = (stem, "", "") if stem in hashes else stem.rpartition("-")
                if name not in hashes:
                    return await app(scope, receive, send)
                if incoming == hashes[name]:
                    if extension != "db":
                        return await app(scope, receive, send)

                    async def send_named(message):  # the pinned path's name is a descriptor number: name the file
                        if message["type"] == "http.response.start" and message["status"] == 200:
                            headers = [(k, v) for k, v in message.get("headers", [])
                                       if k.lower() != b"content-disposition"]
                            headers.append((b"content-disposition", f'attachment; filename="{name}.db"'.encode()))
                            message = {**message, "headers": headers}
                        await send(message)

                    return await app(scope, receive, send_named)
                # Keep the rest of the path as the client encoded it (raw_path), and the query string.
                raw = scope.get("raw_path") or scope["path"].encode("utf-8")
                rest = raw.lstrip(b"/").partition(b"/")
                location = f"/{name}-{hashes[name]}{dot}{extension}".encode() + (b"/" + rest[2] if rest[1] else b"")
                if scope.get("query_string"):
                    location += b"?" + scope["query_string"]
                headers = [(b"location", location), (b"cache-control", b"no-cache"), (b"content-length", b"0")]
                await send({"type": "http.response.start", "status": 302, "headers": headers})
                await send({"type": "http.response.body", "body": b""})

            return hashed_urls

        return wrap


HASHED_URLS = HashedUrls()



# --- sorted paging (correctness) -----------------------------------------------------------------------------
_IDENT = r'(?:[A-Za-z_][A-Za-z0-9_]*|\[[^\]]+\]|"(?:[^"]|"")+")'
_TABLE_PAGE_SQL = re.compile(
    rf"^(?P<head>select .*? from (?P<table>{_IDENT}) (?:where .* )?order by (?P<column>{_IDENT})(?: desc)?)"
    rf"(?P<tail> limit [0-9]+(?: offset [0-9]+)?)$", re.DOTALL)


def _unescape(ident):
    if ident.startswith("["):
        return ident[1:-1]
    if ident.startswith('"'):
        return ident[1:-1].replace('""', '"')
    return ident


async def with_tiebreak(db, sql):
    """The table view's single-column ORDER BY with the table's primary key (or rowid) appended; any other
    statement unchanged."""
    match = _TABLE_PAGE_SQL.match(sql)
    if not match:
        return sql
    table = _unescape(match["table"])
    if not await db.table_exists(table):
        return sql  # a view (no key to break ties with) or not the table view's statement
    keys = await db.primary_keys(table) or ["rowid"]
    if keys == [_unescape(match["column"])]:
        return sql
    return match["head"] + "".join(', "{}"'.format(k.replace('"', '""')) for k in keys) + match["tail"]


def _tiebreak_execute(original):
    @functools.wraps(original)
    async def execute(self, sql, *args, **kwargs):
        # The table view's page query is the one run with truncate=True and an ORDER BY.
        if kwargs.get("truncate") and isinstance(sql, str) and " order by " in sql:
            sql = await with_tiebreak(self, sql)
        return await original(self, sql, *args, **kwargs)

    return execute


# --- the register --------------------------------------------------------------------------------------------

class Patch:
    """One replacement: `targets` are (object, attribute, make) with make(original) -> replacement."""

    def __init__(self, name, justification, targets=(), apply=None, revert=None):
        self.name, self.justification, self.targets = name, justification, list(targets)
        self._apply, self._revert, self.originals = apply, revert, None

    @property
    def applied(self):
        return self.originals is not None

    def apply(self):
        if self.applied:
            return
        self.originals = [(owner, attribute, getattr(owner, attribute)) for owner, attribute, _ in self.targets]
        for (owner, attribute, make), (_, _, original) in zip(self.targets, self.originals):
            setattr(owner, attribute, make(original))
        if self._apply:
            self._apply()

    def revert(self):
        if not self.applied:
            return
        for owner, attribute, original in self.originals:
            setattr(owner, attribute, original)
        if self._revert:
            self._revert()
        self.originals = None


# Gains: BENCHMARKS.md's steps table where a row measures the patch alone; otherwise `python -m bench.internals`
# (requests/s in process without the patch against with every patch, two runs; table JSON / with facets / HTML).
PATCHES = [
    Patch("schema_memo", "BENCHMARKS.md step 5 'schema look-ups and anonymous permissions memoized' (with "
          "anonymous_permissions); alone +11–50% (bench.internals)",
          [(Database, name, functools.partial(_memoized, name)) for name in SCHEMA_METHODS]),
    Patch("absolute_url", "BENCHMARKS.md step 6 'faster Datasette helpers'; alone +10–31% on pages with facets "
          "(bench.internals)",
          [(Datasette, "absolute_url", _absolute_url)]),
    Patch("anonymous_permissions", "BENCHMARKS.md step 5 (with schema_memo); alone +13–248% (bench.internals)",
          [(Datasette, "permission_allowed", _memoized_anonymous)]),
    Patch("table_view_hooks", "BENCHMARKS.md step 6; alone +5–13% (bench.internals)",
          [(datasette.views.table, "pm", lambda original: _TableViewPluginManager())]),
    Patch("request_args", "BENCHMARKS.md step 6; alone +4–10% on JSON pages (bench.internals)",
          [(Request, "args", _memoized_args)]),
    Patch("facet_links", "BENCHMARKS.md step 6; alone +7.7–8.1% on the faceted JSON page (bench.internals)",
          [(datasette.facets, "path_with_added_args", _path_with_added_args)]),
    Patch("hashed_urls", "BENCHMARKS.md step 10 'nginx cache (repeats)': 39–180× the uncached deployment",
          apply=lambda: pm.register(HASHED_URLS, name="catalog_hashed_urls"),
          revert=lambda: pm.unregister(HASHED_URLS)),
    Patch("sort_tiebreak", "correctness: sorted paging never loses or repeats a row (tests/api/test_paging.py pages "
          "every table, sortable column and direction; 93 of 356 cases failed without it)",
          [(Database, "execute", _tiebreak_execute)]),
]
BY_NAME = {patch.name: patch for patch in PATCHES}
MEMO = ["schema_memo", "anonymous_permissions"]
SPEEDUPS = ["absolute_url", "table_view_hooks", "request_args", "facet_links"]
CORRECTNESS = ["sort_tiebreak"]  # installed wherever the catalog is served (plugins/sorted_paging.py)


def applied():
    """The names of the patches applied in this process, in PATCHES order (plugins/sql_lane.py's child process
    applies the same): each Patch knows whether it is applied, so no list is kept beside them."""
    return [p.name for p in PATCHES if p.applied]


def install(names=None, version=DATASETTE_VERSION):
    """Apply the named patches (all by default) if Datasette is the version they were written for; returns the
    names applied. On any other version nothing is applied and one line says so."""
    names = [p.name for p in PATCHES] if names is None else list(names)
    if version != SUPPORTED:
        log.warning("Datasette %s is not %s: the catalog's replacements of Datasette internals are off (%s)",
                    version, SUPPORTED, ", ".join(names))
        return []
    for name in names:
        BY_NAME[name].apply()
    return names


def uninstall(names=None):
    for name in [p.name for p in PATCHES] if names is None else names:
        BY_NAME[name].revert()
