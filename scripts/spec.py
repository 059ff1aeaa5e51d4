"""The table specs (sources/tables/<table>.yml): the one place a table's columns, types, keys, labels,
descriptions, enumerated values, CSV source and portal settings are written. Everything else derives from here:
the SQLite schema (scripts/load/schema.py), the CSV headers and value checks of the build (scripts/load/curated.py,
scripts/load/reference.py), the Datasette table metadata (merged into metadata.yml's portal-level keys by
scripts/project.py metadata()), the search index (scripts/load/search_index.py), the facet indexes, the column reference in
sources/curated/README.md, the OpenAPI schemas and the DCAT datasets.

A spec has the shape of a Frictionless Table Schema (`fields`, `primaryKey`, `foreignKeys`, a field's `type`,
`title`, `description`, `constraints`, `categories`), with these additions:
  - `title` and `description` are {vi: …, en: …} (a plain string where one text serves both languages);
    a category's `label` likewise. Categories are enforced: a CSV value outside them fails the build.
  - a field may say `derived: true` (the build computes it; not in the CSV) or `csv: <name>` (the CSV column it
    is read from, when named otherwise, e.g. an agency name the build resolves to agency_id);
  - a field the row states as printed says `printed: {as: <kind>, basis: <column>}`: the build checks that the
    excerpt prints it (kind: number, year, money, date, symbol, agency, text), unless the basis column says where
    it comes from instead; `comparator: <column>` (a printed qualifier such as "gần" needs that comparator, not
    "="), `beside: <restored column>` (a cell the OCR interleaves with the restored one, taken out of the excerpt
    before the restoration is compared), `form_of: <restored column>` (the printed form of the restored cell,
    which the restoration is compared with); a value the document does not print for the row (a guess, a lead
    inferred from a general assignment, a year from a heading) lives in its own column marked `inferred: true` or
    `inferred: {basis: <column>}`, never in the printed one; row pages show these and every basis column apart
    (not_printed_columns());
  - a free-text field the curators write in English rather than Vietnamese (their notes) says `language: en`: the
    text is data and is never translated, but row pages label it as English and mark it `lang="en"`
    (plugins/portal_i18n.py portal_row; the words of the label are scripts/serve/i18n.yml ui `in_english`);
  - `- include: <group>` in `fields` inserts a field group of sources/tables/_shared.yml (the provenance
    columns every curated table carries, with their foreign keys), optionally with `derived: [names]` (fields of
    the group the build computes for this table) and `optional: [names]` (fields its CSV may leave empty); a
    field's `categories: {include: <group>}` takes a value set several columns share (the comparator scheme, the
    kinds of money) from the same file;
  - table keys: `position` (order of tables on the home page, in the catalog and the build), `csv` (where the
    rows come from: `path` below the sources root, a file or a folder of one CSV per document, and `header` when
    the CSV's column order differs from the fields'), `restored` (the restored column the fidelity check matches
    against the excerpt), per-table `source`/`license` keys, and `portal` (label_column, sort, sort_desc,
    facets, `shown` — the columns a table page shows by default — `search: {columns, position}`, and
    `hidden: true` for a table the build derives for the portal's own use, e.g. search_vocabulary: not listed
    on pages nor published as a dataset). A table without `csv` is created empty from its spec for the build
    to fill (its fields `derived: true`).

The sources root is `sources/` unless the CATALOG_SOURCES environment variable names another folder (the
toy-table test builds and serves a copy). Only PyYAML is needed, so pages, plugins and the build can all use it.
It sits at the top of the scripts package, beside scripts/project.py, because every stage reads it (load,
publish, serve, the plugins, curate, bench) and it belongs to none: under scripts/load it would make serving
code import the loader package for a fact that is not a build step. It imports only scripts.load.errors (a leaf
module: BuildError, which a bad spec raises like any bad build input), and scripts/project.py imports it, so
imports stay acyclic and build code still never imports serve code.

For pages in Vietnamese (or English): column_label(), column_description(), enum_label(), table_title(),
table_description(), shown_columns(), not_printed_columns().
"""
import os
from functools import lru_cache
from pathlib import Path

import yaml

from scripts.load.errors import BuildError

ROOT = Path(__file__).resolve().parent.parent
SOURCES_ENV = "CATALOG_SOURCES"
DEFAULT_SOURCES = str(ROOT / "sources")  # joined once: sources_root() is asked many times a search request
LANGUAGES = ("vi", "en")
SEPARATOR = " · "  # between the Vietnamese and the English text where one string carries both
TYPES = {"string": "TEXT", "date": "TEXT", "integer": "INTEGER", "number": "FLOAT"}  # spec type → SQLite type
PYTHON_TYPES = {"TEXT": str, "INTEGER": int, "FLOAT": float}
SHARED = "_shared.yml"
TABLE_KEYS = {"name", "position", "title", "description", "source", "source_url", "license", "license_url", "fields",
              "primaryKey", "foreignKeys", "csv", "restored", "portal"}
FIELD_KEYS = {"name", "type", "title", "description", "constraints", "categories", "derived", "csv", "printed",
              "inferred", "language"}
# How a value the row states as printed must appear in its excerpt (scripts/load/fidelity.py printed() reads each kind).
PRINTED_KINDS = {"number", "year", "money", "date", "symbol", "agency", "text"}
PRINTED_KEYS = {"as", "basis", "comparator", "beside", "form_of"}
CONSTRAINTS = {"required", "minimum", "maximum"}  # what csvsource.Row.typed() enforces
PORTAL_KEYS = {"label_column", "sort", "sort_desc", "facets", "shown", "search", "hidden"}


def sources_root() -> Path:
    """sources/, or the folder CATALOG_SOURCES names (read on every call: a test may point it elsewhere)."""
    return _resolved(os.environ.get(SOURCES_ENV) or DEFAULT_SOURCES)


@lru_cache(maxsize=8)
def _resolved(path: str) -> Path:
    return Path(path).resolve()


class Table:
    """One table's spec, read and checked; `fields` is the list of field dicts with groups included."""

    def __init__(self, path: Path, spec: dict, shared: dict):
        self.path, self.spec = path, spec
        self.name = spec.get("name") or path.stem
        self.fields, self.foreign_keys = [], []
        for field in spec.get("fields") or []:
            if "include" in field:
                group = shared.get(field["include"])
                if group is None:
                    raise self.error("fields", f"includes {field['include']!r}, which {SHARED} does not define")
                self.fields += self._included(field, group.get("fields") or [])
                self.foreign_keys += [_fk(fk) for fk in group.get("foreignKeys") or []]
            else:
                self.fields.append(self._with_categories(field, shared))
        self.foreign_keys = [_fk(fk) for fk in spec.get("foreignKeys") or []] + self.foreign_keys
        self.by_name = {f["name"]: f for f in self.fields}
        self.portal = spec.get("portal") or {}
        self.csv = spec.get("csv")
        self.check()

    def error(self, key, message):
        return BuildError(self.path, None, key, message)

    def _included(self, include, fields):
        """A group's fields as this table takes them: `derived` ones computed by the build, `optional` ones that
        its CSV may leave empty (e.g. task_agencies: an agency printed with its task has the task's provenance)."""
        derived, optional = set(include.get("derived") or []), set(include.get("optional") or [])
        if set(include) - {"include", "derived", "optional"}:
            raise self.error("fields", f"include {include['include']!r} has unknown keys "
                                       f"{sorted(set(include) - {'include', 'derived', 'optional'})} (derived, optional)")
        unknown = (derived | optional) - {f["name"] for f in fields}
        if unknown:
            raise self.error("fields", f"include {include['include']!r} names {sorted(unknown)}, not fields of the group")
        out = []
        for f in fields:
            if f["name"] in derived:
                f = {**f, "derived": True}
            if f["name"] in optional:
                f = {**f, "constraints": {**(f.get("constraints") or {}), "required": False}}
            out.append(f)
        return out

    def _with_categories(self, field, shared):
        """The field with `categories: {include: <group>}` replaced by the group's categories in _shared.yml."""
        categories = field.get("categories")
        if not isinstance(categories, dict):
            return field
        group = (shared.get(categories.get("include")) or {}).get("categories")
        if not group:
            raise self.error("fields", f"{field.get('name')!r} includes categories {categories.get('include')!r}, "
                                       f"which {SHARED} does not define")
        return {**field, "categories": group}

    def check(self):
        """Every name a spec mentions must be one of its fields: a typo fails the build, not a page."""
        unknown = set(self.spec) - TABLE_KEYS
        if unknown:
            raise self.error(sorted(unknown)[0], f"is not a table spec key (one of {sorted(TABLE_KEYS)})")
        if self.name != self.path.stem:
            raise self.error("name", f"{self.name!r} must be the file's name, {self.path.stem!r}")
        if len(self.by_name) != len(self.fields):
            raise self.error("fields", "names a column twice")
        for field in self.fields:
            if set(field) - FIELD_KEYS:
                raise self.error("fields", f"{field.get('name')!r} has unknown keys {sorted(set(field) - FIELD_KEYS)}")
            if field.get("language", "vi") not in LANGUAGES:
                raise self.error("fields", f"{field['name']!r} has language {field['language']!r}, not one of {list(LANGUAGES)}")
            if field.get("type") not in TYPES:
                raise self.error("fields", f"{field.get('name')!r} has type {field.get('type')!r}, not one of {sorted(TYPES)}")
            if set(field.get("constraints") or {}) - CONSTRAINTS:
                raise self.error("fields", f"{field['name']!r} has constraints the build does not check: "
                                           f"{sorted(set(field['constraints']) - CONSTRAINTS)} (it checks {sorted(CONSTRAINTS)})")
        for field in self.fields:
            printed = field.get("printed")
            if printed is None:
                continue
            if not isinstance(printed, dict) or set(printed) - PRINTED_KEYS or printed.get("as") not in PRINTED_KINDS:
                raise self.error("fields", f"{field['name']!r} has printed {printed!r}: keys {sorted(PRINTED_KEYS)}, "
                                           f"`as` one of {sorted(PRINTED_KINDS)}")
            for key in ("basis", "comparator", "beside", "form_of"):
                if printed.get(key) and printed[key] not in self.by_name:
                    raise self.error("fields", f"{field['name']!r} printed.{key} names {printed[key]!r}, which is not "
                                               f"a field of {self.name}")
            for key in ("beside", "form_of"):
                if printed.get(key) and printed[key] != self.spec.get("restored"):
                    raise self.error("fields", f"{field['name']!r} printed.{key} must name the restored column")
        for field in self.fields:
            inferred = field.get("inferred")
            if inferred in (None, True):
                continue
            if not isinstance(inferred, dict) or set(inferred) - {"basis"} or inferred.get("basis") not in self.by_name:
                raise self.error("fields", f"{field['name']!r} has inferred {inferred!r}: true, or {{basis: <a field of "
                                           f"{self.name}>}}")
        mentioned = [("primaryKey", c) for c in self.primary_key] + [("foreignKeys", c) for c, _, _ in self.foreign_keys]
        for key in ("label_column", "sort", "sort_desc"):
            if self.portal.get(key):
                mentioned.append((f"portal.{key}", self.portal[key]))
        mentioned += [("portal.facets", f if isinstance(f, str) else next(iter(f.values())))
                      for f in self.portal.get("facets") or []]
        mentioned += [("portal.shown", c) for c in self.portal.get("shown") or []]
        mentioned += [("portal.search", c) for c in (self.portal.get("search") or {}).get("columns") or []]
        if self.spec.get("restored"):
            mentioned.append(("restored", self.spec["restored"]))
        for key, column in mentioned:
            if column not in self.by_name:
                raise self.error(key, f"names {column!r}, which is not a field of {self.name}")
        if set(self.portal) - PORTAL_KEYS:
            raise self.error("portal", f"has unknown keys {sorted(set(self.portal) - PORTAL_KEYS)}")
        if self.csv is not None:
            header, expected = self.csv_header(), self.csv_names()
            if sorted(header) != sorted(expected):
                raise self.error("csv.header", f"must list the CSV columns {sorted(expected)}, not {sorted(header)}")

    # --- the table ---------------------------------------------------------------------------------------
    @property
    def position(self):
        return self.spec.get("position", 10 ** 6)

    @property
    def primary_key(self) -> list[str]:
        pk = self.spec.get("primaryKey") or []
        return [pk] if isinstance(pk, str) else list(pk)

    def columns(self) -> dict:
        """{column: SQLite type}, in table order."""
        return {f["name"]: TYPES[f["type"]] for f in self.fields}

    def text(self, key, lang=None):
        return in_language(self.spec.get(key), lang)

    # --- the CSV source ----------------------------------------------------------------------------------
    def csv_fields(self) -> list[dict]:
        """The fields read from the CSV (not derived), in field order."""
        return [f for f in self.fields if not f.get("derived")]

    def csv_only(self) -> list[dict]:
        """CSV columns that are not stored in the table (e.g. an agency's kind in agency_mentions)."""
        return (self.csv or {}).get("fields") or []

    def csv_names(self) -> list[str]:
        return [f.get("csv", f["name"]) for f in self.csv_fields()] + [f["name"] for f in self.csv_only()]

    def csv_header(self) -> list[str]:
        """The CSV's header, exactly: `csv.header` where the order differs from the fields', else field order."""
        return list((self.csv or {}).get("header") or self.csv_names())

    def csv_paths(self, root=None) -> list[Path]:
        """The CSV files: the one file `csv.path` names, or every *.csv in that folder (one per document)."""
        path = Path(root or sources_root()) / self.csv["path"]
        return sorted(path.glob("*.csv")) if path.is_dir() or not path.suffix else [path]

    def field_of_csv(self, csv_name) -> dict | None:
        for f in self.csv_fields():
            if f.get("csv", f["name"]) == csv_name:
                return f
        return None

    # --- values ------------------------------------------------------------------------------------------
    def categories(self, column) -> list:
        return [c["value"] if isinstance(c, dict) else c for c in self.by_name[column].get("categories") or []]

    def required(self, column) -> bool:
        """Required: constraints.required, or, for a column with categories, unless it says required: false."""
        field = self.by_name[column]
        default = bool(field.get("categories"))
        return bool((field.get("constraints") or {}).get("required", default))

    def not_printed_columns(self) -> list[str]:
        """Columns whose values the excerpt does not print: inferred values and the basis columns (of printed values
        read from elsewhere, and of inferred ones), in field order. Asked for every column of every table page:
        worked out once per spec."""
        if "_not_printed" not in self.__dict__:
            self.__dict__["_not_printed"] = self._not_printed_columns()
        return list(self.__dict__["_not_printed"])

    def _not_printed_columns(self) -> list[str]:
        names = set()
        for f in self.fields:
            if f.get("inferred"):
                names.add(f["name"])
            for key in ("printed", "inferred"):
                if isinstance(f.get(key), dict) and f[key].get("basis"):
                    names.add(f[key]["basis"])
        return [f["name"] for f in self.fields if f["name"] in names]

    @property
    def has_provenance(self) -> bool:
        return {"document_id", "locator", "excerpt", "passage_id"} <= set(self.by_name)

    @property
    def search_columns(self) -> list[str]:
        return list((self.portal.get("search") or {}).get("columns") or [])

    def datasette(self) -> dict:
        """This table's section of Datasette's metadata (title, description, columns, facets …)."""
        meta = {"title": self.text("title"), "description": self.text("description")}
        for key in ("source", "source_url", "license", "license_url"):
            if key in self.spec:
                meta[key] = self.spec[key]
        for key in ("label_column", "sort", "sort_desc", "facets", "hidden"):
            if key in self.portal:
                meta[key] = self.portal[key]
        if self.search_columns:
            meta["fts_table"] = f"{self.name}_fts"
        meta["columns"] = {f["name"]: in_language(f.get("description")) for f in self.fields if f.get("description")}
        return meta


def _fk(fk) -> tuple:
    """(column, other table, other column) from a Frictionless foreign key."""
    return (fk["fields"], fk["reference"]["resource"], fk["reference"]["fields"])


def in_language(text, lang=None):
    """A {vi, en} text in one language, or both as 'vi · en' (lang None) — the form metadata.yml always had."""
    if text is None or isinstance(text, str):
        return text
    if lang is not None:
        return text.get(lang) or next(iter(text.values()))
    return SEPARATOR.join(text[k] for k in LANGUAGES if text.get(k))


@lru_cache(maxsize=8)
def _load(root: Path) -> dict[str, Table]:
    folder = root / "tables"
    if not folder.is_dir():
        raise BuildError(folder, None, None, "does not exist: every table is described by a spec there")
    shared_path = folder / SHARED
    shared = yaml.safe_load(shared_path.read_text(encoding="utf-8")) if shared_path.exists() else {}
    specs = []
    for path in sorted(folder.glob("*.yml")):
        if path.name == SHARED:
            continue
        try:
            spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            raise BuildError(path, mark.line + 1 if mark else None, None, f"is not valid YAML: {e}") from None
        specs.append(Table(path, spec or {}, shared))
    tables = {t.name: t for t in sorted(specs, key=lambda t: (t.position, t.name))}
    for t in tables.values():
        for column, other, other_column in t.foreign_keys:
            if other not in tables or other_column not in tables[other].by_name:
                raise t.error("foreignKeys", f"{column} refers to {other}.{other_column}, which no spec defines")
    return tables


def tables(root=None) -> dict[str, Table]:
    """Every table spec, in `position` order."""
    return _load(_resolved(str(root)) if root else sources_root())


def table(name, root=None) -> Table:
    return tables(root)[name]


# --- what other modules derive -----------------------------------------------------------------------------
def sqlite_schema(root=None) -> dict:
    """{table: ({column: python type}, primary key, [(column, other table, other column)])} for sqlite-utils."""
    out = {}
    for t in tables(root).values():
        pk = t.primary_key[0] if len(t.primary_key) == 1 else tuple(t.primary_key)
        out[t.name] = ({c: PYTHON_TYPES[s] for c, s in t.columns().items()}, pk, t.foreign_keys)
    return out


def searchable(root=None) -> dict[str, list[str]]:
    """{table: text columns of its full-text index, title first}, in the order /-/search lists its groups."""
    return _searchable(_resolved(str(root)) if root else sources_root())


@lru_cache(maxsize=8)
def _searchable(root: Path) -> dict[str, list[str]]:  # asked on every search request
    found = [t for t in tables(root).values() if t.search_columns]
    found.sort(key=lambda t: ((t.portal.get("search") or {}).get("position", t.position), t.name))
    return {t.name: t.search_columns for t in found}


def datasette_tables(root=None) -> dict:
    """The `tables` section of the catalog database in Datasette's metadata."""
    return {t.name: t.datasette() for t in tables(root).values()}


def merged_metadata(metadata: dict, database: str, root=None) -> dict:
    """metadata.yml (portal-level keys, canned queries) with the tables' sections derived from the specs."""
    databases = dict(metadata.get("databases") or {})
    section = dict(databases.get(database) or {})
    written = section.get("tables") or {}  # a table section left in metadata.yml adds to (overrides) its spec
    derived = datasette_tables(root)
    section["tables"] = {t: {**derived.get(t, {}), **(written.get(t) or {})} for t in {**derived, **written}}
    databases[database] = section
    return {**metadata, "databases": databases}


# --- labels for pages -------------------------------------------------------------------------------------
def table_title(name, lang="vi", root=None):
    return table(name, root).text("title", lang)


def table_description(name, lang="vi", root=None):
    return table(name, root).text("description", lang)


def column_label(name, column, lang="vi", root=None):
    """The column's short human label (a header), falling back to its name."""
    field = table(name, root).by_name.get(column)
    return (in_language(field.get("title"), lang) if field else None) or column


def column_description(name, column, lang="vi", root=None):
    """The column's description with its unit; lang None gives 'vi · en'."""
    field = table(name, root).by_name.get(column)
    return in_language(field.get("description"), lang) if field else None


def enum_label(name, column, value, lang="vi", root=None):
    """The words for an enumerated value (e.g. plan_tasks.timing_kind 'recurring' → 'thường xuyên'); the value
    itself where the spec gives none."""
    field = table(name, root).by_name.get(column) or {}
    for c in field.get("categories") or []:
        if isinstance(c, dict) and c.get("value") == value and c.get("label"):
            return in_language(c["label"], lang)
    return value


def not_printed_columns(name, root=None) -> list[str]:
    """The columns a row page shows apart, as not printed in the excerpt (Table.not_printed_columns); none for a
    table without a spec."""
    found = tables(root)
    return found[name].not_printed_columns() if name in found else []


def shown_columns(name, root=None) -> list[str]:
    """The columns a table page shows by default: `portal.shown`, else every column."""
    t = table(name, root)
    return list(t.portal.get("shown") or t.columns())
