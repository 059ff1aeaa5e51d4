"""Issue 11: the layout shows the data flow (build code never imports serving code) and the Makefile is a build
graph."""
from tests.conftest import ROOT


def test_build_code_never_imports_serving_code_and_plugins_edit_no_path():
    """The layout shows the data flow: load, publish and curate never import scripts.serve; plugins import the
    installed `scripts` package instead of editing sys.path."""
    import ast

    for package in ("load", "publish", "curate"):
        for module in (ROOT / "scripts" / package).glob("*.py"):
            for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                assert not any(n.startswith("scripts.serve") for n in names), f"{module} imports {names}"
    for plugin in (ROOT / "plugins").glob("*.py"):
        assert "sys.path" not in plugin.read_text(encoding="utf-8"), plugin


def test_makefile_is_a_build_graph():
    """`make` alone lists the targets; build/catalog.db is a file target rebuilt when a source, a table spec,
    metadata.yml or the loader changes; recipes run in bash with pipefail, and a failed one deletes its target."""
    import subprocess

    def make(*args):
        return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True,
                              timeout=60)

    listing = make()
    assert listing.returncode == 0 and "make serve" in listing.stdout and "make test" in listing.stdout
    for changed in ["sources/documents.csv", "sources/curated/plan_tasks/dongthap-kh-215-2025.csv", "metadata.yml",
                    "scripts/load/schema.py", "sources/tables/plan_tasks.yml", "scripts/spec.py"]:
        plan = make("-n", "-W", changed, "-o", ".venv/.installed", "build/catalog.db")
        assert "scripts.load.build" in plan.stdout, changed
    text = (ROOT / "Makefile").read_text()
    assert ".DELETE_ON_ERROR:" in text and "SHELL := bash" in text and "-eo pipefail" in text
    assert "$(wildcard sources/tables/*.yml)" in text
