"""Defaults that differ by format, for tables: what a program needs from a data format and what a person needs
from a page are not the same (measured in BENCHMARKS.md).

- Data formats (JSON, CSV, Excel, GeoJSON) count facets only when asked. Datasette 0.65 computes every facet
  metadata.yml sets for a table on every request, in every format, although only the HTML page and JSON show
  them; for a program paging through plan_tasks.json that was half the work of each page. As in Datasette 1.0,
  a request with any `_facet…` parameter gets those facets and the table's default ones, exactly as before.
  Done with Datasette's own `_nofacet=1`, which then also appears in the answer's `next_url`.
- HTML table pages show 25 rows unless `_size` says otherwise. A page of 100 plan tasks, each with its
  verbatim excerpt, weighed 340 kB and took 28 ms of CPU to render; people page and filter with facets. The
  data formats keep Datasette's 100 rows (settings.json), so the API's pages are unchanged.
"""
from urllib.parse import parse_qsl

from datasette import hookimpl
from datasette.utils import tilde_decode

from scripts.project import DATABASE_NAME
from scripts.serve.portal import TABLE_ROUTE

HTML_PAGE_SIZE = 25


def with_param(scope, query, param):
    return {**scope, "query_string": (f"{query}&" if query else "").encode("latin-1") + param}


@hookimpl(tryfirst=True)  # the innermost wrapper: plugins/http_policy.py documents the order
def asgi_wrapper(datasette):
    def wrap(app):
        async def format_defaults(scope, receive, send):
            match = scope["type"] == "http" and TABLE_ROUTE.match(scope.get("path", ""))
            if match and match["pk"] is None:  # a table page, not a row
                query = scope.get("query_string", b"").decode("latin-1")
                keys = {key for key, _ in parse_qsl(query, keep_blank_values=True)}
                if match["format"]:
                    if not any(key.startswith("_facet") or key == "_nofacet" for key in keys):
                        scope = with_param(scope, query, b"_nofacet=1")
                elif "_size" not in keys and await datasette.get_database(DATABASE_NAME).table_exists(
                        tilde_decode(match["table"])):
                    scope = with_param(scope, query, f"_size={HTML_PAGE_SIZE}".encode())
            await app(scope, receive, send)

        return format_defaults

    return wrap
