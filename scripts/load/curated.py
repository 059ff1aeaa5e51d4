"""Load the reviewed CSV tables under sources/curated/ (see its README): check each row's provenance and
values, resolve agency names to `agencies`, and link each row to the passage its excerpt comes from."""
import bisect

from scripts.load.csvsource import ROOT, Row, read_csv, unique
from scripts.load.fidelity import check_row
from scripts.load.textfold import collapse_ws

CURATED = ROOT / "sources" / "curated"

COLUMNS = {
    "agencies": ["id", "name", "short_name", "province_code", "kind"],
    "agency_mentions": ["agency", "short_name", "kind", "province_code", "printed", "document_id"],
    "capital_projects": ["id", "document_id", "section", "section_title", "item_no", "name", "owner", "owner_printed",
                         "funding_source", "start_year", "end_year", "period_printed", "status_note",
                         "total_million_vnd", "locator", "excerpt", "notes"],
    "project_money": ["project_id", "measure", "amount_million_vnd", "year", "document_id", "locator", "excerpt", "notes"],
    "project_components": ["id", "project_id", "ordinal", "name", "objective", "scale", "document_id", "locator",
                           "excerpt"],
    "decisions": ["id", "document_id", "footnote_no", "kind", "symbol", "issued_on", "issuer", "subject", "locator",
                  "excerpt"],
    "project_decisions": ["project_id", "decision_id"],
    "project_wards": ["project_id", "ordinal", "name_printed", "name", "unit_type", "ward_code", "resolved_via",
                      "predecessor", "unresolved_reason", "document_id", "locator", "excerpt"],
    "plan_tasks": ["id", "document_id", "province_code", "group_path", "item_no", "task", "timing_printed",
                   "timing_kind", "due_date", "due_year", "status_printed", "locator", "excerpt", "notes"],
    "task_agencies": ["task_id", "role", "agency", "body", "printed", "ordinal", "basis"],
    "indicators": ["id", "document_id", "province_code", "pillar", "indicator", "kind", "value", "value_low",
                   "value_high", "comparator", "unit", "rank_of", "ref_year", "population", "target_id", "locator",
                   "excerpt", "notes"],
    "curation_gaps": ["document_id", "locator", "excerpt", "reason"],
}
AGENCY_KINDS = {"sở", "công an", "văn phòng", "thanh tra", "báo chí", "chính quyền", "đảng", "đoàn thể",
                "doanh nghiệp", "trung ương", "nhóm", "đơn vị sự nghiệp", "mặt trận", "quốc hội", "tư pháp"}
YEARS = dict(minimum=1990, maximum=2100)


def rows_of(table) -> list[Row]:
    """All rows of a curated table: one CSV per document under sources/curated/<table>/."""
    rows = []
    for path in sorted((CURATED / table).glob("*.csv")):
        rows.extend(read_csv(path, COLUMNS[table]))
    return rows


class Provenance:
    """Checks a row's excerpt against its document and finds the passage the excerpt starts in."""

    def __init__(self, db):
        self.documents = {r["id"]: r["province_code"] for r in db["documents"].rows}
        self.passages = {}  # document_id -> (offsets, ids, collapsed text) of its primary file
        for doc in self.documents:
            ids, parts, offsets, offset = [], [], [], 0
            for p in db.query("select p.id, p.text from document_passages p join document_files f on f.file = p.file"
                              " where p.document_id = ? order by f.is_primary desc, p.file, p.seq", [doc]):
                text = collapse_ws(p["text"]) + " "
                ids.append(p["id"]), offsets.append(offset), parts.append(text)
                offset += len(text)
            self.passages[doc] = (offsets, ids, "".join(parts))

    def check(self, table, row: Row):
        doc = row["document_id"]
        if doc not in self.documents:
            raise row.error("document_id", f"{doc!r} is not in sources/documents.csv")
        for problem in check_row(table, row.values):
            field, message = problem.split(": ", 1)
            raise row.error(field, message)
        offsets, ids, text = self.passages[doc]
        at = text.find(collapse_ws(row["excerpt"]))
        return ids[bisect.bisect_right(offsets, at) - 1] if at >= 0 else None

    def provenance(self, table, row: Row):
        return {"document_id": row["document_id"], "locator": row.text("locator", True),
                "excerpt": row.text("excerpt", True), "passage_id": self.check(table, row)}

    def province(self, row):
        return self.documents[row["document_id"]]


class Agencies:
    """Resolves printed or canonical agency names to agency ids, within the document's province first."""

    def __init__(self, db, provenance: Provenance):
        agencies = read_csv(CURATED / "agencies.csv", COLUMNS["agencies"])
        unique(agencies, "id")
        self.by_name, self.by_alias = {}, {}  # aliases fill in once every mention has resolved by name
        for a in agencies:
            key = (a["province_code"], a.text("name", True))
            if key in self.by_name:
                raise a.error("name", f"{key[1]!r} is listed twice for province {key[0]!r}")
            self.by_name[key] = a["id"]
            a.choice("kind", AGENCY_KINDS)
        mentions = rows_of("agency_mentions")
        aliases = {}
        for m in mentions:
            agency_id = self.resolve(m, "agency", m["province_code"])
            aliases.setdefault((agency_id, m.text("printed", True), m["document_id"]), m)
            if m["document_id"] not in provenance.documents:
                raise m.error("document_id", f"{m['document_id']!r} is not in sources/documents.csv")
        self.by_alias = {(m["province_code"], printed): agency_id for (agency_id, printed, _), m in aliases.items()}
        alias_lists = {}
        for (agency_id, printed, _) in aliases:
            alias_lists.setdefault(agency_id, set()).add(printed)
        db["agencies"].insert_all(
            {"id": a["id"], "name": a["name"], "short_name": a.text("short_name"),
             "province_code": a.text("province_code"), "kind": a["kind"],
             "aliases": " | ".join(sorted(alias_lists.get(a["id"], ())))}
            for a in agencies
        )
        db["agency_aliases"].insert_all(
            {"alias": printed, "agency_id": agency_id, "document_id": doc} for (agency_id, printed, doc) in aliases
        )

    def resolve(self, row: Row, field: str, province: str):
        name = row.text(field, True)
        for key in ((province, name), ("", name)):
            if key in self.by_name:
                return self.by_name[key]
            if key in self.by_alias:
                return self.by_alias[key]
        raise row.error(field, f"agency {name!r} does not resolve to sources/curated/agencies.csv "
                               f"(province {province!r}); add it or an alias in agency_mentions")


def load_curated(db):
    prov = Provenance(db)
    agencies = Agencies(db, prov)
    wards = {w["code"] for w in db["wards"].rows}

    projects = rows_of("capital_projects")
    unique(projects, "id")
    db["capital_projects"].insert_all(project_record(r, prov, agencies) for r in projects)
    project_ids = {r["id"] for r in projects}

    def project_of(row):
        if row["project_id"] not in project_ids:
            raise row.error("project_id", f"{row['project_id']!r} is not a capital project")
        return row["project_id"]

    money = rows_of("project_money")
    db["project_money"].insert_all(
        {"id": f"{project_of(r)}#{n}", "project_id": r["project_id"], "measure": r.text("measure", True),
         "amount_million_vnd": r.number("amount_million_vnd", True, minimum=0), "year": r.integer("year", **YEARS),
         **prov.provenance("project_money", r), "notes": r.text("notes")}
        for r, n in numbered(money, "project_id")
    )
    components = rows_of("project_components")
    unique(components, "id")
    db["project_components"].insert_all(
        {"id": r["id"], "project_id": project_of(r), "ordinal": r.integer("ordinal", True), "name": r.text("name", True),
         "objective": r.text("objective"), "scale": r.text("scale"), **prov.provenance("project_components", r)}
        for r in components
    )
    decisions = rows_of("decisions")
    unique(decisions, "id")
    db["decisions"].insert_all(
        {"id": r["id"], "footnote_no": r.integer("footnote_no"), "kind": r.choice("kind", {"Quyết định", "Công văn"}),
         "symbol": r.text("symbol", True), "issued_on": r.iso_date("issued_on"), "issuer": r.text("issuer"),
         "subject": r.text("subject"), **prov.provenance("decisions", r)}
        for r in decisions
    )
    decision_ids = {r["id"] for r in decisions}
    links = rows_of("project_decisions")
    for r in links:
        project_of(r)
        if r["decision_id"] not in decision_ids:
            raise r.error("decision_id", f"{r['decision_id']!r} is not in decisions")
    db["project_decisions"].insert_all({"project_id": r["project_id"], "decision_id": r["decision_id"]} for r in links)

    db["project_wards"].insert_all(project_ward_record(r, prov, wards, project_of) for r in rows_of("project_wards"))

    tasks = rows_of("plan_tasks")
    unique(tasks, "id")
    db["plan_tasks"].insert_all(task_record(r, prov) for r in tasks)
    task_ids = {r["id"]: prov.province(r) for r in tasks}
    task_agencies = rows_of("task_agencies")
    for r in task_agencies:
        if r["task_id"] not in task_ids:
            raise r.error("task_id", f"{r['task_id']!r} is not a plan task")
    db["task_agencies"].insert_all(
        {"task_id": r["task_id"], "role": r.choice("role", {"lead", "coordinating"}),
         "agency_id": agencies.resolve(r, "agency", task_ids[r["task_id"]]),
         "body": r.choice("body", {"agency", "party committee"}), "printed": r.text("printed"),
         "ordinal": r.integer("ordinal", True), "basis": r.text("basis", True)}
        for r in task_agencies
    )

    # A JSON array of each task's lead agencies, so the table facets by lead agency (_facet_array).
    db.execute("update plan_tasks set lead_agencies = (select json_group_array(agency_id) from"
               " (select distinct agency_id from task_agencies where task_id = plan_tasks.id and role = 'lead'))")

    indicators = rows_of("indicators")
    by_id = unique(indicators, "id")
    # Targets first: achieved rows point at them (a foreign key to the same table).
    records = [indicator_record(r, prov, by_id) for r in indicators]
    db["indicators"].insert_all(sorted(records, key=lambda r: r["target_id"] is not None))

    gaps = rows_of("curation_gaps")
    db["curation_gaps"].insert_all(
        {"id": f"{r['document_id']}#{n}", "reason": r.text("reason", True), **prov.provenance("curation_gaps", r)}
        for r, n in numbered(gaps, "document_id")
    )


def numbered(rows, field):
    """(row, n): n counts rows per value of field, so ids stay stable when another file gains rows."""
    seen = {}
    for r in rows:
        seen[r[field]] = seen.get(r[field], 0) + 1
        yield r, seen[r[field]]


def project_record(r, prov, agencies):
    start, end = r.integer("start_year", **YEARS), r.integer("end_year", **YEARS)
    if start and end and end < start:
        raise r.error("end_year", f"{end} is before start_year {start}")
    return {
        "id": r["id"], "section": r.choice("section", {"A.I", "A.II", "B", "PL", "BC"}),
        "section_title": r.text("section_title"), "item_no": r.text("item_no", True), "name": r.text("name", True),
        "owner_id": agencies.resolve(r, "owner", prov.province(r)) if r["owner"] else None,
        "owner_printed": r.text("owner_printed"),
        "funding_source": r.choice("funding_source", {"vốn đầu tư công", "vốn sự nghiệp"}, required=False),
        "start_year": start, "end_year": end, "period_printed": r.text("period_printed"),
        "status_note": r.text("status_note"), "total_million_vnd": r.number("total_million_vnd", minimum=0),
        **prov.provenance("capital_projects", r), "notes": r.text("notes"),
    }


def project_ward_record(r, prov, wards, project_of):
    code = r.text("ward_code")
    if code is not None and code not in wards:
        raise r.error("ward_code", f"{code!r} is not in the official ward list")
    if code is None and not r["unresolved_reason"]:
        raise r.error("unresolved_reason", "a commune without ward_code must say why it is unresolved")
    return {
        "project_id": project_of(r), "ordinal": r.integer("ordinal", True), "name_printed": r.text("name_printed", True),
        "name": r.text("name"), "unit_type": r.text("unit_type"), "ward_code": code,
        "resolved_via": r.choice("resolved_via", {"same name", "predecessor"}, required=False),
        "predecessor": r.text("predecessor"), "unresolved_reason": r.text("unresolved_reason"),
        **prov.provenance("project_wards", r),
    }


TIMING_KINDS = {"deadline", "year", "recurring", "conditional", "period", "none"}


def task_record(r, prov):
    province = r.text("province_code", True)
    if province != prov.province(r):
        raise r.error("province_code", f"{province!r} is not the province of document {r['document_id']!r}")
    return {
        "id": r["id"], "province_code": province, "group_path": r.text("group_path"), "item_no": r.text("item_no", True),
        "task": r.text("task", True), "timing_printed": r.text("timing_printed"),
        "timing_kind": r.choice("timing_kind", TIMING_KINDS), "due_date": r.iso_date("due_date"),
        "due_year": r.integer("due_year", **YEARS), "status_printed": r.text("status_printed"),
        **prov.provenance("plan_tasks", r), "notes": r.text("notes"),
    }


def indicator_record(r, prov, by_id):
    value, low, high = r.number("value"), r.number("value_low"), r.number("value_high")
    if value is None and (low is None or high is None):
        raise r.error("value", "an indicator needs a value, or value_low and value_high")
    target = r.text("target_id")
    if target is not None and target not in by_id:
        raise r.error("target_id", f"{target!r} is not an indicator id")
    return {
        "id": r["id"], "province_code": r.text("province_code", True), "pillar": r.text("pillar"),
        "indicator": r.text("indicator", True), "kind": r.choice("kind", {"target", "achieved"}),
        "value": value, "value_low": low, "value_high": high,
        "comparator": r.choice("comparator", {"≥", "≤", "=", ">", "<", "range"}, required=False),
        "unit": r.text("unit", True), "rank_of": r.integer("rank_of"), "ref_year": r.integer("ref_year", **YEARS),
        "population": r.text("population"), "target_id": target, **prov.provenance("indicators", r),
        "notes": r.text("notes"),
    }
