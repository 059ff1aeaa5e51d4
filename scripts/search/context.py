"""The context a reader needs beside a search result, read for the chosen rows in one query per table: province;
owner, period and money of a project; lead and deadline of a task; value, unit and year of an indicator; what a
former unit is now part of ("Nay thuộc …", the row page's words: i18n.yml ui `now_part_of`) with its link; date and
issuer of a decision or document.

Each item carries a machine `value` (for the JSON) and a `text` for the page in the page's language: numbers,
dates and money as scripts/vnformat.py writes them (Vietnamese forms on Vietnamese pages, English ones with
?_lang=en), the words of enumerated values from the table specs, "rank" from i18n.yml — while what the documents
print (names of agencies and wards, a deadline or period as printed, an indicator's unit) stays as printed. The
label is the caller's mapping for the field (plugins/ranked_search.py label(), words in scripts/serve/i18n.yml
`search`)."""
import json

from scripts import vnformat
from scripts.serve import i18n

PROVINCE = "(select name from provinces where code = {})"
CONTEXT_SQL = {
    "capital_projects": f"""select t.rowid, {PROVINCE.format("d.province_code")} as province,
        coalesce(a.name, t.owner_printed) as owner, t.owner_id, t.period_printed, t.start_year, t.end_year,
        t.total_million_vnd, t.total_comparator from capital_projects t left join documents d on d.id = t.document_id
        left join agencies a on a.id = t.owner_id""",
    "plan_tasks": f"""select t.rowid, {PROVINCE.format("t.province_code")} as province,
        (select group_concat(a.name, '; ') from task_agencies ta join agencies a on a.id = ta.agency_id
         where ta.task_id = t.id and ta.role = 'lead') as lead, t.timing_printed, t.due_date, t.due_year
        from plan_tasks t""",
    "indicators": f"""select t.rowid, {PROVINCE.format("t.province_code")} as province, t.kind, t.value,
        t.value_low, t.value_high, t.comparator, t.unit, t.rank_of, t.ref_year, t.inferred_year from indicators t""",
    "agencies": f"""select t.rowid, {PROVINCE.format("t.province_code")} as province, t.short_name, t.kind
        from agencies t""",
    "decisions": f"""select t.rowid, {PROVINCE.format("d.province_code")} as province, t.issued_on, t.issuer,
        (select group_concat(p.id || char(31) || p.name, char(30)) from project_decisions pd
         join capital_projects p on p.id = pd.project_id where pd.decision_id = t.id) as projects
        from decisions t left join documents d on d.id = t.document_id""",
    "wards": f"""select t.rowid, {PROVINCE.format("t.province_code")} as province, t.type, t.code
        from wards t""",
    "ward_predecessors": f"""select t.rowid, t.former_district, t.former_province, t.ward_code, w.name as now,
        {PROVINCE.format("w.province_code")} as province from ward_predecessors t
        left join wards w on w.code = t.ward_code""",
    "documents": f"""select t.rowid, {PROVINCE.format("t.province_code")} as province, t.issued_on, t.issuer
        from documents t""",
    "project_components": """select t.rowid, p.id as project_id, p.name as project from project_components t
        left join capital_projects p on p.id = t.project_id""",
    "document_passages": """select t.rowid, d.type || ' ' || d.symbol as document, t.document_id,
        t.heading_path from document_passages t left join documents d on d.id = t.document_id""",
}


def context_items(table, c, urls, labels, indicator_kinds, lang="vi"):
    """The context a reader needs, as [{field, label, value (machine), text (in `lang`), url}]; urls.row(table,
    pk) links a value to its row."""
    def number(value):
        return vnformat.number(value, lang)

    def date(iso):
        return vnformat.date(iso, lang) if iso else ""

    def item(field, value, text=None, url=None):
        return {"field": field, "label": labels(field), "value": value,
                "text": text if text is not None else str(value), "url": url}

    out = []
    if c.get("province"):
        out.append(item("province", c["province"]))
    if table == "capital_projects":
        if c["owner"]:
            out.append(item("owner", c["owner"], url=urls.row("agencies", c["owner_id"]) if c["owner_id"] else None))
        period = c["period_printed"] or "–".join(str(y) for y in (c["start_year"], c["end_year"]) if y)
        if period:
            out.append(item("period", period))
        if c["total_million_vnd"] is not None:
            sign = c.get("total_comparator")
            out.append(item("total_million_vnd", c["total_million_vnd"],
                            vnformat.with_comparator(sign, vnformat.money_million(c["total_million_vnd"], lang))))
    elif table == "plan_tasks":
        if c["lead"]:
            out.append(item("lead", c["lead"]))
        deadline = c["timing_printed"] or (date(c["due_date"]) if c["due_date"] else c["due_year"])
        if deadline:
            out.append(item("deadline", c["due_date"] or c["due_year"] or deadline, str(deadline)))
    elif table == "indicators":
        unit = c["unit"] or ""
        if c["value"] is not None:
            shown = number(c["value"])
            if c["comparator"] == "range" and c["value_low"] is not None:
                shown = f"{number(c['value_low'])}–{number(c['value_high'])}"
            elif c["comparator"] and c["comparator"] != "=":
                shown = f"{c['comparator']} {shown}"
            if unit == "count":
                text = shown
            elif unit == "rank":
                text = f"{i18n.t('rank_of', lang)} {shown}" + (f"/{c['rank_of']}" if c["rank_of"] else "")
            else:
                text = f"{shown}{unit if unit == '%' else ' ' + unit if unit else ''}"
            out.append(item("value", c["value"], text))
        if c["ref_year"]:
            out.append(item("ref_year", c["ref_year"]))
        elif c["inferred_year"]:  # not printed for this figure: shown as what it is, under its own label
            out.append(item("inferred_year", c["inferred_year"]))
        if c["kind"]:
            out.append(item("indicator_kind", c["kind"], indicator_kinds.get(c["kind"], c["kind"])))
    elif table == "agencies":
        if c["short_name"]:
            out.append(item("short_name", c["short_name"]))
    elif table in ("decisions", "documents"):  # an issued text: its date and issuer; a decision, what it approves
        if c["issued_on"]:
            out.append(item("issued_on", c["issued_on"], date(c["issued_on"])))
        if c["issuer"]:
            out.append(item("issuer", c["issuer"]))
        for project in filter(None, (c.get("projects") or "").split("\x1e")):
            pid, _, name = project.partition("\x1f")
            out.append(item("project", pid, name, urls.row("capital_projects", pid)))
    elif table == "wards":
        out.append(item("type", c["type"], i18n.enum_words("wards", "type", lang).get(c["type"], c["type"])))
        out.append(item("code", c["code"]))
    elif table == "ward_predecessors":
        if c["now"]:
            out.insert(0, item("now", c["ward_code"], c["now"], urls.row("wards", c["ward_code"])))
        if c["former_district"]:
            out.append(item("former_district", c["former_district"]))
        if c["former_province"]:
            out.append(item("former_province", c["former_province"]))
    elif table == "project_components":
        if c["project_id"]:
            out.append(item("project", c["project_id"], c["project"], urls.row("capital_projects", c["project_id"])))
    elif table == "document_passages":
        if c["document"]:
            out.append(item("document", c["document_id"], c["document"], urls.row("documents", c["document_id"])))
    return out


def fetch_context(conn, chosen):
    by_table = {}
    for _, table, row, _, _ in chosen:
        by_table.setdefault(table, []).append(row["rowid"])
    out = {}
    for table, rowids in by_table.items():
        if table not in CONTEXT_SQL:  # a table only its spec knows: no context beyond its title and snippet
            continue
        cursor = conn.execute(f"select * from ({CONTEXT_SQL[table]}) where rowid in "
                              f"(select value from json_each(:ids))", {"ids": json.dumps(rowids)})
        names = [d[0] for d in cursor.description]
        for values in cursor.fetchall():
            c = dict(zip(names, values))
            out[(table, c["rowid"])] = c
    return out
