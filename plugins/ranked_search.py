"""/-/search and /-/search.json: one search box that answers — one ranked list over every table, curated answers
(projects, tasks, indicators, agencies, decisions, wards and former units, documents) above the raw passages of
the documents, which follow in their own group "Trong văn bản gốc".

Datasette's own ?_search= filters one table and does not rank across tables, correct typos or read
abbreviations, so the portal has its own view. The reading of the query (stop words, abbreviations, symbols,
money) is scripts/search/query.py; typo correction scripts/search/typos.py; highlighting
scripts/search/snippets.py; the context beside each result scripts/search/context.py. This module runs the
steps and ranks; the names shown to people that the table specs do not hold are in scripts/serve/i18n.yml
`search` (Vietnamese by default, English with ?_lang=en, on the page and in the JSON).

Steps, each tried only when the previous found no curated row (what a step finds in the documents is kept):
  1. all words (stop words such as "bao nhiêu", "ở đâu", "của" dropped when other words remain);
  2. most words: all but one (ranked by how many were found);
  3. prefixes: "giam s" finds "giám sát";
  4. typos: words found in no title or name are replaced by the nearest word of the vocabulary built at build
     time (rapidfuzz edit distance, neighbouring words preferred: "giam xat" → "giám sát"), and the page says
     "Có phải bạn muốn tìm: …". When a typed word is in no title or name and has such a correction, step 4
     is tried before step 2, since dropping the misspelt word would only search the rest.
Ranking inside the curated list: earlier step; a title that is the query (near-exact: with or without the unit
type, the province or an abbreviation); a title holding the words in the order typed (or the amount of money
asked for); the kind of row asked for ("dự án", "nhiệm vụ", "tiền" …); how many words the row holds; the longest
run of typed words in its title; the words together in the row; how many in the title; how much of the title
they are; stop words present; the exact spelling typed (tone marks included); bm25 (original text above folded).

Every query is bounded: candidates per table and step are capped (CANDIDATES), FTS hit lists are cut at
HITS_CAP before ranking, the whole search runs on one connection under Datasette's sql_time_limit_ms.
"""
import math
import re
import unicodedata
import urllib.parse
from functools import lru_cache

from datasette import hookimpl
from datasette.utils import PrefixedUrlString, sqlite_timelimit, tilde_encode
from datasette.utils.asgi import BadRequest, Response
from markupsafe import Markup

from scripts import spec
from scripts.load.search_index import bm25_weights
from scripts.project import DATABASE_NAME as DATABASE
from scripts.search import query as sq
from scripts.search.context import context_items, fetch_context
from scripts.search.snippets import highlight, marked_count
from scripts.search.typos import correct, spelled, vocabulary, vocabulary_key
from scripts.serve import i18n

# ---------------------------------------------------------------------------------------------------------------
# Names shown to people, in the page's language. What the table specs already say comes from them
# (scripts/spec.py): a result's kind where the table's title names one row (agencies "Cơ quan"), the label of a
# context item that is a column of the result's table (issued_on, issuer, value …), the words for an indicator's
# kind. The words the specs do not hold (the one-row kind of tables whose title names the collection, the labels
# of context items the search computes from other tables: province, owner, lead, "Nay thuộc" …, the name of the
# documents' group) are interface words: scripts/serve/i18n.yml `search`.
CONTEXT_COLUMNS = {"indicator_kind": "kind"}  # context fields named otherwise than the column they show


# The specs and i18n.yml do not change while a process runs (a test may point CATALOG_SOURCES at other specs: the
# folder read is part of every key), so the names below are worked out once per process, not per result.
def kind(table, lang="vi"):
    return _kind(spec.sources_root(), table, lang)


@lru_cache(maxsize=256)
def _kind(root, table, lang):
    return i18n.word(i18n.strings()["search"]["kinds"].get(table), lang) or spec.table_title(table, lang, root)


def label(table, field, lang="vi"):
    """The label of a context item: i18n.yml `search.labels`, else the spec's label of the column it shows."""
    return _label(spec.sources_root(), table, field, lang)


@lru_cache(maxsize=1024)
def _label(root, table, field, lang):
    return (i18n.word(i18n.strings()["search"]["labels"].get(field), lang)
            or spec.column_label(table, CONTEXT_COLUMNS.get(field, field), lang, root))


def passages_group(lang="vi"):
    return i18n.word(i18n.strings()["search"]["passages_group"], lang)


def indicator_kinds(lang="vi"):
    """{kind: its words}; the same dict for every request (read, never changed, by context_items())."""
    return _indicator_kinds(spec.sources_root(), lang)


@lru_cache(maxsize=16)
def _indicator_kinds(root, lang):
    return {v: spec.enum_label("indicators", "kind", v, lang, root)
            for v in spec.table("indicators", root).categories("kind")}
# ---------------------------------------------------------------------------------------------------------------

PASSAGES = "document_passages"
NUMBER = re.compile(r"\d+")
# The curated tables in the order that breaks ties in ranking; a table a spec makes searchable (portal.search)
# and not named here follows them (ranked_tables()), shown by its label column (display()).
RANKING_ORDER = ["capital_projects", "plan_tasks", "indicators", "agencies", "decisions", "wards", "ward_predecessors",
                 "documents", "project_components"]
CANDIDATES = 15  # best rows per table and step
HITS_CAP = 200  # FTS hits ranked by bm25 per table and step (a bound for words found in most rows at national scale)
PASSAGE_HITS = 60  # passages read per step, in reading order, ranked by score_rows()
SHOW_CURATED, SHOW_PASSAGES = 20, 10
MAX_QUERY = 200  # characters of the query that are read

# What a row is shown by: display title (SQL), the columns whose words make "the title" for ranking, the
# columns a snippet is cut from.
DISPLAY = {
    "capital_projects": ("t.name", ["name"], ["status_note", "excerpt"]),
    "plan_tasks": ("t.task", ["task"], ["group_path", "excerpt"]),
    "indicators": ("t.indicator", ["indicator"], ["pillar", "population", "excerpt"]),
    "agencies": ("t.name", ["name", "short_name"], ["aliases"]),
    "decisions": ("t.kind || ' ' || t.symbol", ["symbol"], ["subject", "excerpt"]),
    "wards": ("t.name", ["name", "short_name"], []),
    "ward_predecessors": ("t.former_name", ["former_name"], []),
    "documents": ("t.type || ' ' || t.symbol", ["title", "symbol"], ["title"]),
    "project_components": ("t.name", ["name"], ["objective", "scale"]),
    "document_passages": ("coalesce(nullif(t.heading_path, ''), (select title from documents where id = "
                          "t.document_id))", ["heading_path"], ["text"]),
}


def display(table, root=None):
    """DISPLAY's entry, or for a table only its spec knows: its label column (else first search column) as the
    title, the other search columns as the snippet's source."""
    if table in DISPLAY:
        return DISPLAY[table]
    return _display(root or spec.sources_root(), table)


@lru_cache(maxsize=64)
def _display(root, table):
    columns = spec.searchable(root)[table]
    title = spec.table(table, root).portal.get("label_column") or columns[0]
    return (f"t.[{title}]", [title], [c for c in columns if c != title])


def ranked_tables():
    """The curated tables then the passages: the order of the steps' queries and the tie-break of ranking."""
    return _ranked_tables(spec.sources_root())


@lru_cache(maxsize=8)
def _ranked_tables(root):
    searchable = [t for t in spec.searchable(root) if t != PASSAGES]
    tables = [t for t in RANKING_ORDER if t in searchable] + [t for t in searchable if t not in RANKING_ORDER]
    tables.append(PASSAGES)
    return tuple(tables), {t: i for i, t in enumerate(tables)}
# --- retrieval and ranking -------------------------------------------------------------------------------------

def candidates(conn, table, match, limit):
    """The rows of `table` matching `match`, with what ranking and display need (their primary key too, as
    PK_PREFIX + column, so result() needs no query per row). Curated tables: the best `limit` by bm25 among the
    first HITS_CAP hits. Passages: the first PASSAGE_HITS hits in reading order, unranked (bm25 first counts
    every row holding each phrase, which at national scale is most of the time of a search); score_rows()
    ranks them."""
    sql = _candidates_sql(spec.sources_root(), table, int(limit), tuple(primary_keys(table)))
    cursor = conn.execute(sql, {"q": match})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


PK_PREFIX = "__pk_"  # the names of the primary key's columns in a candidate row (no column name starts so)


@lru_cache(maxsize=64)
def _candidates_sql(root, table, limit, pks):
    """candidates()'s SQL: the same text for every request (the spec and the schema do not change), so it is
    written once and SQLite's statement cache of the connection prepares it once."""
    fts = f"{table}_fts"
    weights = ", ".join(str(w) for w in bm25_weights(spec.searchable(root)[table]))
    title_sql, title_columns, snippet_columns = display(table)
    columns = list(dict.fromkeys(spec.searchable(root)[table] + title_columns + snippet_columns))
    if table == PASSAGES:
        hits = f"select rowid, 0 as rank from [{fts}] where [{fts}] match :q limit {PASSAGE_HITS}"
    else:
        hits = (f"select rowid, rank from (select rowid, bm25([{fts}], {weights}) as rank from [{fts}]"
                f" where [{fts}] match :q limit {HITS_CAP}) order by rank limit {int(limit)}")
    # The hits are found in a subquery that reads no text; only the rows kept are read.
    sql = (f"select t.rowid as rowid, h.rank as rank, (select folded from [{fts}] f where f.rowid = h.rowid)"
           f" as folded, {title_sql} as display_title, " + ", ".join(f"t.[{c}] as [{c}]" for c in columns) +
           "".join(f", t.[{k}] as [{PK_PREFIX}{k}]" for k in pks) +
           f" from ({hits}) h join [{table}] t on t.rowid = h.rowid order by h.rank")
    return sql


def exact_spelling(text, typed_words):
    """How many of the words typed (with their tone marks) occur spelled exactly so, case aside."""
    if not typed_words:
        return 0
    words = _spelled_words(text)
    return sum(f" {w} " in words for w in typed_words)


@lru_cache(maxsize=4096)  # pure function of a row's text, which repeats from search to search
def _spelled_words(text):
    return " " + " ".join(re.findall(r"\w+", unicodedata.normalize("NFC", text).lower())) + " "


@lru_cache(maxsize=8192)  # pure function of a row's text
def _numbers(text):
    return " ".join(NUMBER.findall(text))


def _needles(term, prefix):
    """What sq.found(term, text, prefix) looks for: " word " in the text, or " word" when it may be a prefix
    (which " word " implies), so found() is any(needle in text)."""
    if prefix and term.prefixable:
        return tuple(f" {w}" for w in term.words)
    return tuple(f" {w} " for w in term.words)


def _count(needles, text):
    """How many terms (their needles) the text holds: sum(sq.found(t, text, prefix) for t in terms)."""
    n = 0
    for alternatives in needles:
        for needle in alternatives:
            if needle in text:
                n += 1
                break
    return n


def step_patterns(terms, prefix):
    """What score_rows() looks for, from the terms of one step alone: worked out once per step, not per table."""
    needed = sq.required(terms)
    optional = [t for t in terms if t.optional and t not in needed]
    exact = sq.title_patterns(terms)
    return {
        # one regex for "any of the title patterns matches" (an alternation matches where one of its parts does)
        "exact": re.compile("|".join(f"(?:{p.pattern})" for p in exact)) if exact else None,
        "money": [f" {a} " for t in terms for a in t.alternatives if a.startswith("vnd")],
        "phrase": sq.phrase_pattern(needed) if len(needed) > 1 else None,
        "runs": sq.run_patterns(needed),
        "needed": [_needles(t, prefix) for t in needed],
        "optional": [_needles(t, prefix) for t in optional],
        "terms": [_needles(t, prefix) for t in terms],
    }


def score_rows(table, rows, terms, step, prefix, kind_hint, typed_words, patterns=None):
    """The ranking key of each row (see the module docstring). What depends only on the terms is worked out
    first (step_patterns(), passed by the caller for every table of a step); a test that cannot succeed is
    skipped (a phrase or run of the typed words can only be found where each of its words is found, which the
    counts say)."""
    title_cols, body_cols = display(table)[1], spec.searchable()[table]
    spelled_cols = list(dict.fromkeys(title_cols + body_cols))
    single_title, title_col = len(title_cols) == 1, title_cols[0]
    patterns = patterns or step_patterns(terms, prefix)
    exact_pattern, money, phrase, runs = patterns["exact"], patterns["money"], patterns["phrase"], patterns["runs"]
    needed_n, optional_n, terms_n = patterns["needed"], patterns["optional"], patterns["terms"]
    order = ranked_tables()[1][table]
    n_needed, n_optional, n_terms = len(needed_n), len(optional_n), len(terms_n)
    index_words = sq.index_words
    scored = []
    for row in rows:
        if single_title:
            value = row[title_col]
            words = {title_col: index_words(value)} if value else {}
        else:
            words = {c: index_words(row[c]) for c in title_cols if row[c]}
        folded = " " + (row["folded"] or "") + " "
        # The index's folded text holds every word of the row (numbers aside: the OCR folding reads 0 and 6
        # as letters); the row's own words are folded only when that is not enough.
        digits = _numbers(" ".join([str(v) for c in body_cols if (v := row[c])]))
        haystack = folded + digits + " " + " ".join(words.values())
        body = None
        if _count(terms_n, haystack) == n_terms:  # every term found: so every needed and optional one
            row_found, optional_found = n_needed, n_optional
        else:
            body = " ".join([index_words(v) for c in body_cols if (v := row[c])])
            haystack += body
            row_found = _count(needed_n, haystack)
            optional_found = _count(optional_n, haystack)
        title_hay = words.get(title_col, "") if single_title else " ".join(words.get(c, "") for c in title_cols)
        title_found = _count(needed_n, title_hay)
        exact = bool(exact_pattern) and any(exact_pattern.match(w) for w in words.values())
        # the words typed, in the order typed, in the title (or the exact amount asked for)
        title_phrase = (bool(phrase and title_found == n_needed and phrase.search(title_hay))
                        or any(m in haystack for m in money))
        row_phrase = bool(phrase and row_found == n_needed
                          and (phrase.search(folded) or (body and phrase.search(body))))
        title_run = next((n for n, p in runs if n <= title_found and p.search(title_hay)), 0) if title_found > 1 else 0
        first_title = words.get(title_cols[0], " ")
        first_found = title_found if single_title and title_hay else _count(needed_n, first_title)
        density = first_found / max(1, first_title.count(" ") - 1)
        spelled = (exact_spelling(" ".join(str(row[c] or "") for c in spelled_cols), typed_words)
                   if typed_words else 0)
        key = (step, not exact, not title_phrase, table != kind_hint, -row_found, -title_run, not row_phrase,
               -title_found,
               -round(density, 1), -optional_found, -spelled, -density, order, row["rank"])
        scored.append((key, table, row, row_found))
    return scored


def run_search(conn, q, vocab_key):
    """The steps of the module docstring on one connection; returns (step name, terms used, suggestion,
    dropped words, kind hint, [(key, table, row)] curated, [...] passages)."""
    terms, kind_hint, dropped = sq.parse(q)
    if not terms:
        return None
    vocab = vocabulary(conn, vocab_key)
    # typed with tone marks: the exact spelling ranks first ("Tân Thạnh" before "Tân Thành")
    typed_words = [w.lower() for w in re.findall(r"\w+", unicodedata.normalize("NFC", q)) if not w.isascii()]
    n = len(sq.required(terms))
    unknown = any(t.text not in vocab[0] and t.text.isalpha() for t in sq.required(terms))
    corrected = correct(terms, vocab) if unknown else None
    steps = [("all", terms, sq.match_all(terms), False, n)]
    most = ("most", terms, sq.match_any(terms), False, n - 1 if n <= 4 else math.ceil(0.7 * n))
    prefix = ("prefix", terms, sq.match_all(terms, prefix=True), True, n)
    typo = [("typo", corrected, sq.match_all(corrected), False, n)] if corrected else []
    # A word in no title or name is more likely unfinished or misspelt than superfluous: prefixes and
    # corrections are tried before dropping a word.
    if unknown:
        steps += [prefix, *typo] + ([most] if n > 1 else [])
    else:
        steps += ([most] if n > 1 else []) + [prefix, *typo]
    curated, passages, seen = [], [], set()
    used = steps[0]
    for index, (name, step_terms, match, is_prefix, need) in enumerate(steps):
        found_curated = False
        patterns = step_patterns(step_terms, is_prefix)
        for table in ranked_tables()[0]:
            if table == PASSAGES and passages:
                continue
            rows = candidates(conn, table, match, CANDIDATES)
            for key, t, row, row_found in score_rows(table, rows, step_terms, index, is_prefix, kind_hint,
                                                     typed_words, patterns):
                if row_found < max(1, need) or (t, row["rowid"]) in seen:
                    continue
                seen.add((t, row["rowid"]))
                (passages if t == PASSAGES else curated).append((key, t, row, step_terms, is_prefix))
                found_curated |= t != PASSAGES
        if found_curated:
            used = (name, step_terms, match, is_prefix, need)
            break
    curated.sort(key=lambda r: r[0])
    passages.sort(key=lambda r: r[0])
    # One printed sentence cut into several rows (the values of one indicator) is shown once, by its best row.
    shown, unique = set(), []
    for entry in curated:
        row = entry[2]
        same = (entry[1], row["display_title"], row.get("excerpt")) if row.get("excerpt") else None
        if same and same in shown:
            continue
        shown.add(same)
        unique.append(entry)
    curated = unique
    suggestion = spelled(used[1], vocab) if used[0] == "typo" else None
    return used, suggestion, dropped, kind_hint, curated[:SHOW_CURATED], passages[:SHOW_PASSAGES]


def primary_keys(table, root=None):
    """A table's primary key columns, in order: its spec's (the schema is built from it), for the spec folder in
    use now."""
    return list(spec.table(table, root).primary_key)


@lru_cache(maxsize=100_000)
def tilde(value) -> str:
    """Datasette's tilde-encoding of one key value, remembered (it is slow and the keys repeat)."""
    return tilde_encode(str(value))


class Urls:
    """The links of one answer: a table's URL is built once per request (Datasette's url builder looks the
    database up and tilde-encodes its route and the table's name on each call) and a row's is that URL and the
    row's key, as datasette.urls.row() writes it."""

    def __init__(self, datasette):
        self.datasette = datasette
        self.tables = {}

    def table(self, table):
        if table not in self.tables:
            self.tables[table] = self.datasette.urls.table(DATABASE, table)
        return self.tables[table]

    def row_path(self, table, row_path):
        """datasette.urls.row(DATABASE, table, row_path)."""
        return PrefixedUrlString(f"{self.table(table)}/{row_path}")

    def row(self, table, pk):
        return self.row_path(table, ",".join(tilde(p) for p in str(pk).split(",")))


def marked_phrases(terms):
    """The words searched; a stop word only where it stands in the query as typed ("Cơ" of "tan ho co", not
    every "của" of the text)."""
    phrases = [w.split() for t in sq.required(terms) for w in t.words if not w.startswith("vnd")]
    if len(terms) > len(sq.required(terms)):
        phrases.append(" ".join(t.text for t in terms).split())
    return phrases


def result(entry, context, urls, kinds, lang="vi", root=None, phrases=None):
    """One result as data; `root` (the spec folder) and `phrases` (marked_phrases(terms)) may be passed by a
    caller that works them out once for every result of an answer."""
    _, table, row, terms, prefix = entry
    root = root or spec.sources_root()
    pks = primary_keys(table, root)
    pk = ",".join(tilde(row[PK_PREFIX + k]) for k in pks) if pks else tilde(row["rowid"])
    phrases = marked_phrases(terms) if phrases is None else phrases
    title = str(row["display_title"] or pk)
    snippet_source, source_column = "", None
    best = -1
    for column in display(table, root)[2]:
        text = row.get(column)
        if text:
            marks = marked_count(text, phrases, prefix)
            if marks > best:
                best, snippet_source, source_column = marks, text, column
    return {
        "table": table, "pk": pk, "url": urls.row_path(table, pk),
        "title": str(highlight(title, phrases, width=160, prefix=prefix)),
        "title_text": title,
        "snippet": str(highlight(snippet_source, phrases, width=240, prefix=prefix)) if snippet_source else "",
        "snippet_source": source_column,
        "kind": _kind(root, table, lang),
        "group": "passages" if table == PASSAGES else "curated",
        "context": context_items(table, context.get((table, row["rowid"]), {}), urls,
                                 lambda field: _label(root, table, field, lang), kinds, lang),
    }


async def search(datasette, q, lang="vi"):
    """The answer to q as plain data: used by both the page and the JSON (words in `lang`)."""
    q = unicodedata.normalize("NFC", q or "")[:MAX_QUERY]
    db = datasette.get_database(DATABASE)
    urls = Urls(datasette)
    limit = datasette.setting("sql_time_limit_ms")
    kinds = indicator_kinds(lang)  # the words for an indicator's kind: the same for every result

    def work(conn):
        with sqlite_timelimit(conn, limit):
            found = run_search(conn, q, vocabulary_key(db.path))
            if not found:
                return None
            used, suggestion, dropped, kind_hint, curated, passages = found
            context = fetch_context(conn, curated + passages)
            root = spec.sources_root()
            phrases = {}  # the phrases marked are those of a step's terms: worked out once per step
            for e in curated + passages:
                if id(e[3]) not in phrases:
                    phrases[id(e[3])] = marked_phrases(e[3])
            return used, suggestion, dropped, kind_hint, [
                result(e, context, urls, kinds, lang, root, phrases[id(e[3])])
                for e in curated + passages]

    found = await db.execute_fn(work)
    answer = {"q": q, "step": None, "terms": [], "dropped": [], "suggestion": None, "results": [],
              "more": {}}
    if not found:
        return answer
    used, suggestion, dropped, kind_hint, results = found
    answer.update(step=used[0], terms=[t.text for t in used[1]], dropped=dropped, results=results)
    if suggestion:
        corrected = " ".join(t.text for t in used[1])
        answer["suggestion"] = {"q": suggestion, "folded": corrected,
                                "url": "/-/search?" + urllib.parse.urlencode(
                                    {"q": suggestion, **({i18n.PARAM: lang} if lang != i18n.DEFAULT else {})})}
    search_query = None
    for r in results:
        if r["table"] not in answer["more"]:
            search_query = search_query or urllib.parse.urlencode({"_search": q})
            answer["more"][r["table"]] = urls.table(r["table"]) + "?" + search_query
    return answer


async def search_view(datasette, request):
    q = request.args.get("q", "")
    if len(q) > 1000:
        if request.url_vars.get("format") != "json":  # the portal's error page in the visitor's language
            raise BadRequest("q is longer than 1000 characters")
        return Response.json({"ok": False, "error": "q is longer than 1000 characters", "status": 400}, status=400)
    try:
        answer = await search(datasette, q, i18n.language(request))
    except Exception as e:  # an interrupted (too slow) or malformed query is the caller's, never a 5xx
        message = "search took too long" if "interrupted" in str(e) else f"search failed: {e}"
        return Response.json({"ok": False, "error": message, "status": 400}, status=400)
    if request.url_vars.get("format") == "json":
        for r in answer["results"]:
            r.pop("title_text", None)
        return Response.json({"ok": True, **answer})
    curated = [r for r in answer["results"] if r["group"] == "curated"]
    passages = [r for r in answer["results"] if r["group"] == "passages"]
    for r in answer["results"]:
        r["title"], r["snippet"] = Markup(r["title"]), Markup(r["snippet"])
    return Response.html(await datasette.render_template("search.html", {
        "q": q, "answer": answer, "curated": curated, "passages": passages, "passages_group": passages_group(i18n.language(request)),
        "passages_url": answer["more"].get(PASSAGES)}, request=request))


@hookimpl
def register_routes():
    return [(r"^/-/search(\.(?P<format>json))?$", search_view)]
