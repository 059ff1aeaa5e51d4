"""Issue 2: the metadata the build derives describes every column of every visible table."""


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
