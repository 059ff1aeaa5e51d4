"""SQLite's own strict UTF-8 decoding of text values, instead of the Python callable Datasette 0.65 installs
(`lambda x: str(x, "utf-8", "replace")`), which SQLite calls once per text value: 14% of a loaded replica's time
on plan_tasks.json (BENCHMARKS.md, "Where the time goes"). A public hook (prepare_connection runs after
Datasette's own set-up of each connection), so it needs no version check.

The catalog's text is valid UTF-8 by construction (the build writes Python strings), so every page is the same;
only a query that manufactures invalid bytes as text, such as `select cast(x'ff' as text)`, answers 400 "Could
not decode to UTF-8" instead of showing U+FFFD."""
from datasette import hookimpl


@hookimpl
def prepare_connection(conn):
    conn.text_factory = str
