"""Fidelity checks for curated rows: the excerpt is really in the cited document, and the
restored (diacritic-correct) text really is what the excerpt says.

Usage while curating:  python -m scripts.load.fidelity sources/curated/<table>/<document>.csv ...
Re-measure the threshold:  python -m scripts.load.fidelity --calibrate
Count values not printed in their excerpts (by table and field):  python -m scripts.load.fidelity --printed [CURATED_DIR]
"""
import csv
import re
import sys
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz

from scripts import spec
from scripts.load.textfold import collapse_ws, fold, ocr_fold, printed_numbers, symbol_fold

# partial_ratio of the OCR-folded texts. Measured with --calibrate on the 404 reviewed rows (2026-11-22):
# each restoration against its own excerpt scores 80-100 (5th percentile 86, median 95); against a random
# other excerpt of the same table, median 50, 95th percentile 58, 99th 71 (2 of 404 reach 80: short names
# inside long excerpts). 80 keeps every true pair and rejects 99 % of wrong ones.
MIN_SCORE = 80


def document_text(document_id: str) -> str:
    """All files of a document (the Công văn has an OCR and a clean file), whitespace-collapsed; read from the
    sources root of the moment (spec.sources_root(), read per call) and kept per folder."""
    return _document_text(spec.sources_root() / "documents", document_id)


@lru_cache(maxsize=256)
def _document_text(documents: Path, document_id: str) -> str:
    files = sorted(documents.glob(f"{document_id}.*txt"))
    if not files:
        raise FileNotFoundError(f"no file for document {document_id!r} in {documents}")
    return "\n".join(collapse_ws(f.read_text(encoding="utf-8")) for f in files)


def excerpt_found(document_id: str, excerpt: str) -> bool:
    return collapse_ws(excerpt) in document_text(document_id)


def restoration_score(restored: str, excerpt: str) -> float:
    """partial_ratio of the folded texts. "[…]" in a restoration marks words that cannot be read (often where the
    OCR printed a neighbouring cell instead): each readable part is compared on its own, the worst counts."""
    parts = [p for p in (ocr_fold(p) for p in restored.split("[…]")) if len(p) >= 4] or [ocr_fold(restored)]
    return min(fuzz.partial_ratio(p, ocr_fold(excerpt)) for p in parts)


def restored_column(table):
    """The restored column checked against the excerpt (a table spec's `restored`), or None."""
    tables = spec.tables()
    return tables[table].spec.get("restored") if table in tables else None


def check_row(table: str, row: dict) -> list[str]:
    """Problems with one row, each as 'field: message'."""
    if "excerpt" not in row:  # link tables (project_decisions, agency_mentions) carry no provenance
        return []
    if table == "task_agencies":  # an agency printed with its task has no excerpt of its own: the task's is checked
        if not (row.get("excerpt") or "").strip():
            return []
        row = {**row, "document_id": row.get("document_id") or row["task_id"].split("/")[0]}
    problems = []
    excerpt = row.get("excerpt") or ""
    if not excerpt.strip():
        problems.append("excerpt: empty")
    elif not excerpt_found(row["document_id"], excerpt):
        problems.append(f"excerpt: not found verbatim in document {row['document_id']}")
    column = restored_column(table)
    if column and excerpt.strip() and (row.get(column) or "").strip():
        # The excerpt of a table row also holds the owner cell, which the OCR interleaves with the name: it is
        # taken out before the name is compared.
        for cell in _printed_cells(table, "beside"):
            for part in (row.get(cell) or "").split("…"):
                if part.strip():
                    excerpt = excerpt.replace(part.strip(), " ")
        forms = _printed_cells(table, "form_of")
        printed_form = (row.get(forms[0]) or "") if forms else ""
        if printed_form and printed("text", printed_form, excerpt):
            # the printed cell, its parts joined (found above); quote marks the OCR put inside words dropped
            excerpt = re.sub(r"[’‘'`]", "", " ".join(printed_form.split("…")))
        score = restoration_score(row[column], excerpt)
        if score < MIN_SCORE:
            problems.append(f"{column}: matches its excerpt only {score:.0f}/100 after folding (needs {MIN_SCORE})")
    return problems


# Structured values a row states as printed: each must be found in the row's excerpt (after folding), or the
# row must say in the basis column where the value comes from instead (a heading, a general assignment, the
# reading of a garbled cell). Which columns, how each is printed (see printed()) and its basis column are the
# fields' `printed` keys in the table specs (sources/tables/<table>.yml).
def printed_values(table: str) -> list[tuple]:
    """[(column, kind, basis column or None, comparator column or None)] of a table, in field order."""
    tables = spec.tables()
    if table not in tables:
        return []
    return [(f["name"], f["printed"]["as"], f["printed"].get("basis"), f["printed"].get("comparator"))
            for f in tables[table].fields if f.get("printed")]


def _printed_cells(table: str, key: str) -> list[str]:
    """Columns whose `printed` says `beside` (cells printed beside the restored one in a table row, taken out of
    the excerpt before the comparison) or `form_of` (the printed form of the restored cell: the restoration is
    compared with it once it is found in the excerpt, so a name the OCR split around other text ("Phu … Cuomg")
    is compared without that text)."""
    tables = spec.tables()
    return [f["name"] for f in tables[table].fields if (f.get("printed") or {}).get(key)] if table in tables else []


# Words printed before a number that make it approximate, a minimum, a maximum … (folded, OCR forms too:
# the OCR prints "gần" as "gin"). A value printed with one of them needs that comparator, not "=".
QUALIFIERS = [(re.compile(r"\b(?:gan|gin|khoang|xap xi|uoc tinh|uoc)\s*$"), "≈"),
              (re.compile(r"\b(?:it nhat|toi thieu)\s*$"), "≥"),
              (re.compile(r"\b(?:tren|hon)\s*$"), ">"),
              (re.compile(r"\b(?:toi da)\s*$"), "≤"),
              (re.compile(r"\b(?:duoi)\s*$"), "<")]
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def agency_spellings() -> dict:
    """Canonical agency name → every printed form met (sources/curated/agency_mentions/ of the sources root of the
    moment, kept per folder)."""
    return _agency_spellings(spec.sources_root() / "curated" / "agency_mentions")


@lru_cache(maxsize=8)
def _agency_spellings(mentions: Path) -> dict:
    spellings = {}
    for path in sorted(mentions.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            for m in csv.DictReader(f):
                spellings.setdefault(m["agency"], set()).add(m["printed"])
    return spellings


def _date_printed(value: str, excerpt: str) -> bool:
    """An ISO date (or YYYY-MM, YYYY) is printed as d/m/yyyy, 'ngày d tháng m năm yyyy', or — for the last day
    of a month or quarter, which is how a printed month or quarter is normalised — as m/yyyy, 'tháng m năm
    yyyy', 'Quý III/2025'."""
    import calendar
    parts = [int(p) for p in value.split("-")]
    text = re.sub(r"\s+", " ", re.sub(r"[^a-z0-9/]+", " ", fold(excerpt)))
    y = parts[0]
    if len(parts) == 1:
        return float(y) in printed_numbers(excerpt)
    m = parts[1]
    month_forms = [rf"\b0?{m}\s?/\s?{y}\b", rf"\bthang 0?{m} nam {y}\b"]
    if len(parts) == 2:
        return any(re.search(f, text) for f in month_forms)
    d = parts[2]
    if any(re.search(f, text) for f in (rf"\b0?{d}\s?/\s?0?{m}\s?/\s?{y}\b", rf"\bngay 0?{d} thang 0?{m} nam {y}\b")):
        return True
    if d == calendar.monthrange(y, m)[1]:
        if any(re.search(f, text) for f in month_forms):
            return True
        if m % 3 == 0:
            roman = [k for k, v in ROMAN.items() if v == m // 3][0]
            return bool(re.search(rf"\bquy {roman}\s?(/|nam)\s?{y}\b", text))
    return False


def printed(kind: str, value: str, excerpt: str) -> bool:
    """Whether a structured value is printed in the excerpt."""
    if kind in ("number", "year"):
        return round(float(value), 6) in printed_numbers(excerpt)
    if kind == "money":  # million VND, printed in triệu or in tỷ (thousand million)
        numbers = printed_numbers(excerpt)
        return round(float(value), 6) in numbers or round(float(value) / 1000, 6) in numbers
    if kind == "date":
        return _date_printed(value, excerpt)
    if kind == "symbol":
        return symbol_fold(value) in symbol_fold(excerpt)
    folded = ocr_fold(excerpt)
    if kind == "agency":
        forms = {value, value.replace("Ủy ban nhân dân", "UBND"), *agency_spellings().get(value, ())}
        return any(ocr_fold(f) and ocr_fold(f) in folded for f in forms)
    # "…" marks a cell the OCR interleaved with its neighbours: each part must be printed, in order.
    at = 0
    for part in (ocr_fold(p) for p in value.split("…")):
        at = folded.find(part, at)
        if at < 0:
            return False
        at += len(part)
    return True


def unprinted_values(table: str, row: dict, excerpt: str | None = None) -> list[str]:
    """Structured values of a row that its excerpt does not print and no basis explains, as 'field: message'.
    excerpt: where the values must be printed when it is not the row's own (a task's agencies)."""
    excerpt = row.get("excerpt") if excerpt is None else excerpt
    problems = []
    fields = printed_values(table)
    for field, kind, basis, _ in fields:
        value = (row.get(field) or "").strip()
        if not value or (basis and (row.get(basis) or "").strip()):
            continue
        if not printed(kind, value, excerpt or ""):
            why = f"or give {basis}" if basis else "(copy it verbatim from the excerpt)"
            problems.append(f"{field}: {value!r} is not printed in the excerpt {why}")
    for field, _, _, column in fields:
        if column:
            problems += _qualifier_problems(row, column, field, excerpt or "")
    return problems


def _qualifier_problems(row, column, field, excerpt) -> list[str]:
    value = (row.get(field) or "").strip()
    if not value or (row.get(column) or "=") not in ("=", ""):
        return []
    targets = {round(float(value), 6), round(float(value) / 1000, 6)}
    for match in re.finditer(r"(?<![\w])\d+(?:[.,]\d+)*", excerpt):
        if printed_numbers(match.group()) & targets:
            before = re.sub(r"[^a-z ]+", " ", fold(excerpt[max(0, match.start() - 20):match.start()]))
            for pattern, comparator in QUALIFIERS:
                if pattern.search(before.strip()):
                    return [f"{column}: the excerpt prints {excerpt[max(0, match.start() - 12):match.end()]!r}, "
                            f"so the comparator is {comparator!r}, not {row.get(column) or 'empty'!r}"]
    return []


def calibrate(seed=1):
    """Scores of every restoration against its own excerpt and against a random other one."""
    import random
    import statistics

    rows = []
    for table in spec.tables().values():
        column = table.spec.get("restored")
        for path in table.csv_paths() if column else []:
            with path.open(encoding="utf-8", newline="") as f:
                rows += [(table.name, r[column], r["excerpt"]) for r in csv.DictReader(f) if r[column] and r["excerpt"]]
    rng = random.Random(seed)
    right = sorted(restoration_score(name, excerpt) for _, name, excerpt in rows)
    wrong = sorted(restoration_score(name, rng.choice([o for o in rows if o[0] == t and o[2] != excerpt])[2])
                   for t, name, excerpt in rows)
    at = lambda xs, q: xs[int(q * (len(xs) - 1))]  # noqa: E731
    print(f"{len(rows)} rows. own excerpt: min {right[0]:.0f}, p5 {at(right, .05):.0f}, "
          f"median {statistics.median(right):.0f}. other excerpt: median {statistics.median(wrong):.0f}, "
          f"p95 {at(wrong, .95):.0f}, p99 {at(wrong, .99):.0f}, max {wrong[-1]:.0f}, "
          f"{sum(w >= MIN_SCORE for w in wrong)} at or above {MIN_SCORE}")


def printed_report(root: Path | None = None):
    """Rows whose structured values are not printed in their excerpts and have no basis, by table and field
    (`root`: the curated folder, by default the sources root's). task_agencies rows without an excerpt of their own
    are checked against their task's excerpt, as the build does."""
    root = root or spec.sources_root() / "curated"
    from collections import Counter

    def rows(table):
        for path in sorted((root / table).glob("*.csv")):
            with path.open(encoding="utf-8", newline="") as f:
                yield from csv.DictReader(f)

    tasks = {r["id"]: r for r in rows("plan_tasks")}
    flagged, fields, total = Counter(), Counter(), Counter()
    checked = [t for t in spec.tables() if printed_values(t)]
    for table in checked:
        for r in rows(table):
            total[table] += 1
            excerpt = (r.get("excerpt") or tasks[r["task_id"]]["excerpt"]) if table == "task_agencies" else None
            problems = {p.split(":")[0] for p in unprinted_values(table, r, excerpt)}
            flagged[table] += bool(problems)
            fields.update(f"{table}.{p}" for p in problems)
    for table in checked:
        print(f"{table}: {flagged[table]} of {total[table]} rows flagged")
    for field, n in sorted(fields.items()):
        print(f"  {field}: {n}")
    print(f"total: {sum(flagged.values())} of {sum(total.values())} rows")
    return 1 if flagged else 0


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
    if sys.argv[1:2] == ["--printed"]:
        sys.exit(printed_report(*map(Path, sys.argv[2:3])))
    sys.exit(main(sys.argv[1:]))
