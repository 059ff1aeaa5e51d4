"""The catalog's tables: columns with types, primary keys and real foreign keys (created before loading,
so SQLite enforces them and Datasette links rows across tables)."""

T, I, F = str, int, float

# table: (columns, primary key, foreign keys [(column, other table, other column)])
SCHEMA = {
    "provinces": (
        {"code": T, "name": T, "short_name": T, "merged_from": T, "latitude": F, "longitude": F,
         "min_latitude": F, "min_longitude": F, "max_latitude": F, "max_longitude": F},
        "code", []),
    "province_predecessors": (
        {"former_code": T, "former_name": T, "province_code": T},
        "former_code", [("province_code", "provinces", "code")]),
    "wards": (
        {"code": T, "name": T, "short_name": T, "type": T, "province_code": T, "latitude": F, "longitude": F,
         "area_km2": F},
        "code", [("province_code", "provinces", "code")]),
    "ward_predecessors": (
        {"ward_code": T, "former_code": T, "former_name": T, "former_type": T, "former_district_code": T,
         "former_district": T, "former_province_code": T, "former_province": T, "extent": T},
        ("ward_code", "former_code"), [("ward_code", "wards", "code")]),
    "documents": (
        {"id": T, "symbol": T, "type": T, "issuer": T, "province_code": T, "issued_on": T, "title": T, "signer": T,
         "notes": T},
        "id", [("province_code", "provinces", "code")]),
    "document_files": (
        {"file": T, "document_id": T, "text_quality": T, "is_primary": I, "received_as": T, "sha256": T,
         "bytes": I, "lines": I},
        "file", [("document_id", "documents", "id")]),
    "document_passages": (
        {"id": T, "document_id": T, "file": T, "seq": I, "kind": T, "heading_path": T, "text": T,
         "text_quality": T, "line_start": I, "line_end": I},
        "id", [("document_id", "documents", "id"), ("file", "document_files", "file")]),
    "agencies": (
        {"id": T, "name": T, "short_name": T, "province_code": T, "kind": T, "aliases": T},
        "id", [("province_code", "provinces", "code")]),
    "agency_aliases": (
        {"alias": T, "agency_id": T, "document_id": T},
        ("alias", "agency_id", "document_id"), [("agency_id", "agencies", "id"), ("document_id", "documents", "id")]),
}

# Provenance columns every curated row carries.
PROVENANCE = {"document_id": T, "locator": T, "excerpt": T, "passage_id": T}
PROVENANCE_FKS = [("document_id", "documents", "id"), ("passage_id", "document_passages", "id")]

CURATED_SCHEMA = {
    "capital_projects": (
        {"id": T, "section": T, "section_title": T, "item_no": T, "name": T, "owner_id": T, "owner_printed": T,
         "funding_source": T, "start_year": I, "end_year": I, "period_printed": T, "status_note": T,
         "total_million_vnd": F, **PROVENANCE, "notes": T},
        "id", [("owner_id", "agencies", "id"), *PROVENANCE_FKS]),
    "project_money": (
        {"id": T, "project_id": T, "measure": T, "amount_million_vnd": F, "year": I, **PROVENANCE, "notes": T},
        "id", [("project_id", "capital_projects", "id"), *PROVENANCE_FKS]),
    "project_components": (
        {"id": T, "project_id": T, "ordinal": I, "name": T, "objective": T, "scale": T, **PROVENANCE},
        "id", [("project_id", "capital_projects", "id"), *PROVENANCE_FKS]),
    "decisions": (
        {"id": T, "footnote_no": I, "kind": T, "symbol": T, "issued_on": T, "issuer": T, "subject": T,
         **PROVENANCE},
        "id", PROVENANCE_FKS),
    "project_decisions": (
        {"project_id": T, "decision_id": T},
        ("project_id", "decision_id"), [("project_id", "capital_projects", "id"), ("decision_id", "decisions", "id")]),
    "project_wards": (
        {"project_id": T, "ordinal": I, "name_printed": T, "name": T, "unit_type": T, "ward_code": T,
         "resolved_via": T, "predecessor": T, "unresolved_reason": T, **PROVENANCE},
        ("project_id", "ordinal"), [("project_id", "capital_projects", "id"), ("ward_code", "wards", "code"),
                                    *PROVENANCE_FKS]),
    "plan_tasks": (
        {"id": T, "province_code": T, "group_path": T, "item_no": T, "task": T, "timing_printed": T,
         "timing_kind": T, "due_date": T, "due_year": I, "status_printed": T, "lead_agencies": T,
         **PROVENANCE, "notes": T},
        "id", [("province_code", "provinces", "code"), *PROVENANCE_FKS]),
    "task_agencies": (
        {"task_id": T, "role": T, "agency_id": T, "body": T, "printed": T, "ordinal": I, "basis": T},
        ("task_id", "role", "ordinal"), [("task_id", "plan_tasks", "id"), ("agency_id", "agencies", "id")]),
    "indicators": (
        {"id": T, "province_code": T, "pillar": T, "indicator": T, "kind": T, "value": F, "value_low": F,
         "value_high": F, "comparator": T, "unit": T, "rank_of": I, "ref_year": I, "population": T,
         "target_id": T, **PROVENANCE, "notes": T},
        "id", [("province_code", "provinces", "code"), ("target_id", "indicators", "id"), *PROVENANCE_FKS]),
    "curation_gaps": (
        {"id": T, "reason": T, **PROVENANCE},
        "id", PROVENANCE_FKS),
}


def create_tables(db, schema):
    for table, (columns, pk, fks) in schema.items():
        db[table].create(columns, pk=pk, foreign_keys=fks)
