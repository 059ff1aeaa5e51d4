"""Map popups render only http(s) or relative links (issue 13): static/popup-links.js, loaded on pages that
show datasette-cluster-map's map, strips any other scheme (javascript:, data:, vbscript: …) from links and
images inside a popup before they can be clicked.

Why our own code: datasette-cluster-map 0.18.2 escapes HTML in a popup's link but not its scheme, and offers
no hook to filter it; the fix is a few lines beside it rather than a fork of its script.
"""
from datasette import hookimpl
from datasette_cluster_map import find_columns


@hookimpl
def extra_js_urls(database, table, columns, view_name, datasette):
    if not find_columns(database, table, columns, view_name, datasette):
        return []
    return [{"url": datasette.urls.path("/static/popup-links.js")}]
