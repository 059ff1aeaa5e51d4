"""Issue 6: the static export, the synthetic national catalog, the facet indexes and the ASGI deployment entry
point (content-hashed URLs, memoized schema look-ups). Benchmarks themselves are not tests: `make bench`."""
import csv
import hashlib
import json
import sqlite3

import pytest

from tests.conftest import count


@pytest.fixture(scope="module")
def static_copy(catalog_path, tmp_path_factory):
    from scripts.publish.static_export import export

    out = tmp_path_factory.mktemp("static") / "site"
    return out, export(catalog_path, out)


def test_static_export_has_every_table_as_json_and_csv(static_copy, catalog_path):
    out, manifest = static_copy
    from scripts.publish.static_export import metadata, visible_tables

    with sqlite3.connect(f"file:{catalog_path}?mode=ro", uri=True) as conn:
        tables = visible_tables(conn, metadata())
    assert "wards" in tables and "plan_tasks" in tables
    assert not [t for t in tables if t.endswith("_fts") or t.startswith("sqlite_")]
    assert set(manifest["tables"]) == set(tables)
    for table in tables:
        rows = json.loads((out / "catalog" / f"{table}.json").read_text(encoding="utf-8"))
        assert isinstance(rows, list) and len(rows) == count(catalog_path, table) == manifest["tables"][table]
        with open(out / "catalog" / f"{table}.csv", encoding="utf-8", newline="") as f:
            lines = list(csv.reader(f))
        assert len(lines) - 1 == len(rows)
        if rows:
            assert lines[0] == list(rows[0])


def test_static_export_keeps_codes_and_vietnamese_text(static_copy):
    out, _ = static_copy
    wards = json.loads((out / "catalog" / "wards.json").read_text(encoding="utf-8"))
    assert all(isinstance(w["code"], str) and len(w["code"]) == 5 for w in wards)
    assert any(w["name"] == "Xã Tân Hộ Cơ" for w in wards)
    with open(out / "catalog" / "wards.csv", encoding="utf-8", newline="") as f:
        first = next(r for r in csv.DictReader(f))
    assert len(first["code"]) == 5  # leading zeros kept as text


def test_static_export_catalog_api_and_manifest(static_copy, catalog_path):
    out, manifest = static_copy
    dcat = json.loads((out / "-" / "dcat.jsonld").read_text(encoding="utf-8"))
    datasets = [n for n in dcat["@graph"] if n.get("@type") == "dcat:Dataset"]
    assert {d["dct:identifier"] for d in datasets} == set(manifest["tables"])
    for d in datasets:
        assert d["rdfs:comment"] == f"{manifest['tables'][d['dct:identifier']]} rows"
        # Every distribution URL is a file of the copy (a static host ignores the query string).
        for dist in d["dcat:distribution"]:
            path = dist["dcat:downloadURL"]["@id"].split("?")[0].lstrip("/")
            assert (out / path).is_file(), path
    api = json.loads((out / "-" / "openapi.json").read_text(encoding="utf-8"))
    assert api["openapi"].startswith("3.1")
    assert all(f"/catalog/{t}.json" in api["paths"] for t in manifest["tables"])
    for name, info in manifest["files"].items():
        data = (out / name).read_bytes()
        assert len(data) == info["bytes"] and hashlib.sha256(data).hexdigest() == info["sha256"]
    assert (out / "catalog.db").read_bytes() == catalog_path.read_bytes()
    assert "catalog/wards.csv" in (out / "index.html").read_text(encoding="utf-8")
