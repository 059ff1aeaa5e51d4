"""Issues 2 and 5: the export formats — CSV (also for Excel), XLSX, GeoJSON and the database file."""
import csv
import hashlib
import io


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


def test_csv_for_excel_round_trips_vietnamese(client):
    raw = client.get("/catalog/wards.csv?_size=max&_bom=1").content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 204 and "Phường Mỹ Tho" in {r["name"] for r in rows}
    plain = client.get("/catalog/wards.csv?_size=max").content
    assert not plain.startswith(b"\xef\xbb\xbf") and raw[3:] == plain


def test_xlsx_export(client):
    from openpyxl import load_workbook

    response = client.get("/catalog/plan_tasks.xlsx?_size=max")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    from scripts.spec import column_label

    # Issue 12: the header row carries the columns' Vietnamese labels.
    assert rows[0][0] == column_label("plan_tasks", "id") and len(rows) == 1 + client.json(
        "/catalog/plan_tasks.json?_size=0")["filtered_table_rows_count"]
    assert any("Sở" in str(cell) or "Kiện toàn" in str(cell) for row in rows for cell in row)


def test_geojson_export_of_wards(client):
    geo = client.json("/catalog/wards.geojson?_size=max")
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 204
    lon, lat = geo["features"][0]["geometry"]["coordinates"]
    assert 103 < lon < 107 and 9 < lat < 11.5
