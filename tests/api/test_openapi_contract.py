"""Issue 12: the OpenAPI description is a contract other agencies can build on. Every canned-query parameter is
described with its type and whether it is required, a missing one is a 400 in Vietnamese and English, and what the
server sends conforms to the published schemas (schemathesis' response checks, bounded in time)."""
import time

import httpx
from schemathesis.specs.openapi.checks import (content_type_conformance, response_headers_conformance,
                                               response_schema_conformance, status_code_conformance)

from tests.conftest import walk_openapi

EXAMPLES_PER_OPERATION = 12
CHECKS = [status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


def test_openapi_lists_every_canned_query_parameter_with_type_and_requiredness(client):
    spec = client.json("/-/openapi.json")
    queries = client.json("/-/metadata.json")["databases"]["catalog"]["queries"]
    import re

    for name, query in queries.items():
        params = {p["name"]: p for p in spec["paths"][f"/catalog/{name}.json"]["get"]["parameters"]}
        for used in set(re.findall(r"(?<!:):([a-z_]+)", query["sql"])):
            assert used in params, (name, used)
            assert params[used]["schema"]["type"] in ("integer", "string")
            assert isinstance(params[used]["required"], bool)
    year = {p["name"]: p for p in spec["paths"]["/catalog/projects_active_in_year.json"]["get"]["parameters"]}["year"]
    assert year["required"] is True and year["schema"]["type"] == "integer"
    district = {p["name"]: p for p in spec["paths"]["/catalog/former_unit_lookup.json"]["get"]["parameters"]}
    assert district["former_name"]["required"] is True and district["district"]["required"] is False


def test_canned_query_without_a_required_parameter_is_a_400_in_both_languages(client):
    spec = client.json("/-/openapi.json")
    required = [(path, p["name"]) for path, item in spec["paths"].items() for p in item["get"]["parameters"]
                if p.get("required") and p["in"] == "query" and path.startswith("/catalog/")]
    assert len(required) >= 5
    for path, name in required:
        for fmt in ("json", "csv", "xlsx"):
            response = client.get(path.replace(".json", f".{fmt}"))
            assert response.status_code == 400, (path, fmt)
            error = response.json()["error"]
            assert "Thiếu tham số bắt buộc" in error and "Missing required parameter" in error and name in error
    assert client.get("/catalog/projects_active_in_year.json?year=abc").status_code == 400
    assert client.json("/catalog/projects_active_in_year.json?year=2026&_shape=array")


def test_percent_encoded_row_keys_reach_their_row(live_server, db):
    for table in ("capital_projects", "plan_tasks", "document_passages"):
        key = db.execute(f"select id from [{table}] where id like '%/%' limit 1").fetchone()[0]
        response = httpx.get(f"{live_server}/catalog/{table}/{key.replace('/', '%2F')}.json?_shape=array", timeout=10)
        assert response.status_code == 200, (table, key, response.status_code)
        assert response.json()[0]["id"] == key


def test_responses_conform_to_the_published_schemas(live_server):
    started, failures = time.monotonic(), []

    def check(operation, case, response):
        try:
            case.validate_response(response, checks=CHECKS)
        except Exception as e:  # each kind of non-conformance is reported, all at once
            failures.append((operation.label, case.path_parameters, case.query, response.status_code, str(e)[:400]))

    sent = walk_openapi(live_server, EXAMPLES_PER_OPERATION, check)
    print(f"\nschemathesis: {sent} requests, {len(CHECKS)} response checks each, {time.monotonic() - started:.0f} s")
    assert failures == [], failures[:5]
    assert sent >= 400 and time.monotonic() - started < 240
