"""Issue 2: the portal foundation — documents, passages, provinces, wards and their predecessors."""
import csv
import hashlib
import re

import pytest

from scripts.load.textfold import collapse_ws
from tests.conftest import ROOT

EXPECTED_WARDS = {("82", "xã"): 82, ("82", "phường"): 20, ("91", "xã"): 85, ("91", "phường"): 14, ("91", "đặc khu"): 3}


def test_ward_counts_by_province_and_type(db):
    counts = {(r["province_code"], r["type"]): r["n"]
              for r in db.query("select province_code, type, count(*) n from wards group by 1, 2")}
    assert counts == EXPECTED_WARDS


def test_codes_are_zero_padded_text(db):
    assert db["wards"].columns_dict["code"] is str
    assert db["provinces"].columns_dict["code"] is str
    codes = [r["code"] for r in db.query("select code from wards")]
    assert all(re.fullmatch(r"\d{5}", c) for c in codes)
    # An Giang's wards start at 30xxx; Đồng Tháp's include 28xxx: no integer ever lost a digit.
    assert db.execute("select typeof(code) from wards group by 1").fetchall() == [("text",)]


def test_every_ward_lies_in_its_province_bounding_box(db):
    outside = list(db.query(
        "select w.code, w.name, w.latitude, w.longitude from wards w join provinces p on p.code = w.province_code"
        " where w.latitude not between p.min_latitude and p.max_latitude"
        " or w.longitude not between p.min_longitude and p.max_longitude"))
    assert outside == []
    # Independent sanity bounds (Mekong Delta; An Giang reaches the Thổ Chu islands and Phú Quốc).
    for row in db.query("select province_code, min(latitude) a, max(latitude) b, min(longitude) c, max(longitude) d"
                        " from wards group by 1"):
        assert 9.0 < row["a"] < row["b"] < 11.2 and 103.3 < row["c"] < row["d"] < 107.0


def test_wards_cross_checked_against_vietnam_provinces(db):
    """An independent source (GPL, test-only): every code and name agrees."""
    from vietnam_provinces import Ward

    theirs = {str(int(w.code)).zfill(5): w.name for w in Ward.iter_all() if int(w.province_code) in (82, 91)}
    ours = {r["code"]: r["name"] for r in db.query("select code, name from wards")}
    assert ours == theirs


def test_provinces_and_their_former_provinces(db):
    rows = {r["code"]: r for r in db.query("select * from provinces")}
    assert set(rows) == {"82", "91"}
    assert rows["82"]["name"] == "Tỉnh Đồng Tháp" and "Tỉnh Tiền Giang" in rows["82"]["merged_from"]
    assert rows["91"]["name"] == "Tỉnh An Giang" and "Tỉnh Kiên Giang" in rows["91"]["merged_from"]


def test_former_unit_leads_to_todays_ward(db):
    """A journalist looks up "xã Tân Hộ Cơ (huyện Tân Hồng)" and lands on today's ward."""
    rows = list(db.query(
        "select w.code, w.name from ward_predecessors p join wards w on w.code = p.ward_code"
        " where p.former_name = 'Xã Tân Hộ Cơ' and p.former_district = 'Huyện Tân Hồng'"))
    assert len(rows) == 1 and rows[0]["name"].startswith("Xã ")
    # Every 2025 ward of both provinces has at least one predecessor.
    assert db.execute("select count(*) from wards where code not in (select ward_code from ward_predecessors)"
                      ).fetchone()[0] == 0


def test_foreign_keys_hold(db):
    assert db.execute("pragma foreign_key_check").fetchall() == []
    assert {fk.other_table for fk in db["wards"].foreign_keys} == {"provinces"}


def test_document_hashes_match_the_files(db):
    for row in db.query("select file, sha256 from document_files"):
        data = (ROOT / "sources" / "documents" / row["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row["sha256"]
    # The Công văn is one document with two files.
    assert db.execute("select count(*) from documents").fetchone()[0] == 4
    assert db.execute("select count(*) from document_files").fetchone()[0] == 5


def test_documents_are_byte_identical_to_the_seeds():
    seeds = ROOT.parent / "shared" / "seeds"  # CI clones the project with shared/ beside it
    assert seeds.is_dir(), f"{seeds} is missing: the received documents are the reference"
    with (ROOT / "sources" / "document_files.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            assert (ROOT / "sources/documents" / row["file"]).read_bytes() == (seeds / row["received_as"]).read_bytes()


def test_passages_reproduce_each_file_in_order(db):
    for f in db.query("select file from document_files"):
        text = (ROOT / "sources" / "documents" / f["file"]).read_text(encoding="utf-8")
        joined = " ".join(r["text"] for r in db.query(
            "select text from document_passages where file = ? order by seq", [f["file"]]))
        assert collapse_ws(joined) == collapse_ws(text)


def test_passages_carry_heading_paths(db):
    row = db.execute("select heading_path from document_passages where file = 'dongthap-kh-215-2025.txt'"
                     " and text like '- 85% ho gia dinh%'").fetchone()
    assert row[0].startswith("I. MUC TIEU › 2. Muc tiéu cu thé › a) Ha tang s6")


def test_table_json_shapes(client):
    rows = client.json("/catalog/wards.json?_shape=array&_size=5")
    assert len(rows) == 5 and set(rows[0]) == {"code", "name", "short_name", "type", "province_code",
                                                "latitude", "longitude", "area_km2"}
    obj = client.json("/catalog/provinces.json?_shape=objects")
    assert {r["code"] for r in obj["rows"]} == {"82", "91"}
    for table in ["provinces", "wards", "ward_predecessors", "documents", "document_files", "document_passages"]:
        assert client.get(f"/catalog/{table}.json?_shape=array").status_code == 200


def test_facet_counts_through_the_api(client):
    data = client.json("/catalog/wards.json?_facet=province_code&_facet=type&_size=0")
    province = {f["value"]: f["count"] for f in data["facet_results"]["province_code"]["results"]}
    kind = {f["value"]: f["count"] for f in data["facet_results"]["type"]["results"]}
    assert province == {"82": 102, "91": 102}
    assert kind == {"xã": 167, "phường": 34, "đặc khu": 3}
    # The default facets of the wards page come from metadata.yml.
    page = client.get("/catalog/wards").text
    assert 'data-column="province_code"' in page and 'data-column="type"' in page


def test_paging_with_next(client):
    first = client.json("/catalog/wards.json?_size=100")
    second = client.json(f"/catalog/wards.json?_size=100&_next={first['next']}")
    third = client.json(f"/catalog/wards.json?_size=100&_next={second['next']}")
    codes = [r[0] for r in first["rows"] + second["rows"] + third["rows"]]
    assert len(codes) == len(set(codes)) == 204 and third["next"] is None


def test_cors_and_cache_headers(client):
    response = client.get("/catalog/wards.json")
    assert response.headers["access-control-allow-origin"] == "*"
    assert "max-age=86400" in response.headers["cache-control"]


def test_wards_page_has_the_cluster_map(client):
    page = client.get("/catalog/wards").text
    assert "datasette-cluster-map.js" in page
    assert 'DATASETTE_CLUSTER_MAP_LATITUDE_COLUMN = "latitude"' in page


def test_csv_download(client):
    response = client.get("/catalog/wards.csv?_size=max")
    assert response.status_code == 200
    rows = list(csv.DictReader(response.text.splitlines()))
    assert len(rows) == 204 and rows[0]["code"].startswith(("2", "3")) and len(rows[0]["code"]) == 5
    assert any(r["name"] == "Phường Mỹ Tho" for r in rows)


def test_database_file_downloads(client, catalog_path):
    response = client.get("/catalog.db")
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == hashlib.sha256(catalog_path.read_bytes()).hexdigest()


@pytest.mark.parametrize("sql", [
    "insert into wards (code) values ('99999')",
    "update wards set name = 'x'",
    "delete from wards",
    "drop table wards",
    "pragma writable_schema = 1",
    "attach database '/tmp/x.db' as x",
    "select load_extension('/tmp/evil')",
])
def test_sql_cannot_write(client, catalog_path, sql):
    before = hashlib.sha256(catalog_path.read_bytes()).hexdigest()
    response = client.get("/catalog.json", params={"sql": sql})
    assert response.status_code in (400, 403), (sql, response.status_code, response.text[:200])
    assert response.json()["ok"] is False
    assert client.get("/catalog/wards.json?_size=0").json()["filtered_table_rows_count"] == 204
    assert hashlib.sha256(catalog_path.read_bytes()).hexdigest() == before


def test_metadata_describes_every_column(client):
    meta = client.json("/-/metadata.json")["databases"]["catalog"]["tables"]
    tables = client.json("/catalog.json")["tables"]
    for table in tables:
        if table["hidden"]:
            continue
        described = meta.get(table["name"], {})
        assert described.get("description"), table["name"]
        missing = set(table["columns"]) - set(described.get("columns", {}))
        assert not missing, (table["name"], missing)
    assert "wards" in meta and "approximate" in meta["wards"]["description"]


def test_build_code_never_imports_serving_code_and_plugins_edit_no_path():
    """The layout shows the data flow: load, publish and curate never import scripts.serve; plugins import the
    installed `scripts` package instead of editing sys.path."""
    import ast

    for package in ("load", "publish", "curate"):
        for module in (ROOT / "scripts" / package).glob("*.py"):
            for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                assert not any(n.startswith("scripts.serve") for n in names), f"{module} imports {names}"
    for plugin in (ROOT / "plugins").glob("*.py"):
        assert "sys.path" not in plugin.read_text(encoding="utf-8"), plugin


def test_makefile_is_a_build_graph():
    """`make` alone lists the targets; build/catalog.db is a file target rebuilt when a source, a table spec,
    metadata.yml or the loader changes; recipes run in bash with pipefail, and a failed one deletes its target."""
    import subprocess

    def make(*args):
        return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True,
                              timeout=60)

    listing = make()
    assert listing.returncode == 0 and "make serve" in listing.stdout and "make test" in listing.stdout
    for changed in ["sources/documents.csv", "sources/curated/plan_tasks/dongthap-kh-215-2025.csv", "metadata.yml",
                    "scripts/load/schema.py", "sources/tables/plan_tasks.yml", "scripts/spec.py"]:
        plan = make("-n", "-W", changed, "-o", ".venv/.installed", "build/catalog.db")
        assert "scripts.load.build" in plan.stdout, changed
    text = (ROOT / "Makefile").read_text()
    assert ".DELETE_ON_ERROR:" in text and "SHELL := bash" in text and "-eo pipefail" in text
    assert "$(wildcard sources/tables/*.yml)" in text
