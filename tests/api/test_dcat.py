"""Issue 5: the DCAT catalog validates against DCAT-AP 3."""
import json

from tests.conftest import ROOT


def test_dcat_catalog_validates_against_dcat_ap_3(client):
    import rdflib
    from pyshacl import validate

    response = client.get("/-/dcat.jsonld")
    assert response.status_code == 200 and "ld+json" in response.headers["content-type"]
    doc = response.json()
    graph = rdflib.Graph().parse(data=json.dumps(doc), format="json-ld")
    shapes = rdflib.Graph().parse(ROOT.parent / "shared" / "standards" / "dcat-ap-3.0.0-SHACL.ttl")
    conforms, _, report = validate(graph, shacl_graph=shapes, inference="none")
    assert conforms, report
    datasets = [n for n in doc["@graph"] if n.get("@type") == "dcat:Dataset"]
    assert {d["dct:identifier"] for d in datasets} >= {"wards", "capital_projects", "plan_tasks", "indicators"}
    wards = next(d for d in datasets if d["dct:identifier"] == "wards")
    # The build's whole-table files (issue 12), GeoJSON since wards have coordinates, and the SQLite file.
    assert {x["dct:title"] for x in wards["dcat:distribution"]} == {"JSON", "CSV", "Excel (XLSX)", "GeoJSON", "SQLite"}
    assert "opensource.org" in wards["dct:license"]["@id"]
