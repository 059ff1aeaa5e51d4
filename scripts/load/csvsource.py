"""Reading the project's CSV sources strictly: every problem is a BuildError naming file, line and field.
A table's CSV header and each value's type, required-ness and allowed values come from its spec
(scripts/spec.py).

Text cells refuse what corrupts data silently or attacks whoever opens an export (issue 13): control
characters (NUL, tab, line breaks), invisible format characters (zero-width, right-to-left override, BOM,
soft hyphen: Unicode categories Cc, Cf, Zl, Zp), cells over MAX_FIELD characters, and cells a spreadsheet
would run as a formula (FORMULA). Numbers go through parse_number(), the one strict parser of both formats.
"""
import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from scripts import spec
from scripts.load.errors import BuildError

ROOT = Path(__file__).resolve().parents[2]
MAX_FIELD = 20_000  # characters in one cell; the longest excerpt is about 4,000
# A spreadsheet runs a cell as a formula when it starts with "=", or with "+", "-" or "@" followed by
# something other than a number or a space ("-50", "- Sở …" and "+ 5%" stay text; "@SUM(", "+cmd|" do not).
FORMULA = re.compile(r"^(=|[+\-@](?![\d\s.,]))")
INVISIBLE = {"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"}
# Plain numbers: 45900, -3, 45.9. Vietnamese ones: 45.900.000 (dots group thousands), 45,9 (comma marks
# decimals), 1.234,5. Ambiguous: one dot or comma followed by exactly three digits after 1–3 leading digits
# ("45.900" is 45 900 in Vietnamese and 45.9 in plain), refused rather than guessed.
_PLAIN = re.compile(r"-?\d+(\.\d+)?")
_VI = re.compile(r"-?[1-9]\d{0,2}(\.\d{3})+(,\d+)?|-?\d+,\d+")
_AMBIGUOUS = re.compile(r"-?[1-9]\d{0,2}[.,]\d{3}")


def parse_number(value: str, plain_only=False):
    """An int or float from plain or Vietnamese notation; ValueError with the reason for anything else
    (nan, inf, exponents, units, ambiguous grouping). plain_only: machine-written columns (coordinates and
    areas of the reference snapshot), where a dot is always the decimal point and nothing is ambiguous."""
    if plain_only:
        if _PLAIN.fullmatch(value):
            return int(value) if "." not in value else float(value)
        raise ValueError(f"{value!r} is not a plain number (45900 or 45.9)")
    if _AMBIGUOUS.fullmatch(value):
        raise ValueError(f"{value!r} is ambiguous (45.900 is 45900 in Vietnamese and 45.9 in plain notation); "
                         "write it without grouping, e.g. 45900 or 45.9")
    if _PLAIN.fullmatch(value):
        return int(value) if "." not in value else float(value)
    if _VI.fullmatch(value):
        whole, _, fraction = value.replace(".", "").partition(",")
        return float(f"{whole}.{fraction}") if fraction else int(whole)
    raise ValueError(f"{value!r} is not a number (plain 45900 or 45.9, or Vietnamese 45.900.000 or 45,9)")


def text_problem(value: str, formula_ok=False):
    """Why a text cell is refused, or None."""
    if len(value) > MAX_FIELD:
        return f"is {len(value)} characters long, over the limit of {MAX_FIELD}"
    for position, char in enumerate(value):
        if unicodedata.category(char) in INVISIBLE:
            kind = "a line break" if char in "\r\n\u2028\u2029\x85" else "a control or invisible character"
            return f"contains {kind} (U+{ord(char):04X}) at character {position + 1}"
    if FORMULA.match(value) and not formula_ok:
        return f"starts with {value[0]!r}, which a spreadsheet would run as a formula"
    return None


@dataclass
class Row:
    path: Path
    line: int
    values: dict

    def __getitem__(self, field):
        return self.values[field]

    def get(self, field, default=None):
        return self.values.get(field, default)

    def error(self, field, message):
        return BuildError(self.path, self.line, field, message)

    # Typed accessors: empty cells are None, anything else must parse.
    def text(self, field, required=False, formula_ok=False):
        value = self.values[field]
        if value == "":
            if required:
                raise self.error(field, "is empty but required")
            return None
        if unicodedata.normalize("NFC", value) != value:
            raise self.error(field, "is not NFC-normalised Unicode")
        problem = text_problem(value, formula_ok)
        if problem:
            raise self.error(field, problem)
        return value

    def integer(self, field, required=False, minimum=None, maximum=None):
        value = self.text(field, required)
        if value is None:
            return None
        if not re.fullmatch(r"-?\d+", value):
            raise self.error(field, f"{value!r} is not a whole number")
        number = int(value)
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            raise self.error(field, f"{number} is outside {minimum}..{maximum}")
        return number

    def number(self, field, required=False, minimum=None, plain_only=False):
        value = self.text(field, required)
        if value is None:
            return None
        try:
            number = parse_number(value, plain_only)
        except ValueError as e:
            raise self.error(field, str(e)) from None
        if minimum is not None and number < minimum:
            raise self.error(field, f"{value} is below {minimum}")
        return number

    def iso_date(self, field, required=False):
        """A full date (YYYY-MM-DD) or, where only that much is printed, YYYY-MM or YYYY."""
        value = self.text(field, required)
        if value is None:
            return None
        try:
            parts = [int(p) for p in value.split("-")]
            if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
                raise ValueError
            date(parts[0], *(parts[1:] + [1] * (3 - len(parts))))
        except ValueError:
            raise self.error(field, f"{value!r} is not a date (YYYY-MM-DD, YYYY-MM or YYYY)") from None
        return value

    def choice(self, field, options, required=True):
        # A fixed vocabulary (the comparator "=" …) is ours, not a cell someone typed: no formula check.
        value = self.text(field, required, formula_ok=True)
        if value is not None and value not in options:
            raise self.error(field, f"{value!r} is not one of {sorted(options)}")
        return value

    def typed(self, table: "spec.Table", column: str, required=None):
        """The value of a table column as its spec says: type, required, categories, minimum/maximum. The CSV
        column is the field's `csv` name where it has one. required: True/False where a rule of the loader makes
        the column required or optional for this row (e.g. a comparator only when an amount is given)."""
        field = table.by_name[column]
        name = field.get("csv", column)
        required = table.required(column) if required is None else required
        constraints = field.get("constraints") or {}
        if field.get("categories"):
            return self.choice(name, table.categories(column), required)
        kind = field["type"]
        if kind == "integer":
            return self.integer(name, required, constraints.get("minimum"), constraints.get("maximum"))
        if kind == "number":
            return self.number(name, required, constraints.get("minimum"))
        if kind == "date":
            return self.iso_date(name, required)
        return self.text(name, required)


def read_csv(path: Path, columns: list[str]) -> list[Row]:
    """Rows of a UTF-8 CSV whose header must be exactly `columns`."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise BuildError(path, None, None, f"cannot be read: {e.strerror or e}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise BuildError(path, line, None, f"is not UTF-8 (byte 0x{raw[e.start]:02x} at offset {e.start})") from None
    if text.startswith("\ufeff"):
        raise BuildError(path, 1, None, "starts with a byte-order mark; save as UTF-8 without BOM")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header != columns:
        missing = [c for c in columns if c not in (header or [])]
        extra = [c for c in (header or []) if c not in columns]
        detail = "; ".join(filter(None, [missing and f"missing {missing}", extra and f"unexpected {extra}"]))
        raise BuildError(path, 1, None, f"header must be {columns} ({detail or 'wrong order'})")
    rows = []
    while True:
        start = reader.line_num + 1  # a quoted field may span lines: a row is named by its first line
        try:
            values = next(reader, None)
        except csv.Error as e:  # e.g. a field over the csv module's limit, a stray quote
            raise BuildError(path, start, None, f"is not valid CSV: {e}") from None
        if values is None:
            break
        line = start
        if not values:
            continue
        if len(values) != len(columns):
            raise BuildError(path, line, None, f"has {len(values)} fields, the header has {len(columns)}")
        rows.append(Row(path, line, dict(zip(columns, values))))
    return rows


def record(table: str, row: Row, values: dict) -> dict:
    """A row's record: the values the loader computes, plus every other CSV column of the table read as its spec
    says, so that a column added to a spec and its CSV is loaded (and checked) without code."""
    t = spec.table(table)
    rest = {f["name"]: row.typed(t, f["name"]) for f in t.csv_fields() if f["name"] not in values}
    return {**values, **rest}


def choice(row: Row, table: str, column: str, required=None):
    """The value of an enumerated column, checked against its spec's categories (required as its spec says,
    unless the caller's rule says otherwise for this row)."""
    return row.typed(spec.table(table), column, required)


def read_table(table: "spec.Table", root=None) -> list[Row]:
    """All rows of a table's CSV source: its one file, or the files of its folder (one per document)."""
    rows = []
    for path in table.csv_paths(root):
        rows.extend(read_csv(path, table.csv_header()))
    return rows


def unique(rows: list[Row], field: str) -> dict:
    """Index rows by a field that must be unique."""
    seen = {}
    for row in rows:
        key = row[field]
        if key in seen:
            raise row.error(field, f"duplicate id {key!r} (first at {seen[key].path.name}:{seen[key].line})")
        seen[key] = row
    return seen
