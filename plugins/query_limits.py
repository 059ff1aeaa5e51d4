"""Resource limits on every query the portal runs (ad-hoc SQL, _where, canned queries, facets, search).

Why our own code: Datasette 0.65's only guard is a progress handler that looks at the clock every 1,000
SQLite VM instructions, and a single instruction may run for minutes (`randomblob(1e9)`, `printf('%.*c',
1e9, 'x')`, `replace` on huge strings, our Python `vn_fold`) or take gigabytes. No maintained plugin sets
SQLite's own limits, so this one does, on every connection to the catalog (not Datasette's _internal
database, which must write):

- SQLite's limits (Connection.setlimit): no string or blob over LENGTH_LIMIT bytes (the largest cell of
  the catalog is 4 kB), short SQL, few columns, shallow expressions, small LIKE/GLOB patterns, no ATTACH.
  Every built-in function is then bounded per call, so the progress handler fires within milliseconds of
  the time limit.
- Memory: `pragma hard_heap_limit` (process-wide: SQLite fails a query with "out of memory" rather than
  take the process past it) and `temp_store = memory`, so sorts and recursive CTEs count towards it and
  never write temporary files.
- printf()/format() replaced by a checked version: SQLite's printf loops a billion times for a width of a
  billion even when its output is refused, and no limit stops that. Widths and precisions over
  PRINTF_MAX_WIDTH are refused; the rest is computed by SQLite's own printf on a private connection.
- An authorizer: reading is all a public catalog needs. It allows SELECT, reading tables, recursive CTEs,
  functions except FUNCTIONS_DENIED (fts3_tokenizer leaks a library address and, with two arguments,
  registers a tokenizer) and the read-only pragmas Datasette asks; it denies everything else (writes,
  ATTACH, pragmas that set, temporary tables).
"""
import re
import sqlite3
import threading

from datasette import hookimpl

LENGTH_LIMIT = 64 * 1024            # bytes in one string or blob (largest cell in the catalog: ~4 kB)
HEAP_LIMIT = 256 * 1024 * 1024      # bytes SQLite may hold at once in this process (hard_heap_limit)
SOFT_HEAP_LIMIT = 128 * 1024 * 1024  # above this SQLite frees cache first
PRINTF_MAX_WIDTH = 1000
LIMITS = {
    sqlite3.SQLITE_LIMIT_LENGTH: LENGTH_LIMIT,
    sqlite3.SQLITE_LIMIT_SQL_LENGTH: 100_000,
    sqlite3.SQLITE_LIMIT_COLUMN: 100,
    sqlite3.SQLITE_LIMIT_EXPR_DEPTH: 200,
    sqlite3.SQLITE_LIMIT_COMPOUND_SELECT: 50,
    sqlite3.SQLITE_LIMIT_VDBE_OP: 250_000,
    sqlite3.SQLITE_LIMIT_FUNCTION_ARG: 100,
    sqlite3.SQLITE_LIMIT_ATTACHED: 0,
    sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH: 1000,
    sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER: 10_000,
}
FUNCTIONS_DENIED = {"fts3_tokenizer", "load_extension", "readfile", "writefile", "edit", "fts5_decode",
                    "fts5_decode_none", "sqlite_dbpage"}
# Pragmas Datasette and our plugins read (schema, versions); without an argument they only report.
PRAGMAS_ALLOWED = {"table_info", "table_xinfo", "index_list", "index_info", "index_xinfo", "foreign_key_list",
                   "compile_options", "database_list", "function_list", "module_list", "pragma_list",
                   "collation_list", "schema_version", "user_version", "data_version", "page_count",
                   "page_size", "freelist_count", "encoding", "journal_mode", "application_id"}
ALLOWED_ACTIONS = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_RECURSIVE}
PRAGMA_ALLOWS_ARGUMENT = {"table_info", "table_xinfo", "index_list", "index_info", "index_xinfo",
                          "foreign_key_list"}


def authorize(action, arg1, arg2, db_name, source):
    if action in ALLOWED_ACTIONS:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_UPDATE and arg1 == "sqlite_master":
        # FTS5's constructor declares its table this way on every connection; the file is opened
        # read-only and immutable, so nothing is written.
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_FUNCTION:
        return sqlite3.SQLITE_DENY if (arg2 or "").lower() in FUNCTIONS_DENIED else sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA:
        name = (arg1 or "").lower()
        if name in PRAGMAS_ALLOWED and (arg2 is None or name in PRAGMA_ALLOWS_ARGUMENT):
            return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


_SPEC = re.compile(r"%([-+ 0#,!]*)(\*|\d+)?(?:\.(\*|\d+))?(l{0,2})([a-zA-Z%])")
_private = threading.local()


def _printf_connection():
    conn = getattr(_private, "conn", None)
    if conn is None:
        conn = _private.conn = sqlite3.connect(":memory:")
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, LENGTH_LIMIT)
    return conn


def checked_printf(fmt, *args):
    """SQLite's printf(), refusing widths and precisions SQLite would loop over for too long."""
    if fmt is None:
        return None
    position = 0
    for spec in _SPEC.finditer(str(fmt)):
        for size in (spec.group(2), spec.group(3)):
            if size == "*":
                value = args[position] if position < len(args) else 0
                position += 1
                try:
                    size = abs(int(value or 0))
                except (TypeError, ValueError):
                    size = 0
            if size is not None and int(size) > PRINTF_MAX_WIDTH:
                raise ValueError(f"printf width or precision over {PRINTF_MAX_WIDTH}")
        if spec.group(5) != "%":
            position += 1
    marks = ", ".join("?" * (len(args) + 1))
    return _printf_connection().execute(f"select printf({marks})", (fmt, *args)).fetchone()[0]


_heap_set = False


@hookimpl
def prepare_connection(conn, database, datasette=None):
    global _heap_set
    # Datasette's own connections are left alone: _internal (its schema tables, which it writes) and the
    # throw-away in-memory one /-/versions opens to probe FTS support. Every served database is limited.
    if database == "_internal" or (datasette is not None and database not in datasette.databases):
        return
    if not _heap_set:  # process-wide settings; once is enough
        conn.execute(f"pragma hard_heap_limit = {HEAP_LIMIT}")
        conn.execute(f"pragma soft_heap_limit = {SOFT_HEAP_LIMIT}")
        _heap_set = True
    conn.execute("pragma temp_store = memory")
    for limit, value in LIMITS.items():
        conn.setlimit(limit, value)
    conn.create_function("printf", -1, checked_printf, deterministic=True)
    conn.create_function("format", -1, checked_printf, deterministic=True)
    conn.set_authorizer(authorize)
