"""The catalog's tables, created before loading with their types, primary keys and real foreign keys (so SQLite
enforces them and Datasette links rows across tables). The columns come from the table specs
(sources/tables/<table>.yml, read by scripts/spec.py); nothing here names a column."""
from scripts import spec


def create_tables(db, schema=None):
    """Create every table of `schema` ({table: (columns, pk, foreign keys)}, default: all the specs)."""
    for table, (columns, pk, fks) in (schema or spec.sqlite_schema()).items():
        db[table].create(columns, pk=pk, foreign_keys=fks)
