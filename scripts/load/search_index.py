"""Full-text indexes that find Vietnamese the way people type it.

Each searchable table T gets an FTS5 table T_fts (tokenizer unicode61, remove_diacritics 2) whose rowid is
T's rowid, with three groups of columns:
  - the original text columns, as printed: the exact spelling ranks highest;
  - `folded`: all of them through ocr_fold() — no tone marks, đ→d, OCR confusions undone ("Pong" → "dong"),
    so "dong thap" finds "Đồng Tháp" and the OCR's "Pong Thap";
  - `folded_d`: the words of `folded` that start with d written with đ, because unicode61 strips tone marks
    but keeps đ as a letter of its own: "Đồng Tháp" searches as "đong thap" and must find "Dong Thap" too.
A query therefore matches whether it is typed with or without diacritics, in any case, NFC or NFD.
"""
import re

from scripts.load.textfold import ocr_fold

# table: text columns to index, in order of weight (the first is the row's title)
SEARCHABLE = {
    "document_passages": ["text", "heading_path"],
    "documents": ["title", "symbol", "issuer"],
    "wards": ["name", "short_name"],
    "ward_predecessors": ["former_name", "former_district", "former_province"],
    "agencies": ["name", "short_name", "aliases"],
    "capital_projects": ["name", "status_note", "owner_printed", "excerpt"],
    "project_components": ["name", "objective", "scale"],
    "decisions": ["symbol", "subject", "issuer"],
    "plan_tasks": ["task", "group_path", "timing_printed", "excerpt"],
    "indicators": ["indicator", "pillar", "population", "excerpt"],
}
ORIGINAL_WEIGHT, FOLDED_WEIGHT = 10.0, 1.0
_D_WORD = re.compile(r"\bd(?=\w)")


def folded_columns(texts):
    folded = ocr_fold(" ".join(t for t in texts if t))
    d_words = " ".join(w for w in folded.split() if w.startswith("d"))
    return folded, _D_WORD.sub("đ", d_words)


def build_search(db):
    for table, columns in SEARCHABLE.items():
        fts = f"{table}_fts"
        cols = ", ".join(f"[{c}]" for c in columns + ["folded", "folded_d"])
        db.execute(f"create virtual table [{fts}] using fts5({cols}, tokenize='unicode61 remove_diacritics 2')")
        rows = []
        for row in db.query(f"select rowid, {', '.join(f'[{c}]' for c in columns)} from [{table}]"):
            texts = [row[c] for c in columns]
            rows.append((row["rowid"], *texts, *folded_columns(texts)))
        marks = ", ".join("?" * (len(columns) + 3))
        db.conn.executemany(f"insert into [{fts}] (rowid, {cols}) values ({marks})", rows)
        db.execute(f"insert into [{fts}]([{fts}]) values ('optimize')")


def bm25_weights(table):
    """Weights for bm25(): original columns above the folded ones, so the exact spelling ranks first."""
    return [ORIGINAL_WEIGHT] * len(SEARCHABLE[table]) + [FOLDED_WEIGHT, FOLDED_WEIGHT]
