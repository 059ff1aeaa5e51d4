"""Issue 11: one spec per table (sources/tables/<table>.yml) from which the schema, the CSV checks, the metadata,
the search index, the column reference, OpenAPI and DCAT all derive; adding a table is a spec plus its CSV."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, Client, copy_project, run_build

TOY = "toy_sites"
DOCUMENT = "dongthap-kh-215-2025"
# A line of the document, verbatim (OCR included): the toy rows cite it as their excerpt.
EXCERPT = "Chuyén d6i s6 tinh Pong Thap niam 2025"
TOY_SPEC = f"""\
name: {TOY}
title: {{vi: Điểm thử nghiệm, en: Toy sites}}
description: {{vi: Bảng thử thêm bằng một spec và một CSV, en: a table added by a spec and a CSV alone}}
fields:
- {{name: id, type: string, title: {{vi: Mã, en: ID}}, description: {{vi: Mã điểm, en: site id}}}}
- {{name: name, type: string, title: {{vi: Tên, en: Name}}, description: {{vi: Tên điểm, en: site name}},
   constraints: {{required: true}}}}
- name: kind
  type: string
  title: {{vi: Loại, en: Kind}}
  description: {{vi: Loại điểm, en: kind of site}}
  categories:
  - {{value: trạm, label: {{vi: trạm quan trắc, en: monitoring station}}}}
  - {{value: điểm, label: {{vi: điểm truy cập, en: access point}}}}
- {{name: visitors, type: integer, title: {{vi: Lượt khách, en: Visitors}},
   description: {{vi: Số lượt khách (lượt/năm), en: visitors per year}}, constraints: {{minimum: 0}}}}
- {{name: province_code, type: string, title: {{vi: Tỉnh, en: Province}}, description: {{vi: Mã tỉnh, en: province code}}}}
- include: provenance
primaryKey: id
foreignKeys:
- {{fields: province_code, reference: {{resource: provinces, fields: code}}}}
csv: {{path: curated/{TOY}}}
portal:
  label_column: name
  sort: id
  facets: [kind]
  search: {{columns: [name, excerpt]}}
"""
TOY_HEADER = "id,name,kind,visitors,province_code,document_id,locator,excerpt"
TOY_ROWS = [f'a,Trạm quan trắc Zyxwvu,trạm,1200,82,{DOCUMENT},Tiêu đề,"{EXCERPT}"',
            f'b,Điểm truy cập Qwertz,điểm,35,82,{DOCUMENT},Tiêu đề,"{EXCERPT}"']


def tree_state():
    """What git sees of the working tree (tracked changes and untracked files): the test must not change it."""
    result = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT, capture_output=True,
                            text=True)
    return result.stdout if result.returncode == 0 else None


def build_with_sources(sources: Path, out: Path):
    """The project's own build, unchanged, reading another sources root (CATALOG_SOURCES)."""
    return subprocess.run([sys.executable, "-m", "scripts.load.build", "--out", str(out)], cwd=ROOT, capture_output=True,
                          text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                                          "CATALOG_SOURCES": str(sources)})


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    before = tree_state()
    tmp = tmp_path_factory.mktemp("toy")
    sources = tmp / "sources"
    shutil.copytree(ROOT / "sources", sources)
    (sources / "tables" / f"{TOY}.yml").write_text(TOY_SPEC, encoding="utf-8")
    (sources / "curated" / TOY).mkdir()
    (sources / "curated" / TOY / f"{DOCUMENT}.csv").write_text("\n".join([TOY_HEADER, *TOY_ROWS]) + "\n",
                                                               encoding="utf-8")
    result = build_with_sources(sources, tmp / "catalog.db")
    assert result.returncode == 0, result.stderr
    assert tree_state() == before, "adding a table through its spec changed a file of the project"
    return sources, tmp / "catalog.db", result.stdout


@pytest.fixture(scope="module")
def toy_datasette(toy):
    """The portal exactly as it is created for the real catalog, reading the toy's sources root."""
    from scripts.serve.portal import create_datasette

    sources, db, _ = toy
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CATALOG_SOURCES", str(sources))
        return Client(create_datasette(db))


@pytest.fixture
def toy_client(toy, toy_datasette, monkeypatch):
    monkeypatch.setenv("CATALOG_SOURCES", str(toy[0]))  # what the search reads per request
    return toy_datasette


def test_a_spec_and_a_csv_add_a_table_to_the_build(toy):
    import sqlite_utils

    _, path, report = toy
    assert f"{TOY} 2" in report
    db = sqlite_utils.Database(path)
    assert db[TOY].columns_dict == {"id": str, "name": str, "kind": str, "visitors": int, "province_code": str,
                                    "document_id": str, "locator": str, "excerpt": str, "passage_id": str}
    assert db[TOY].pks == ["id"]
    assert {(fk.column, fk.other_table) for fk in db[TOY].foreign_keys} == {
        ("province_code", "provinces"), ("document_id", "documents"), ("passage_id", "document_passages")}
    rows = list(db[TOY].rows_where(order_by="id"))
    assert [(r["name"], r["visitors"]) for r in rows] == [("Trạm quan trắc Zyxwvu", 1200), ("Điểm truy cập Qwertz", 35)]
    assert rows[0]["passage_id"].startswith(DOCUMENT), "the excerpt was not linked to its passage"
    assert db[f"{TOY}_fts"].exists()


def test_the_toy_table_is_served_with_its_labels_and_facets(toy_client):
    data = toy_client.json(f"/catalog/{TOY}.json?_facet=kind")
    assert [r[0] for r in data["rows"]] == ["a", "b"]
    assert {v["value"] for v in data["facet_results"]["kind"]["results"]} == {"trạm", "điểm"}
    page = toy_client.get(f"/catalog/{TOY}").text  # Vietnamese by default, English with ?_lang=en (issue 15)
    assert "<h1" in page and "Điểm thử nghiệm" in page and "Số lượt khách (lượt/năm)" in page
    english = toy_client.get(f"/catalog/{TOY}?_lang=en").text
    assert "Toy sites" in english and "visitors per year" in english


def test_the_toy_table_is_searchable(toy_client):
    results = toy_client.json("/-/search.json?q=zyxwvu")["results"]
    assert [r["table"] for r in results] == [TOY]
    assert results[0]["title"] == "Trạm quan trắc <mark>Zyxwvu</mark>" and results[0]["kind"] == "Điểm thử nghiệm"
    rows = toy_client.json(f"/catalog/{TOY}.json?_search=qwertz&_shape=array")
    assert [r["id"] for r in rows] == ["b"]


def test_the_toy_table_is_in_openapi_and_dcat(toy_client):
    api = toy_client.json("/-/openapi.json")
    assert f"/catalog/{TOY}.json" in api["paths"]
    visitors = api["components"]["schemas"][TOY]["properties"]["visitors"]
    assert visitors["title"] == "Visitors" and "visitors per year" in visitors["description"]
    dcat = toy_client.json("/-/dcat.jsonld")
    dataset = next(n for n in dcat["@graph"] if n.get("dct:identifier") == TOY)
    assert {"@value": "Toy sites", "@language": "en"} in dataset["dct:title"]
    assert dataset["rdfs:comment"] == "2 rows"


def build_broken_toy(toy, tmp_path, old, new):
    """The toy's sources with one CSV cell changed, built: the finished process."""
    bad = tmp_path / "sources"
    shutil.copytree(toy[0], bad)
    csv = bad / "curated" / TOY / f"{DOCUMENT}.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    return build_with_sources(bad, tmp_path / "catalog.db")


def test_a_toy_row_whose_excerpt_is_not_in_its_document_fails_the_build(toy, tmp_path):
    result = build_broken_toy(toy, tmp_path, "niam 2025", "năm 2099")
    assert result.returncode == 1
    assert f"{TOY}/{DOCUMENT}.csv:2: field 'excerpt'" in result.stderr
    assert not (tmp_path / "catalog.db").exists()


def test_a_value_outside_a_columns_categories_names_file_line_and_field(toy, tmp_path):
    result = build_broken_toy(toy, tmp_path, ",điểm,", ",chợ,")
    assert result.returncode == 1
    assert f"{TOY}/{DOCUMENT}.csv:3: field 'kind': 'chợ' is not one of" in result.stderr


def test_a_spec_naming_a_missing_column_fails_the_build_in_one_line(tmp_path):
    project = copy_project(tmp_path)
    spec = project / "sources" / "tables" / "wards.yml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("facets: [province_code, type]",
                                                             "facets: [province_code, typo]"), encoding="utf-8")
    result = run_build(project)
    assert result.returncode == 1
    assert "sources/tables/wards.yml: field 'portal.facets': names 'typo', which is not a field of wards" in result.stderr


def test_every_table_of_the_catalog_is_its_spec(db):
    from scripts import spec

    tables = spec.tables(ROOT / "sources")
    fts = set(db.table_names()) & {f"{t}_fts" for t in tables}
    visible = [t for t in db.table_names() if not t.startswith(("sqlite_", *fts))]
    assert sorted(visible) == sorted(tables)
    for name, table in tables.items():
        assert list(db[name].columns_dict) == list(table.columns()), name
        assert db[name].pks == (table.primary_key or ["rowid"]), name


def test_labels_and_enumerated_words_for_pages():
    from scripts import spec

    assert spec.column_label("plan_tasks", "timing_kind", "vi") == "Loại thời hạn"
    assert spec.column_label("plan_tasks", "timing_kind", "en") == "Kind of timing"
    assert spec.column_label("plan_tasks", "no_such_column") == "no_such_column"
    assert spec.enum_label("plan_tasks", "timing_kind", "recurring", "vi") == "thường xuyên"
    assert spec.enum_label("task_agencies", "role", "lead", "vi") == "chủ trì"
    assert spec.enum_label("task_agencies", "role", "lead", "en") == "lead"
    assert spec.enum_label("wards", "type", "phường", "en") == "ward"
    assert spec.enum_label("wards", "type", "unheard of") == "unheard of"
    assert spec.column_description("wards", "area_km2", "vi") == "Diện tích (km²)"
    assert spec.table_title("wards", "en") == "Communes and wards"
    assert spec.shown_columns("wards")[:2] == ["code", "name"]
    # The provenance columns are written once (sources/tables/_shared.yml) and read the same in every table.
    curated = [t for t in spec.tables().values() if t.has_provenance]
    assert len(curated) >= 7
    assert len({spec.column_description(t.name, "excerpt", None) for t in curated}) == 1


def test_metadata_yml_keeps_no_table_sections_and_the_served_metadata_has_them(client):
    import yaml

    written = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
    assert not (written["databases"]["catalog"].get("tables"))
    served = client.json("/-/metadata.json")["databases"]["catalog"]
    assert served["tables"]["wards"]["facets"] == ["province_code", "type"]
    assert served["tables"]["wards"]["fts_table"] == "wards_fts"
    assert "queries" in served


def test_the_curated_readme_column_reference_is_generated_from_the_specs():
    """cog --check: the reference between the markers is what scripts.curate.column_reference writes now."""
    result = subprocess.run([sys.executable, "-m", "cogapp", "--check", "--diff", "sources/curated/README.md"],
                            cwd=ROOT, capture_output=True, text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, "run `python -m cogapp -r sources/curated/README.md`:\n" + result.stdout + result.stderr
    text = (ROOT / "sources" / "curated" / "README.md").read_text(encoding="utf-8")
    assert "`timing_kind`" in text and "`recurring` (thường xuyên)" in text


def test_a_column_added_to_a_spec_and_its_csv_is_loaded_without_code(tmp_path):
    """One spec edit plus data: a new column of a curated table reaches the database, checked as its spec says."""
    import sqlite_utils

    sources = tmp_path / "sources"
    shutil.copytree(ROOT / "sources", sources)
    spec_file = sources / "tables" / "project_decisions.yml"
    spec_file.write_text(spec_file.read_text(encoding="utf-8").replace(
        "primaryKey:", "- {name: approval_year, type: integer, title: {vi: Năm phê duyệt, en: Approval year},\n"
        "   description: {vi: Năm phê duyệt (như in), en: year of approval as printed},\n"
        "   constraints: {minimum: 1990, maximum: 2100}}\nprimaryKey:"), encoding="utf-8")
    for csv in (sources / "curated" / "project_decisions").glob("*.csv"):
        lines = csv.read_text(encoding="utf-8").splitlines()
        csv.write_text("\n".join([lines[0] + ",approval_year"] + [line + ",2024" for line in lines[1:]]) + "\n",
                       encoding="utf-8")
    result = build_with_sources(sources, tmp_path / "catalog.db")
    assert result.returncode == 0, result.stderr
    db = sqlite_utils.Database(tmp_path / "catalog.db")
    assert db["project_decisions"].columns_dict["approval_year"] is int
    assert {r["approval_year"] for r in db["project_decisions"].rows} == {2024}
    # …and checked: a value outside the spec's range names file, line and field.
    csv = sorted((sources / "curated" / "project_decisions").glob("*.csv"))[0]
    csv.write_text(csv.read_text(encoding="utf-8").replace(",2024\n", ",1066\n", 1), encoding="utf-8")
    result = build_with_sources(sources, tmp_path / "catalog2.db")
    assert result.returncode == 1
    assert f"{csv.name}:2: field 'approval_year': 1066 is outside 1990..2100" in result.stderr


def test_a_printed_rule_written_in_a_spec_is_checked_by_the_build(toy, tmp_path):
    """A field's `printed` key (issue 14's check, read from the spec): a value the excerpt does not print fails the
    build on its file, line and field unless the row's basis column says where it comes from; a `printed` key
    naming a column the table lacks fails the spec in one line."""
    sources = tmp_path / "sources"
    shutil.copytree(toy[0], sources)
    spec_file = sources / "tables" / f"{TOY}.yml"
    spec_file.write_text(spec_file.read_text(encoding="utf-8").replace("- include: provenance", (
        "- {name: year, type: integer, title: Năm, description: năm như in, printed: {as: year, basis: year_basis}}\n"
        "- {name: year_basis, type: string, title: Căn cứ, description: căn cứ của năm}\n- include: provenance")),
        encoding="utf-8")
    csv = sources / "curated" / TOY / f"{DOCUMENT}.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    header, a, b = lines[0].split(","), lines[1].split(",", 5), lines[2].split(",", 5)
    header[5:5], a[5:5], b[5:5] = ["year", "year_basis"], ["2025", ""], ["2024", ""]  # the excerpt prints 2025
    csv.write_text("\n".join(",".join(x) for x in (header, a, b)) + "\n", encoding="utf-8")
    result = build_with_sources(sources, tmp_path / "bad.db")
    assert result.returncode == 1
    assert f"{TOY}/{DOCUMENT}.csv:3: field 'year': '2024' is not printed in the excerpt or give year_basis" in result.stderr
    csv.write_text(csv.read_text(encoding="utf-8").replace(",2024,,", ",2024,Suy ra từ tiêu đề,"), encoding="utf-8")
    result = build_with_sources(sources, tmp_path / "good.db")
    assert result.returncode == 0, result.stderr
    spec_file.write_text(spec_file.read_text(encoding="utf-8").replace("basis: year_basis", "basis: year_basys"),
                         encoding="utf-8")
    result = build_with_sources(sources, tmp_path / "spec.db")
    assert result.returncode == 1
    assert f"{TOY}.yml: field 'fields': 'year' printed.basis names 'year_basys', which is not a field" in result.stderr


def test_value_sets_several_columns_share_are_written_once():
    """The comparator scheme and the kinds of money: one list in _shared.yml, the same values and words in every
    column that uses them, and the loader's rules read them from there."""
    from scripts import spec

    comparators = spec.table("indicators").categories("comparator")
    assert comparators == spec.table("project_money").categories("comparator") \
        == spec.table("capital_projects").categories("total_comparator")
    assert {"=", "≈", "≥", ">", "≤", "<", "range"} == set(comparators)
    assert spec.table("project_money").categories("measure_kind") \
        == spec.table("capital_projects").categories("total_measure")
    assert spec.enum_label("project_money", "measure_kind", "allocated", "vi") == "đã cấp"
    assert spec.enum_label("capital_projects", "total_comparator", "≈", "en") == "approximate"
    assert spec.not_printed_columns("plan_tasks") == ["due_basis", "inferred_lead_id", "inferred_lead_basis"]


def test_a_table_the_build_derives_is_a_hidden_spec_without_csv(client, db):
    """search_vocabulary (the typo vocabulary) has a spec like every table: created from it, filled by the build
    (every field derived, no CSV), hidden — no card on the home page, no download, not in DCAT or OpenAPI."""
    from scripts import spec

    vocabulary = spec.table("search_vocabulary")
    assert vocabulary.csv is None and all(f.get("derived") for f in vocabulary.fields)
    assert list(db["search_vocabulary"].columns_dict) == list(vocabulary.columns())
    assert db["search_vocabulary"].count > 1000
    assert "/catalog/search_vocabulary" not in client.get("/").text
    assert client.get("/-/downloads/search_vocabulary.csv").status_code == 404
    assert "search_vocabulary" not in client.get("/-/openapi.json").text
    assert "search_vocabulary" not in client.get("/-/dcat.jsonld").text


def test_the_loader_reads_the_sources_root_per_call(tmp_path, monkeypatch):
    """spec.sources_root() is read on every call, and so is every loader module that reads files under it: pointing
    CATALOG_SOURCES elsewhere after they were imported changes the provinces and the document text they read."""
    from scripts.load import fidelity, reference

    monkeypatch.delenv("CATALOG_SOURCES", raising=False)
    assert reference.catalog_provinces() == ("82", "91") and fidelity.excerpt_found(DOCUMENT, EXCERPT)
    (tmp_path / "catalog_provinces.txt").write_text("01\n", encoding="utf-8")
    (tmp_path / "documents").mkdir()
    (tmp_path / "documents" / f"{DOCUMENT}.txt").write_text("Một văn bản khác", encoding="utf-8")
    monkeypatch.setenv("CATALOG_SOURCES", str(tmp_path))
    assert reference.catalog_provinces() == ("01",)
    assert not fidelity.excerpt_found(DOCUMENT, EXCERPT) and fidelity.excerpt_found(DOCUMENT, "văn bản khác")
