"""Build build/catalog.db from sources/ — atomically.

The new database is written beside the old one (catalog.db.new), and its whole-table downloads into
downloads.new (scripts/publish/dumps.py); both are moved over the old ones only after every check has passed and
every file is written. A failed build prints one error naming file, line and field, exits 1, and leaves the
previous catalog.db and downloads/ untouched. So do the failures that are not the sources' fault (issue 13): a second build
while one runs (a lock beside the output: it stops with a message), a full disk or other I/O error, a
metadata.yml that does not parse — each one line, no traceback.

    python -m scripts.load.build [--out build/catalog.db]
"""
import argparse
import errno
import fcntl
import os
import shutil
import sqlite3
import sys
import time
from pathlib import Path

import sqlite_utils
import yaml

from scripts import spec
from scripts.load import curated, reference
from scripts.load.curated import load_curated, load_generic
from scripts.load.errors import BuildError
from scripts.load.indexes import create_indexes
from scripts.load.reference import load_documents, load_reference
from scripts.load.schema import create_tables
from scripts.load.search_index import build_search
from scripts.project import DATABASE as DEFAULT_OUT
from scripts.project import ROOT
from scripts.publish.dumps import DIRECTORY as DOWNLOADS
from scripts.publish.dumps import write_dumps

METADATA = ROOT / "metadata.yml"


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


def check_metadata():
    """metadata.yml must parse and be a mapping before anything reads it (indexes, facets)."""
    path = METADATA
    try:
        meta = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise BuildError(path, None, None, f"cannot be read: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise BuildError(path, None, None, f"is not UTF-8 (offset {e.start})") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise BuildError(path, mark.line + 1 if mark else None, None,
                         f"is not valid YAML: {getattr(e, 'problem', None) or e}") from None
    databases = meta.get("databases") if isinstance(meta, dict) else None
    if not isinstance(meta, dict) or not isinstance(databases or {}, dict) or not all(
            isinstance(d or {}, dict) and isinstance((d or {}).get("tables") or {}, dict) for d in (databases or {}).values()):
        raise BuildError(path, None, None, "must be a mapping with databases → <name> → tables")


def locked(out: Path):
    """An exclusive lock beside the output, held until the process ends; BuildError if another build has it."""
    lock = open(out.with_name(out.name + ".lock"), "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise BuildError(out, None, None, "another build is writing it (lock held); wait for it to finish") from None
    return lock


def build(out: Path = DEFAULT_OUT) -> Path:
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BuildError(out.parent, None, None, f"cannot be created: {e.strerror or e}") from None
    check_metadata()
    lock = locked(out)
    tmp = out.with_name(out.name + ".new")
    downloads = out.with_name(DOWNLOADS)
    tmp_downloads, old_downloads = (downloads.with_name(DOWNLOADS + suffix) for suffix in (".new", ".old"))
    tmp.unlink(missing_ok=True)
    for leftover in (tmp_downloads, old_downloads):
        shutil.rmtree(leftover, ignore_errors=True)

    def discard():
        tmp.unlink(missing_ok=True)
        shutil.rmtree(tmp_downloads, ignore_errors=True)

    try:
        build_into(tmp)
        write_dumps(tmp, tmp_downloads)
        # Each rename is atomic on one file system: readers see the old files or the new ones.
        if downloads.exists():
            downloads.rename(old_downloads)
        tmp_downloads.rename(downloads)
        os.replace(tmp, out)
        shutil.rmtree(old_downloads, ignore_errors=True)
    except BuildError:
        discard()
        raise
    except (OSError, sqlite3.Error) as e:
        discard()
        text = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
            text = f"the disk is full ({text})"
        raise BuildError(getattr(e, "filename", None) or tmp, None, None, f"cannot be written: {text}") from None
    except BaseException:
        discard()
        raise
    finally:
        lock.close()
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
