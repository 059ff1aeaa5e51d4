"""Indexes that keep facets and sorted pages fast as the catalog grows (see BENCHMARKS.md, "Scale").

Datasette counts a facet with
    select col as value, count(*) as count from (<the page's query>) where col is not null
    group by col order by count desc, value limit N
With an index whose first column is `col`, SQLite answers the unfiltered count from the index alone (a
covering index scan, no table rows read, no temporary b-tree for the grouping); without one it reads every row
and sorts. Facet and sort columns come from the table specs (`portal.facets`, `portal.sort` of
sources/tables/<table>.yml), so a facet added there gets its index on the next build. Foreign-key columns are already indexed by the build (index_foreign_keys), primary
keys by SQLite. For the facets people combine with a filter on the province (the national catalog's usual
first click), a (province_code, col) index covers the filtered count too.

Called from scripts/load/build.py, after db.index_foreign_keys() and before `analyze`:
    from scripts.load.indexes import create_indexes
    create_indexes(db)
"""
from scripts import spec
from scripts.project import DATABASE

# Filter column that is combined with facets on most tables (a province first, then facet within it).
FILTER_FIRST = "province_code"


def facet_columns(root=None):
    """{table: [facet and sort columns]} from the table specs (plain column names; array facets are skipped)."""
    out = {}
    for table in spec.tables(root).values():
        columns = [f for f in table.portal.get("facets") or [] if isinstance(f, str)]
        sort = [table.portal.get(k) for k in ("sort", "sort_desc")]
        out[table.name] = list(dict.fromkeys(columns + [s for s in sort if isinstance(s, str)]))
    return out


def leading_columns(db, table):
    """The column lists of the table's existing indexes (primary-key autoindexes included)."""
    return [tuple(c for c in index.columns) for index in db[table].indexes]


def planned_indexes(db, root=None):
    """[(table, columns)] that create_indexes would add to this database."""
    plans = []
    for table, columns in facet_columns(root).items():
        if not db[table].exists():
            continue
        existing = leading_columns(db, table)
        table_columns = set(db[table].columns_dict)
        pks = db[table].pks
        for column in columns:
            if column not in table_columns:
                continue
            if pks and pks[0] == column:
                continue  # the primary key's own index (or the rowid) already orders and counts it
            if not any(index[:1] == (column,) for index in existing):
                plans.append((table, (column,)))
                existing.append((column,))
            if FILTER_FIRST in table_columns and column != FILTER_FIRST:
                pair = (FILTER_FIRST, column)
                if not any(index[:2] == pair for index in existing):
                    plans.append((table, pair))
                    existing.append(pair)
    return plans


def index_name(table, columns):
    return f"idx_{table}_{'_'.join(columns)}"


def create_indexes(db, root=None):
    """Create the facet indexes; returns what was created as [(index name, table, columns)]."""
    created = []
    for table, columns in planned_indexes(db, root):
        name = index_name(table, columns)
        cols = ", ".join(f"[{c}]" for c in columns)
        db.execute(f"create index if not exists [{name}] on [{table}] ({cols})")
        created.append((name, table, columns))
    return created


if __name__ == "__main__":
    import sys

    import sqlite_utils

    db = sqlite_utils.Database(sys.argv[1] if len(sys.argv) > 1 else DATABASE)
    for table, columns in planned_indexes(db):
        print(table, columns)
