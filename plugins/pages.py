"""Template helpers: the home page's cards (one per table, in the order of metadata.yml) and the
`tilde_encode` filter the row page uses to link a row's source passage."""
import sys
from pathlib import Path

from datasette import hookimpl
from datasette.utils import tilde_encode, to_css_class
from markupsafe import Markup, escape

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project's scripts package
from scripts.portal import DATABASE_NAME as DATABASE  # noqa: E402


@hookimpl
def extra_template_vars(template, datasette):
    if template != "index.html":
        return {}

    async def home_vars():
        db = datasette.get_database(DATABASE)
        counts = await db.table_counts(limit=1000)
        tables = (datasette.metadata(database=DATABASE) or {}).get("tables", {})
        cards = [
            {"name": name, "title": meta.get("title", name), "description": meta.get("description", ""),
             "count": counts.get(name), "url": datasette.urls.table(DATABASE, name)}
            for name, meta in tables.items() if name in counts
        ]
        return {"catalog_tables": cards, "catalog_database": DATABASE}

    return home_vars


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["tilde_encode"] = tilde_encode
    env.globals["table_body_html"] = table_body_html


def table_body_html(display_rows):
    """The rows of Datasette's _table.html (same markup) in one Python loop: Jinja's async rendering spends about
    ten steps a cell, a third of a 100-row HTML page's time (BENCHMARKS.md)."""
    out = []
    opening = {}  # (column, value type) -> '<td class=…>', escaped once per page
    for row in display_rows:
        out.append("<tr>")
        for cell in row:
            key = (cell["column"], cell["value_type"])
            td = opening.get(key)
            if td is None:
                td = opening[key] = '<td class="col-{} type-{}">'.format(
                    escape(to_css_class(key[0])), escape(key[1]))
            out.append(td)
            out.append(escape(cell["value"]))
            out.append("</td>")
        out.append("</tr>\n")
    return Markup("".join(out))
