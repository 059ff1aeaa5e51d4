"""Full-text indexes that find Vietnamese the way people type it.

Each searchable table T gets an FTS5 table T_fts (tokenizer unicode61, remove_diacritics 2) whose rowid is
T's rowid, with three groups of columns:
  - the original text columns, as printed: the exact spelling ranks highest;
  - `folded`: all of them through ocr_fold() — no tone marks, đ→d, OCR confusions undone ("Pong" → "dong"),
    so "dong thap" finds "Đồng Tháp" and the OCR's "Pong Thap";
  - `folded_d`: the words of `folded` that start with d written with đ, because unicode61 strips tone marks
    but keeps đ as a letter of its own: "Đồng Tháp" searches as "đong thap" and must find "Dong Thap" too.
A query therefore matches whether it is typed with or without diacritics, in any case, NFC or NFD.

Which tables are searchable, and which of their columns, is each table spec's `portal.search` (scripts/spec.py).

`folded` also carries what a reader would search a row by although the row only points to it (RELATED): a
row's province, a project's owner and the symbols of the decisions that approved it, a task's lead agencies, a former unit's
new ward, and money as the index token of scripts/search/query.py money_token ("vnd45900"), so "45,9 tỷ",
"45.900" and "45900" all find the project of 45.900 triệu đồng.

The build also fills search_vocabulary (a table spec of its own, sources/tables/search_vocabulary.yml:
hidden, every column derived): every folded word of the titles and names (and each pair of
neighbouring words) with its most common spelling, the vocabulary the portal corrects typos against
("giam xat" → "giám sát") and spells its "Có phải bạn muốn tìm" with.
"""
import re
from collections import Counter, defaultdict

from scripts.load.textfold import fold, ocr_fold
from scripts.search.query import money_token
from scripts.spec import searchable

ORIGINAL_WEIGHT, FOLDED_WEIGHT = 10.0, 1.0

PROVINCE = "ifnull((select name from provinces where code = {}), '')"
# table: SQL giving (rowid, text, money) of what the row points to; text is folded, money in million VND.
RELATED = {
    "capital_projects": f"""
        select p.rowid, ifnull(a.name, '') || ' ' || ifnull(a.short_name, '') || ' ' ||
               {PROVINCE.format("(select province_code from documents where id = p.document_id)")} || ' ' ||
               ifnull((select group_concat(d.kind || ' ' || d.symbol, ' ') from project_decisions pd
                       join decisions d on d.id = pd.decision_id where pd.project_id = p.id), ''),
               (select group_concat(amount_million_vnd, ' ') from project_money m where m.project_id = p.id)
               || ' ' || ifnull(p.total_million_vnd, '')
        from capital_projects p left join agencies a on a.id = p.owner_id""",
    "plan_tasks": f"""
        select t.rowid, ifnull((select group_concat(a.name || ' ' || ifnull(a.short_name, ''), ' ')
                         from task_agencies ta join agencies a on a.id = ta.agency_id
                         where ta.task_id = t.id and ta.role = 'lead'), '') || ' ' || {PROVINCE.format("t.province_code")},
               null
        from plan_tasks t""",
    "decisions": """
        select d.rowid, d.kind || ' ' || ifnull((select group_concat(p.name, ' ') from project_decisions pd
               join capital_projects p on p.id = pd.project_id where pd.decision_id = d.id), ''), null
        from decisions d""",
    "ward_predecessors": """
        select p.rowid, w.name, null from ward_predecessors p join wards w on w.code = p.ward_code""",
    "indicators": f"""select rowid, ifnull(unit, '') || ' ' || {PROVINCE.format("province_code")}, null
                      from indicators""",
    "documents": f"""select rowid, type || ' ' || {PROVINCE.format("province_code")}, null from documents""",
    "agencies": f"""select rowid, {PROVINCE.format("province_code")}, null from agencies""",
    "wards": f"""select rowid, type || ' ' || {PROVINCE.format("province_code")}, null from wards""",
}
# Vocabulary for typo correction: the titles and names people search by (table: columns).
VOCABULARY = {"capital_projects": ["name"], "plan_tasks": ["task"], "indicators": ["indicator", "pillar"],
              "agencies": ["name", "short_name"], "decisions": ["subject", "symbol"], "documents": ["title"],
              "wards": ["name"], "ward_predecessors": ["former_name", "former_district"],
              "project_components": ["name"], "provinces": ["name"]}
_WORDS = re.compile(r"\w+")
_D_WORD = re.compile(r"\bd(?=\w)")


def folded_columns(texts):
    folded = ocr_fold(" ".join(t for t in texts if t))
    d_words = " ".join(w for w in folded.split() if w.startswith("d"))
    return folded, _D_WORD.sub("đ", d_words)


def related_text(db, table):
    """rowid → folded text and money tokens of what the row points to (RELATED)."""
    if table not in RELATED:
        return {}
    out = {}
    for rowid, text, money in db.execute(RELATED[table]).fetchall():
        tokens = [money_token(float(m)) for m in (money or "").split()]
        out[rowid] = " ".join(filter(None, [ocr_fold(text or ""), *tokens]))
    return out


def build_search(db):
    for table, columns in searchable().items():
        fts = f"{table}_fts"
        cols = ", ".join(f"[{c}]" for c in columns + ["folded", "folded_d"])
        db.execute(f"create virtual table [{fts}] using fts5({cols}, tokenize='unicode61 remove_diacritics 2')")
        rows = []
        related = related_text(db, table)
        for row in db.query(f"select rowid, {', '.join(f'[{c}]' for c in columns)} from [{table}]"):
            texts = [row[c] for c in columns]
            folded, folded_d = folded_columns(texts)
            extra = related.get(row["rowid"])
            if extra:
                folded += " " + extra
                folded_d = " ".join(filter(None, [folded_d, *folded_columns([extra])[1:]]))
            rows.append((row["rowid"], *texts, folded, folded_d))
        marks = ", ".join("?" * (len(columns) + 3))
        db.conn.executemany(f"insert into [{fts}] (rowid, {cols}) values ({marks})", rows)
        db.execute(f"insert into [{fts}]([{fts}]) values ('optimize')")
    build_vocabulary(db)


def build_vocabulary(db):
    """search_vocabulary(term, spelled, rows): folded words and neighbouring pairs of titles and names."""
    spellings, rows = defaultdict(Counter), Counter()
    for table, columns in VOCABULARY.items():
        for row in db.execute(f"select {', '.join(f'[{c}]' for c in columns)} from [{table}]").fetchall():
            seen = set()
            for text in filter(None, row):
                words = [w.lower() for w in _WORDS.findall(str(text)) if not w.isdigit()]
                folded = [fold(w) for w in words]
                for word, f in zip(words, folded):
                    spellings[f][word] += 1
                seen.update(folded)
                seen.update(f"{a} {b}" for a, b in zip(folded, folded[1:]))
            rows.update(seen)
    # The table itself is created with every other from its spec (sources/tables/search_vocabulary.yml).
    db.conn.executemany("insert into search_vocabulary (term, spelled, rows) values (?, ?, ?)", [
        (term, spellings[term].most_common(1)[0][0] if term in spellings else None, n)
        for term, n in sorted(rows.items())])


def bm25_weights(columns):
    """Weights for bm25() over an index of these original columns: the originals above the two folded ones, so
    the exact spelling ranks first."""
    return [ORIGINAL_WEIGHT] * len(columns) + [FOLDED_WEIGHT, FOLDED_WEIGHT]
