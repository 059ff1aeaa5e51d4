"""Bad input is refused with one clear error naming file, line and field, and the previous database
survives untouched (issues 2 and 7)."""
import hashlib

import pytest

from tests.conftest import ROOT, copy_project, run_build


@pytest.fixture(scope="module")
def good_project(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("good"))
    assert run_build(project).returncode == 0
    return project


def replace_in(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def append_row(path, row):
    with path.open("a", encoding="utf-8") as f:
        f.write(row + "\n")


def first_data_line(path):
    return path.read_text(encoding="utf-8").splitlines()[1]


# (name, mutation(project), text that must appear in the error)
CASES = [
    ("changed document",
     lambda p: replace_in(p / "sources/documents/dongthap-kh-215-2025.txt", "215/KH-UBND", "216/KH-UBND"),
     "document_files.csv:4: field 'sha256': sources/documents/dongthap-kh-215-2025.txt has sha256"),
    ("ward code not 5 digits",
     lambda p: replace_in(p / "sources/reference/wards.csv", "\n28249,", "\n2824,"),
     "wards.csv:"),
    ("CSV not UTF-8",
     lambda p: (p / "sources/documents.csv").write_bytes(
         (p / "sources/documents.csv").read_bytes().replace("Công văn".encode(), "Công văn".encode("cp1258"), 1)),
     "documents.csv:2: is not UTF-8"),
    ("missing column",
     lambda p: replace_in(p / "sources/documents.csv", "id,symbol,", "id,"),
     "documents.csv:1: header must be"),
    ("date that does not parse",
     lambda p: replace_in(p / "sources/documents.csv", "2025-10-28", "28/10/2025"),
     "documents.csv:4: field 'issued_on': '28/10/2025' is not a date"),
    ("predecessor of a ward not in the official list",
     lambda p: append_row(p / "sources/reference/ward_predecessors.csv",
                          "99999,1,Xã X,Xã,1,Huyện Y,87,Tỉnh Đồng Tháp,whole"),
     "ward_predecessors.csv:618: field 'ward_code': '99999' is not a ward of the official list"),
]


CURATED = "sources/curated"
PROJECTS = f"{CURATED}/capital_projects/dongthap-kh-215-2025.csv"
MONEY = f"{CURATED}/project_money/dongthap-bc-222-2025.csv"
CASES += [
    ("extra column",
     lambda p: replace_in(p / PROJECTS, "excerpt,notes\n", "excerpt,notes,extra\n"),
     "capital_projects/dongthap-kh-215-2025.csv:1: header must be"),
    ("duplicate id",
     lambda p: append_row(p / PROJECTS, first_data_line(p / PROJECTS)),
     "capital_projects/dongthap-kh-215-2025.csv:58: field 'id': duplicate id 'dongthap-kh-215-2025/A.I.1'"),
    ("owner that does not resolve",
     lambda p: replace_in(p / PROJECTS, ",Sở Khoa học và Công nghệ,Sé& KH&CN,", ",Sở Khoa Học Huyền Bí,Sé& KH&CN,"),
     "capital_projects/dongthap-kh-215-2025.csv:2: field 'owner': agency 'Sở Khoa Học Huyền Bí' does not resolve"),
    ("year that does not parse",
     lambda p: replace_in(p / PROJECTS, "vốn đầu tư công,2023,2025,2023 - 2025", "vốn đầu tư công,2O23,2025,2023 - 2025"),
     "capital_projects/dongthap-kh-215-2025.csv:2: field 'start_year': '2O23' is not a whole number"),
    ("negative amount",
     lambda p: replace_in(p / MONEY, "kinh phí đã cấp,allocated,45900,", "kinh phí đã cấp,allocated,-45900,"),
     "project_money/dongthap-bc-222-2025.csv:2: field 'amount_million_vnd': -45900 is below 0"),
    ("non-numeric amount",
     lambda p: replace_in(p / MONEY, "kinh phí đã cấp,allocated,45900,", "kinh phí đã cấp,allocated,\"45,9 tỷ\","),
     "project_money/dongthap-bc-222-2025.csv:2: field 'amount_million_vnd': '45,9 tỷ' is not a number"),
    ("excerpt not in its document",
     lambda p: replace_in(p / MONEY, "ba cap kinh phi 45,9 ty dong", "ba cap kinh phi 46,9 ty dong"),
     "project_money/dongthap-bc-222-2025.csv:2: field 'excerpt': not found verbatim in document dongthap-bc-222-2025"),
    ("restored name that does not match its excerpt",
     lambda p: replace_in(p / PROJECTS, ",Trung tâm điều hành thông minh (IOC),", ",Cầu cảng container quốc tế,"),
     "capital_projects/dongthap-kh-215-2025.csv:3: field 'name': matches its excerpt only"),
    ("ward code not in the official list",
     lambda p: replace_in(p / f"{CURATED}/project_wards/dongthap-kh-215-2025.csv", ",Xã,29926,", ",Xã,29927,"),
     "project_wards/dongthap-kh-215-2025.csv:2: field 'ward_code': '29927' is not in the official ward list"),
    ("foreign key that dangles",
     lambda p: replace_in(p / f"{CURATED}/project_decisions/dongthap-kh-215-2025.csv", ",3382-qd-ubnd", ",3382-qd-xyz"),
     "project_decisions/dongthap-kh-215-2025.csv:2: field 'decision_id': '3382-qd-xyz' is not in decisions"),
    ("task of another province",
     lambda p: replace_in(p / f"{CURATED}/plan_tasks/angiang-kh-15-du-2025.csv", "angiang-kh-15-du-2025,91,",
                          "angiang-kh-15-du-2025,82,"),
     "plan_tasks/angiang-kh-15-du-2025.csv:2: field 'province_code': '82' is not the province of document"),
]


# Issue 14: a value the excerpt does not print, planted in a row that has no basis for it, stops the build with
# file:line:field — a year, a number, an approximate amount typed exact, a decision symbol, an agency, a lead.
TASKS = f"{CURATED}/task_agencies"
CASES += [
    ("year not printed in the excerpt",
     lambda p: replace_in(p / PROJECTS, "vốn đầu tư công,2023,2025,2023 - 2025", "vốn đầu tư công,2022,2025,2023 - 2025"),
     "capital_projects/dongthap-kh-215-2025.csv:2: field 'start_year': '2022' is not printed in the excerpt"),
    ("indicator value not printed in the excerpt",
     lambda p: replace_in(p / f"{CURATED}/indicators/dongthap-kh-215-2025.csv", ",target,number,85,", ",target,number,86,"),
     "indicators/dongthap-kh-215-2025.csv:5: field 'value': '86' is not printed in the excerpt"),
    ("approximate amount typed exact",
     lambda p: replace_in(p / MONEY, ",planned,186000,≈,", ",planned,186000,=,"),
     "project_money/dongthap-bc-222-2025.csv:4: field 'comparator': the excerpt prints"),
    ("decision symbol not printed",
     lambda p: replace_in(p / f"{CURATED}/decisions/dongthap-kh-215-2025.csv", ",3382/QĐ-UBND,", ",3383/QĐ-UBND,"),
     "decisions/dongthap-kh-215-2025.csv:2: field 'symbol': '3383/QĐ-UBND' is not printed in the excerpt"),
    ("agency not printed with the task",
     lambda p: replace_in(p / f"{TASKS}/angiang-kh-15-du-2025.csv", ",Pang 1y S¢ Khoa hoc va Céng nghé,1,printed",
                          ",Pang 1y S¢ Tai chinh,1,printed"),
     "task_agencies/angiang-kh-15-du-2025.csv:2: field 'printed': 'Pang 1y S¢ Tai chinh' is not printed"),
    ("lead from a general assignment without its excerpt",
     lambda p: append_row(p / f"{TASKS}/dongthap-kh-215-2025.csv", "dongthap-kh-215-2025/III.1.a,lead,"
                          "Sở Khoa học và Công nghệ,agency,Sé Khoa hgc va Cong nghé,1,assigned in Mục VI,Mục VI.2.a,,"),
     f"task_agencies/dongthap-kh-215-2025.csv:{len((ROOT / TASKS / 'dongthap-kh-215-2025.csv').read_text(encoding='utf-8').splitlines()) + 1}:"
     " field 'excerpt': basis 'assigned in Mục VI' needs the locator"),
    ("inferred year without its basis",
     lambda p: replace_in(p / f"{CURATED}/indicators/dongthap-kh-215-2025.csv",
                          ",2025,Suy ra từ trích yếu Kế hoạch (câu mở đầu: 'tinh Pong Thap nam 2025'): kế hoạch năm 2025;"
                          " năm không in ở chỉ tiêu,", ",2025,,"),
     "indicators/dongthap-kh-215-2025.csv:3: field 'year_basis': an inferred year needs"),
]


@pytest.mark.parametrize("name,mutate,expected", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused_and_the_old_database_kept(tmp_path, good_project, name, mutate, expected):
    project = copy_project(tmp_path)
    (project / "build").mkdir()
    old = good_project / "build" / "catalog.db"
    (project / "build" / "catalog.db").write_bytes(old.read_bytes())
    before = hashlib.sha256(old.read_bytes()).hexdigest()

    mutate(project)
    result = run_build(project)

    assert result.returncode == 1
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert hashlib.sha256((project / "build" / "catalog.db").read_bytes()).hexdigest() == before
    assert not (project / "build" / "catalog.db.new").exists()


# Issue 13: values that corrupt data, and failures that are not the sources' fault.
NAME_CELL = ",Trung tâm điều hành thông minh (IOC),"
CASES_13 = [
    ("Vietnamese thousands in a money column",
     lambda p: replace_in(p / MONEY, "kinh phí đã cấp,allocated,45900,", "kinh phí đã cấp,allocated,45.900,"),
     "project_money/dongthap-bc-222-2025.csv:2: field 'amount_million_vnd': '45.900' is ambiguous"),
    ("nan", lambda p: replace_in(p / MONEY, "kinh phí đã cấp,allocated,45900,", "kinh phí đã cấp,allocated,nan,"),
     "project_money/dongthap-bc-222-2025.csv:2: field 'amount_million_vnd': 'nan' is not a number"),
    ("inf", lambda p: replace_in(p / MONEY, "kinh phí đã cấp,allocated,45900,", "kinh phí đã cấp,allocated,inf,"),
     "project_money/dongthap-bc-222-2025.csv:2: field 'amount_million_vnd': 'inf' is not a number"),
    ("zero-width space in a name",
     lambda p: replace_in(p / PROJECTS, NAME_CELL, ",Trung tâm điều hành\u200b thông minh (IOC),"),
     "capital_projects/dongthap-kh-215-2025.csv:3: field 'name': contains a control or invisible character (U+200B)"),
    ("right-to-left override in a name",
     lambda p: replace_in(p / PROJECTS, NAME_CELL, ",Trung tâm điều hành\u202e thông minh (IOC),"),
     "field 'name': contains a control or invisible character (U+202E)"),
    ("byte-order mark inside a name",
     lambda p: replace_in(p / PROJECTS, NAME_CELL, ",\ufeffTrung tâm điều hành thông minh (IOC),"),
     "field 'name': contains a control or invisible character (U+FEFF)"),
    ("NUL in a name",
     lambda p: replace_in(p / PROJECTS, NAME_CELL, ",Trung tâm điều hành\x00 thông minh (IOC),"),
     "field 'name': contains a control or invisible character (U+0000)"),
    ("line break inside a field",
     lambda p: replace_in(p / PROJECTS, NAME_CELL, ',"Trung tâm điều hành\nthông minh (IOC)",'),
     "capital_projects/dongthap-kh-215-2025.csv:3: field 'name': contains a line break (U+000A)"),
    ("cell starting with =",
     lambda p: replace_in(p / PROJECTS, NAME_CELL, ",=HYPERLINK(\"http://x\"),"),
     "capital_projects/dongthap-kh-215-2025.csv:3: field 'name': starts with '=', which a spreadsheet would run"),
    ("cell starting with @",
     lambda p: replace_in(p / PROJECTS, NAME_CELL, ",@SUM(1+1),"),
     "field 'name': starts with '@', which a spreadsheet would run"),
    ("200,000-character field",
     lambda p: replace_in(p / PROJECTS, NAME_CELL, "," + "x" * 200_000 + ","),
     "capital_projects/dongthap-kh-215-2025.csv:3: is not valid CSV: field larger than field limit"),
    ("directory in place of a CSV",
     lambda p: ((p / MONEY).unlink(), (p / MONEY).mkdir()),
     "project_money/dongthap-bc-222-2025.csv: cannot be read: Is a directory"),
    ("broken metadata.yml",
     lambda p: (p / "metadata.yml").write_text("title: x\ndatabases: [unclosed\n  - y: {\n", encoding="utf-8"),
     "metadata.yml:3: is not valid YAML"),
]


@pytest.mark.parametrize("name,mutate,expected", CASES_13, ids=[c[0] for c in CASES_13])
def test_corrupting_values_and_io_failures_are_one_line(tmp_path, good_project, name, mutate, expected):
    test_bad_input_is_refused_and_the_old_database_kept(tmp_path, good_project, name, mutate, expected)


def test_numbers_plain_and_vietnamese():
    from scripts.load.csvsource import parse_number

    assert [parse_number(v) for v in ["45900", "45.9", "-3", "0.125", "45.900.000", "45,9", "1.234,5"]] == [
        45900, 45.9, -3, 0.125, 45900000, 45.9, 1234.5]
    for bad in ["45.900", "45,900", "nan", "inf", "-inf", "1e5", "45 900", "", "0x10"]:
        with pytest.raises(ValueError):
            parse_number(bad)
    assert parse_number("105.999", plain_only=True) == 105.999


def test_legitimate_text_that_looks_like_a_formula_passes():
    from scripts.load.csvsource import text_problem

    assert [text_problem(t) for t in ["- Sở Nội vụ", "-50%", "+ 5 xã", "Đồng Tháp", "a\u00a0b"]] == [None] * 5


def test_full_disk_is_one_line(tmp_path, good_project):
    """The file-size limit stands in for a full disk: writes past it fail with EFBIG, as ENOSPC would."""
    import resource
    import signal
    import subprocess
    import sys

    project = copy_project(tmp_path)
    (project / "build").mkdir()
    old = (good_project / "build" / "catalog.db").read_bytes()
    (project / "build" / "catalog.db").write_bytes(old)

    def small_files():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))

    result = subprocess.run([sys.executable, "-m", "scripts.load.build"], cwd=project, capture_output=True, text=True,
                            env={"PYTHONPATH": str(project), "PATH": "/usr/bin:/bin"}, preexec_fn=small_files)
    assert result.returncode == 1, result.stderr
    assert "cannot be written" in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 2  # the error and "was left as it was"
    assert (project / "build" / "catalog.db").read_bytes() == old
    assert not (project / "build" / "catalog.db.new").exists()


def test_second_build_stops_with_a_message(tmp_path, good_project):
    import fcntl

    project = copy_project(tmp_path)
    (project / "build").mkdir()
    with open(project / "build" / "catalog.db.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running build holds it
        result = run_build(project)
    assert result.returncode == 1
    assert "another build is writing it" in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert run_build(project).returncode == 0  # and once it is released, the build runs
