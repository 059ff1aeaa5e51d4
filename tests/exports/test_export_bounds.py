"""What bounds a download (plugins/exports.py): rows, counted before the first byte is sent — never megabytes met
half-way through a stream, which could only cut the file after its 200. settings.json does not claim a
`max_csv_mb` that no .csv URL obeys; a result over the row bound is refused with a message, never cut."""
import csv
import io
import json
from urllib.parse import quote

from tests.conftest import ROOT

MANY = "with recursive r(i) as (select 1 union all select i + 1 from r limit 1500) select i from r"


def test_settings_do_not_claim_a_csv_size_bound_nothing_obeys():
    assert "max_csv_mb" not in json.loads((ROOT / "settings.json").read_text())


def test_a_query_result_over_the_row_bound_is_refused_with_a_message_not_cut(client):
    for fmt in ("csv", "jsonl", "xlsx"):
        response = client.get(f"/catalog.{fmt}?sql={quote(MANY)}")
        assert response.status_code == 400, fmt
        error = response.json()["error"]
        assert "1000" in error and "dòng" in error and "rows" in error, error
    fits = client.get(f"/catalog.csv?sql={quote(MANY.replace('1500', '1000'))}")
    assert fits.status_code == 200 and len(list(csv.reader(io.StringIO(fits.text)))) == 1001  # header + every row


def test_a_whole_table_csv_is_whole(client, db):
    rows = list(csv.DictReader(io.StringIO(client.get("/catalog/document_passages.csv?_stream=on").text)))
    assert len(rows) == db["document_passages"].count
