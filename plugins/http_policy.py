"""The one HTTP policy layer: what every response carries, whoever produced it — a Datasette page, a plugin's
400 (param_guard), a redirect (content-hashed URLs), a static file, a 404, a 500, robots.txt.

Layers, outermost first (Datasette applies asgi_wrapper hooks in pluggy's call order, each wrapping the previous
ones; `trylast` makes this wrapper the last applied, so the outermost; `tryfirst` on format_defaults makes it
the innermost):
  1. http_policy (this module)
       request:  the Host header and scheme are replaced by the public base URL (CATALOG_PUBLIC_URL, e.g.
                 https://opendata.example.vn) or, when none is configured, by the address the server socket is
                 bound to — so every absolute URL Datasette builds (next_url, facet toggles, the Link header,
                 DCAT, OpenAPI servers, the sitemap) comes from configuration, never from the request. A
                 5,000-byte Host never reaches Datasette; one that does not parse as host[:port] (`Host: [`,
                 `a b`, `x:80@y`) is refused with 400 and a bilingual message (host_parses(): one pass over the
                 headers and one regular expression per request; the refusal only when it fails). The catalog is read-only:
                 methods other than GET, HEAD and OPTIONS answer 405 here (Datasette 0.65 answers POST to a table
                 or a read-only canned query, and TRACE, 500), and a cookie that does not parse is dropped, as a
                 browser would ignore it (the catalog sets none; asgi-csrf failed on one with a bare 500).
       response: security headers and CORS (replacing whatever an inner layer set), the caching policy
                 (`cache_control`); and, if an inner layer raises before it has answered, the answer
                 scripts/serve/errors.py gives that exception (400 with a bilingual message when the request
                 caused it, else 500, its text logged, never sent) with the same headers.
  2. content-hashed URLs (deployment only: scripts/serve/internals.py) — redirects /catalog/… to /catalog-<hash>/…
  3. sql_lane — ?sql= and ?_where= proxied to the SQL lane, a child process running the same Datasette
     (scripts/serve/lane.py); 429 beyond a client's share (the lane's Datasette runs these same wrappers but this
     one and sql_lane's routing: its answers come back here and leave through this layer once)
  4. param_guard — malformed parameters answer 4xx
  5. format_defaults (tryfirst: innermost) — default page size and facets by format
  6. Datasette itself (its router, CSRF protection, views, its own error pages; plugins/safe_errors.py's
     handle_exception answers what a request's content makes a view raise)
Only this layer is trylast and only format_defaults tryfirst; Datasette loads plugins/ in directory order, so
the order of the plain ones (sql_lane, param_guard) among themselves is not fixed, and neither depends on it.

Script policy: no 'unsafe-inline'. The inline scripts the pages need are allowed by their SHA-256, computed at
the first request from the very templates and plugin hooks that render them (Datasette's menu-closing script
and SQL editor start-up, the table page's DATASETTE_ALLOW_FACET line, datasette-cluster-map's configuration
script for each column pair it recognises). An injected script, an inline event handler or a `javascript:`
link has no matching hash and does not run. Hashes rather than nonces: pages are cached for a year by the
proxy, and a hash stays valid for every copy. Styles keep 'unsafe-inline' (Datasette's templates and Leaflet
set inline styles; styles cannot run code).

robots.txt is datasette-block-robots (its `disallow` list in metadata.yml, plus the database's own URLs from
the `block_robots_extra_lines` hook below, so the deployment's /catalog-<hash> route is covered); the sitemap is
datasette-sitemap (paths from the `sitemap_extra_paths` hook below: the home page, the database and every
visible table). /-/threads is not served and /-/databases leaves out the file's absolute path: they help only
an attacker.
"""
import base64
import hashlib
import json
import logging
import os
import re
import traceback
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qsl, urlsplit

from datasette import hookimpl
from datasette.plugins import pm
from datasette.utils import await_me_maybe
from datasette.utils.asgi import Response
from markupsafe import Markup

from scripts.project import DATABASE_NAME
from scripts.publish.dumps import URL_PREFIX as DOWNLOADS_URL
from scripts.serve import errors

log = logging.getLogger(__name__)

ALLOWED_METHODS = ("GET", "HEAD", "OPTIONS")
READ_ONLY = ("Cổng dữ liệu chỉ cho đọc: dùng GET", "The catalog is read-only: use GET")
BAD_HOST = ("Tiêu đề Host của yêu cầu không hợp lệ (phải là tên máy hoặc địa chỉ, có thể kèm :cổng).",
            "The request's Host header does not parse (a host name or address, optionally with :port).")
# RFC 3986 host[:port]: a reg-name (unreserved, %-escapes, sub-delims) or a bracketed IP literal; empty is allowed.
HOST = re.compile(rb"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%!$&'()*+,;=-]*)(?::[0-9]*)?")
HASHED_MAX_AGE = 31536000
UNHASHED_MAX_AGE = int(os.environ.get("CATALOG_UNHASHED_MAX_AGE", 300))
AD_HOC_SQL_MAX_AGE = 300  # an ad-hoc query's answer is never cached for a year (issue 13: 20 MB answers)
HASHED_ROUTE = re.compile(rf"^/{DATABASE_NAME}-[0-9a-f]{{7}}(?:[./]|$)")
# Column pairs datasette-cluster-map recognises by name (its LOCATION_PRIORITIES); a map on an ad-hoc query
# works when its columns carry one of these names.
MAP_COLUMNS = [("latitude", "longitude"), ("lat", "lon"), ("lat", "lng"), ("lat", "long")]
# Inline scripts of Datasette's own templates, rendered from the installed templates.
TEMPLATE_SCRIPTS = ["_close_open_menus.html", "_codemirror_foot.html"]
SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def script_hash(script):
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode() + "'"


async def inline_scripts(datasette):
    """The text of every inline script the portal's pages render (see the module docstring)."""
    scripts = []
    # Datasette 1.0 offers get_jinja_environment(); 0.65 has the jinja_env attribute.
    env = datasette.get_jinja_environment() if hasattr(datasette, "get_jinja_environment") else datasette.jinja_env
    for name in TEMPLATE_SCRIPTS:
        scripts += SCRIPT.findall(await env.get_template(name).render_async())
    scripts += [f"DATASETTE_ALLOW_FACET = {value};" for value in ("true", "false")]
    # Plugins' extra_body_script, rendered as Datasette renders it (str() of what the hook returned: a plugin
    # with nothing to add, such as datasette-cluster-map on a page without coordinates, returns [] and Datasette
    # prints "[]"), for pages with and without a pair of coordinate columns.
    for view_name in ("table", "database", "index", "row"):
        for columns in MAP_COLUMNS + [()]:
            for script in pm.hook.extra_body_script(
                    template="table.html", database=DATABASE_NAME, table=None, columns=list(columns),
                    view_name=view_name, request=None, datasette=datasette):
                script = await await_me_maybe(script)
                script = script["script"] if isinstance(script, dict) else script
                scripts.append(str(Markup(script)))
    return sorted(set(scripts))


async def content_security_policy(datasette):
    hashes = " ".join(script_hash(s) for s in await inline_scripts(datasette))
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' {hashes}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: https://*.tile.openstreetmap.org",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


async def response_headers(datasette):
    """The headers this layer owns, as (lower-case name, value) pairs."""
    return [
        # CORS: all of the data is public and read-only.
        (b"access-control-allow-origin", b"*"),
        (b"access-control-allow-headers", b"Authorization"),
        (b"access-control-expose-headers", b"Link"),
        (b"content-security-policy", (await content_security_policy(datasette)).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"strict-origin-when-cross-origin"),
        (b"x-frame-options", b"DENY"),
    ]


def public_origin(scope):
    """(scheme, host[:port]) that absolute URLs use: CATALOG_PUBLIC_URL, else the server's own socket."""
    configured = os.environ.get("CATALOG_PUBLIC_URL", "").strip()
    if configured:
        parts = urlsplit(configured)
        return parts.scheme or "https", parts.netloc
    host, port = (scope.get("server") or ("localhost", None))[:2]
    host = f"[{host}]" if ":" in str(host) else str(host)
    scheme = scope.get("scheme") or "http"
    default = {"http": 80, "https": 443}.get(scheme)
    return scheme, host if port in (None, default) else f"{host}:{port}"


def with_public_host(scope):
    scheme, netloc = public_origin(scope)
    headers = [(k, v) for k, v in scope.get("headers") or [] if k.lower() != b"host"]
    return {**scope, "scheme": scheme, "headers": headers + [(b"host", netloc.encode("latin-1"))]}


def host_parses(scope):
    for name, value in scope.get("headers") or ():
        if name.lower() == b"host":
            return HOST.fullmatch(value) is not None
    return True


def parses(cookie):
    try:
        SimpleCookie().load(cookie.decode("latin-1"))
        return True
    except CookieError:
        return False


def without_bad_cookies(scope):
    headers = scope.get("headers") or []
    if all(k != b"cookie" or parses(v) for k, v in headers):
        return scope
    return {**scope, "headers": [(k, v) for k, v in headers if k != b"cookie" or parses(v)]}


def is_ad_hoc_sql(scope):
    return any(k == "sql" for k, _ in parse_qsl(scope.get("query_string", b"").decode("latin-1")))


def cache_control(scope, status, headers):
    """The Cache-Control a response leaves with (None: keep what the inner layers set)."""
    current = next((v.decode("latin-1").lower() for k, v in headers if k.lower() == b"cache-control"), "")
    if status >= 400:
        return "no-store"  # an error is never stored by a cache, least of all for a year
    if scope.get("method") not in ("GET", "HEAD") or status != 200:
        return None
    if any(k.lower() == b"set-cookie" for k, _ in headers) or "private" in current or "no-store" in current:
        return None  # Datasette marks responses to requests with cookies or credentials private: they stay so
    if is_ad_hoc_sql(scope):
        return f"public, max-age={AD_HOC_SQL_MAX_AGE}"
    if HASHED_ROUTE.match(scope.get("path", "")):
        # Reached only with the current hash (the hashed-URL layer redirects any other): immutable content.
        return f"public, max-age={HASHED_MAX_AGE}, immutable"
    if not current:
        return f"public, max-age={UNHASHED_MAX_AGE}"
    return None


@hookimpl(trylast=True)
def asgi_wrapper(datasette):
    owned = names = None  # the headers this layer sets, and their names (with cache-control): made at the first request

    def wrap(app):
        if getattr(datasette, "_catalog_sql_lane", False):
            return app  # the SQL lane's Datasette (scripts/serve/lane.py): its answers leave through the server's layer

        async def http_policy(scope, receive, send):
            nonlocal owned, names
            if scope.get("type") != "http":
                return await app(scope, receive, send)
            if owned is None:
                owned = await response_headers(datasette)
                names = {name for name, _ in owned} | {b"cache-control"}
            bad_host = not host_parses(scope)
            scope = without_bad_cookies(with_public_host(scope))
            started = False

            async def send_with_policy(message):
                nonlocal started
                if message["type"] == "http.response.start":
                    started = True
                    headers = list(message.get("headers") or [])
                    control = cache_control(scope, message["status"], headers)
                    drop = names if control else names - {b"cache-control"}
                    headers = [(k, v) for k, v in headers if k.lower() not in drop] + owned
                    if control:
                        headers.append((b"cache-control", control.encode()))
                    message = {**message, "headers": headers}
                await send(message)

            if scope.get("method", "GET") not in ALLOWED_METHODS:
                return await errors.answer(send_with_policy, 405, READ_ONLY,
                                           [(b"allow", ", ".join(ALLOWED_METHODS).encode())])
            if bad_host:
                return await errors.answer(send_with_policy, 400, BAD_HOST)
            try:
                await app(scope, receive, send_with_policy)
            except Exception as exception:
                if started:
                    raise
                status, parts = errors.classify_escaped(exception)
                if status >= 500:
                    log.error("unhandled error for %s\n%s", scope.get("path"), traceback.format_exc())
                await errors.answer(send_with_policy, status, parts)

        return http_policy

    return wrap


# --- robots.txt and the sitemap (datasette-block-robots, datasette-sitemap) ---------------------------------

@hookimpl
def block_robots_extra_lines(datasette):
    """The database's JSON listing under its current route: /catalog.json here, /catalog-<hash>.json in the
    deployment (the rules in metadata.yml cover ?sql=, .db and the exports on any route). And, deliberately,
    the build's whole-table files (/-/downloads/, scripts/publish/dumps.py) ARE allowed although `/*.csv` and
    `/*.xlsx` are not: those rules keep crawlers off exports Datasette computes per request, while a download is
    a file written once per build and answered with an ETag (plugins/downloads.py) — and it is the distribution
    the DCAT catalog lists, which data-portal harvesters should fetch. The longer rule wins (RFC 9309)."""
    routes = dict.fromkeys([f"/{DATABASE_NAME}", datasette.urls.database(DATABASE_NAME)])
    return [f"Disallow: {route}.json" for route in routes] + [f"Allow: {DOWNLOADS_URL}"]


@hookimpl
def sitemap_extra_paths(datasette):
    async def paths():
        db = datasette.get_database(DATABASE_NAME)
        hidden = set(await db.hidden_table_names())
        tables = [t for t in await db.table_names() if t not in hidden]
        return ["/", datasette.urls.database(DATABASE_NAME)] + [datasette.urls.table(DATABASE_NAME, t) for t in tables]

    return paths


# --- introspection that helps only an attacker ---------------------------------------------------------------

async def not_served(request):
    return Response.text("Not found", status=404)


async def databases(datasette, request):
    """Datasette's /-/databases without the file's absolute path."""
    data = [{"name": name, "route": db.route, "is_mutable": db.is_mutable, "is_memory": db.is_memory,
             "hash": db.hash} for name, db in datasette.databases.items() if name != "_internal"]
    if request.url_vars.get("format") == "json":
        return Response.json(data)
    return Response.html(await datasette.render_template(
        "show_json.html", {"filename": "databases.json", "data_json": json.dumps(data, indent=4)}, request=request))


@hookimpl
def register_routes():
    return [(r"^/-/threads(\.json)?$", not_served), (r"^/-/databases(\.(?P<format>json))?$", databases)]
