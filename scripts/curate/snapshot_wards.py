"""Regenerate the reference snapshots under sources/reference/ from the vietnamadminunits package.

The build reads only these CSV files, so it needs neither the network nor the package; this script is
run by hand (`make snapshot`) when the package publishes a correction, and the diff is reviewed.

  wards.csv              every commune-level unit of all 34 provinces after 1 July 2025
  provinces.csv          the 34 provinces
  province_predecessors.csv  the 63 former provinces and the province each merged into
  ward_predecessors.csv  for the catalog's provinces: which former units became which 2025 ward
  SNAPSHOT.json          package name, version and the sha256 of the data file read
"""
import csv
import hashlib
import json
import sqlite3
from datetime import date
from importlib import metadata
from pathlib import Path

import vietnamadminunits

from scripts import spec
from scripts.load.reference import DEFAULT_PROVINCES

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "sources" / "reference"
PACKAGE_DATA = Path(vietnamadminunits.__file__).parent / "data"
# The provinces this catalog publishes (2025 codes): ward predecessors are kept for these; wards of every
# province are kept for scale tests.
CATALOG_PROVINCES = set(DEFAULT_PROVINCES)
WARD_TYPES = {"Xã": "xã", "Phường": "phường", "Đặc khu": "đặc khu"}


def write_csv(table, rows):
    """The reference CSV of a table, with the header its spec gives."""
    header = spec.table(table).csv_header()
    name = spec.table(table).csv["path"].removeprefix("reference/")
    with (OUT / name).open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    print(f"{name}: {len(rows)} rows")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(PACKAGE_DATA / "dataset.db")
    converter = json.loads((PACKAGE_DATA / "converter_2025.json").read_text(encoding="utf-8"))

    units = db.execute(
        "select provinceCode, province, provinceShort, provinceLat, provinceLon, provinceKey,"
        " wardCode, ward, wardShort, wardType, wardLat, wardLon, wardAreaKm2, wardKey"
        " from admin_units order by provinceCode, wardCode"
    ).fetchall()
    provinces, province_by_key, ward_by_key, wards = {}, {}, {}, []
    for (pcode, pname, pshort, plat, plon, pkey, wcode, wname, wshort, wtype, wlat, wlon, area, wkey) in units:
        provinces[pcode] = (pcode, pname, pshort, plat, plon)
        province_by_key[pkey] = pcode
        ward_by_key[(pkey, wkey)] = wcode
        wards.append((wcode, wname, wshort, WARD_TYPES[wtype], pcode, wlat, wlon, area))

    legacy = {}
    for row in db.execute(
        "select provinceKey, districtKey, wardKey, wardCode, ward, wardType, districtCode, district,"
        " provinceCode, province from admin_units_legacy order by wardCode"
    ):
        legacy.setdefault(f"{row[0]}_{row[1]}_{row[2]}", row[3:])

    former, boxes = [], {}
    for new_key, old_keys in sorted(converter["DICT_PROVINCE"].items()):
        for old_key in old_keys:
            code, name, bounds = db.execute(
                "select provinceCode, province, provinceBounds from admin_units_legacy where provinceKey = ? limit 1",
                (old_key,),
            ).fetchone()
            former.append((code, name, province_by_key[new_key]))
            # "lat,lon – lat,lon": the geocoder's bounds of the former province; the new one spans their union.
            (lat1, lon1), (lat2, lon2) = (map(float, corner.split(",")) for corner in bounds.split(" – "))
            box = boxes.setdefault(province_by_key[new_key], [90, 180, -90, -180])
            box[:] = [min(box[0], lat1, lat2), min(box[1], lon1, lon2), max(box[2], lat1, lat2), max(box[3], lon1, lon2)]

    links = set()
    for pkey, new_wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for wkey, old_keys in new_wards.items():
            for old_key in old_keys:
                links.add((ward_by_key[(pkey, wkey)], old_key, "whole"))
    for pkey, old_units in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, parts in old_units.items():
            for part in parts:
                links.discard((ward_by_key[(pkey, part["newWardKey"])], old_key, "whole"))
                links.add((ward_by_key[(pkey, part["newWardKey"])], old_key, "part"))
    catalog_wards = {w[0] for w in wards if w[4] in CATALOG_PROVINCES}
    predecessors = sorted(
        (new_code, *legacy[old_key], extent) for new_code, old_key, extent in links if new_code in catalog_wards
    )

    write_csv("provinces", sorted((*p, *boxes[p[0]]) for p in provinces.values()))
    write_csv("province_predecessors", sorted(former))
    write_csv("wards", wards)
    write_csv("ward_predecessors", predecessors)
    snapshot = {
        "package": "vietnamadminunits",
        "version": metadata.version("vietnamadminunits"),
        "licence": "MIT",
        "files": {name: hashlib.sha256((PACKAGE_DATA / name).read_bytes()).hexdigest()
                  for name in ("dataset.db", "converter_2025.json")},
        "taken_on": date.today().isoformat(),
    }
    (OUT / "SNAPSHOT.json").write_text(json.dumps(snapshot, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
