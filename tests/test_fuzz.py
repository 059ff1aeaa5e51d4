"""Issue 7: property-based fuzzing of the API from its own OpenAPI description finds no server error."""
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

EXAMPLES_PER_OPERATION = 60
MIN_REQUESTS = 2000


def test_generated_requests_never_get_a_server_error(live_server):
    schema = schemathesis.openapi.from_url(f"{live_server}/-/openapi.json")
    sent, server_errors = 0, []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(operation.as_strategy())
        def exercise(case):
            nonlocal sent
            response = case.call(base_url=live_server, timeout=30)
            sent += 1
            if response.status_code >= 500:
                server_errors.append((case.path, case.path_parameters, case.query, response.status_code,
                                      response.text[:300]))

        exercise()
    assert server_errors == []
    assert sent >= MIN_REQUESTS


MALFORMED = [
    "/catalog/wards.json?_size=-1", "/catalog/wards.json?_size=abc", "/catalog/wards.json?_sort=missing",
    "/catalog/wards.json?_sort_desc=missing", "/catalog/wards?_sort=missing", "/catalog/wards.csv?_sort=missing",
    "/catalog/wards.json?_next=zzz", "/catalog/wards.json?_next=%00", "/catalog/plan_tasks.json?_search=%22",
    "/catalog/plan_tasks.json?_search=%22%22%22", "/catalog/wards.json?_through=x", "/catalog/wards.json?_timelimit=x",
    "/catalog/wards.json?_facet=missing", "/catalog/wards.json?_shape=bogus", "/catalog/ward_predecessors/x.json",
    "/catalog/ward_predecessors/a%2Cb.json", "/catalog/wards/99999.json", "/catalog/nope.json",
    "/catalog.json?sql=select+*+from+nope", "/-/search.json?q=%22", "/catalog/wards.json?name=%00",
]


def test_malformed_parameters_get_a_4xx_with_a_message(live_server):
    import httpx

    for path in MALFORMED:
        response = httpx.get(live_server + path, timeout=10)
        assert response.status_code < 500, (path, response.status_code, response.text[:300])
        if response.status_code >= 400 and ".json" in path:
            assert response.json()["error"], path
