"""Load the reviewed CSV tables under sources/curated/ (see its README): check each row's provenance and
values, resolve agency names to `agencies`, and link each row to the passage its excerpt comes from."""
import bisect
import json

from scripts import spec
from scripts.load.csvsource import Row, choice, read_table, record, unique
from scripts.load.fidelity import check_row, unprinted_values
from scripts.load.textfold import collapse_ws

YEARS = dict(minimum=1990, maximum=2100)
AGENCY_MENTIONS = "agency_aliases"  # the table sources/curated/agency_mentions/ feeds
# The tables this module loads with code of their own; any other spec with a CSV is loaded by load_generic().
LOADS = ("agencies", "agency_aliases", "capital_projects", "project_money", "project_components", "decisions",
         "project_decisions", "project_wards", "plan_tasks", "task_agencies", "indicators", "curation_gaps")


def rows_of(table) -> list[Row]:
    """All rows of a curated table: one CSV per document under sources/curated/<table>/ (its spec's csv.path)."""
    return read_table(spec.table(table))


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
        for problem in check_row(table, row.values) + unprinted_values(table, row.values):
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
        agencies = rows_of("agencies")
        unique(agencies, "id")
        self.by_name, self.by_alias = {}, {}  # aliases fill in once every mention has resolved by name
        for a in agencies:
            key = (a["province_code"], a.text("name", True))
            if key in self.by_name:
                raise a.error("name", f"{key[1]!r} is listed twice for province {key[0]!r}")
            self.by_name[key] = a["id"]
            choice(a, "agencies", "kind")
        mentions = rows_of(AGENCY_MENTIONS)
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
            record("agencies", a, {"id": a["id"], "name": a["name"], "short_name": a.text("short_name"),
                                   "province_code": a.text("province_code"), "kind": a["kind"],
                                   "aliases": " | ".join(sorted(alias_lists.get(a["id"], ())))})
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
        record("project_money", r, {
            "id": f"{project_of(r)}#{n}", "project_id": r["project_id"], "measure": r.text("measure", True),
            "amount_million_vnd": r.number("amount_million_vnd", True, minimum=0), "year": r.integer("year", **YEARS),
            **prov.provenance("project_money", r), "notes": r.text("notes")})
        for r, n in numbered(money, "project_id")
    )
    components = rows_of("project_components")
    unique(components, "id")
    db["project_components"].insert_all(
        record("project_components", r, {
            "id": r["id"], "project_id": project_of(r), "ordinal": r.integer("ordinal", True),
            "name": r.text("name", True), "objective": r.text("objective"), "scale": r.text("scale"),
            **prov.provenance("project_components", r)})
        for r in components
    )
    decisions = rows_of("decisions")
    unique(decisions, "id")
    db["decisions"].insert_all(
        record("decisions", r, {
            "id": r["id"], "footnote_no": r.integer("footnote_no"), "kind": choice(r, "decisions", "kind"),
            "symbol": r.text("symbol", True), "issued_on": r.iso_date("issued_on"), "issuer": r.text("issuer"),
            "subject": r.text("subject"), **prov.provenance("decisions", r)})
        for r in decisions
    )
    decision_ids = {r["id"] for r in decisions}
    links = rows_of("project_decisions")
    for r in links:
        project_of(r)
        if r["decision_id"] not in decision_ids:
            raise r.error("decision_id", f"{r['decision_id']!r} is not in decisions")
    db["project_decisions"].insert_all(
        record("project_decisions", r, {"project_id": r["project_id"], "decision_id": r["decision_id"]}) for r in links)

    db["project_wards"].insert_all(project_ward_record(r, prov, wards, project_of) for r in rows_of("project_wards"))

    tasks = rows_of("plan_tasks")
    unique(tasks, "id")
    db["plan_tasks"].insert_all(task_record(r, prov, agencies) for r in tasks)
    task_rows = {r["id"]: r for r in tasks}
    task_agencies = rows_of("task_agencies")
    for r in task_agencies:
        if r["task_id"] not in task_rows:
            raise r.error("task_id", f"{r['task_id']!r} is not a plan task")
    db["task_agencies"].insert_all(task_agency_record(r, task_rows[r["task_id"]], prov, agencies) for r in task_agencies)

    # A JSON array of each task's lead agencies, so the table facets by lead agency (_facet_array). Only leads
    # printed with the task or assigned to it by name (Phụ lục I, a paragraph of Mục VI) are in task_agencies;
    # a lead inferred from a general assignment is plan_tasks.inferred_lead_id and counts nowhere.
    db.execute("update plan_tasks set lead_agencies = (select json_group_array(agency_id) from"
               " (select distinct agency_id from task_agencies where task_id = plan_tasks.id and role = 'lead'))")

    indicators = rows_of("indicators")
    by_id = unique(indicators, "id")
    # Targets first: achieved rows point at them (a foreign key to the same table).
    records = [indicator_record(r, prov, by_id) for r in indicators]
    db["indicators"].insert_all(sorted(records, key=lambda r: r["target_id"] is not None))

    gaps = rows_of("curation_gaps")
    db["curation_gaps"].insert_all(
        record("curation_gaps", r, {"id": f"{r['document_id']}#{n}", "reason": r.text("reason", True),
                                    **prov.provenance("curation_gaps", r)})
        for r, n in numbered(gaps, "document_id")
    )
    return prov


def load_generic(db, prov: Provenance, exclude):
    """Tables that a spec and a CSV alone add (no code of their own): every CSV column read as its spec says
    (type, required, categories, minimum/maximum), ids checked unique, and, where the table carries the
    provenance columns, the excerpt checked against its document and linked to its passage. Foreign keys are
    checked by SQLite after loading, like every other table's."""
    for table in spec.tables().values():
        if table.csv is None or table.name in exclude:
            continue
        rows = read_table(table)
        if len(table.primary_key) == 1 and table.primary_key[0] in table.by_name:
            key = table.by_name[table.primary_key[0]]
            if not key.get("derived"):
                unique(rows, key.get("csv", key["name"]))
        db[table.name].insert_all(
            record(table.name, r, prov.provenance(table.name, r) if table.has_provenance else {}) for r in rows)


# The value sets these rules use are the columns' categories in the specs: the comparator scheme
# (sources/tables/_shared.yml `comparator`: "=" exact, "≈" approximate, "≥" at least, ">" more than, "≤", "<",
# "range"), the kinds of money (`money_measure`: totals add one kind at a time) and task_agencies.basis.
PRINTED_WITH_TASK = "printed with the task"  # the one basis whose agency is printed in the task's own excerpt


def task_agency_record(r, task, prov, agencies):
    """An agency of a task. Its printed form must be in the row's own excerpt (where the assignment is printed:
    Phụ lục I, a paragraph or heading of Mục VI) or, when the row has none, in the task's excerpt."""
    basis = choice(r, "task_agencies", "basis")
    own = bool(r["excerpt"])
    if basis != PRINTED_WITH_TASK and not own:
        raise r.error("excerpt", f"basis {basis!r} needs the locator and excerpt where the assignment is printed")
    source = r if own else task
    values = {**r.values, "document_id": task["document_id"], "excerpt": source["excerpt"]}
    for problem in unprinted_values("task_agencies", values):
        field, message = problem.split(": ", 1)
        raise r.error(field, message)
    provenance = (prov.provenance("task_agencies", Row(r.path, r.line, values)) if own else
                  {"document_id": task["document_id"], "locator": task["locator"], "excerpt": task["excerpt"],
                   "passage_id": prov.check("plan_tasks", task)})
    return record("task_agencies", r, {
        "task_id": r["task_id"], "agency_id": agencies.resolve(r, "agency", prov.province(task)),
        "ordinal": r.integer("ordinal", True), "basis": basis, **provenance})


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
    total = r.number("total_million_vnd", minimum=0)
    if total is not None and not r["total_measure"]:
        measures = spec.table("capital_projects").categories("total_measure")
        raise r.error("total_measure", f"say what the amount is: one of {sorted(measures)}")
    return record("capital_projects", r, {
        "id": r["id"], "section": choice(r, "capital_projects", "section"),
        "section_title": r.text("section_title"), "item_no": r.text("item_no", True), "name": r.text("name", True),
        "owner_id": agencies.resolve(r, "owner", prov.province(r)) if r["owner"] else None,
        "owner_printed": r.text("owner_printed"),
        "funding_source": choice(r, "capital_projects", "funding_source"),
        "start_year": start, "end_year": end, "period_printed": r.text("period_printed"),
        "status_note": r.text("status_note"), "total_million_vnd": total,
        "total_comparator": choice(r, "capital_projects", "total_comparator", required=total is not None),
        **prov.provenance("capital_projects", r), "notes": r.text("notes"),
    })


def project_ward_record(r, prov, wards, project_of):
    code = r.text("ward_code")
    if code is not None and code not in wards:
        raise r.error("ward_code", f"{code!r} is not in the official ward list")
    if code is None and not r["unresolved_reason"]:
        raise r.error("unresolved_reason", "a commune without ward_code must say why it is unresolved")
    # Candidates of an unresolved name, "29938 | 30157": stored as a JSON array so pages and facets can list them.
    codes = [c.strip() for c in (r.text("candidate_ward_codes") or "").split("|") if c.strip()]
    for c in codes:
        if c not in wards:
            raise r.error("candidate_ward_codes", f"{c!r} is not in the official ward list")
    if codes and code is not None:
        raise r.error("candidate_ward_codes", "a resolved commune has a ward_code, not candidates")
    candidates = json.dumps(codes, ensure_ascii=False) if codes else None
    return record("project_wards", r, {
        "project_id": project_of(r), "ordinal": r.integer("ordinal", True), "name_printed": r.text("name_printed", True),
        "name": r.text("name"), "unit_type": r.text("unit_type"), "ward_code": code,
        "resolved_via": choice(r, "project_wards", "resolved_via"),
        "predecessor": r.text("predecessor"), "unresolved_reason": r.text("unresolved_reason"),
        "candidate_ward_codes": candidates, **prov.provenance("project_wards", r),
    })


def task_record(r, prov, agencies):
    province = r.text("province_code", True)
    if province != prov.province(r):
        raise r.error("province_code", f"{province!r} is not the province of document {r['document_id']!r}")
    inferred = agencies.resolve(r, "inferred_lead", province) if r["inferred_lead"] else None
    if inferred and not r["inferred_lead_basis"]:
        raise r.error("inferred_lead_basis", "an inferred lead needs the place it is inferred from")
    return record("plan_tasks", r, {
        "id": r["id"], "province_code": province, "group_path": r.text("group_path"), "item_no": r.text("item_no", True),
        "task": r.text("task", True), "timing_printed": r.text("timing_printed"),
        "timing_kind": choice(r, "plan_tasks", "timing_kind"), "due_date": r.iso_date("due_date"),
        "due_year": r.integer("due_year", **YEARS), "status_printed": r.text("status_printed"),
        "inferred_lead_id": inferred, **prov.provenance("plan_tasks", r), "notes": r.text("notes"),
    })


def indicator_record(r, prov, by_id):
    value, low, high = r.number("value"), r.number("value_low"), r.number("value_high")
    value_kind = choice(r, "indicators", "value_kind")
    if value_kind == "qualitative" and any(v is not None for v in (value, low, high)):
        raise r.error("value", "a qualitative indicator (no number printed) has no value")
    if value_kind == "number" and value is None and (low is None or high is None):
        raise r.error("value", "an indicator needs a value, or value_low and value_high")
    # ref_year is a year the excerpt prints; a year taken from a heading or the report's date is inferred_year,
    # with year_basis saying where it comes from, so a filter on ref_year finds printed years only.
    inferred_year = r.typed(spec.table("indicators"), "inferred_year")
    if inferred_year is not None and not r["year_basis"]:
        raise r.error("year_basis", "an inferred year needs the place it is inferred from")
    if inferred_year is not None and r["ref_year"]:
        raise r.error("inferred_year", "a row has a printed ref_year or an inferred year, not both")
    target = r.text("target_id")
    if target is not None and target not in by_id:
        raise r.error("target_id", f"{target!r} is not an indicator id")
    return record("indicators", r, {
        "id": r["id"], "province_code": r.text("province_code", True), "pillar": r.text("pillar"),
        "indicator": r.text("indicator", True), "kind": choice(r, "indicators", "kind"),
        "value_kind": value_kind, "value": value, "value_low": low, "value_high": high,
        "comparator": choice(r, "indicators", "comparator", required=value_kind == "number"),
        "unit": r.text("unit", value_kind == "number"), "rank_of": r.integer("rank_of"),
        "ref_year": r.integer("ref_year", **YEARS), "inferred_year": inferred_year,
        "population": r.text("population"), "target_id": target, **prov.provenance("indicators", r),
        "notes": r.text("notes"),
    })
