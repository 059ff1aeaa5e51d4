"""Column labels for people (XLSX headers, datapackage.json titles), in one place.

For now a label is derived from metadata.yml's column description: the Vietnamese part before " · "
("Mã tỉnh chính thức (2025) · official province code" → "Mã tỉnh chính thức (2025)"), and the English part after it.
The per-table spec files (issue "One table spec …") will hold labels of their own: re-point `column_label` and
`column_label_en` to them and every download follows.
"""
import functools
import re

from scripts.portal import catalog_metadata, metadata

LABEL_MAX = 60


@functools.lru_cache(maxsize=1)
def _project_metadata():
    return metadata()


def _description(table, column, meta=None):
    tables = catalog_metadata(meta if meta is not None else _project_metadata()).get("tables") or {}
    columns = (tables.get(table) or {}).get("columns") or {}
    return re.sub(r"<[^>]+>", "", str(columns.get(column) or "")).strip()


def _shorten(text):
    text = text.strip().rstrip(".")
    return text if len(text) <= LABEL_MAX else text[:LABEL_MAX - 1].rstrip() + "…"


def column_label(table, column, meta=None):
    """The Vietnamese label of a column (falls back to the column's own name)."""
    description = _description(table, column, meta)
    return _shorten(description.split(" · ", 1)[0]) if description else column


def column_label_en(table, column, meta=None):
    """The English label of a column (the part after " · "; the column's name where there is none)."""
    description = _description(table, column, meta)
    return _shorten(description.split(" · ", 1)[1]) if " · " in description else column
