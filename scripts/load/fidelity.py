"""Fidelity checks for curated rows: the excerpt is really in the cited document, and the
restored (diacritic-correct) text really is what the excerpt says.

Usage while curating:  python -m scripts.load.fidelity sources/curated/<table>/<document>.csv ...
Re-measure the threshold:  python -m scripts.load.fidelity --calibrate
"""
import csv
import sys
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz

from scripts.load.textfold import collapse_ws, ocr_fold

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ROOT / "sources" / "documents"

# The restored column checked against the excerpt, per curated table.
RESTORED_COLUMN = {
    "capital_projects": "name",
    "project_components": "name",
    "project_money": None,
    "decisions": "subject",
    "project_wards": "name",
    "plan_tasks": "task",
    "indicators": "indicator",
    "curation_gaps": None,
}
# partial_ratio of the OCR-folded texts. Measured with --calibrate on the 404 reviewed rows (2026-11-22):
# each restoration against its own excerpt scores 80-100 (5th percentile 86, median 95); against a random
# other excerpt of the same table, median 50, 95th percentile 58, 99th 71 (2 of 404 reach 80: short names
# inside long excerpts). 80 keeps every true pair and rejects 99 % of wrong ones.
MIN_SCORE = 80


@lru_cache(maxsize=None)
def document_text(document_id: str) -> str:
    """All files of a document (the Công văn has an OCR and a clean file), whitespace-collapsed."""
    files = sorted(DOCUMENTS.glob(f"{document_id}.*txt"))
    if not files:
        raise FileNotFoundError(f"no file for document {document_id!r} in {DOCUMENTS}")
    return "\n".join(collapse_ws(f.read_text(encoding="utf-8")) for f in files)


def excerpt_found(document_id: str, excerpt: str) -> bool:
    return collapse_ws(excerpt) in document_text(document_id)


def restoration_score(restored: str, excerpt: str) -> float:
    return fuzz.partial_ratio(ocr_fold(restored), ocr_fold(excerpt))


def check_row(table: str, row: dict) -> list[str]:
    """Problems with one row, each as 'field: message'."""
    if "excerpt" not in row:  # link tables (project_decisions, agency_mentions) carry no provenance
        return []
    problems = []
    excerpt = row.get("excerpt") or ""
    if not excerpt.strip():
        problems.append("excerpt: empty")
    elif not excerpt_found(row["document_id"], excerpt):
        problems.append(f"excerpt: not found verbatim in document {row['document_id']}")
    column = RESTORED_COLUMN.get(table)
    if column and excerpt.strip() and (row.get(column) or "").strip():
        score = restoration_score(row[column], excerpt)
        if score < MIN_SCORE:
            problems.append(f"{column}: matches its excerpt only {score:.0f}/100 after folding (needs {MIN_SCORE})")
    return problems


def calibrate(seed=1):
    """Scores of every restoration against its own excerpt and against a random other one."""
    import random
    import statistics

    rows = []
    for table, column in RESTORED_COLUMN.items():
        for path in sorted((ROOT / "sources" / "curated" / table).glob("*.csv")) if column else []:
            with path.open(encoding="utf-8", newline="") as f:
                rows += [(table, r[column], r["excerpt"]) for r in csv.DictReader(f) if r[column] and r["excerpt"]]
    rng = random.Random(seed)
    right = sorted(restoration_score(name, excerpt) for _, name, excerpt in rows)
    wrong = sorted(restoration_score(name, rng.choice([o for o in rows if o[0] == t and o[2] != excerpt])[2])
                   for t, name, excerpt in rows)
    at = lambda xs, q: xs[int(q * (len(xs) - 1))]  # noqa: E731
    print(f"{len(rows)} rows. own excerpt: min {right[0]:.0f}, p5 {at(right, .05):.0f}, "
          f"median {statistics.median(right):.0f}. other excerpt: median {statistics.median(wrong):.0f}, "
          f"p95 {at(wrong, .95):.0f}, p99 {at(wrong, .99):.0f}, max {wrong[-1]:.0f}, "
          f"{sum(w >= MIN_SCORE for w in wrong)} at or above {MIN_SCORE}")


def main(paths):
    bad = 0
    for path in map(Path, paths):
        table = path.parent.name
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            for row in reader:
                line = reader.line_num
                for problem in check_row(table, row):
                    bad += 1
                    print(f"{path}:{line}: {problem}")
    print(f"{bad} problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--calibrate"]:
        sys.exit(calibrate())
    sys.exit(main(sys.argv[1:]))
