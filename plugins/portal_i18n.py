"""The portal's pages in Vietnamese (default) or English (`?_lang=en`), with the spec's human labels.

Datasette 0.65 has no translations, so the project's templates (templates/*.html) replace Datasette's
English ones, and this plugin gives them what they need, per request:
  - `lang`, `_()` (an interface word of scripts/serve/i18n.yml), the language switch URL, the build date;
  - on table pages `portal_table`: labels, the spec's shown columns, cell formats, the words of enumerated
    values and the names behind foreign keys, used by the Python renderers of plugins/pages.py (the table
    page's rows, header and facets are rendered in Python for speed, see that module);
  - on row pages `portal_row()`: the row as labelled fields, linked names for its foreign keys, a title
    naming it, the provenance box, passage navigation and the excerpt highlighted in its passage;
  - on query pages `portal_query()`: labelled inputs with hints and a results table with links and words.
Names behind foreign keys are read once per immutable database and kept (a few hundred rows each).
Machine formats (JSON, CSV …) are untouched: everything here is for HTML.
"""
import copy
import re
from collections import Counter
from functools import lru_cache, partial

from datasette import hookimpl
from datasette.utils import path_with_replaced_args, tilde_encode
from markupsafe import Markup, escape

from scripts import spec as specs
from scripts import vnformat
from scripts.project import DATABASE_NAME
from scripts.publish.dumps import build_time
from scripts.serve import i18n
from scripts.serve.params import parameter_problem, query_parameters

LONG_TEXT = 140  # characters from which a cell is clipped to a few lines (click opens it)
_PAGES = i18n.strings()["pages"]  # per-table page choices (scripts/serve/i18n.yml `pages`)
LABEL_COLUMNS = _PAGES["link_label"]  # a shorter name than the spec's label column, for links
TITLE_COLUMNS = _PAGES["row_title"]  # the column that names a row in its page's title
CODE_TITLES = set(_PAGES["row_title_with_key"])  # short official codes: shown after the name
ARRAY_COLUMNS = _PAGES["key_lists"]  # JSON lists of another table's keys
MONEY_COMPARATORS = {"capital_projects": "total_comparator", "project_money": "comparator"}  # the amount's comparator
BACK_MARK = "!"  # in _back: "the previous page had no _next"; tilde-encoded tokens never contain "!"
_labels_cache = {}


def pick(text, lang):
    """'vi · en' metadata text (Datasette's titles and descriptions) in one language."""
    if not isinstance(text, str) or specs.SEPARATOR not in text:
        return text
    if text.startswith("(") and text.endswith(")"):
        return f"({pick(text[1:-1], lang)})"
    vi, _, en = text.partition(specs.SEPARATOR)
    return en if lang == "en" else vi


def switch_url(request, lang):
    if request is None:
        return "/?_lang=en"
    return path_with_replaced_args(request, {i18n.PARAM: None if lang == "en" else "en"})


def with_lang(url, lang):
    if lang != "en" or not url:
        return url
    return url + ("&" if "?" in url else "?") + "_lang=en"


def build_date(datasette, lang):
    """The build's day (scripts/publish/dumps.py build_time), read once per database file."""
    try:
        db = datasette.get_database(DATABASE_NAME)
        key = (db.path, "__built")
        if key not in _labels_cache:
            _labels_cache[key] = build_time(db.path).date().isoformat()
        day = _labels_cache[key]
    except Exception:  # no file (memory database)
        return ""
    return vnformat.date(day, lang)


# --- names behind foreign keys ---------------------------------------------------------------------------------
async def label_map(datasette, database, table):
    """{key as text: name} for a table's rows; the province is added where a name occurs in both provinces."""
    db = datasette.get_database(database)
    key = (db.path, table)
    if key in _labels_cache:
        return _labels_cache[key]
    out = {}
    t = i18n._spec_table(table)
    if t is not None and len(t.primary_key) == 1:
        label = LABEL_COLUMNS.get(table) or t.portal.get("label_column")
        pk = t.primary_key[0]
        if label and label in t.by_name and await db.table_exists(table):
            province = "province_code" in t.by_name
            rows = (await db.execute(f"select [{pk}], [{label}]{', province_code' if province else ''} from [{table}]")).rows
            counts = Counter(r[1] for r in rows)
            names = await province_names(datasette, database) if province else {}
            for r in rows:
                name = r[1] if r[1] not in (None, "") else str(r[0])
                if province and counts[r[1]] > 1 and names.get(r[2]):
                    name = f"{name} ({names[r[2]]})"
                out[str(r[0])] = name
    if not db.is_mutable:
        _labels_cache[key] = out
    return out


async def province_names(datasette, database):
    db = datasette.get_database(database)
    key = (db.path, "__provinces")
    if key not in _labels_cache:
        names = {}
        if await db.table_exists("provinces"):
            names = {r[0]: r[1] for r in (await db.execute("select code, short_name from provinces")).rows}
        _labels_cache[key] = names
    return _labels_cache[key]


# --- formatting one value -------------------------------------------------------------------------------------
def formatter(table, column, lang):
    """A function (value, row getter) → text for one column's values on pages, or None (shown as stored)."""
    f = i18n.field(table, column)
    words = i18n.enum_words(table, column, lang)
    kind = f.get("type")
    if words:
        return lambda v, get=None: words.get(v, v) if v is not None else ""
    if column.endswith("_million_vnd"):
        none = i18n.t("no_money_short", lang) if (table, column) == ("capital_projects", "total_million_vnd") else ""
        unit = " triệu đồng" if lang == "vi" else " million VND"
        comparator = MONEY_COMPARATORS.get(table)

        def money(v, get=None):
            if v is None:
                return none
            # "≈ 186.000 triệu đồng": a figure printed as approximate (or as a bound) never looks exact.
            sign = get(comparator) if get and comparator else None
            return vnformat.with_comparator(sign, vnformat.number(v, lang) + unit)
        money.row_dependent = comparator is not None  # reads the row's comparator
        return money
    if table == "indicators" and column in ("value", "value_low", "value_high"):
        def indicator(v, get=None):
            if v is None:
                if column == "value" and get and get("comparator") == "range" and get("value_low") is not None:
                    return f"{vnformat.number(get('value_low'), lang)} – {vnformat.number(get('value_high'), lang)}"
                return ""
            if get and get("unit") == "rank" and column == "value":
                rank_of = get("rank_of")
                return f"{i18n.t('rank_of', lang)} {vnformat.number(v, lang)}" + (f"/{rank_of}" if rank_of else "")
            # "≥ 80": a target printed as a bound never looks like an exact figure.
            sign = get("comparator") if get and column == "value" else None
            return vnformat.with_comparator(sign, vnformat.number(v, lang))
        indicator.row_dependent = True  # reads the row's unit and rank_of
        return indicator
    if kind == "number":
        return lambda v, get=None: vnformat.number(v, lang) if isinstance(v, (int, float)) else ("" if v is None else str(v))
    if kind == "date":
        return lambda v, get=None: vnformat.date(v, lang)
    if kind == "integer" and column in ("bytes", "lines"):
        return lambda v, get=None: vnformat.number(v, lang) if isinstance(v, int) else ("" if v is None else str(v))
    return None


def value_with_unit(table, column, value, get, lang):
    """A value as a row page shows it: formatted, with its unit (45.900 triệu đồng; 62,58 %; hạng 27/34)."""
    if column.endswith("_million_vnd"):
        if value is None:
            return i18n.t("no_money", lang) if (table, column) == ("capital_projects", "total_million_vnd") else ""
        sign = get(MONEY_COMPARATORS[table]) if table in MONEY_COMPARATORS else None
        return vnformat.with_comparator(sign, vnformat.money_million(value, lang))
    fmt = formatter(table, column, lang)
    text = fmt(value, get) if fmt else ("" if value is None else str(value))
    if column.endswith("_km2") and value is not None:
        text = f"{text} km²"
    if table == "indicators" and column in ("value", "value_low", "value_high") and value is not None:
        unit = get("unit")
        if unit and unit != "rank" and unit != "count":
            text = f"{text} {unit}"
    return text


class TablePage:
    """What the Python renderers of a table page need: the per-table parts are prepared once per immutable
    database, table, language and column list; only `show_all` comes from the request."""

    def __init__(self, table, lang, columns, labels, shown, fk):
        self.table, self.lang, self.labels, self.fk = table, lang, labels, fk
        self.shown, self.show_all = shown, False
        self.formats = {c: formatter(table, c, lang) for c in columns}
        self.descriptions = {c: i18n.column_description(table, c, lang) for c in columns}
        self.open_text = i18n.t("open_text", lang)
        self.facet_names = {}

    def for_request(self, show_all):
        if not show_all:
            return self
        page = copy.copy(self)
        page.show_all = True
        return page

    def visible(self, column):
        return self.show_all or self.shown is None or column in self.shown


async def table_keys(db, table):
    """({column: other table} of the foreign keys, primary key columns): asked of SQLite once per immutable
    database (each question is a trip to the SQL thread)."""
    key = (db.path, "__keys", table)
    if key in _labels_cache:
        return _labels_cache[key]
    found = ({fk["column"]: fk["other_table"] for fk in await db.foreign_keys_for_table(table)},
             await db.primary_keys(table))
    if not db.is_mutable:
        _labels_cache[key] = found
    return found


async def table_page(datasette, database, table, columns, request, lang):
    if not table:
        return None
    db = datasette.get_database(database)
    args = request.args if request else {}
    show_all = bool(args.get("_cols") == "all" or "_col" in args or "_nocol" in args)
    key = (db.path, "__page", table, lang, tuple(columns))
    page = _labels_cache.get(key)
    if page is None:
        fks, pks = await table_keys(db, table)
        fk = {}
        for column, other in fks.items():
            fk[column] = await label_map(datasette, database, other)
        labels = {c: i18n.column_label(table, c, lang) for c in columns}
        shown = i18n.shown_columns(table)
        if shown is not None:
            shown = set(shown) | set(pks)
        page = TablePage(table, lang, columns, labels, shown, fk)
        for column, other in ARRAY_COLUMNS.get(table, {}).items():  # JSON lists of keys: their names, joined
            if column in columns:
                names = await label_map(datasette, database, other)
                page.formats[column] = partial(names_of_list, names)
                page.facet_names[column] = names
        if not db.is_mutable:
            _labels_cache[key] = page
    return page.for_request(show_all)


def _json_list(value):
    import json

    try:
        keys = json.loads(value)
    except ValueError:
        return []
    return keys if isinstance(keys, list) else []


def names_of_list(names, value, get=None):
    import json

    try:
        keys = json.loads(value) if isinstance(value, str) else []
    except ValueError:
        return value
    return "; ".join(names.get(str(k), str(k)) for k in keys) if isinstance(keys, list) else value


def pagination(request, next_token, count, total, lang):
    """(position text, previous-page URL or None, next-page URL or None). Datasette pages by key (`_next`), so
    the previous pages' keys travel along in `_back` and the position in `_pos`."""
    args = request.args
    current = args.get("_next")
    try:
        pos = max(1, min(int(args.get("_pos") or 1), 10 ** 9)) if current else 1
    except ValueError:
        pos = 1
    back = [b for b in (args.get("_back") or "").split("|") if b][:200] if current else []
    size_arg = args.get("_size")
    size = int(size_arg) if size_arg and size_arg.isdigit() and int(size_arg) > 0 else max(count, 1)
    num = partial(vnformat.number, lang=lang)
    known = bool(current is None or args.get("_pos"))
    if count == 0:
        position = f"0 / {num(total)}" if total is not None else "0"
    elif known:
        position = f"{num(pos)}–{num(pos + count - 1)}" + (f" / {num(total)}" if total is not None else "")
    else:
        position = f"{num(count)} {i18n.t('rows', lang)}" + (f" / {num(total)}" if total is not None else "")
    next_url = prev_url = None
    if next_token:
        next_url = path_with_replaced_args(request, {
            "_next": next_token, "_pos": str(pos + count) if known else None,
            "_back": "|".join(back + [current or BACK_MARK])})
    if current and back:
        previous = back[-1]
        prev_url = path_with_replaced_args(request, {
            "_next": None if previous == BACK_MARK else previous,
            "_pos": str(max(1, pos - size)) if known else None, "_back": "|".join(back[:-1]) or None})
    elif current:
        prev_url = path_with_replaced_args(request, {"_next": None, "_pos": None, "_back": None})
    return position, prev_url, next_url


def table_summary(table, filters, search, sort, sort_desc, lang, fk):
    """What the rows are, in words: 'lọc: Loại = đặc khu · sắp xếp theo Mã'."""
    parts = []
    conditions = []
    if filters is not None:
        ops = {key: display for key, display, _ in filters.lookups()}
        for column, lookup, value in filters.selections():
            words = i18n.enum_words(table, column, lang)
            shown = words.get(value) or (fk.get(column) or {}).get(str(value)) or value
            op = i18n.operator(lookup, ops.get(lookup, lookup), lang)
            conditions.append(f"{i18n.column_label(table, column, lang)} {op} {shown}".strip())
    if conditions:
        parts.append(f"{i18n.t('where', lang)}: " + "; ".join(conditions))
    if search:
        parts.append(f"{i18n.t('search_for', lang)}: «{search}»")
    if sort_desc:
        parts.append(f"{i18n.t('sorted_by_desc', lang)} {i18n.column_label(table, sort_desc, lang)}")
    elif sort:
        parts.append(f"{i18n.t('sorted_by', lang)} {i18n.column_label(table, sort, lang)}")
    return " · ".join(parts)


# --- row pages ------------------------------------------------------------------------------------------------
async def portal_row(datasette, database, table, row, columns, request, lang):
    """The row as the row page shows it: fields with labels, values and links; title; provenance; passages."""
    db = datasette.get_database(database)
    t = i18n._spec_table(table)
    values = dict(zip(columns, row))
    get = values.get
    fks, pks = await table_keys(db, table)
    fields = []
    provenance_columns = {"document_id", "locator", "excerpt", "passage_id"} if (t and t.has_provenance) else set()
    not_printed_columns = set(specs.not_printed_columns(table))
    not_printed = []  # inferred values and bases: their own box, never among the printed fields
    for column in columns:
        if column in provenance_columns:
            continue
        value = values[column]
        label = i18n.column_label(table, column, lang)
        html = None
        other = ARRAY_COLUMNS.get(table, {}).get(column)
        if other and isinstance(value, str):  # a JSON list of another table's keys: linked names, "—" when empty
            value = keys = _json_list(value)
            if keys:
                names = await label_map(datasette, database, other)
                html = Markup("; ").join(
                    Markup('<a class="fk" href="{}" title="{}">{}</a>').format(
                        with_lang(datasette.urls.row(database, other, tilde_encode(str(k))), lang), k,
                        names.get(str(k), str(k))) for k in keys)
            else:
                value = None
                html = Markup('<span class="empty">—</span>')
        elif column in fks and value not in (None, ""):
            names = await label_map(datasette, database, fks[column])
            name = names.get(str(value), str(value))
            url = with_lang(datasette.urls.row(database, fks[column], tilde_encode(str(value))), lang)
            html = Markup(f'<a class="fk" href="{escape(url)}" title="{escape(value)}">{escape(name)}</a>')
        else:
            text = value_with_unit(table, column, value, get, lang)
            if text == "" and value in (None, ""):
                html = Markup('<span class="empty">—</span>')
            else:
                html = escape(text)
        field = {"column": column, "label": label, "html": html,
                 "description": i18n.column_description(table, column, lang),
                 "long": isinstance(value, str) and len(value) > LONG_TEXT}
        written_in = i18n.column_language(table, column)
        if written_in != "vi":  # a curator's note in English: data, not translated; labelled and marked as English
            field["lang"] = written_in
            if lang == "vi":
                field["label"] = f"{label} {i18n.t('in_english', lang)}"
        if column not in not_printed_columns:
            fields.append(field)
        elif value not in (None, ""):
            not_printed.append(field)
    title_column = TITLE_COLUMNS.get(table) or (t.portal.get("label_column") if t else None)
    title = values.get(title_column) if title_column else None
    if table not in TITLE_COLUMNS and len(pks) == 1 and title:  # the name as links show it (province if repeated)
        title = (await label_map(datasette, database, table)).get(str(values.get(pks[0])), title)
    key = ", ".join(str(values.get(k)) for k in pks) if pks else ""
    if table == "document_passages" and values.get("seq") is not None:
        title = f"{title or ''} ({i18n.t('passage', lang)} {values['seq']})".strip()
    if title:
        title = str(title)
        if len(title) > 160:
            title = title[:157].rstrip() + "…"
        if table in CODE_TITLES:
            title = f"{title} ({key})"
    else:
        title = f"{i18n.table_title(table, lang)}: {key}"
    out = {"fields": fields, "not_printed": not_printed, "title": title, "table_title": i18n.table_title(table, lang)}
    # A former unit: the ward it is part of now.
    if table == "ward_predecessors" and values.get("ward_code"):
        names = await label_map(datasette, database, "wards")
        code = str(values["ward_code"])
        out["now_part_of"] = {"name": names.get(code, code),
                              "url": with_lang(datasette.urls.row(database, "wards", tilde_encode(code)), lang)}
    if table == "wards" and values.get("code") and await db.table_exists("ward_predecessors"):
        rows = (await db.execute("select former_code, former_name, former_district, former_province, extent "
                                 "from ward_predecessors where ward_code = ? order by former_province, former_district, "
                                 "former_name limit 200", [values["code"]])).rows
        extents = i18n.enum_words("ward_predecessors", "extent", lang)
        out["former_units"] = [{
            "name": r[1], "where": ", ".join(x for x in (r[2], r[3]) if x), "extent": extents.get(r[4], r[4]),
            "url": with_lang(datasette.urls.row(database, "ward_predecessors",
                                                f"{tilde_encode(str(values['code']))},{tilde_encode(str(r[0]))}"), lang)}
            for r in rows]
    if provenance_columns:
        documents = await label_map(datasette, database, "documents")
        doc = values.get("document_id")
        prov = {"document": documents.get(str(doc), doc), "document_id": doc,
                "document_url": datasette.urls.row(database, "documents", tilde_encode(str(doc))) if doc else None,
                "locator": values.get("locator"), "excerpt": values.get("excerpt"), "passage_url": None}
        if values.get("passage_id") and len(pks) == 1:
            prov["passage_url"] = with_lang(
                datasette.urls.row(database, "document_passages", tilde_encode(str(values["passage_id"])))
                + "?_excerpt_of=" + tilde_encode(f"{table}/{values[pks[0]]}") + "#excerpt", lang)
            prov["passage_id"] = values["passage_id"]
        out["provenance"] = prov
    if table == "document_passages":
        out.update(await passage_extras(datasette, database, values, request, lang))
    if table == "documents" and values.get("id"):
        out["passage_whole"] = with_lang(datasette.urls.path(f"/-/documents/{tilde_encode(str(values['id']))}"), lang)
    return out


async def passage_extras(datasette, database, values, request, lang):
    """Previous and next passages of the same document, the whole text, and the excerpt that led here marked."""
    db = datasette.get_database(database)
    out = {}
    seq, doc = values.get("seq"), values.get("document_id")
    if seq is not None and doc:
        rows = (await db.execute("select id, seq from document_passages where document_id = ? and seq in (?, ?)",
                                 [doc, seq - 1, seq + 1])).rows
        for r in rows:
            url = with_lang(datasette.urls.row(database, "document_passages", tilde_encode(r[0])), lang)
            out["passage_prev" if r[1] == seq - 1 else "passage_next"] = url
        out["passage_whole"] = with_lang(datasette.urls.path(f"/-/documents/{tilde_encode(doc)}") + f"#p{seq}", lang)
    source = request.args.get("_excerpt_of") if request else None
    text = values.get("text") or ""
    excerpt = await excerpt_of(datasette, database, source) if source else None
    out["text_html"] = highlight(text, excerpt)
    return out


async def excerpt_of(datasette, database, source):
    """The excerpt of the row `table/key` names (a table with provenance and a one-column key), or None."""
    from datasette.utils import tilde_decode

    try:
        table, _, key = tilde_decode(source[:500]).partition("/")
    except Exception:
        return None
    t = i18n._spec_table(table)
    if t is None or not t.has_provenance or len(t.primary_key) != 1:
        return None
    db = datasette.get_database(database)
    rows = (await db.execute(f"select excerpt from [{table}] where [{t.primary_key[0]}] = ?", [key])).rows
    return rows[0][0] if rows else None


def highlight(text, excerpt):
    """The passage text with the excerpt marked (<mark id="excerpt">), matching any run of white space."""
    if not excerpt:
        return escape(text)
    words = excerpt.split()[:400]
    for n in (len(words), 12, 6):
        if n == 0 or n > len(words):
            continue
        pattern = r"\s+".join(re.escape(w) for w in words[:n])
        match = re.search(pattern, text)
        if match:
            a, b = match.span()
            return Markup(f'{escape(text[:a])}<mark id="excerpt">{escape(text[a:b])}</mark>{escape(text[b:])}')
    return escape(text)


# --- query pages ----------------------------------------------------------------------------------------------
async def portal_query(datasette, database, query_name, columns, rows, request, lang, truncate=400):
    """Inputs and results of a canned (or free) query, for readers: labels, words, formats and links."""
    config = i18n.query_config(query_name) if query_name else {}
    links = dict(config.get("links") or {})
    link_by = config.get("link_by") or {}
    heads, formats = [], []
    for column in columns:
        label = i18n.query_column_label(query_name, column, lang) if query_name else column
        heads.append(Markup(f'<th class="col-{escape(column)}" scope="col" data-column="{escape(column)}" '
                            f'title="{escape(column)}">{escape(label)}</th>'))
        table, col = i18n.query_source(query_name, column) if query_name else (None, column)
        formats.append(formatter(table, col, lang) if table else None)
    body = []
    base = {}
    for table in set(links.values()) | set((link_by.get("cases") or {}).values()):
        base[table] = datasette.urls.table(database, table)
    for row in rows:
        values = dict(zip(columns, row))
        cells = []
        for column, fmt, value in zip(columns, formats, row):
            text = fmt(value, values.get) if fmt else ("" if value is None else str(value))
            if isinstance(value, str) and len(value) < 80 and specs.SEPARATOR in value:
                text = pick(text, lang)  # a label the SQL writes in both languages
            target = links.get(column)
            if link_by and column == link_by.get("column"):
                target = (link_by.get("cases") or {}).get(values.get(link_by.get("switch")))
            cls = ""
            if target and value not in (None, ""):
                url = with_lang(f"{base[target]}/{tilde_encode(str(value))}", lang)
                inner = f'<a href="{escape(url)}">{escape(text)}</a>'
            else:
                inner = str(escape(text)) if text else "&nbsp;"
                if isinstance(value, str) and len(value) > LONG_TEXT:
                    cls = " long"
                    inner = f'<div class="clip">{inner}</div>'
            cells.append(f'<td class="col-{escape(column)}{cls}">{inner}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return {"head": Markup("".join(heads)), "body": Markup("\n".join(body)),
            "mobile_css": mobile_css([i18n.query_column_label(query_name, c, lang) if query_name else c for c in columns])}


def in_spec_order(tables):
    """The database page's tables in the specs' order (the home page's), tables without a spec last."""
    order = {name: i for i, name in enumerate(specs.tables())}
    return sorted(tables, key=lambda t: (order.get(t["name"], len(order)), t["name"]))


def query_inputs(query_name, named_parameter_values, lang):
    out = []
    for name, value in (named_parameter_values or {}).items():
        label, hint = i18n.query_param(query_name, name, lang) if query_name else (name, "")
        out.append({"name": name, "value": value, "label": label, "hint": hint})
    return out


def mobile_css(labels):
    """Datasette's phone layout shows each cell with its column name before it: here the label."""
    rules = []
    for i, label in enumerate(labels, 1):
        text = str(label).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "\\3c ")
        rules.append(f'.rows-and-columns td:nth-of-type({i}):before {{ content: "{text}"; }}')
    return Markup("@media only screen and (max-width: 576px) {\n" + "\n".join(rules) + "\n}")


# --- hooks ----------------------------------------------------------------------------------------------------
def site_metadata(datasette):
    """The portal-level metadata (licence, source) for the footer, read once: it never changes while serving."""
    site = datasette.__dict__.get("_portal_site")
    if site is None:
        meta = datasette.metadata() or {}
        site = datasette.__dict__["_portal_site"] = {k: meta.get(k) for k in ("license", "license_url", "source",
                                                                               "source_url")}
    return site


def query_problem(datasette, name, request, lang):
    """What is wrong with a canned query's typed inputs, in the page's language (None when nothing is); the same
    check answers the page with 400 (plugins/api_contract.py)."""
    if not name or request is None:
        return None
    found = parameter_problem(query_parameters(datasette, name), request.args, missing_too=False,
                              label=lambda param, in_lang: i18n.query_param(name, param, in_lang)[0])
    return found and found[1 if lang == "en" else 0]


@lru_cache(maxsize=4)
def language_helpers(lang):
    """The template functions that depend only on the language, made once per language."""
    return {"lang": lang, "_": partial(i18n.t, lang=lang), "other_lang": "vi" if lang == "en" else "en",
            "pick": partial(pick, lang=lang), "with_lang": partial(with_lang, lang=lang),
            "error_message": partial(i18n.error_message, lang=lang),
            "op_word": lambda key, display: i18n.operator(key, display, lang),
            "vn_number": partial(vnformat.number, lang=lang), "table_title_of": partial(i18n.table_title, lang=lang)}


@hookimpl
def extra_template_vars(template, database, table, columns, view_name, request, datasette):
    lang = i18n.language(request)

    async def template_vars():
        out = dict(language_helpers(lang))
        out.update({"portal_data": portal_data(lang, table, columns),
                    "lang_switch_url": switch_url(request, lang), "build_date": build_date(datasette, lang),
                    "portal_datasette": datasette, "portal_site": site_metadata(datasette),
                    "portal_contact": (datasette.plugin_config("portal") or {}).get("contact")})
        if template.startswith("table") and table and columns is not None:
            page = await table_page(datasette, database, table, columns, request, lang)
            out["portal_table"] = page
            out["column_label"] = lambda c: page.labels.get(c) or i18n.column_label(table, c, lang)
            out["column_help_html"] = lambda: column_help_html(columns, page, lang)
            out["filters_html"] = lambda filters, filter_columns, display_columns, sort, sort_desc, hidden, search, \
                sortable, action: filters_html(filters, filter_columns, display_columns, sort, sort_desc, hidden, search,
                                               sortable, action, page, lang)
            out["portal_table_title"] = i18n.table_title(table, lang)
            out["portal_table_description"] = i18n.table_description(table, lang)
            out["enum_word"] = lambda c, v: i18n.enum_words(table, c, lang).get(v, v)
            out["pagination"] = lambda next_token, count, total: pagination(request, next_token, count, total, lang)
            out["table_summary"] = lambda filters, search, sort, sort_desc: table_summary(
                table, filters, search, sort, sort_desc, lang, page.fk)
            out["hidden_count"] = (len([c for c in columns if not page.visible(c)]))
        if template.startswith("row") and table:
            out["portal_row"] = lambda row, cols: portal_row(datasette, database, table, row, cols, request, lang)
            out["portal_table_title"] = i18n.table_title(table, lang)
            out["table_title_of"] = partial(i18n.table_title, lang=lang)
            out["column_label_of"] = partial(i18n.column_label, lang=lang)
        if template.startswith(("query", "database")):
            out["portal_query"] = lambda name, cols, rows: portal_query(datasette, database, name, cols, rows, request, lang)
            out["query_inputs"] = lambda name, values: query_inputs(name, values, lang)
            out["query_problem"] = lambda name: query_problem(datasette, name, request, lang)
            out["table_title_of"] = partial(i18n.table_title, lang=lang)
            out["in_spec_order"] = in_spec_order
        return out

    return template_vars


@hookimpl
def extra_css_urls(datasette):
    return [{"url": datasette.urls.path("/static/portal.css")}]


@hookimpl
def extra_js_urls(datasette):
    return [{"url": datasette.urls.path("/static/portal.js")}]


def portal_data(lang, table, columns):
    """The words static/portal.js needs (column labels for map popups and table.js's column menu, menu words), as
    a JSON data block that base.html writes (`<script type="application/json" id="portal-data">`). A data block,
    not an inline script: it varies with the page's language, table and columns, so the hash-based script policy
    of plugins/http_policy.py could not list it, and a data block is never run, so the policy need not."""
    return Markup(_portal_data(lang, table, tuple(columns) if table and columns else ()))


@lru_cache(maxsize=256)
def _portal_data(lang, table, columns):
    import json

    data = {"lang": lang, "menu": {k: i18n.word(v, lang) for k, v in i18n.strings()["column_menu"].items()},
            "open": i18n.t("open_text", lang)}
    if table and columns:
        data["labels"] = {c: i18n.column_label(table, c, lang) for c in columns}
    # "<" as \u003c: nothing inside the block can close it or open a comment.
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")


def portal_mobile_css(display_columns, page):
    if page is None:
        return mobile_css([c["name"] for c in display_columns])
    cache = page.__dict__.setdefault("_form_parts", {})
    key = ("mobile", page.show_all, tuple(c["name"] for c in display_columns))
    if key not in cache:
        cache[key] = _mobile_css(display_columns, page)
    return cache[key]


def _mobile_css(display_columns, page):
    return mobile_css([page.labels.get(c["name"]) or ("#" if c["name"] == "Link" else c["name"])
                       for c in display_columns if page.visible(c["name"])])


@hookimpl
def prepare_jinja2_environment(env):
    # Defaults for templates rendered without this plugin's variables (they are overridden per request).
    env.globals["_"] = i18n.t
    env.globals["portal_mobile_css"] = portal_mobile_css
    env.filters["vn_date"] = vnformat.date


def filters_html(filters, filter_columns, display_columns, sort, sort_desc, form_hidden_args, search, is_sortable,
                 action, page, lang):
    """The "Lọc nâng cao" form and the "Giải thích các cột" list of the table page in one Python loop (the
    same form as Datasette's table.html, with labels): in Jinja these loops cost as much as the rows."""
    def label(c):
        return escape(page.labels.get(c) or i18n.column_label(page.table, c, lang))

    lookups = list(filters.lookups())
    cache = page.__dict__.setdefault("_form_parts", {})  # the same for every request of this page
    op_options = cache.setdefault("ops", {})

    def ops(selected):
        if selected not in op_options:
            op_options[selected] = "".join(
                f'<option value="{escape(key)}{"__1" if no_arg else ""}"{" selected" if key == selected else ""}>'
                f'{escape(i18n.operator(key, display, lang))}</option>' for key, display, no_arg in lookups)
        return op_options[selected]

    column_options = cache.get(("columns", tuple(filter_columns)))
    if column_options is None:
        column_options = cache[("columns", tuple(filter_columns))] = {
            c: f'<option value="{escape(c)}">{label(c)}</option>' for c in filter_columns}
    out = [f'<form class="filters" action="{escape(action)}" method="get">']
    if search:
        out.append(f'<input type="hidden" name="_search" value="{escape(search)}">')
    for i, (column, lookup, value) in enumerate(filters.selections(), 1):
        options = "".join(column_options[c].replace("<option ", "<option selected ", 1) if c == column else column_options[c]
                          for c in filter_columns)
        out.append(f'<div class="filter-row"><div class="select-wrapper"><select name="_filter_column_{i}">'
                   f'<option value="">{escape(i18n.t("filter_remove", lang))}</option>{options}</select></div>'
                   f'<div class="select-wrapper filter-op"><select name="_filter_op_{i}">{ops(lookup)}</select></div>'
                   f'<input type="text" name="_filter_value_{i}" class="filter-value" value="{escape(value)}"></div>')
    out.append(f'<div class="filter-row"><div class="select-wrapper"><select name="_filter_column">'
               f'<option value="">{escape(i18n.t("filter_column", lang))}</option>{"".join(column_options.values())}'
               f'</select></div><div class="select-wrapper filter-op"><select name="_filter_op">{ops(None)}</select></div>'
               f'<input type="text" name="_filter_value" class="filter-value"></div><div class="filter-row">')
    if is_sortable:
        sort_by = escape(i18n.t("sort_by", lang))
        options = "".join(
            f'<option value="{escape(c["name"])}"{" selected" if c["name"] in (sort, sort_desc) else ""}>'
            f'{sort_by} {label(c["name"])}</option>' for c in display_columns if c["sortable"])
        out.append(f'<div class="select-wrapper"><select name="_sort" id="sort_by"><option value="">'
                   f'{escape(i18n.t("sort_choose", lang))}</option>{options}</select></div>'
                   f'<label class="sort_by_desc"><input type="checkbox" name="_sort_by_desc"{" checked" if sort_desc else ""}>'
                   f' {escape(i18n.t("descending", lang))}</label>')
    for key, value in form_hidden_args:
        if key not in ("_pos", "_back"):
            out.append(f'<input type="hidden" name="{escape(key)}" value="{escape(value)}">')
    out.append(f'<input type="submit" value="{escape(i18n.t("apply", lang))}"></div></form>')
    return Markup("".join(out))


def column_help_html(columns, page, lang):
    cache = page.__dict__.setdefault("_form_parts", {})
    key = ("help", tuple(columns))
    if key not in cache:
        cache[key] = _column_help_html(columns, page, lang)
    return cache[key]


def _column_help_html(columns, page, lang):
    identifier = escape(i18n.t("column_identifier", lang))
    return Markup("".join(
        f'<dt>{escape(page.labels.get(c) or c)} <code title="{identifier}">{escape(c)}</code></dt>'
        f'<dd>{escape(page.descriptions.get(c) or "")}</dd>' for c in columns))
