"""Issue 6: the synthetic national catalog goes through the loader and scales; the facet indexes cover the facet
counts."""
import csv
import hashlib
import shutil
import sqlite3

import pytest

from tests.conftest import ROOT, count


@pytest.fixture(scope="module")
def synthetic_builds(tmp_path_factory):
    from bench import synthetic

    builds = {}
    for scale in (0.5, 1):
        out = tmp_path_factory.mktemp(f"synthetic-{scale}")
        generated = synthetic.generate(scale, out)
        seconds, peak, report = synthetic.build(out)  # `python -m scripts.load.build` in the copy, as a user would
        builds[scale] = (out, generated, out / "build" / "catalog.db")
    return builds


def test_synthetic_build_goes_through_the_loader(synthetic_builds):
    out, generated, db_path = synthetic_builds[1]
    sources = out / "sources"
    # The same layout as the real sources, hashes recorded, all 34 provinces listed for the loader.
    with open(sources / "document_files.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            data = (sources / "documents" / row["file"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == row["sha256"]
    listed = [line for line in (sources / "catalog_provinces.txt").read_text().splitlines()
              if line.strip() and not line.startswith("#")]
    assert len(listed) == 34 and "82" in listed and "91" in listed
    assert list((sources / "curated" / "plan_tasks").glob("*.csv"))
    assert count(db_path, "provinces") == 34
    assert count(db_path, "wards") == 3321
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select count(distinct province_code) from wards").fetchone()[0] == 34
        # Every curated row's excerpt was found in its document (the build's fidelity check passed and
        # linked the passage).
        for table in ("plan_tasks", "capital_projects", "indicators", "decisions", "project_wards"):
            assert conn.execute(f"select count(*) from [{table}] where passage_id is null").fetchone()[0] == 0
        assert conn.execute("pragma foreign_key_check").fetchall() == []
        # Owners are long-tailed: one department owns far more projects than the median owner.
        owners = [r[0] for r in conn.execute("select count(*) from capital_projects group by owner_id order by 1 desc")]
        assert owners[0] >= 3 * owners[len(owners) // 2]


def test_synthetic_counts_scale(synthetic_builds):
    half, one = synthetic_builds[0.5][2], synthetic_builds[1][2]
    expected = {"plan_tasks": 113, "capital_projects": 60, "indicators": 188, "document_passages": 733}
    for table, base in expected.items():
        assert count(one, table) == pytest.approx(base, rel=0.05), table
        assert count(half, table) == pytest.approx(base / 2, rel=0.05), table
    assert count(half, "wards") == count(one, "wards") == 3321


def test_default_catalog_still_two_provinces(tmp_path, db):
    from scripts.load.reference import DEFAULT_PROVINCES, catalog_provinces

    assert catalog_provinces(ROOT / "sources") == DEFAULT_PROVINCES == ("82", "91")
    assert {r["code"] for r in db.query("select code from provinces")} == {"82", "91"}
    (tmp_path / "catalog_provinces.txt").write_text("# comment\n01\n82  # Đồng Tháp\n\n", encoding="utf-8")
    assert catalog_provinces(tmp_path) == ("01", "82")


def test_facet_indexes_cover_facet_counts(catalog_path, tmp_path):
    import sqlite_utils

    from scripts.load.indexes import create_indexes, facet_columns, planned_indexes

    copy = tmp_path / "catalog.db"
    shutil.copyfile(catalog_path, copy)
    db = sqlite_utils.Database(copy)
    assert facet_columns()["plan_tasks"][:1] == ["province_code"]
    create_indexes(db)
    assert planned_indexes(db) == []  # idempotent: nothing left to create
    for table, column in (("plan_tasks", "timing_kind"), ("capital_projects", "section"), ("wards", "type")):
        plan = " ".join(r[3] for r in db.execute(
            f"explain query plan select {column} as value, count(*) as count from (select * from {table})"
            f" where {column} is not null group by {column} order by count desc, value limit 31"))
        assert "COVERING INDEX" in plan, plan
