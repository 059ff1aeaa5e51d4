"""Template helpers: the home page's cards (one per table, in the order of the table specs' `position`), the `tilde_encode`
filter the row page uses to link a row's source passage, and the parts of the table page rendered in Python.

Datasette's Jinja environment is asynchronous, so every `{{ }}` of a loop costs about ten steps; the table's
rows, its header and its facet lists are most of a table page's loops. templates/_table.html and
templates/_facet_results.html call the functions below, which produce the same markup (whitespace aside) in
one Python loop each: the HTML table page renders in about half the time (BENCHMARKS.md)."""

from datasette import hookimpl
from datasette.utils import path_with_replaced_args, tilde_encode, to_css_class
from markupsafe import Markup, escape

from scripts import spec
from scripts.project import DATABASE_NAME as DATABASE
from scripts.publish.dumps import URL_PREFIX, table_files


@hookimpl
def extra_template_vars(template, datasette):
    if template != "index.html":
        return {}

    async def home_vars():
        db = datasette.get_database(DATABASE)
        counts = await db.table_counts(limit=1000)
        hidden = set(await db.hidden_table_names())  # FTS indexes, and tables a spec marks hidden
        tables = (datasette.metadata(database=DATABASE) or {}).get("tables", {})
        cards = [
            {"name": name, "title": meta.get("title", name), "description": meta.get("description", ""),
             "count": counts.get(name), "url": datasette.urls.table(DATABASE, name),
             # The build's whole-table files (scripts/publish/dumps.py): what the card's download buttons point to.
             "files": {f["format"]: f for f in table_files(db.path, name)}}
            for name, meta in tables.items() if name in counts and name not in hidden
        ]
        return {"catalog_tables": cards, "catalog_database": DATABASE, "catalog_downloads": URL_PREFIX}

    return home_vars


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["tilde_encode"] = tilde_encode
    env.globals["facet_results_html"] = facet_results_html
    env.globals["table_head_html"] = table_head_html
    env.globals["table_body_html"] = table_body_html
    env.globals["not_printed_columns"] = spec.not_printed_columns  # row.html: inferred values and their bases


def facet_results_html(sorted_facet_results, database, table, request):
    """Datasette's _facet_results.html (same markup) in one Python loop: about 80 facet values a page."""
    out = ['<div class="facet-results">']
    for facet in sorted_facet_results:
        name = facet["name"]
        css = to_css_class(name)
        out.append(f'<div class="facet-info facet-{escape(to_css_class(database))}-{escape(to_css_class(table))}-'
                   f'{escape(css)}" id="facet-{escape(css)}" data-column="{escape(name)}">'
                   f'<p class="facet-info-name"><strong>{escape(name)}')
        if facet["type"] != "column":
            out.append(f' ({escape(facet["type"])})')
        # The spaces around the count and before the cross are rendered: keep them as Datasette's template has them.
        out.append(f' <span class="facet-info-total">{"&gt;" if facet["truncated"] else ""}'
                   f'{len(facet["results"])}</span> </strong>')
        if facet["hideable"]:
            out.append(f' <a href="{escape(facet["toggle_url"])}" class="cross">&#x2716;</a>')
        out.append('</p><ul class="tight-bullets">')
        for value in facet["results"]:
            label, count, url = value["label"], "{:,}".format(value["count"]), escape(value["toggle_url"])
            if not value["selected"]:
                text = (label if isinstance(label, str) else str(label)) or "-"  # Jinja's |string
                out.append(f'<li><a href="{url}">{escape(text)}</a> {count}</li>')
            else:
                out.append(f'<li>{escape(label or "-")} &middot; {count} <a href="{url}" class="cross">&#x2716;</a></li>')
        if facet["truncated"]:
            more = (f'<a href="{escape(path_with_replaced_args(request, {"_facet_size": "max"}))}">…</a>'
                    if request.args.get("_facet_size") != "max" else "…")
            out.append(f'<li class="facet-truncated">{more}</li>')
        out.append("</ul></div>")
    out.append("</div>")
    return Markup("".join(out))


def table_head_html(display_columns, request, sort, sort_desc, fix_path):
    """The header row of Datasette's _table.html (same markup, sort links included), in one Python loop."""
    out = []
    for column in display_columns:
        name = column["name"]
        description = column.get("description")
        out.append('<th {}class="col-{}" scope="col" data-column="{}" data-column-type="{}" data-column-not-null="{}" '
                   'data-is-pk="{}">'.format(
                       f'data-column-description="{escape(description)}" ' if description else "",
                       escape(to_css_class(name)), escape(name), escape(column["type"].lower()),
                       escape(column["notnull"]), "1" if column["is_pk"] else "0"))
        if not column["sortable"]:
            out.append(escape(name))
        elif name == sort:
            href = fix_path(path_with_replaced_args(request, {"_sort_desc": name, "_sort": None, "_next": None}))
            out.append(f'<a href="{escape(href)}" rel="nofollow">{escape(name)}&nbsp;▼</a>')
        else:
            href = fix_path(path_with_replaced_args(request, {"_sort": name, "_sort_desc": None, "_next": None}))
            arrow = "&nbsp;▲" if name == sort_desc else ""
            out.append(f'<a href="{escape(href)}" rel="nofollow">{escape(name)}{arrow}</a>')
        out.append("</th>")
    return Markup("".join(out))


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
