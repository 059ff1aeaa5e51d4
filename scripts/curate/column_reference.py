"""The column reference of sources/curated/README.md, generated from the table specs so that it cannot drift
from what the build reads. The README holds it between cog markers; regenerate after changing a spec with

    PYTHONPATH=. .venv/bin/python -m cogapp -r sources/curated/README.md

and tests/loading/test_specs.py fails while the README and the specs disagree (cogapp --check).
"""
from scripts import spec


def _values(field) -> str:
    words = []
    for c in field.get("categories") or []:
        value, label = (c.get("value"), c.get("label")) if isinstance(c, dict) else (c, None)
        vi, en = spec.in_language(label, "vi") if label else None, spec.in_language(label, "en") if label else None
        names = " · ".join(dict.fromkeys(w for w in (vi, en) if w and w != value))
        words.append(f"`{value}`" + (f" ({names})" if names else ""))
    return ", ".join(words)


def _cell(text) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def table_reference(table: spec.Table) -> str:
    """One table's CSV: where it lives, its exact header, and each column's meaning and allowed values."""
    path = table.csv["path"]
    where = f"`sources/{path}/<document_id>.csv`" if not path.endswith(".csv") else f"`sources/{path}`"
    lines = [f"### `{table.name}` — {table.text('title')}", "",
             f"{where}, header: `{','.join(table.csv_header())}`", "",
             "| column | description · mô tả | values · giá trị |", "| --- | --- | --- |"]
    for name in table.csv_header():
        field = table.field_of_csv(name) or next(f for f in table.csv_only() if f["name"] == name)
        column = f"`{name}`" + (f" → `{field['name']}`" if field["name"] != name else "")
        lines.append(f"| {column} | {_cell(spec.in_language(field.get('description')))} | {_cell(_values(field))} |")
    derived = [f["name"] for f in table.fields if f.get("derived")]
    if derived:
        lines += ["", "Computed by the build, not in the CSV: " + ", ".join(f"`{c}`" for c in derived) + "."]
    return "\n".join(lines) + "\n"


def curated_reference(root=None) -> str:
    """Every curated table (a spec whose CSV lives under sources/curated/), in the specs' order."""
    tables = [t for t in spec.tables(root).values() if t.csv and t.csv["path"].startswith("curated/")]
    return "\n".join(table_reference(t) for t in tables)
