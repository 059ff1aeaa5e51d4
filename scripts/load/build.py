"""Build build/catalog.db from sources/ — atomically.

The new database is written beside the old one (catalog.db.new) and moved over it only after every
check has passed; a failed build prints one error naming file, line and field, exits 1, and leaves the
previous catalog.db untouched.

    python -m scripts.load.build [--out build/catalog.db]
"""
import argparse
import os
import sys
import time
from pathlib import Path

import sqlite_utils

from scripts import spec
from scripts.load import curated, reference
from scripts.load.curated import load_curated, load_generic
from scripts.load.errors import BuildError
from scripts.load.indexes import create_indexes
from scripts.load.reference import load_documents, load_reference
from scripts.load.schema import create_tables
from scripts.load.search_index import build_search

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "build" / "catalog.db"


def build_into(path: Path):
    db = sqlite_utils.Database(path)
    db.conn.execute("pragma foreign_keys = on")
    create_tables(db)
    with db.conn:
        load_reference(db)
        load_documents(db)
        provenance = load_curated(db)
        load_generic(db, provenance, exclude=set(reference.LOADS) | set(curated.LOADS))
    problems = list(db.conn.execute("pragma foreign_key_check"))
    if problems:
        table, rowid, parent, _ = problems[0]
        raise BuildError(path, None, None, f"{len(problems)} dangling foreign key(s), first: {table} rowid {rowid} → {parent}")
    build_search(db)
    db.index_foreign_keys()
    create_indexes(db)
    db.conn.execute("analyze")
    db.conn.commit()
    db.vacuum()
    db.close()


def build(out: Path = DEFAULT_OUT) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".new")
    tmp.unlink(missing_ok=True)
    try:
        build_into(tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, out)  # atomic on one file system: readers see the old file or the new one
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        out = build(args.out)
    except BuildError as e:
        print(f"build failed: {e}", file=sys.stderr)
        print(f"{args.out} was left as it was.", file=sys.stderr)
        return 1
    db = sqlite_utils.Database(out)
    counts = ", ".join(f"{t} {db[t].count}" for t in spec.tables())
    print(f"built {out} in {time.perf_counter() - started:.1f}s: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
