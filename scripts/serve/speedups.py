"""Faster equivalents of Datasette 0.65.5 helpers that profiling (py-spy on a loaded replica, cProfile in
process) found on every table request (BENCHMARKS.md, "Where the time goes"). Each returns exactly what the
original returns (tests/test_scale.py compares every byte of a set of pages with and without them); where an
input is unusual, the original is called. One deliberate difference, the text_factory below.

- absolute_url: a facet value's link joined the page URL with urllib's urljoin (a dozen microseconds, ~70
  times a page). For an absolute path without dot segments the join is plain concatenation.
- path_with_added_args (facets): re-parsed the page's query string for every facet value.
- tilde_encode (table view): encodes the same table names and keys on every row of every page.
- render_cell: the plugin hook is called for every cell (1,700 on a 100-row page) although no plugin here
  implements it; with no implementation registered the call is skipped.
- The connections' text_factory: Datasette decodes each text value with a Python callable that replaces
  invalid UTF-8 (14% of a loaded replica's time on plan_tasks.json; any Python callable costs the same). Here
  SQLite's own strict UTF-8 decoding is used. The catalog's text is valid UTF-8 by construction (the build
  writes Python strings), so every page is the same; only a query that manufactures invalid bytes as text,
  such as `select cast(x'ff' as text)`, now answers 400 "Could not decode to UTF-8" instead of showing U+FFFD.
- remove_infinites (JSON): a generator over every cell looking for ±infinity; a C-level membership test
  answers "none here" for plain rows.
- detect_json1 opened an in-memory SQLite connection on every table request; tilde_decode draws 16 random
  bytes from the OS on every request. Both answers are cached.
"""
import functools
import re
import sqlite3
import urllib.parse

import datasette.facets
import datasette.filters
import datasette.renderer
import datasette.views.base
import datasette.views.database
import datasette.views.row
import datasette.views.table
from datasette.app import Datasette
from datasette.plugins import pm
from datasette.utils import detect_json1, tilde_decode, tilde_encode

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


@functools.lru_cache(maxsize=1024)
def _query_pairs(query_string):
    return tuple(urllib.parse.parse_qsl(query_string))


def _path_with_added_args(request, args, path=None):
    """datasette.utils.path_with_added_args with the request's query string parsed once."""
    path = path or request.path
    args = list(args.items() if isinstance(args, dict) else args)
    removed = {key for key, value in args if value is None}
    pairs = [(key, value) for key, value in _query_pairs(request.query_string) if key not in removed]
    pairs.extend((key, value) for key, value in args if value is not None)
    query_string = urllib.parse.urlencode(pairs)
    return path + (f"?{query_string}" if query_string else "")


def _no_render_cell(**kwargs):
    return []


class _HooksSkippingEmptyRenderCell:
    """pm.hook for the table view, with render_cell short-circuited while no plugin implements it."""

    def __getattr__(self, name):
        return getattr(pm.hook, name)

    @property
    def render_cell(self):
        hook = pm.hook.render_cell
        return hook if hook.get_hookimpls() else _no_render_cell


class _TableViewPluginManager:
    hook = _HooksSkippingEmptyRenderCell()

    def __getattr__(self, name):
        return getattr(pm, name)


def _prepare_connection(original):
    @functools.wraps(original)
    def prepare_connection(self, conn, database):
        original(self, conn, database)
        conn.text_factory = str  # sqlite3's built-in decoding, no Python call per value

    return prepare_connection


_INFINITY = float("inf")


def _remove_infinites(original):
    @functools.wraps(original)
    def remove_infinites(row):
        # Only where `in` compares values: a CustomRow is a dict, where `in` would look at its keys.
        if type(row) in (sqlite3.Row, list, tuple) and _INFINITY not in row and -_INFINITY not in row:
            return row
        return original(row)

    return remove_infinites


@functools.lru_cache(maxsize=None)
def _json1_available():
    return detect_json1()


def _detect_json1(conn=None):
    return _json1_available() if conn is None else detect_json1(conn)


def install():
    """Patch the helpers in this process (idempotent)."""
    if getattr(Datasette.absolute_url, "_catalog_speedup", False):
        return
    Datasette.absolute_url = _absolute_url(Datasette.absolute_url)
    Datasette.absolute_url._catalog_speedup = True
    datasette.facets.path_with_added_args = _path_with_added_args
    datasette.views.table.tilde_encode = functools.lru_cache(maxsize=65536)(tilde_encode)
    datasette.views.table.pm = _TableViewPluginManager()
    Datasette._prepare_connection = _prepare_connection(Datasette._prepare_connection)
    datasette.renderer.remove_infinites = _remove_infinites(datasette.renderer.remove_infinites)
    datasette.facets.detect_json1 = datasette.filters.detect_json1 = _detect_json1
    cached_tilde_decode = functools.lru_cache(maxsize=4096)(tilde_decode)
    for view in (datasette.views.base, datasette.views.database, datasette.views.row, datasette.views.table):
        view.tilde_decode = cached_tilde_decode

