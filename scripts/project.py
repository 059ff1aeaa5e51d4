"""Where the project's files are and what the database is called: the facts every stage (load, publish, serve,
curate, bench, tests) shares, kept here so build code need not import serving code to learn them."""
from pathlib import Path

import yaml

from scripts.spec import merged_metadata

ROOT = Path(__file__).resolve().parent.parent
DATABASE_NAME = "catalog"  # Datasette names a database after its file: the /catalog/… URLs
DATABASE = ROOT / "build" / f"{DATABASE_NAME}.db"
INSPECT = ROOT / "build" / "inspect.json"


def metadata():
    """Datasette's metadata: metadata.yml (the portal-level keys and the canned queries) with each table's section
    (title, description, columns, facets, sort, label column, search) derived from its spec in sources/tables/."""
    return merged_metadata(yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8")), DATABASE_NAME)


def catalog_metadata(meta=None):
    """The catalog database's section of metadata.yml (its tables, queries …), {} where there is none."""
    meta = metadata() if meta is None else meta
    return (meta.get("databases") or {}).get(DATABASE_NAME) or {}


def catalog_section(section, meta=None):
    """{name: metadata} of the catalog's "tables" or "queries", {} where there are none."""
    return catalog_metadata(meta).get(section) or {}


def catalog_entry(section, name, meta=None):
    """The metadata of one table (section "tables") or canned query ("queries"), {} where there is none."""
    return catalog_section(section, meta).get(name) or {}
