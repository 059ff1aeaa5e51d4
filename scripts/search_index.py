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
"""
import re

from scripts.spec import searchable
from scripts.textfold import ocr_fold

ORIGINAL_WEIGHT, FOLDED_WEIGHT = 10.0, 1.0
_D_WORD = re.compile(r"\bd(?=\w)")


def folded_columns(texts):
    folded = ocr_fold(" ".join(t for t in texts if t))
    d_words = " ".join(w for w in folded.split() if w.startswith("d"))
    return folded, _D_WORD.sub("đ", d_words)


def build_search(db):
    for table, columns in searchable().items():
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


def bm25_weights(columns):
    """Weights for bm25() over an index of these original columns: the originals above the two folded ones, so
    the exact spelling ranks first."""
    return [ORIGINAL_WEIGHT] * len(columns) + [FOLDED_WEIGHT, FOLDED_WEIGHT]
