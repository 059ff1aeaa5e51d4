"""Load the documents and the reference lists (provinces, wards, their predecessors) into the catalog."""
import hashlib
from pathlib import Path

from scripts import spec
from scripts.load.csvsource import choice, read_table, record, unique
from scripts.load.errors import shown
from scripts.load.passages import split_passages

DEFAULT_PROVINCES = ("82", "91")  # Đồng Tháp, An Giang (2025 codes)
# The tables this module loads with code of their own (scripts/load/curated.py loads the curated ones).
LOADS = ("provinces", "province_predecessors", "wards", "ward_predecessors", "documents", "document_files",
         "document_passages")


def catalog_provinces(sources=None):
    """The provinces the catalog covers: Đồng Tháp and An Giang, unless sources/catalog_provinces.txt lists
    others, one code a line (the synthetic national catalog of bench/synthetic.py lists all 34). `sources` is by
    default the sources root of the moment (spec.sources_root(), read per call)."""
    path = Path(sources or spec.sources_root()) / "catalog_provinces.txt"
    if not path.exists():
        return DEFAULT_PROVINCES
    codes = tuple(line.split("#")[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return tuple(c for c in codes if c) or DEFAULT_PROVINCES


WARD_CODE_DIGITS = 5


def load_documents(db):
    provinces, directory = set(catalog_provinces()), spec.sources_root() / "documents"
    documents = read_table(spec.table("documents"))
    files = read_table(spec.table("document_files"))
    by_id = unique(documents, "id")
    unique(files, "file")
    db["documents"].insert_all(
        record("documents", d, {
            "id": d["id"], "symbol": d.text("symbol", True), "type": choice(d, "documents", "type"),
            "issuer": d.text("issuer", True), "province_code": d.choice("province_code", provinces),
            "issued_on": d.iso_date("issued_on", True), "title": d.text("title", True), "signer": d.text("signer"),
            "notes": d.text("notes"),
        })
        for d in documents
    )
    for f in files:
        if f["document_id"] not in by_id:
            raise f.error("document_id", f"{f['document_id']!r} is not in documents.csv")
        path = directory / f["file"]
        if not path.exists():
            raise f.error("file", f"{path} does not exist")
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest != f["sha256"]:
            raise f.error("sha256", f"{shown(path)} has sha256 {digest}, not the recorded {f['sha256']}: "
                                    "the document changed since it was received")
        text = data.decode("utf-8")
        db["document_files"].insert(record("document_files", f, {
            "file": f["file"], "document_id": f["document_id"],
            "text_quality": choice(f, "document_files", "text_quality"), "is_primary": f.integer("is_primary", True, 0, 1),
            "received_as": f["received_as"], "sha256": digest, "bytes": len(data), "lines": text.count("\n") + 1,
        }))
        stem = Path(f["file"]).name.removesuffix(".txt")
        db["document_passages"].insert_all(
            {
                "id": f"{stem}/{p.seq:04d}", "document_id": f["document_id"], "file": f["file"], "seq": p.seq,
                "kind": p.kind, "heading_path": p.heading_path, "text": p.text,
                "text_quality": f["text_quality"], "line_start": p.line_start, "line_end": p.line_end,
            }
            for p in split_passages(text)
        )


def load_reference(db):
    covered = catalog_provinces()
    provinces = {p["code"]: p for p in read_table(spec.table("provinces"))}
    former = [f for f in read_table(spec.table("province_predecessors")) if f["province_code"] in covered]
    db["provinces"].insert_all(
        record("provinces", p, {
            "code": code, "name": p.text("name", True), "short_name": p.text("short_name", True),
            "merged_from": "; ".join(f["former_name"] for f in former if f["province_code"] == code),
            **{c: p.number(c, plain_only=True) for c in ("latitude", "longitude", "min_latitude", "min_longitude", "max_latitude",
                                        "max_longitude")},
        })
        for code, p in provinces.items() if code in covered
    )
    db["province_predecessors"].insert_all(
        record("province_predecessors", f,
               {"former_code": f["former_code"], "former_name": f["former_name"], "province_code": f["province_code"]})
        for f in former
    )
    wards = [w for w in read_table(spec.table("wards")) if w["province_code"] in covered]
    unique(wards, "code")
    db["wards"].insert_all(ward_record(w) for w in wards)
    codes = {w["code"] for w in wards}
    predecessors = read_table(spec.table("ward_predecessors"))
    for p in predecessors:
        if p["ward_code"] not in codes:
            raise p.error("ward_code", f"{p['ward_code']!r} is not a ward of the official list (sources/reference/wards.csv)")
    db["ward_predecessors"].insert_all(
        record("ward_predecessors", p, {
            "ward_code": p["ward_code"], "former_code": p["former_code"], "former_name": p.text("former_name", True),
            "former_type": p["former_type"].lower(), "former_district_code": p["former_district_code"],
            "former_district": p["former_district"], "former_province_code": p["former_province_code"],
            "former_province": p["former_province"], "extent": choice(p, "ward_predecessors", "extent"),
        })
        for p in predecessors
    )


def ward_record(w):
    code = w["code"]
    if not (len(code) == WARD_CODE_DIGITS and code.isdigit()):
        raise w.error("code", f"{code!r} is not a {WARD_CODE_DIGITS}-digit ward code (keep the leading zeros)")
    return record("wards", w, {
        "code": code, "name": w.text("name", True), "short_name": w.text("short_name", True),
        "type": choice(w, "wards", "type"), "province_code": w["province_code"],
        "latitude": w.number("latitude", True, plain_only=True),
        "longitude": w.number("longitude", True, plain_only=True),
        "area_km2": w.number("area_km2", minimum=0, plain_only=True),
    })
