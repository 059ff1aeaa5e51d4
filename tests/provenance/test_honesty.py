"""Issue 14: nothing inferred passes as printed, and nothing printed is altered — checked the way a journalist
would use the catalog: the lead facet and the canned queries, the task's page, the money totals, the years."""
from urllib.parse import quote

from datasette.utils import tilde_encode

KH215 = "dongthap-kh-215-2025"
BC222 = "dongthap-bc-222-2025"
SKHCN = "82-so-khoa-hoc-va-cong-nghe"


def printed_or_assigned_leads(db, agency):
    return {r[0] for r in db.execute("select task_id from task_agencies where role = 'lead' and agency_id = ?", [agency])}


def test_lead_counts_are_printed_or_assigned_leads_only(client, db):
    """Sở KH&CN Đồng Tháp leads 16 tasks by name (VI.2, Phụ lục I, VI.2.b); the 43 tasks for which it is only the
    plan's general focal point (VI.2.a) are counted nowhere as led."""
    led = printed_or_assigned_leads(db, SKHCN)
    inferred = {r[0] for r in db.execute("select id from plan_tasks where inferred_lead_id = ?", [SKHCN])}
    assert len(led) == 16 and len(inferred) == 43 and not led & inferred
    facet = client.json("/catalog/plan_tasks.json?_facet_array=lead_agencies&_size=0")["facet_results"]
    counts = {f["value"]: f["count"] for f in facet["lead_agencies"]["results"]}
    assert counts[SKHCN] == 16
    query = client.json("/catalog/tasks_led_by_agency.json?agency=khoa+hoc+va+cong+nghe&_shape=array&_size=max")
    dong_thap = {r["task_id"] for r in query if r["province"] == "Tỉnh Đồng Tháp"}
    assert dong_thap == led
    assert all(r["basis"] for r in query)
    most = {(r["agency"], r["province"]): r for r in client.json("/catalog/agencies_most_lead_tasks.json?_shape=array")}
    row = most[("Sở Khoa học và Công nghệ", "Đồng Tháp")]
    assert row["lead_tasks"] == 16 and row["inferred_only_not_counted"] == 43


def test_leads_decided_from_section_vi(db):
    """IV.5.b is budget work that VI.3 assigns to Sở Tài chính; VI.4.b has Sở Nội vụ organise the leaders'
    classes of III.4.a and IV.3.b; each assignment cites its place in VI and the printed text."""
    def lead(task):
        return db.execute("select agency_id, basis, locator, excerpt from task_agencies where task_id = ?"
                          " and role = 'lead'", [f"{KH215}/{task}"]).fetchall()
    assert lead("IV.5.b") == [("82-so-tai-chinh", "assigned in Mục VI", "Mục VI.3.b", lead("IV.5.b")[0][3])]
    assert "bd tri kinh phi thyc hién Ké hoach nay" in lead("IV.5.b")[0][3]
    for task in ("III.4.a", "IV.3.b"):
        (agency, basis, locator, excerpt), = lead(task)
        assert (agency, basis, locator) == ("82-so-noi-vu", "assigned in Mục VI", "Mục VI.4.b")
        assert "S& Noi vu phdi hop" in excerpt
    assert lead("III.1.a") == []  # no section of VI assigns it: no lead
    assert lead("III.1.c") == []  # VI.1.b and VI.2.b-2 both cover it: the plan does not say which leads
    assert lead("III.1.b")[0][0].startswith("82-ban-chi-dao") and lead("III.1.b")[0][1:3] == (
        "assigned in Mục VI", "Mục VI.1.b")


def test_row_21_keeps_its_legible_coordinating_agency_and_has_no_lead(db):
    rows = db.execute("select role, agency_id, printed from task_agencies where task_id = ?",
                      [f"{KH215}/PL1.21"]).fetchall()
    assert rows == [("coordinating", "82-cac-so-ban-nganh-tinh", "Cac sd, nganh tinh;")]
    gap = db.execute("select reason from curation_gaps where locator like 'Phụ lục I, STT 21%'").fetchone()[0]
    assert "lead agency of this row is not recorded" in gap


def test_inferred_lead_is_shown_as_inferred_on_the_task_page(client):
    page = client.get("/catalog/plan_tasks/" + tilde_encode(f"{KH215}/III.1.a")).text
    assert "Không in trong trích đoạn" in page and "Suy ra từ Mục VI.2.a" in page
    table = client.get("/catalog/plan_tasks?id=" + quote(f"{KH215}/III.1.a", safe="")).text
    assert "Suy ra từ Mục VI.2.a" in table
    printed = client.get("/catalog/plan_tasks/" + tilde_encode("angiang-kh-15-du-2025/1.1")).text
    assert "Không in trong trích đoạn" not in printed  # a task whose lead is printed shows nothing inferred


def test_a_filter_on_ref_year_finds_printed_years_only(client, db):
    rows = list(db.query("select id, ref_year, inferred_year, year_basis, excerpt from indicators"))
    for r in rows:
        if r["ref_year"]:
            assert str(r["ref_year"]) in r["excerpt"], r["id"]
        if r["inferred_year"]:
            assert r["year_basis"].startswith("Suy ra từ"), r["id"]
    facet = client.json("/catalog/indicators.json?_facet=ref_year&_size=0")["facet_results"]["ref_year"]["results"]
    printed_2025 = {f["value"]: f["count"] for f in facet}.get(2025, 0)
    assert printed_2025 == sum(1 for r in rows if r["ref_year"] == 2025)
    assert sum(1 for r in rows if r["inferred_year"]) >= 150


def test_money_totals_never_add_unlike_money(client):
    """Allocated 45,9 tỷ, planned ≈186 tỷ and 80 tỷ, proposed 70 tỷ: one total per kind, the ≈ counted."""
    rows = client.json("/catalog/money_per_owner.json?_shape=array")
    by_kind = {}
    for r in rows:
        by_kind[r["measure"]] = by_kind.get(r["measure"], 0) + r["total_million_vnd"]
    assert by_kind == {"allocated": 45900, "planned": 186000 + 80000, "proposed": 70000}
    planned = [r for r in rows if r["measure"] == "planned"]
    assert planned[0]["approximate_projects"] == 1 and "(≈)" in planned[0]["projects"]
    assert all(r["total_million_vnd"] != 381900 for r in rows)


def test_approximate_amounts_carry_their_comparator(db):
    assert db.execute("select total_comparator from capital_projects where id = ?",
                      [f"{BC222}/BC.2"]).fetchone()[0] == "≈"
    assert db.execute("select comparator from project_money where project_id = ?",
                      [f"{BC222}/BC.2"]).fetchone()[0] == "≈"
    approximate = {r[0] for r in db.execute("select id from indicators where comparator = '≈'")}
    assert {f"{BC222}/ii1-cq2cap-du-kien-tru-so", f"{BC222}/ii2-dien-dan-khoi-nghiep-dai-bieu"} <= approximate


def test_printed_text_is_kept_and_guesses_are_marked(db):
    project = {r["id"].split("/")[1]: r for r in db.query("select * from capital_projects where document_id = ?",
                                                          [KH215])}
    assert project["A.I.2"]["status_note"].startswith("Năm 2023") and "2025" in project["A.I.2"]["notes"]
    for item, reading in (("B.17", "Mua sắm thiết bị tương tác"), ("B.26", "Thuê dịch vụ"), ("B.23", "Chi phí")):
        assert "[…]" in project[item]["name"] and reading not in project[item]["name"]
        assert project[item]["name_reading"].startswith(reading)


def test_rows_left_out_are_in(db):
    task = db.execute("select task, timing_printed, excerpt from plan_tasks where id = ?", [f"{KH215}/PL1.7"]).fetchone()
    assert task[0].startswith("Xây dựng lộ trình phát triển […]") and task[1] == "Cuối năm" and "S6 KH&CN" in task[2]
    qualitative = db.execute("select count(*) from indicators where document_id = ? and value_kind = 'qualitative'"
                             " and value is null", [KH215]).fetchone()[0]
    assert qualitative == 3
    teams = db.execute("select kind, notes from indicators where id = ?", [f"{BC222}/iv5-to-cong-nghe-so-cong-dong"]).fetchone()
    assert teams[0] == "target" and "imperative" in teams[1]


def test_the_two_tan_thanh_offer_both_candidates(db, client):
    rows = db.execute("select ordinal, ward_code, candidate_ward_codes, unresolved_reason from project_wards"
                      " where name_printed = 'Tan Thanh'").fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [(2, None, '["29938", "30157"]'), (15, None, '["29938", "30157"]')]
    assert all("Tân Thành (29938" in r[3] and "Tân Thạnh (30157" in r[3] for r in rows)


def test_vietnamese_number_forms_are_recognised():
    """The build's check reads numbers as the documents print them (dot groups thousands, comma decimals)."""
    from scripts.load.fidelity import printed

    assert printed("money", "45900", "ba cap kinh phi 45,9 ty dong")
    assert printed("money", "70000", "tổng mức đầu tư dự kiến là 70.000 triệu đồng")
    assert printed("number", "1583", "thanh 14p méi 1.583 T6 Cong nghé")
    assert printed("number", "0.7", "dat diém so tur 0,7 trd 1€n")
    assert printed("date", "2021-12-01", "3382/0B-UBND ngay 01/12/2021")
    assert printed("date", "2025-12-31", "Thoi gian: Trong thang 12/2025")
    assert printed("symbol", "3382/QĐ-UBND", "Quyét dinh s6 3382/0B-UBND ngay")
    assert not printed("number", "1583", "1.584 tổ")
    assert not printed("year", "2025", "Cudi nim")
    assert not printed("money", "45900", "459 ty dong")
