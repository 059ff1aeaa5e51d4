"""Issue 7: property-based fuzzing of the API from its own OpenAPI description finds no server error."""
from tests.conftest import walk_openapi

EXAMPLES_PER_OPERATION = 60
MIN_REQUESTS = 2000


def test_generated_requests_never_get_a_server_error(live_server):
    server_errors = []

    def check(operation, case, response):
        if response.status_code >= 500:
            server_errors.append((case.path, case.path_parameters, case.query, response.status_code,
                                  response.text[:300]))

    sent = walk_openapi(live_server, EXAMPLES_PER_OPERATION, check)
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
