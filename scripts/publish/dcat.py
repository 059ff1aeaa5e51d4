"""The machine-readable catalog (DCAT-AP 3.0 as JSON-LD), generated from the metadata (metadata.yml with the
tables' sections from their specs, sources/tables/), the row counts and the catalog's provinces.

Each visible table is a dcat:Dataset with title and description in Vietnamese and English, publisher,
licence, temporal and spatial coverage, keywords and its distributions: the whole-table files the build wrote
(CSV, XLSX, JSON, GeoJSON where the table has coordinates; scripts/publish/dumps.py), each with dcat:byteSize and an
spdx:checksum (SHA-256) from the build's manifest, and the SQLite file.
Nodes carry their rdf:type (dct:LicenseDocument, dct:Location …) because the DCAT-AP SHACL shapes check
classes without inference. Used by the portal (/-/dcat.jsonld) and by the static export.
"""
import re

from scripts.project import DATABASE_NAME as DATABASE
from scripts.project import catalog_section
from scripts.publish.tabular import media_type

EU = "http://publications.europa.eu/resource/authority/"
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/", "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#", "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "spdx": "http://spdx.org/rdf/terms#",
}
PUBLISHER = {"@type": ["foaf:Agent", "foaf:Organization"],
             "foaf:name": [{"@value": "Nhóm dữ liệu mở chuyển đổi số", "@language": "vi"},
                           {"@value": "Digital-transformation open-data team", "@language": "en"}],
             "dct:type": {"@id": "http://purl.org/adms/publishertype/NonProfitOrganisation", "@type": "skos:Concept",
                          "skos:prefLabel": {"@value": "Non-Profit Organisation", "@language": "en"}}}
TEMPORAL = {"@type": "dct:PeriodOfTime",
            "dcat:startDate": {"@value": "2025-01-01", "@type": "xsd:date"},
            "dcat:endDate": {"@value": "2030-12-31", "@type": "xsd:date"}}
KEYWORDS = ["chuyển đổi số", "digital transformation", "Đồng Tháp", "An Giang", "kế hoạch", "dữ liệu mở"]
# The whole-table files a dataset lists as distributions (JSON Lines is not one), with their titles.
DISTRIBUTION_TITLES = {"csv": "CSV", "xlsx": "Excel (XLSX)", "json": "JSON", "geojson": "GeoJSON"}
# extension: (EU file type, IANA media type); the whole-table files' types are scripts/publish/tabular.py's
FORMATS = {**{fmt: (fmt.upper(), media_type(fmt)) for fmt in DISTRIBUTION_TITLES},
           "db": ("SQLITE", "application/vnd.sqlite3")}


def split_languages(text):
    """'Tiếng Việt · English' → [vi literal, en literal] (metadata.yml writes both, separated by ' · ')."""
    text = re.sub(r"<[^>]+>", "", text or "").strip()
    parts = [p.strip() for p in text.split(" · ", 1)]
    literals = [{"@value": parts[0], "@language": "vi"}]
    if len(parts) == 2:
        literals.append({"@value": parts[1], "@language": "en"})
    return literals


def licence(url):
    return {"@id": url, "@type": "dct:LicenseDocument"}


def distribution(base, table, extension, title, file=None):
    """A dcat:Distribution; `file` ({url, bytes, sha256}) is a whole-table file of the build (else the .db)."""
    file_type, media = FORMATS[extension]
    url = f"{base}{file['url']}" if file else f"{base}/{DATABASE}.db"
    out = {
        "@id": f"{base}/-/dcat.jsonld#{table}-{extension}", "@type": "dcat:Distribution",
        "dct:title": title, "dcat:accessURL": {"@id": url, "@type": "rdfs:Resource"},
        "dcat:downloadURL": {"@id": url, "@type": "rdfs:Resource"},
        "dct:format": {"@id": EU + "file-type/" + file_type, "@type": "dct:MediaTypeOrExtent"},
        "dcat:mediaType": {"@id": "https://www.iana.org/assignments/media-types/" + media, "@type": "dct:MediaType"},
        "dct:license": licence("https://creativecommons.org/licenses/by/4.0/"),
    }
    if file:
        out["dcat:byteSize"] = {"@value": str(file["bytes"]), "@type": "xsd:nonNegativeInteger"}
        out["spdx:checksum"] = {"@type": "spdx:Checksum",
                                "spdx:algorithm": {"@id": "spdx:checksumAlgorithm_sha256",
                                                   "@type": "spdx:ChecksumAlgorithm"},
                                "spdx:checksumValue": {"@value": file["sha256"], "@type": "xsd:hexBinary"}}
    return out


def build_catalog(metadata, counts, base, modified, provinces, files=None):
    """JSON-LD of the whole catalog. `counts` maps visible table → rows; `modified` is the build date;
    `provinces` maps the code of each province the catalog covers to its name (the database's provinces); `files`
    maps table → [{format, url, bytes, sha256}] (scripts.publish.dumps.table_files)."""
    files = files or {}
    tables = catalog_section("tables", metadata)
    publisher = {"@id": f"{base}/#publisher"}
    # The provinces' own rows in the portal stand for the spatial coverage.
    spatial = [{"@id": f"{base}/{DATABASE}/provinces/{code}", "@type": "dct:Location", "rdfs:label": name}
               for code, name in provinces.items()]
    datasets = []
    for name, meta in tables.items():
        if name not in counts:
            continue
        datasets.append({
            "@id": f"{base}/{DATABASE}/{name}", "@type": "dcat:Dataset",
            "dct:identifier": name,
            "dct:title": split_languages(meta.get("title", name)),
            "dct:description": split_languages(meta.get("description", "")),
            "dct:publisher": publisher,
            "dct:license": licence(meta.get("license_url") or metadata["license_url"]),
            "dct:temporal": TEMPORAL, "dct:spatial": spatial,
            "dcat:keyword": [{"@value": k, "@language": "vi"} for k in KEYWORDS],
            "dct:language": {"@id": EU + "language/VIE", "@type": "dct:LinguisticSystem"},
            "dcat:landingPage": {"@id": f"{base}/{DATABASE}/{name}", "@type": "foaf:Document"},
            "dct:modified": {"@value": modified, "@type": "xsd:date"},
            "rdfs:comment": f"{counts[name]} rows",
            "dcat:distribution": [distribution(base, name, f["format"], DISTRIBUTION_TITLES[f["format"]], f)
                                  for f in files.get(name, []) if f["format"] in DISTRIBUTION_TITLES]
            + [distribution(base, name, "db", "SQLite")],
        })
    return {
        "@context": CONTEXT,
        "@graph": [{**publisher, **PUBLISHER}, {
            "@id": f"{base}/-/dcat.jsonld", "@type": "dcat:Catalog",
            "dct:title": split_languages(metadata["title"]),
            "dct:description": split_languages(metadata["databases"][DATABASE]["description"]),
            "dct:publisher": publisher,
            "dct:license": licence(metadata["license_url"]),
            "dct:language": {"@id": EU + "language/VIE", "@type": "dct:LinguisticSystem"},
            "dct:spatial": spatial, "dct:modified": {"@value": modified, "@type": "xsd:date"},
            "foaf:homepage": {"@id": f"{base}/", "@type": "foaf:Document"},
            "dcat:dataset": [{"@id": d["@id"]} for d in datasets],
        }, *datasets],
    }
