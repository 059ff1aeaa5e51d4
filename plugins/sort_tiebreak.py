"""Sorted paging that never loses or repeats a row: the primary key as tie-breaker on the first page too.

Datasette 0.65.5 orders the first page of a sorted table by the sort column alone (`order by due_year limit 101`)
but every following page, reached with `_next`, by the sort column and then the primary key (`order by due_year,
id`), continuing after the last row's (value, key). Among rows with the same value SQLite may return the first
page in any order (index or rowid order), so rows at the page boundary were repeated or skipped: 93 of 356
table × column × direction cases here, and on plain Datasette. The fix is what the later pages already do: this
module appends the table's primary key (or rowid) to a table page's single-column ORDER BY, so every page uses
the same total order. tests/test_downloads.py pages through every table, sortable column and direction.

Datasette has no hook for a table page's SQL, so this is the one place that reaches into its internals: it wraps
`Database.execute` and rewrites only the exact statement the table view builds (`select … from <table>
[where …] order by <column>[ desc] limit <n>`), and only on the Datasette version it was written for
(SUPPORTED); on any other version it changes nothing and says so on stderr, and the paging test fails.
"""
import functools
import re
import sys

import datasette
from datasette.database import Database

SUPPORTED = {"0.65.5"}
IDENT = r'(?:[A-Za-z_][A-Za-z0-9_]*|\[[^\]]+\]|"(?:[^"]|"")+")'
TABLE_PAGE_SQL = re.compile(
    rf"^(?P<head>select .*? from (?P<table>{IDENT}) (?:where .* )?order by (?P<column>{IDENT})(?: desc)?)"
    rf"(?P<tail> limit [0-9]+(?: offset [0-9]+)?)$", re.DOTALL)


def unescape(ident):
    if ident.startswith("["):
        return ident[1:-1]
    if ident.startswith('"'):
        return ident[1:-1].replace('""', '"')
    return ident


def quoted(name):
    return '"{}"'.format(name.replace('"', '""'))


async def with_tiebreak(db, sql):
    match = TABLE_PAGE_SQL.match(sql)
    if not match:
        return sql
    table = unescape(match["table"])
    if not await db.table_exists(table):
        return sql  # a view (no key to break ties with) or not the table view's statement
    keys = await db.primary_keys(table) or ["rowid"]
    if keys == [unescape(match["column"])]:
        return sql
    return match["head"] + "".join(f", {quoted(k)}" for k in keys) + match["tail"]


def install():
    original = Database.execute
    if getattr(original, "_catalog_tiebreak", False):
        return

    @functools.wraps(original)
    async def execute(self, sql, *args, **kwargs):
        if kwargs.get("truncate") and isinstance(sql, str) and " order by " in sql:
            sql = await with_tiebreak(self, sql)
        return await original(self, sql, *args, **kwargs)

    execute._catalog_tiebreak = True
    Database.execute = execute


if datasette.__version__ in SUPPORTED:
    install()
else:
    print(f"sort_tiebreak: written for Datasette {', '.join(sorted(SUPPORTED))}, not {datasette.__version__}; "
          "sorted paging is not patched", file=sys.stderr)
