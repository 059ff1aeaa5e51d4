"""Issue 5: the OpenAPI description is valid and matches the API."""


def test_openapi_description_is_valid_and_matches_the_api(client):
    from openapi_spec_validator import validate

    spec = client.json("/-/openapi.json")
    validate(spec)
    assert "/catalog/wards.json" in spec["paths"] and "/catalog/tasks_led_by_agency.json" in spec["paths"]
    params = {p["name"] for p in spec["paths"]["/catalog/plan_tasks.json"]["get"]["parameters"]}
    assert {"_search", "_next", "_shape", "_facet"} <= params
    assert spec["components"]["schemas"]["wards"]["properties"]["code"]["type"] == ["string", "null"]
