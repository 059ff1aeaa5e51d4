"""Reading the project's CSV sources strictly: every problem is a BuildError naming file, line and field.
A table's CSV header and each value's type, required-ness and allowed values come from its spec
(scripts/spec.py)."""
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
    def text(self, field, required=False):
        value = self.values[field]
        if value == "":
            if required:
                raise self.error(field, "is empty but required")
            return None
        if unicodedata.normalize("NFC", value) != value:
            raise self.error(field, "is not NFC-normalised Unicode")
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

    def number(self, field, required=False, minimum=None):
        value = self.text(field, required)
        if value is None:
            return None
        try:
            number = float(value)
        except ValueError:
            raise self.error(field, f"{value!r} is not a number (use a dot for decimals)") from None
        if minimum is not None and number < minimum:
            raise self.error(field, f"{value} is below {minimum}")
        return int(number) if number.is_integer() and "." not in value else number

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
        value = self.text(field, required)
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
    raw = path.read_bytes()
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
    for values in reader:
        line = reader.line_num
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
