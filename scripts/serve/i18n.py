"""The portal's two languages: Vietnamese by default, English with `?_lang=en`. One place for the interface words
(scripts/serve/i18n.yml) and for choosing the language of a request; table titles, column labels and the words of
enumerated values come from the table specs (scripts/spec.py).

Why the URL and not a cookie: pages under the content-hashed database URLs are cached for a year by proxies and
CDNs (scripts/serve/asgi.py); a page whose language depended on a cookie would be served in the wrong language from the
cache. `_lang` starts with an underscore, so Datasette ignores it as a filter and carries it through its own links
(facets, sorting, next page); static/portal.js adds it to the portal's other links on English pages."""
import re
from functools import lru_cache
from pathlib import Path

import yaml

from scripts import spec

LANGS = ("vi", "en")
DEFAULT = "vi"
PARAM = "_lang"
STRINGS_PATH = Path(__file__).resolve().with_name("i18n.yml")


@lru_cache(maxsize=1)
def strings() -> dict:
    return yaml.safe_load(STRINGS_PATH.read_text(encoding="utf-8"))


def language(request) -> str:
    """'en' when the URL says `_lang=en`, else 'vi'."""
    if request is None:
        return DEFAULT
    value = request.args.get(PARAM)
    return value if value in LANGS else DEFAULT


def word(entry, lang):
    if entry is None:
        return None
    if isinstance(entry, str):
        return entry
    return entry.get(lang) or entry.get(DEFAULT)


def t(key, lang=DEFAULT):
    """An interface word; an unknown key is returned as it is (and a test lists every key used)."""
    return word(strings()["ui"].get(key), lang) or key


def operator(key, fallback, lang=DEFAULT):
    return word(strings()["operators"].get(key), lang) or fallback


def error_message(message, lang=DEFAULT):
    """A Datasette error message in the page's language: known starts are translated, the rest (SQLite's own
    words, a table name) is kept after them. A start holding `{}` is a pattern: what stands at each `{}` in the
    message (a column name, a number) is put at the translation's `{}`, in order."""
    text = str(message or "")
    for start, entry, pattern in _error_entries():
        if pattern is None:
            if text.startswith(start):
                return word(entry, lang) + text[len(start):]
        else:
            found = pattern.match(text)
            if found:
                words = word(entry, lang)
                for value in found.groups():  # each {} of the translation takes its value, in order
                    words = words.replace("{}", value, 1)
                return words + text[found.end():]
    return text


def bilingual_error(message, status=400):
    """"Vietnamese · English" for an error message of Datasette's or SQLite's own (the shape of the project's own
    messages, scripts/serve/errors.message()); one whose start is not in i18n.yml `errors` is given the status's
    Vietnamese heading before it, so the Vietnamese part is never missing."""
    text = str(message or "")
    vi, en = error_message(text, "vi"), error_message(text, "en")
    if vi == text:
        vi = f"{t(f'error_{status}' if status in (400, 403, 404) else 'error_400')}: {text}"
    return f"{vi} · {en}"


@lru_cache(maxsize=1)
def _error_entries():
    """(start, words, pattern or None) of i18n.yml `errors`; a `{}` at the end of a start takes the rest of the message."""
    def pattern(start):
        escaped = re.escape(start).replace(r"\{\}", "(.+?)")
        return re.compile(escaped[:-5] + "(.+)" if start.endswith("{}") else escaped, re.S)
    return [(start, entry, pattern(start) if "{}" in start else None) for start, entry in strings()["errors"].items()]


def _spec_table(table):
    try:
        return spec.table(table)
    except KeyError:
        return None


def column_label(table, column, lang=DEFAULT):
    f = field(table, column)
    return (spec.in_language(f.get("title"), lang) if f else None) or column


def column_language(table, column):
    """The language a column's free text is written in ('vi' unless its spec says `language:`)."""
    return field(table, column).get("language") or DEFAULT


def column_description(table, column, lang=DEFAULT):
    f = field(table, column)
    return spec.in_language(f.get("description"), lang) if f else None


def table_title(table, lang=DEFAULT):
    t_ = _spec_table(table)
    return (t_.text("title", lang) if t_ else None) or table


def table_description(table, lang=DEFAULT):
    t_ = _spec_table(table)
    return t_.text("description", lang) if t_ else None


@lru_cache(maxsize=256)
def enum_words(table, column, lang=DEFAULT) -> dict:
    """{stored value: words} for a column with categories ({} otherwise)."""
    out = {}
    for c in field(table, column).get("categories") or []:
        if isinstance(c, dict) and c.get("label"):
            out[c["value"]] = spec.in_language(c["label"], lang)
    return out


def field(table, column) -> dict:
    t_ = _spec_table(table)
    return (t_.by_name.get(column) if t_ else None) or {}


def shown_columns(table) -> list | None:
    """The columns a table page shows by default, or None for all of them (tables without a spec)."""
    t_ = _spec_table(table)
    return list(t_.portal["shown"]) if t_ and t_.portal.get("shown") else None


# --- canned queries -----------------------------------------------------------------------------------------
def query_config(name) -> dict:
    return (strings().get("queries") or {}).get(name) or {}


def query_source(name, column):
    """(table, column) a canned query's result column comes from, for its label, words and format."""
    config = query_config(name)
    source = (config.get("sources") or {}).get(column)
    if source:
        table, _, col = source.partition(".")
        return table, col
    table = config.get("table")
    if table and field(table, column):
        return table, column
    for t_ in spec.tables().values():  # a column named as in some table: that table's label, words, format
        if column in t_.by_name:
            return t_.name, column
    return None, column


def query_column_label(name, column, lang=DEFAULT):
    own = (query_config(name).get("columns") or {}).get(column) or (strings().get("query_columns") or {}).get(column)
    if own:
        return word(own, lang)
    table, col = query_source(name, column)  # query_source() already falls back to any table with the column
    return column_label(table, col, lang) if table else column


def query_param(name, param, lang=DEFAULT):
    """(label, hint) of a canned query's input."""
    entry = (query_config(name).get("params") or {}).get(param) or {}
    return word(entry, lang) or param, entry.get(f"hint_{lang}") or entry.get(f"hint_{DEFAULT}") or ""
