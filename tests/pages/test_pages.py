"""Issues 2 and 5: the portal's pages — the home page in Vietnamese first, the wards page with its map."""


def test_wards_page_has_the_cluster_map(client):
    page = client.get("/catalog/wards").text
    assert "datasette-cluster-map.js" in page
    assert 'DATASETTE_CLUSTER_MAP_LATITUDE_COLUMN = "latitude"' in page


def test_home_page_in_vietnamese_first(client):
    page = client.get("/").text
    body = page[page.index("<h1>"):]
    assert body.startswith("<h1>Dữ liệu mở chuyển đổi số") and "Open data" not in body
    assert "Open data" in client.get("/?_lang=en").text  # the English switch (issue 15)
    # Questions first, then the main tables, then the developers' section (issue 15).
    assert page.count('class="card question"') >= 4 and page.count('class="card"') >= 6
    assert body.index('class="card question"') < body.index('class="card"') < body.index("Dành cho lập trình viên")
    for link in ["/-/dcat.jsonld", "/-/openapi.json", "/catalog/wards", "Trích dẫn", "Giấy phép"]:
        assert link in page
