"""/robots.txt: the catalog is public open data and should be found, so pages may be indexed; what a
crawler would only turn into load (free SQL, the whole database, bulk exports, endless facet and search
combinations) is disallowed. See README, "Indexing"."""
from datasette import hookimpl
from datasette.utils.asgi import Response

ROBOTS = """User-agent: *
Allow: /
Disallow: /catalog?sql=
Disallow: /catalog.json
Disallow: /catalog.db
Disallow: /*.csv
Disallow: /*.xlsx
Disallow: /*?*_facet
Disallow: /*?*_search
Disallow: /*?*_sort
Disallow: /-/search
"""


async def robots(request):
    return Response.text(ROBOTS, headers={"cache-control": "max-age=86400"})


@hookimpl
def register_routes():
    return [(r"^/robots\.txt$", robots)]
