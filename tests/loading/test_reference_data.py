"""Issue 2: the reference data the build loads: provinces, wards, their predecessors, codes and foreign keys."""
import re

EXPECTED_WARDS = {("82", "xã"): 82, ("82", "phường"): 20, ("91", "xã"): 85, ("91", "phường"): 14, ("91", "đặc khu"): 3}


def test_ward_counts_by_province_and_type(db):
    counts = {(r["province_code"], r["type"]): r["n"]
              for r in db.query("select province_code, type, count(*) n from wards group by 1, 2")}
    assert counts == EXPECTED_WARDS


def test_codes_are_zero_padded_text(db):
    assert db["wards"].columns_dict["code"] is str
    assert db["provinces"].columns_dict["code"] is str
    codes = [r["code"] for r in db.query("select code from wards")]
    assert all(re.fullmatch(r"\d{5}", c) for c in codes)
    # An Giang's wards start at 30xxx; Đồng Tháp's include 28xxx: no integer ever lost a digit.
    assert db.execute("select typeof(code) from wards group by 1").fetchall() == [("text",)]


def test_every_ward_lies_in_its_province_bounding_box(db):
    outside = list(db.query(
        "select w.code, w.name, w.latitude, w.longitude from wards w join provinces p on p.code = w.province_code"
        " where w.latitude not between p.min_latitude and p.max_latitude"
        " or w.longitude not between p.min_longitude and p.max_longitude"))
    assert outside == []
    # Independent sanity bounds (Mekong Delta; An Giang reaches the Thổ Chu islands and Phú Quốc).
    for row in db.query("select province_code, min(latitude) a, max(latitude) b, min(longitude) c, max(longitude) d"
                        " from wards group by 1"):
        assert 9.0 < row["a"] < row["b"] < 11.2 and 103.3 < row["c"] < row["d"] < 107.0


def test_wards_cross_checked_against_vietnam_provinces(db):
    """An independent source (GPL, test-only): every code and name agrees."""
    from vietnam_provinces import Ward

    theirs = {str(int(w.code)).zfill(5): w.name for w in Ward.iter_all() if int(w.province_code) in (82, 91)}
    ours = {r["code"]: r["name"] for r in db.query("select code, name from wards")}
    assert ours == theirs


def test_provinces_and_their_former_provinces(db):
    rows = {r["code"]: r for r in db.query("select * from provinces")}
    assert set(rows) == {"82", "91"}
    assert rows["82"]["name"] == "Tỉnh Đồng Tháp" and "Tỉnh Tiền Giang" in rows["82"]["merged_from"]
    assert rows["91"]["name"] == "Tỉnh An Giang" and "Tỉnh Kiên Giang" in rows["91"]["merged_from"]


def test_former_unit_leads_to_todays_ward(db):
    """A journalist looks up "xã Tân Hộ Cơ (huyện Tân Hồng)" and lands on today's ward."""
    rows = list(db.query(
        "select w.code, w.name from ward_predecessors p join wards w on w.code = p.ward_code"
        " where p.former_name = 'Xã Tân Hộ Cơ' and p.former_district = 'Huyện Tân Hồng'"))
    assert len(rows) == 1 and rows[0]["name"].startswith("Xã ")
    # Every 2025 ward of both provinces has at least one predecessor.
    assert db.execute("select count(*) from wards where code not in (select ward_code from ward_predecessors)"
                      ).fetchone()[0] == 0


def test_foreign_keys_hold(db):
    assert db.execute("pragma foreign_key_check").fetchall() == []
    assert {fk.other_table for fk in db["wards"].foreign_keys} == {"provinces"}
