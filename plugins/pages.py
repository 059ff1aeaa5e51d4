"""Template helpers: the home page's question cards, main tables and other tables (scripts/serve/i18n.yml `home`), the `tilde_encode`
filter the row page uses to link a row's source passage, and the parts of the table page rendered in Python.

Datasette's Jinja environment is asynchronous, so every `{{ }}` of a loop costs about ten steps; the table's
rows, its header and its facet lists are most of a table page's loops. templates/_table.html and
templates/_facet_results.html call the functions below, which produce the same markup (whitespace aside) in
one Python loop each: the HTML table page renders in about half the time (BENCHMARKS.md)."""
import re

from datasette import hookimpl
from datasette.utils import path_with_replaced_args, tilde_encode, to_css_class
from markupsafe import Markup, escape

from scripts import spec
from scripts.project import DATABASE_NAME as DATABASE
from scripts.publish.dumps import URL_PREFIX
from scripts.serve import i18n
from scripts.serve.whole_files import whole_files

MAP_COLUMNS = {"latitude", "longitude"}
LONG_TEXT = 140  # characters from which a cell is clipped to a few lines (a click opens it)


@hookimpl
def extra_template_vars(template, datasette, request):
    if template != "index.html":
        return {}
    lang = i18n.language(request)

    async def home_vars():
        db = datasette.get_database(DATABASE)
        counts = await db.table_counts(limit=1000)
        hidden = set(await db.hidden_table_names())  # FTS indexes, and tables a spec marks hidden
        tables = (datasette.metadata(database=DATABASE) or {}).get("tables", {})
        home = i18n.strings()["home"]
        main = [t for t in home["main_tables"] if t in counts and t not in hidden]
        # "files": the build's whole-table files, what the download buttons point to (templates/_whole_file.html).
        cards = [
            {"name": name, "title": i18n.table_title(name, lang), "description": i18n.table_description(name, lang) or "",
             "count": counts.get(name), "url": datasette.urls.table(DATABASE, name),
             "files": whole_files(db.path, name, lang)}
            for name in main
        ]
        others = [
            {"name": name, "title": i18n.table_title(name, lang), "count": counts.get(name),
             "url": datasette.urls.table(DATABASE, name), "files": whole_files(db.path, name, lang)}
            for name in tables if name in counts and name not in main and name not in hidden
        ]
        questions = []
        for q in home["questions"]:
            if q.get("query"):
                url = datasette.urls.query(DATABASE, q["query"])
            elif q.get("table"):
                url = datasette.urls.table(DATABASE, q["table"])
            else:  # the whole-table files, listed on this page (#downloads)
                url = ""
            questions.append({"title": i18n.word(q["title"], lang), "text": i18n.word(q["text"], lang), "url": url,
                              "anchor": q.get("anchor"), "download": bool(q.get("download"))})
        return {"catalog_tables": cards, "catalog_other_tables": others, "catalog_questions": questions,
                "catalog_database": DATABASE, "catalog_downloads": URL_PREFIX}

    return home_vars


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["tilde_encode"] = tilde_encode
    env.globals["facet_results_html"] = facet_results_html
    env.globals["table_head_html"] = table_head_html
    env.globals["table_body_html"] = table_body_html
    env.globals["not_printed_columns"] = spec.not_printed_columns  # row.html: inferred values and their bases


def facet_results_html(sorted_facet_results, database, table, request, page=None):
    """Datasette's _facet_results.html (same markup) in one Python loop: about 80 facet values a page. With a
    TablePage (plugins/portal_i18n.py): the column's label, the words of enumerated values, the names behind
    foreign keys (with the province where a name repeats) and counts in the page's language."""
    lang = page.lang if page else None
    grouping = (lambda n: "{:,}".format(n).replace(",", ".")) if lang == "vi" else "{:,}".format
    out = ['<div class="facet-results">']
    for facet in sorted_facet_results:
        name = facet["name"]
        css = to_css_class(name)
        title = page.labels.get(name, name) if page else name
        out.append(f'<div class="facet-info facet-{escape(to_css_class(database))}-{escape(to_css_class(table))}-'
                   f'{escape(css)}" id="facet-{escape(css)}" data-column="{escape(name)}">'
                   f'<p class="facet-info-name"><strong title="{escape(name)}">{escape(title)}')
        if facet["type"] != "column" and not page:
            out.append(f' ({escape(facet["type"])})')
        # The spaces around the count and before the cross are rendered: keep them as Datasette's template has them.
        out.append(f' <span class="facet-info-total">{"&gt;" if facet["truncated"] else ""}'
                   f'{len(facet["results"])}</span> </strong>')
        if facet["hideable"]:
            out.append(f' <a href="{escape(facet["toggle_url"])}" class="cross">&#x2716;</a>')
        out.append('</p><ul class="tight-bullets">')
        words = page.formats.get(name) if page else None
        names = (page.fk.get(name) or page.facet_names.get(name)) if page else None
        for value in facet["results"]:
            label, count, url = value["label"], grouping(value["count"]), escape(value["toggle_url"])
            if page is not None:
                raw = value.get("value")
                if names and raw is not None:
                    label = names.get(str(raw), label)
                elif words and raw is not None and facet["type"] == "column":
                    label = words(raw) or label
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


def table_head_html(display_columns, request, sort, sort_desc, fix_path, page=None):
    """The header row of Datasette's _table.html (same markup, sort links included), in one Python loop. With a
    TablePage: the spec's label, the identifier and description in a tooltip, only the shown columns."""
    out = []
    hidden = []
    for column in display_columns:
        name = column["name"]
        if page is not None and not page.visible(name):
            if name in MAP_COLUMNS:  # datasette-cluster-map finds a table's coordinates among its headers
                hidden.append(f'<th hidden data-column="{escape(name)}"></th>')
            continue
        description = column.get("description")
        label = name
        tooltip = ""
        if page is not None:
            label = page.labels.get(name) or ("#" if name == "Link" else name)
            help_text = page.descriptions.get(name)
            tooltip = f'title="{escape(name)}{" — " + escape(help_text) if help_text else ""}" '
        out.append('<th {}{}class="col-{}" scope="col" data-column="{}" data-column-type="{}" data-column-not-null="{}" '
                   'data-is-pk="{}">'.format(
                       tooltip, f'data-column-description="{escape(description)}" ' if description else "",
                       escape(to_css_class(name)), escape(name), escape(column["type"].lower()),
                       escape(column["notnull"]), "1" if column["is_pk"] else "0"))
        if not column["sortable"]:
            out.append(escape(label))
        elif name == sort:
            href = fix_path(path_with_replaced_args(request, {"_sort_desc": name, "_sort": None, "_next": None}))
            out.append(f'<a href="{escape(href)}" rel="nofollow">{escape(label)}&nbsp;▼</a>')
        else:
            href = fix_path(path_with_replaced_args(request, {"_sort": name, "_sort_desc": None, "_next": None}))
            arrow = "&nbsp;▲" if name == sort_desc else ""
            out.append(f'<a href="{escape(href)}" rel="nofollow">{escape(label)}{arrow}</a>')
        out.append("</th>")
    return Markup("".join(out + hidden))


_HREF = re.compile(r'href="([^"]*)"')
_NBSP = Markup("&nbsp;")


def table_body_html(display_rows, page=None, truncate=None):
    """The rows of Datasette's _table.html (same markup) in one Python loop: Jinja's async rendering spends about
    ten steps a cell, a third of a 100-row HTML page's time (BENCHMARKS.md). With a TablePage: only the shown
    columns, values in the page's language (words of enumerated values, Vietnamese numbers and dates), names
    behind foreign keys, and long text clipped (a click opens it; text Datasette cut links to the row). A
    column's plan is made at its first cell, and a value's rendering is reused for the same value."""
    if page is None:
        return _plain_body(display_rows)
    out = []
    plans = {}  # column -> (shown, kind, formatter or names, memo {raw: html}, '<td …>')
    open_text = escape(page.open_text)
    bases = _inferred_bases(page.table)
    for row in display_rows:
        out.append("<tr>")
        cells = row.cells if hasattr(row, "cells") else row
        get = None
        pk_value = None
        for cell in cells:
            column = cell["column"]
            plan = plans.get(column)
            if plan is None:
                plan = plans[column] = _plan(page, column, cell["value_type"])
            shown, kind, how, memo, td, td_long = plan
            if kind == "pk":
                pk_value = cell["value"]
                if shown:
                    out.append(td)
                    out.append(escape(pk_value))
                    out.append("</td>")
                continue
            if not shown:
                continue
            raw = cell["raw"]
            if raw is None or raw == "":
                html = memo.get(None) if kind == "fmt" else None
                if html is None:
                    html = ""
                    if kind == "fmt":
                        text = how(raw, None)
                        html = memo[None] = str(escape(text)) if text else ""
                    elif kind == "rowfmt":  # e.g. a range printed as low – high, or "no money printed"
                        if get is None:
                            get = {c["column"]: c["raw"] for c in cells}.get
                        html = str(escape(how(raw, get)))
                out.append(td)
                out.append(html)  # an empty cell is hidden in the phone layout (static/portal.css)
                out.append("</td>")
                continue
            if kind == "fk":
                key = raw if isinstance(raw, str) else str(raw)
                html = memo.get(key)
                if html is None:
                    value = str(cell["value"])
                    match = _HREF.search(value)
                    name = how.get(key)
                    html = memo[key] = (f'<a href="{match.group(1)}" title="{escape(raw)}">{escape(name)}</a>'
                                        if match and name else str(escape(cell["value"])))
            elif kind == "fmt":
                html = memo.get(raw)
                if html is None:
                    html = memo[raw] = str(escape(how(raw, None))) or "&nbsp;"
            elif kind == "rowfmt":
                if get is None:
                    get = {c["column"]: c["raw"] for c in cells}.get
                html = str(escape(how(raw, get))) or "&nbsp;"
            elif isinstance(raw, str) and len(raw) > LONG_TEXT:
                html = str(escape(cell["value"]))
                if truncate and len(raw) > truncate and pk_value is not None:
                    match = _HREF.search(str(pk_value))
                    if match:
                        html += f' <a class="more" href="{match.group(1)}">{open_text}</a>'
                out.append(td_long)
                out.append(f'<div class="clip">{html}</div></td>')
                continue
            else:
                html = str(escape(cell["value"]))
            basis = bases.get(column)
            if basis:  # an inferred value: its basis on the cell (the row page shows it in the inferred box)
                if get is None:
                    get = {c["column"]: c["raw"] for c in cells}.get
                if get(basis):
                    td = f'{td[:-1]} title="{escape(get(basis))}">'
            out.append(td)
            out.append(html)
            out.append("</td>")
        out.append("</tr>\n")
    return Markup("".join(out))


def _inferred_bases(table):
    """{inferred column: its basis column} of a table spec (`inferred: {basis: …}`)."""
    try:
        fields = spec.table(table).fields
    except KeyError:
        return {}
    return {f["name"]: f["inferred"]["basis"] for f in fields
            if isinstance(f.get("inferred"), dict) and f["inferred"].get("basis")}


def _plan(page, column, value_type):
    """How one column's cells are rendered on this page: (shown, kind, formatter or names, memo, <td>, <td long>)."""
    css = escape(to_css_class(column))
    if value_type == "pk":
        return (page.visible(column), "pk", None, None, f'<td class="col-{css} type-pk">', None)
    names = page.fk.get(column)
    fmt = page.formats.get(column)
    kind_css = {"number": "float", "integer": "int"}.get(i18n.field(page.table, column).get("type"), "str")
    if column in spec.not_printed_columns(page.table):  # inferred, or a basis: never looks like a printed value
        kind_css += " inferred"
    kind = "fk" if names is not None else ("rowfmt" if getattr(fmt, "row_dependent", False) else
                                           "fmt" if fmt is not None else "plain")
    return (page.visible(column), kind, names if kind == "fk" else fmt, {}, f'<td class="col-{css} type-{kind_css}">',
            f'<td class="col-{css} type-{kind_css} long">')


def _plain_body(display_rows):
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
