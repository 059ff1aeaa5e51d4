"""Writing rows as files people and programs open: CSV, XLSX, JSON, JSON Lines and GeoJSON. One writer per format,
used both by the build (whole-table dumps, scripts/publish/dumps.py) and by the portal (whole filtered views and query
results, plugins/exports.py), so a file downloaded from either place is made the same way.

Rows are dicts; a foreign-key cell may be {"value": code, "label": name} (Datasette's `_labels=on`).

Formula safety (OWASP "CSV Injection"): a spreadsheet runs a cell that begins with = + - @ (or tab / carriage
return) as a formula. The choice made here:
- XLSX: every text value is written as a text cell (never a formula cell), so nothing is altered: `=HYPERLINK(…)`
  stays the visible text `=HYPERLINK(…)`. Numbers are number cells, so -3.5 is the number -3.5.
- CSV: a CSV file carries no cell types, so the OWASP rule applies: a *text* value beginning with one of those
  characters is written with a leading apostrophe (`'=`, `'- Tiếp tục …`). Values that are numbers in the
  database (INTEGER/REAL) are never prefixed, so legitimate negative numbers stay plain numbers; a text value that
  is wholly a decimal number ("-5", "+84") is not prefixed either, since a spreadsheet reads it as that number,
  not a formula. This changes 325 passages (OCR'd text starting with a tab or "-") and 152 indicator comparators
  ("=") in the CSV only. The machine formats — JSON, JSON Lines, GeoJSON and the SQLite file — always carry the
  values exactly as stored; datapackage.json says so in each CSV resource's description.
"""
import csv
import datetime
import io
import json
import re

BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX_MEDIA, "json": "application/json; charset=utf-8",
               "jsonl": "application/x-ndjson; charset=utf-8", "geojson": "application/geo+json; charset=utf-8"}
SOURCE_SHEET = "Nguồn · Source"


def media_type(fmt):
    """A format's media type without its parameters ("text/csv"), as datapackage.json, DCAT and OpenAPI name it."""
    return MEDIA_TYPES[fmt].split(";")[0]


def plain(value):
    """A cell's machine value: the code of a labelled foreign key, the value otherwise."""
    return value["value"] if isinstance(value, dict) and "value" in value else value


def has_coordinates(columns):
    return "latitude" in columns and "longitude" in columns


# CSV ------------------------------------------------------------------------------------------------------------

def csv_cell(value):
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_columns(columns, labelled):
    """Header: each column, and beside a labelled foreign key its `<column>_label` (as Datasette's CSV does)."""
    out = []
    for c in columns:
        out.append(c)
        if c in labelled:
            out.append(f"{c}_label")
    return out


class CsvText:
    """CSV written batch by batch: a header (`<fk>_label` beside each labelled foreign key; a byte-order mark first
    with `bom`), then each batch's lines."""

    def __init__(self, columns, labelled=(), bom=False):
        self.columns, self.labelled, self.bom = columns, labelled, bom
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")

    def _take(self):
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text

    def start(self):
        self.writer.writerow(csv_columns(self.columns, self.labelled))
        return (BOM if self.bom else "") + self._take()

    def rows(self, batch):
        for row in batch:
            cells = []
            for c in self.columns:
                value = row.get(c)
                cells.append(csv_cell(value))
                if c in self.labelled:
                    cells.append(csv_cell(value.get("label") if isinstance(value, dict) else None))
            self.writer.writerow(cells)
        return self._take()

    def end(self):
        return ""


# JSON, JSON Lines, GeoJSON ----------------------------------------------------------------------------------------

def json_text(value):
    return json.dumps(value, ensure_ascii=False, default=str)


def machine_row(row, columns):
    return {c: plain(row.get(c)) for c in columns}


class JsonListText:
    """A JSON list written batch by batch: `opening`, one object a line (as_object(row)), `closing`."""

    def __init__(self, opening, closing, as_object):
        self.opening, self.closing, self.as_object, self.first = opening, closing, as_object, True

    def start(self):
        return self.opening

    def rows(self, batch):
        parts = []
        for row in batch:
            parts.append(("\n" if self.first else ",\n") + json_text(self.as_object(row)))
            self.first = False
        return "".join(parts)

    def end(self):
        return self.closing


class JsonLinesText:
    """JSON Lines: one row object a line, nothing before or after."""

    def __init__(self, columns):
        self.columns = columns

    def start(self):
        return ""

    def rows(self, batch):
        return "".join(json_text(machine_row(row, self.columns)) + "\n" for row in batch)

    def end(self):
        return ""


def geojson_feature(row, columns):
    lat, lon = plain(row.get("latitude")), plain(row.get("longitude"))
    geometry = None if lat is None or lon is None else {"type": "Point", "coordinates": [lon, lat]}
    return {"type": "Feature", "geometry": geometry,
            "properties": {c: plain(row.get(c)) for c in columns if c not in ("latitude", "longitude")}}


def text_writer(fmt, columns, labelled=(), bom=False):
    """The writer of a text format — csv, json (an array of row objects), jsonl, geojson (a FeatureCollection, one
    feature per row; rows without coordinates keep their feature with a null geometry, RFC 7946 §3.2, so the file
    holds every row) — with start(), rows(batch) and end() each returning text. Rows may carry labelled foreign
    keys: only CSV writes their labels (`labelled`), the others their codes."""
    if fmt == "csv":
        return CsvText(columns, labelled, bom)
    if fmt == "jsonl":
        return JsonLinesText(columns)
    if fmt == "geojson":
        return JsonListText('{"type": "FeatureCollection", "features": [', "\n]}\n",
                            lambda row: geojson_feature(row, columns))
    return JsonListText("[", "\n]\n", lambda row: machine_row(row, columns))


# XLSX -----------------------------------------------------------------------------------------------------------

def is_date_column(name):
    return name == "date" or name.endswith(("_date", "_on"))


def xlsx_layout(columns, labelled, label_for):
    """The sheet's columns: (header, column, part) where part is "value", "label" (a foreign key's name) or
    "code" (its code, in its own column)."""
    layout = []
    for c in columns:
        if c in labelled:
            layout.append((label_for(c), c, "label"))
            layout.append((f"{label_for(c)} (mã · code)", c, "code"))
        else:
            layout.append((label_for(c), c, "value"))
    return layout


def xlsx_value(row, column, part):
    value = row.get(column)
    if part == "label":
        return value.get("label") if isinstance(value, dict) else None
    value = plain(value)
    if isinstance(value, str) and is_date_column(column) and ISO_DATE.fullmatch(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def write_xlsx(out, columns, batches, *, labelled=(), label_for=str, sheet_title="data", source_rows=()):
    """Write a workbook to the binary file `out`: a header row of labels (bold, frozen, with an autofilter), widths
    fitted to the first batch, typed numbers and dates, text always as text; then a sheet "Nguồn · Source" with
    `source_rows` (pairs of label, value). Returns the number of data rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    batches = iter(batches)
    first = next(batches, [])
    layout = xlsx_layout(columns, labelled, label_for)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title[:31])
    for i, (header, column, part) in enumerate(layout, start=1):
        longest = max([len(header)] + [len(str(xlsx_value(r, column, part) or "")) for r in first[:500]])
        sheet.column_dimensions[get_column_letter(i)].width = max(8, min(60, longest + 2))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def text_cell(value):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # openpyxl would make a formula of text starting with "="
        return cell

    header_cells = []
    for header, _, _ in layout:
        cell = text_cell(header)
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0

    def every_row():
        yield from first
        for batch in batches:
            yield from batch

    for row in every_row():
        cells = []
        for _, column, part in layout:
            value = xlsx_value(row, column, part)
            if isinstance(value, str):
                cells.append(text_cell(value))
            elif isinstance(value, datetime.date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "DD/MM/YYYY"
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
        count += 1
    if layout:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(layout))}{count + 1}"
    source = book.create_sheet(SOURCE_SHEET)
    source.column_dimensions["A"].width = 28
    source.column_dimensions["B"].width = 100
    for label, value in source_rows:
        cell = text_cell(label)
        cell.font = bold
        source.append([cell, text_cell(str(value)) if value is not None else None])
    book.save(out)
    return count
