"""Bad input is refused with one clear error naming file, line and field, and the previous database
survives untouched (issues 2 and 7)."""
import hashlib

import pytest

from tests.conftest import copy_project, run_build


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
