"""Issue 3: the capital-project lists, their owners, money, decisions and communes."""
import re

import pytest

from scripts.load.textfold import collapse_ws, ocr_fold
from tests.conftest import ROOT

KH215 = "dongthap-kh-215-2025"


def appendix_ii_text():
    """Phụ lục II of Kế hoạch 215 as the OCR prints it (its heading reads "Phu luc IT")."""
    text = (ROOT / "sources/documents" / f"{KH215}.txt").read_text(encoding="utf-8")
    return text[text.index("Phu luc IT"):]


def test_counts_per_section_equal_the_documents_numbering(db):
    counts = dict(db.execute("select section, count(*) from capital_projects where document_id = ? group by 1",
                             [KH215]).fetchall())
    assert counts == {"A.I": 7, "A.II": 7, "B": 42}
    # Numbering has no gaps and no duplicates within a section.
    for section, n in counts.items():
        numbers = sorted(int(r[0]) for r in db.execute(
            "select item_no from capital_projects where document_id = ? and section = ?", [KH215, section]))
        assert numbers == list(range(1, n + 1)), section
    # The last item of B, 42, really is printed in the appendix.
    assert "42 | Nang cap phan mém Quan ly tai san" in appendix_ii_text()


def test_every_owner_resolves_to_an_agency(db):
    unresolved = db.execute("select id from capital_projects where owner_printed is not null and owner_id is null"
                            ).fetchall()
    assert unresolved == []
    assert db.execute("select count(*) from capital_projects p left join agencies a on a.id = p.owner_id"
                      " where p.owner_id is not null and a.id is null").fetchone()[0] == 0
    # An OCR spelling resolves through the aliases, within the province.
    row = db.execute("select agency_id from agency_aliases where alias = 'S6 KH&CN' and document_id = ?",
                     [KH215]).fetchone()
    assert row == ("82-so-khoa-hoc-va-cong-nghe",)


def test_every_footnote_decision_is_linked(db):
    footnotes = [r[0] for r in db.execute("select footnote_no from decisions where document_id = ? order by 1", [KH215])]
    assert footnotes == list(range(1, 14))
    unlinked = db.execute("select id from decisions where id not in (select decision_id from project_decisions)"
                          ).fetchall()
    assert unlinked == []
    row = db.execute("select d.symbol, d.issued_on from project_decisions pd join decisions d on d.id = pd.decision_id"
                     " where pd.project_id = ?", [f"{KH215}/A.I.1"]).fetchone()
    assert row == ("3382/QĐ-UBND", "2021-12-01")


def test_all_29_communes_accounted_for(db):
    rows = list(db.query("select * from project_wards where project_id = ?", [f"{KH215}/A.II.7"]))
    assert len(rows) == 29 and [r["ordinal"] for r in rows] == list(range(1, 30))
    for r in rows:
        assert r["ward_code"] or r["unresolved_reason"], r
    resolved = [r for r in rows if r["ward_code"]]
    # Every resolved commune is a ward of Đồng Tháp today and its name matches the printed one after folding.
    for r in resolved:
        ward = db.execute("select name, province_code from wards where code = ?", [r["ward_code"]]).fetchone()
        assert ward[1] == "82"
        assert ocr_fold(r["name"]) in ocr_fold(ward[0])
    assert len(resolved) >= 27


def test_money_sums_as_printed(db):
    project = "dongthap-cv-kgvx-2025-09/PL.1"
    total = db.execute("select total_million_vnd from capital_projects where id = ?", [project]).fetchone()[0]
    parts = [r[0] for r in db.execute("select amount_million_vnd from project_money where project_id = ?"
                                      " and measure like 'phụ lục: cột số liệu thứ%' order by id", [project])]
    assert total == 70000
    assert parts[-2:] == [2000, 68000] and parts[-2] + parts[-1] == total
    # 102 communes × 450 million = 45.9 billion, as Báo cáo 222 prints.
    money = dict(db.execute("select measure, amount_million_vnd from project_money where project_id = ?",
                            ["dongthap-bc-222-2025/BC.1"]).fetchall())
    assert money["kinh phí đã cấp"] == 45900 == 102 * money["kinh phí mỗi xã, phường"]


def test_components_of_the_digital_transformation_centre(db):
    rows = list(db.query("select * from project_components where project_id = 'dongthap-cv-kgvx-2025-09/PL.1'"
                         " order by ordinal"))
    assert len(rows) == 2
    assert "trụ sở" in rows[0]["name"] and "1.578" in rows[0]["scale"] and "1.078" in rows[0]["scale"]
    assert "hạ tầng và công nghệ" in rows[1]["name"]


# (item, name, owner id, start, end) — read off Phụ lục II of Kế hoạch 215.
SPOT_CHECKS = [
    ("A.I.1", "Nâng cấp Hệ thống thư điện tử công vụ tỉnh Tiền Giang", "82-so-khoa-hoc-va-cong-nghe", 2023, 2025),
    ("A.I.2", "Trung tâm điều hành thông minh (IOC)", "82-so-khoa-hoc-va-cong-nghe", 2023, 2025),
    ("A.I.5", "Hệ thống thông tin ngành Thanh tra (Giai đoạn 1)", "82-thanh-tra-tinh", 2023, 2025),
    ("A.I.7", "Xây dựng Hệ thống quản lý quy hoạch hạ tầng đô thị", "82-so-xay-dung", 2022, 2025),
    ("A.II.1", "HTTT ngành Công an (Giai đoạn 1)", "82-cong-an-tinh", 2025, 2027),
    ("A.II.3", "Thiết bị phòng chức năng phục vụ dạy học STEM/STEAM", "82-so-giao-duc-va-dao-tao", 2024, 2025),
    ("A.II.4", "Hệ thống camera giám sát giao thông đường bộ trên địa bàn tỉnh Đồng Tháp", "82-cong-an-tinh", 2024, 2025),
    ("A.II.6", "Thư viện điện tử", "82-so-van-hoa-the-thao-va-du-lich", 2025, 2026),
    ("B.7", "Đào tạo bảo mật an toàn thông tin", "82-cong-an-tinh", 2025, 2025),
    ("B.34", "Thuê Dịch vụ vận hành tổng đài thông tin dịch vụ công 1022", "82-van-phong-uy-ban-nhan-dan-tinh", 2025, 2025),
    ("B.38", "Số hóa và tạo lập cơ sở dữ liệu tỉnh Đồng Tháp", "82-so-noi-vu", 2025, 2025),
    ("B.42", "Nâng cấp phần mềm Quản lý tài sản", "82-so-tai-chinh", 2025, 2025),
]


@pytest.mark.parametrize("item,name,owner,start,end", SPOT_CHECKS, ids=[s[0] for s in SPOT_CHECKS])
def test_spot_check_against_the_document(db, item, name, owner, start, end):
    row = db.execute("select name, owner_id, start_year, end_year, excerpt, locator from capital_projects"
                     " where id = ?", [f"{KH215}/{item}"]).fetchone()
    assert row[:4] == (name, owner, start, end)
    document = collapse_ws((ROOT / "sources/documents" / f"{KH215}.txt").read_text(encoding="utf-8"))
    assert collapse_ws(row[4]) in document
    assert row[5].startswith("Phụ lục II")


def test_api_facets_and_canned_queries(client):
    data = client.json("/catalog/capital_projects.json?_facet=owner_id&_facet=section&_size=0")
    sections = {f["value"]: f["count"] for f in data["facet_results"]["section"]["results"]}
    assert sections == {"A.I": 7, "A.II": 7, "B": 42, "BC": 3, "PL": 1}
    owners = {f["value"]: f["count"] for f in data["facet_results"]["owner_id"]["results"]}
    assert owners["82-so-khoa-hoc-va-cong-nghe"] == max(owners.values())
    per_owner = client.json("/catalog/projects_per_owner.json?_shape=array")
    assert per_owner[0]["agency"] == "Sở Khoa học và Công nghệ" and per_owner[0]["projects"] == owners[
        "82-so-khoa-hoc-va-cong-nghe"]
    active = client.json("/catalog/projects_active_in_year.json?year=2027&_shape=array")
    assert {r["id"].split("/")[1] for r in active} >= {"A.II.1", "A.II.2", "B.1", "B.2"}
    assert all(r["start_year"] <= 2027 <= r["end_year"] for r in active)
    approved = client.json("/catalog/projects_by_decision.json?symbol=3440&_shape=array")
    assert [r["project_id"] for r in approved] == [f"{KH215}/A.I.2"]
    communes = client.json("/catalog/project_communes_map.json?project_id=&_shape=array")
    assert len(communes) == 29 and sum(r["latitude"] is not None for r in communes) >= 27
    money = client.json("/catalog/money_per_owner.json?_shape=array")
    assert sum(r["total_million_vnd"] for r in money) == 70000 + 45900 + 186000 + 80000


def test_row_page_shows_provenance(client):
    from datasette.utils import tilde_encode

    page = client.get("/catalog/capital_projects/" + tilde_encode(f"{KH215}/A.II.4")).text
    assert "Phụ lục II" in page and "camera giam sat" in page  # locator and the verbatim OCR excerpt
    assert re.search(r'href="/catalog/documents/dongthap-kh-215-2025"', page)
    assert "/catalog/document_passages/" in page
