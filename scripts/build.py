"""Build build/catalog.db from sources/ — atomically.

The new database is written beside the old one (catalog.db.new), and its whole-table downloads into
downloads.new (scripts/dumps.py); both are moved over the old ones only after every check has passed and every
file is written. A failed build prints one error naming file, line and field, exits 1, and leaves the
previous catalog.db and downloads/ untouched.

    python -m scripts.build [--out build/catalog.db]
"""
import argparse
import os
import shutil
import sys
import time
from pathlib import Path

import sqlite_utils

from scripts.curated import load_curated
from scripts.dumps import DIRECTORY as DOWNLOADS
from scripts.dumps import write_dumps
from scripts.errors import BuildError
from scripts.indexes import create_indexes
from scripts.reference import load_documents, load_reference
from scripts.schema import CURATED_SCHEMA, SCHEMA, create_tables
from scripts.search_index import build_search

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "build" / "catalog.db"


def build_into(path: Path):
    db = sqlite_utils.Database(path)
    db.conn.execute("pragma foreign_keys = on")
    create_tables(db, SCHEMA)
    create_tables(db, CURATED_SCHEMA)
    with db.conn:
        load_reference(db)
        load_documents(db)
        load_curated(db)
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
    downloads = out.with_name(DOWNLOADS)
    tmp_downloads, old_downloads = (downloads.with_name(DOWNLOADS + suffix) for suffix in (".new", ".old"))
    tmp.unlink(missing_ok=True)
    for leftover in (tmp_downloads, old_downloads):
        shutil.rmtree(leftover, ignore_errors=True)
    try:
        build_into(tmp)
        write_dumps(tmp, tmp_downloads)
    except BaseException:
        tmp.unlink(missing_ok=True)
        shutil.rmtree(tmp_downloads, ignore_errors=True)
        raise
    # Each rename is atomic on one file system: readers see the old files or the new ones.
    if downloads.exists():
        downloads.rename(old_downloads)
    tmp_downloads.rename(downloads)
    os.replace(tmp, out)
    shutil.rmtree(old_downloads, ignore_errors=True)
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
    counts = ", ".join(f"{t} {db[t].count}" for t in list(SCHEMA) + list(CURATED_SCHEMA))
    print(f"built {out} in {time.perf_counter() - started:.1f}s: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
