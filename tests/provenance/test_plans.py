"""Issue 4: plan tasks, their agencies, and the numeric targets and reported figures."""
import pytest

AG = "angiang-kh-15-du-2025"
KH215 = "dongthap-kh-215-2025"
BC222 = "dongthap-bc-222-2025"

AN_GIANG_TASKS = ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3", "3.4", "3.5", "4.1", "4.2",
                  "5.1", "5.2", "5.3", "5.4", "6.1", "6.2", "6.3", "7.1", "7.2", "8.1", "8.2", "8.3", "9.1", "9.2",
                  "10"]


def test_every_numbered_an_giang_task_is_present(db):
    items = [r[0] for r in db.execute("select item_no from plan_tasks where document_id = ?", [AG])]
    assert sorted(items, key=lambda s: [int(p) for p in s.split(".")]) == AN_GIANG_TASKS
    # No gaps inside a group: 1.1 … 1.n are consecutive.
    groups = {}
    for item in items:
        major, *minor = item.split(".")
        groups.setdefault(int(major), []).append(int(minor[0]) if minor else 0)
    assert sorted(groups) == list(range(1, 11))
    for major, minors in groups.items():
        assert sorted(minors) == list(range(1, len(minors) + 1)) or minors == [0], major


def test_every_task_has_a_printed_lead_or_says_why_not(db):
    """A lead is printed with the task or assigned to it by name; a task without one shows the inferred focal
    point with its basis, or (Phụ lục I STT 21, lead cell unreadable) none at all."""
    leaderless = db.execute("select id, inferred_lead_id, inferred_lead_basis from plan_tasks where id not in"
                            " (select task_id from task_agencies where role = 'lead')").fetchall()
    assert all(basis.startswith("Suy ra từ Mục VI.2.a") for _, lead, basis in leaderless if lead)
    assert [task for task, lead, _ in leaderless if not lead] == [f"{KH215}/PL1.21"]
    assert len(leaderless) == 44
    # Each agency row says where the assignment is printed, and no lead comes from a general assignment.
    assert db.execute("select count(*) from task_agencies where basis is null or basis = ''").fetchone()[0] == 0
    assert db.execute("select count(*) from task_agencies where basis like '%VI.2.a%'"
                      " or locator like 'Mục VI.2.a%'").fetchone()[0] == 0


def test_party_committees_facet_as_their_department(db):
    """"Đảng ủy Sở Khoa học và Công nghệ" is Sở KH&CN of An Giang acting as its party committee."""
    rows = db.execute("select distinct ta.agency_id, ta.body from task_agencies ta join plan_tasks t on t.id = ta.task_id"
                      " where t.document_id = ? and ta.printed like '%ng uy S%Khoa hoc%'", [AG]).fetchall()
    assert ("91-so-khoa-hoc-va-cong-nghe", "party committee") in rows
    generic = db.execute("select count(*) from task_agencies where agency_id ="
                         " '91-cac-cap-uy-to-chuc-dang-truc-thuoc-dang-uy-ubnd-tinh'").fetchone()[0]
    assert generic > 10  # generic coordinators are recorded, not dropped


def test_timing_is_normalised(db):
    rows = {r["item_no"]: r for r in db.query("select * from plan_tasks where document_id = ?", [AG])}
    assert rows["1.1"]["timing_kind"] == "deadline" and rows["1.1"]["due_date"] == "2025-07-31"
    assert "đã hoàn thành" in rows["1.1"]["timing_printed"]
    assert rows["3.2"]["due_date"] == "2025-12-31"
    assert rows["3.3"]["timing_kind"] == "conditional" and rows["3.3"]["timing_printed"].startswith("sau khi")
    assert rows["2.1"]["timing_kind"] == "recurring"
    assert rows["6.1"]["timing_kind"] == "period"


# (task id, lead agency ids, words of the restored task) — read off the documents.
TASK_SPOT_CHECKS = [
    (f"{AG}/1.1", {"91-so-khoa-hoc-va-cong-nghe"}, "Kiện toàn Ban Chỉ đạo"),
    (f"{AG}/3.1", {"91-so-tu-phap"}, "rà soát, đề xuất sửa đổi, bổ sung"),
    (f"{AG}/3.2", {"91-so-tai-chinh"}, "cơ chế, chính sách đặc thù"),
    (f"{AG}/4.1", {"91-so-noi-vu", "91-so-tai-chinh"}, "Bố trí đủ nguồn lực"),
    (f"{AG}/5.3", {"91-so-giao-duc-va-dao-tao"}, "đổi mới chương trình"),
    (f"{AG}/8.1", {"91-cong-an-tinh"}, "an toàn thông tin mạng"),
    (f"{AG}/10", {"91-uy-ban-kiem-tra-dang-uy-ubnd-tinh"}, "Giám sát, đánh giá"),
    (f"{KH215}/VI.2.a", {"82-so-khoa-hoc-va-cong-nghe"}, "cơ quan đầu mối"),
    (f"{KH215}/VI.3.a", {"82-so-tai-chinh"}, "phân bổ kinh phí"),
    (f"{KH215}/VI.4.b", {"82-so-noi-vu"}, "bồi dưỡng"),
    (f"{KH215}/PL1.10", {"82-so-khoa-hoc-va-cong-nghe"}, "tập huấn"),
]


@pytest.mark.parametrize("task_id,leads,words", TASK_SPOT_CHECKS, ids=[t[0] for t in TASK_SPOT_CHECKS])
def test_task_spot_checks(db, task_id, leads, words):
    task = db.execute("select task from plan_tasks where id = ?", [task_id]).fetchone()
    assert task and words.lower() in task[0].lower()
    found = {r[0] for r in db.execute("select agency_id from task_agencies where task_id = ? and role = 'lead'",
                                      [task_id])}
    assert found == leads


def test_every_indicator_has_a_value_and_a_unit(db):
    bad = db.execute("select id from indicators where value_kind = 'number' and (unit is null or (value is null and"
                     " (value_low is null or value_high is null)))").fetchall()
    assert bad == []
    qualitative = db.execute("select id from indicators where value_kind = 'qualitative'"
                             " and value is null and comparator is null").fetchall()
    assert len(qualitative) == 3
    kinds = dict(db.execute("select kind, count(*) from indicators group by 1").fetchall())
    assert kinds["target"] >= 60 and kinds["achieved"] >= 100


# (indicator id, kind, value or (low, high), unit, extra) — read off the documents.
INDICATOR_SPOT_CHECKS = [
    (f"{BC222}/ii-dti-2024", "achieved", 27, "rank", {"rank_of": 34, "ref_year": 2024}),
    (f"{BC222}/ii-pii", "achieved", 18, "rank", {"rank_of": 34}),
    (f"{BC222}/iv-kinh-te-so-ai-grdp", "target", (15, 20), "%", {"inferred_year": 2030, "comparator": "range"}),
    (f"{BC222}/ii1c-dvc-toan-trinh", "achieved", 68.8, "%", {}),
    (f"{BC222}/ii1c-ho-so-xu-ly-truc-tuyen", "achieved", 63.06, "%", {}),
    (f"{BC222}/ii1dd-chu-ky-so", "achieved", 5.78, "%", {}),
    (f"{BC222}/ii-dnvvn-cong-nghe-so", "achieved", 62.58, "%", {}),
    (f"{BC222}/ii-ngan-sach-2022", "achieved", 0.736, "%", {"ref_year": 2022}),
]


@pytest.mark.parametrize("ind,kind,value,unit,extra", INDICATOR_SPOT_CHECKS, ids=[i[0] for i in INDICATOR_SPOT_CHECKS])
def test_indicator_spot_checks(db, ind, kind, value, unit, extra):
    row = next(db.query("select * from indicators where id = ?", [ind]))
    assert row["kind"] == kind and row["unit"] == unit
    if isinstance(value, tuple):
        assert (row["value_low"], row["value_high"]) == value
    else:
        assert row["value"] == value
    for key, expected in extra.items():
        assert row[key] == expected
    printed = f"{value:g}".replace(".", ",") if not isinstance(value, tuple) else f"{value[0]}"
    assert printed in row["excerpt"].replace(" ", "")


def test_2025_targets_include_the_plans_bullets(db):
    targets = {r["id"]: r for r in db.query("select * from indicators where document_id = ?", [KH215])}
    assert all(r["kind"] == "target" and (r["ref_year"] or r["inferred_year"]) == 2025 for r in targets.values())
    # 40 numeric targets and the three bullets of I.2 that print no number (issue 14)
    assert sorted(r["id"].split("/")[1] for r in targets.values() if r["value_kind"] == "qualitative") == [
        "i2a-5", "i2b-8", "i2d-6"]
    households = [r for r in targets.values() if "hộ gia đình" in r["indicator"]]
    assert households and households[0]["value"] == 85 and households[0]["unit"] == "%"


def test_target_links_resolve(db):
    links = list(db.query("select r.id, r.kind, t.kind as target_kind, t.document_id from indicators r"
                          " join indicators t on t.id = r.target_id"))
    assert len(links) >= 5
    assert all(link["kind"] == "achieved" and link["target_kind"] == "target" for link in links)
    assert db.execute("select count(*) from indicators where target_id is not null and target_id not in"
                      " (select id from indicators)").fetchone()[0] == 0


def test_api_facets_and_canned_queries(client):
    data = client.json("/catalog/plan_tasks.json?_facet=province_code&_facet=timing_kind&_size=0")
    provinces = {f["value"]: f["count"] for f in data["facet_results"]["province_code"]["results"]}
    assert provinces["91"] == 28 and provinces["82"] >= 80
    by_lead = client.json("/catalog/plan_tasks.json?_facet_array=lead_agencies&_size=0")["facet_results"]
    leads = {f["value"]: f["count"] for f in by_lead["lead_agencies"]["results"]}
    assert leads["91-cong-an-tinh"] == 3 and leads["82-so-khoa-hoc-va-cong-nghe"] == 16
    narrowed = client.json("/catalog/plan_tasks.json?lead_agencies__arraycontains=91-cong-an-tinh&_shape=array")
    assert sorted(r["item_no"] for r in narrowed) == ["8.1", "8.2", "8.3"]
    led = client.json("/catalog/tasks_led_by_agency.json?agency=khoa+hoc+va+cong+nghe&_shape=array")
    assert {r["province"] for r in led} == {"Tỉnh Đồng Tháp", "Tỉnh An Giang"}
    most = client.json("/catalog/agencies_most_lead_tasks.json?_shape=array")
    assert most[0]["lead_tasks"] >= most[-1]["lead_tasks"] and most[0]["agency"] == "Sở Khoa học và Công nghệ"
    due = client.json("/catalog/due_in_year.json?year=2025&_shape=array")
    assert any(r["id"] == f"{AG}/3.2" for r in due)
    gap = client.json("/catalog/targets_vs_results.json?_shape=array")
    online = [r for r in gap if r["result_id"] == f"{BC222}/ii1c-dvc-toan-trinh"]
    assert online and online[0]["target_value"] == 100 and online[0]["gap"] == -31.2
    indicators = client.json("/catalog/indicators.json?_facet=kind&_facet=unit&_size=0")
    assert {f["value"] for f in indicators["facet_results"]["kind"]["results"]} == {"target", "achieved"}
