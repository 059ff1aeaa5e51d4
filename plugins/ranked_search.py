"""/-/search: one ranked search over every table with text, results grouped by table (HTML and .json).

Datasette's own ?_search= filters but does not rank. Here each table's FTS index is queried with the words
as typed (unicode61 strips tone marks; the folded columns catch "dong thap", "Dong Thap" and the OCR's
"Pong Thap"), ordered by bm25 with the original-text columns weighted above the folded ones, and then rows
that contain the exact spelling the user typed (tone marks included) come first. A "quoted phrase" is
searched as a phrase.
"""
import re
import urllib.parse
import sys
import unicodedata
from pathlib import Path

from datasette import hookimpl
from datasette.utils import path_from_row_pks
from datasette.utils.asgi import Response

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project's scripts package
from scripts.portal import DATABASE_NAME as DATABASE  # noqa: E402
from scripts.search_index import bm25_weights  # noqa: E402
from scripts.spec import searchable  # noqa: E402
PER_TABLE = 20
CANDIDATES = 200
_TERM = re.compile(r'"([^"]*)"|(\S+)')
_WORD = re.compile(r"\w+")


def parse_query(q: str):
    """(fts5 MATCH expression, exact terms): quoted text is one phrase, other words are ANDed."""
    q = unicodedata.normalize("NFC", q or "")
    parts, exact = [], []
    for phrase, word in _TERM.findall(q):
        words = _WORD.findall(phrase or word)
        if words:
            parts.append('"' + " ".join(words) + '"')
            exact.append(" ".join(words).lower())
    return " ".join(parts), exact


def exact_hits(text: str, terms) -> int:
    """How many of the typed terms occur with exactly that spelling (case aside) as whole words."""
    words = " " + " ".join(_WORD.findall(unicodedata.normalize("NFC", text).lower())) + " "
    return sum(f" {term} " in words for term in terms)


async def search_table(db, table, columns, match, terms, limit=PER_TABLE):
    pks = await db.primary_keys(table)
    weights = ", ".join(str(w) for w in bm25_weights(columns))
    selected = ", ".join(f"t.[{c}]" for c in dict.fromkeys(columns + pks))
    rows = (await db.execute(
        f"select t.rowid as rowid, {selected}, bm25([{table}_fts], {weights}) as rank from [{table}_fts] f"
        f" join [{table}] t on t.rowid = f.rowid where [{table}_fts] match :q order by rank limit {CANDIDATES}",
        {"q": match})).rows
    count = (await db.execute(f"select count(*) from [{table}_fts] where [{table}_fts] match :q", {"q": match})).rows[0][0]
    scored = []
    for row in rows:
        text = " ".join(str(row[c] or "") for c in columns)
        scored.append((-exact_hits(text, terms), row["rank"], row))
    scored.sort(key=lambda s: (s[0], s[1]))
    return count, [
        {"pk": path_from_row_pks(row, pks, not pks), "title": row[columns[0]], "exact": -hits, "rank": rank,
         "row": {c: row[c] for c in dict.fromkeys(pks + columns)}}
        for hits, rank, row in scored[:limit]
    ]


async def search_all(datasette, q):
    match, terms = parse_query(q)
    results = {}
    if not match:
        return match, results
    db = datasette.get_database(DATABASE)
    for table, columns in searchable().items():
        count, rows = await search_table(db, table, columns, match, terms)
        if count:
            for r in rows:
                r["url"] = datasette.urls.row(DATABASE, table, r["pk"])
            results[table] = {"count": count, "rows": rows,
                              "search_url": datasette.urls.table(DATABASE, table) + "?" +
                              urllib.parse.urlencode({"_search": q})}
    return match, results


async def search_view(datasette, request):
    q = request.args.get("q", "")
    try:
        match, results = await search_all(datasette, q)
    except Exception as e:  # an FTS syntax error in a hand-written query is the user's, not the server's
        return Response.json({"ok": False, "error": f"search failed: {e}"}, status=400)
    if request.url_vars.get("format") == "json":
        return Response.json({"ok": True, "q": q, "match": match, "results": results})
    meta = datasette.metadata(database=DATABASE) or {}
    titles = {t: (meta.get("tables", {}).get(t, {}).get("title") or t) for t in results}
    return Response.html(await datasette.render_template(
        "search.html", {"q": q, "results": results, "titles": titles}, request=request))


@hookimpl
def register_routes():
    return [(r"^/-/search(\.(?P<format>json))?$", search_view)]
