"""Curation aid: propose rows for sources/curated/agencies.csv from the agency_mentions files.

Adds every (province, canonical name) met in agency_mentions that agencies.csv lacks, with a stable id
`<province code or vn>-<folded name slug>`; existing rows are kept as they are. Review the diff.
"""
import csv
import re

from scripts import spec
from scripts.load.curated import AGENCY_MENTIONS, rows_of
from scripts.load.textfold import fold


def agency_id(province, name):
    return f"{province or 'vn'}-" + re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")


def main():
    agencies = spec.table("agencies")
    [path] = agencies.csv_paths()
    with path.open(encoding="utf-8", newline="") as f:
        existing = list(csv.DictReader(f))
    known = {(a["province_code"], a["name"]) for a in existing}
    added = []
    for m in rows_of(AGENCY_MENTIONS):
        key = (m["province_code"], m["agency"])
        if key not in known:
            known.add(key)
            added.append({"id": agency_id(*key), "name": m["agency"], "short_name": m["short_name"],
                          "province_code": m["province_code"], "kind": m["kind"]})
    rows = sorted(existing + added, key=lambda a: (a["province_code"], a["id"]))
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, agencies.csv_header(), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(added)} agencies added, {len(rows)} in all")


if __name__ == "__main__":
    main()
