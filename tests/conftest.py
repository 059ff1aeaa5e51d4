"""Shared fixtures and helpers of every capability folder (tests/loading, provenance, search, api, pages, exports,
security, scale): a catalog built from a clean copy of the project, clients for it, the portal served as `make
serve` and as the deployment serves it, and the headless browser. A folder's own helpers sit in its conftest.py."""
import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
def pytest_terminal_summary(terminalreporter):
    """Print the relevance score of the search test set in the normal pytest output. The tests record it on
    the config as search_relevance: who → [(query, row in the top three)] (tests/search/test_relevance.py; an
    attribute of the one config object, so the summary does not depend on which module object recorded it)."""
    RELEVANCE = getattr(terminalreporter.config, "search_relevance", None)
    if not RELEVANCE:
        return
    hits = sum(hit for results in RELEVANCE.values() for _, hit in results)
    total = sum(len(results) for results in RELEVANCE.values())
    by_who = ", ".join(f"{who} {sum(h for _, h in r)}/{len(r)}" for who, r in sorted(RELEVANCE.items()))
    terminalreporter.write_line(f"search relevance: {hits}/{total} queries have their row in the top three "
                                f"({by_who})")
    for who, results in sorted(RELEVANCE.items()):
        for q, hit in results:
            if not hit:
                terminalreporter.write_line(f"  missed ({who}): {q}")


# What a build needs: the sources and the code; nothing generated.
PROJECT_PARTS = ["sources", "scripts", "plugins", "templates", "static", "metadata.yml", "settings.json"]


def walk_openapi(base, examples, on_response):
    """Requests generated from the portal's own OpenAPI description (schemathesis with hypothesis, generation
    only, no shrinking): `examples` per operation, each sent to `base` and handed to on_response(operation, case,
    response). Returns how many were sent. Shared by the fuzzing test (no 5xx) and the contract test (every
    answer conforms)."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings

    schema = schemathesis.openapi.from_url(f"{base}/-/openapi.json")
    sent = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(operation.as_strategy())
        def exercise(case):
            nonlocal sent
            response = case.call(base_url=base, timeout=30)
            sent += 1
            on_response(operation, case, response)

        exercise()
    return sent


def copy_project(destination: Path) -> Path:
    for part in PROJECT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, destination / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, destination / part)
    return destination


def run_build(project: Path):
    """Run the build of a project copy as a user would; returns the finished process."""
    return subprocess.run([sys.executable, "-m", "scripts.load.build"], cwd=project, capture_output=True, text=True,
                          env={"PYTHONPATH": str(project), "PATH": "/usr/bin:/bin"})


@pytest.fixture(scope="session")
def built_project(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("clean-checkout"))
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    return project


@pytest.fixture(scope="session")
def catalog_path(built_project):
    return built_project / "build" / "catalog.db"


@pytest.fixture(scope="session")
def db(catalog_path):
    import sqlite3

    import sqlite_utils

    return sqlite_utils.Database(sqlite3.connect(f"file:{catalog_path}?mode=ro", uri=True))


# The per-client SQL time budget (plugins/sql_lane.py) is off for the servers the suite starts, the in-process
# client included: every in-process request shares one client id, so a loaded machine's slow ad-hoc queries would
# otherwise spend the budget and turn unrelated export tests into 429s. tests/security/test_hardening.py sets the
# budget explicitly on the server that checks it.
os.environ.setdefault("CATALOG_SQL_BUDGET_RATE", "0")


class Client:
    """Synchronous calls into the portal's ASGI app, on one event loop for the whole session."""

    def __init__(self, datasette):
        self.datasette = datasette
        self.loop = asyncio.new_event_loop()

    def get(self, path, **kwargs):
        return self.loop.run_until_complete(self.datasette.client.get(path, **kwargs))

    def post(self, path, **kwargs):
        return self.loop.run_until_complete(self.datasette.client.post(path, **kwargs))

    def json(self, path):
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return response.json()


@pytest.fixture(scope="session")
def client(catalog_path):
    from scripts.serve.portal import create_datasette

    return Client(create_datasette(catalog_path))


@pytest.fixture(scope="session")
def live_server(built_project):
    """The portal served as `make serve` serves it, on a free loopback port; yields its base URL."""
    from bench.loopback import free_port, wait_until_serving

    port = free_port()
    # The per-client SQL time budget (plugins/sql_lane.py) is off: the whole suite shares this server from one
    # address, and its runaways add up; tests/security/test_hardening.py checks the budget on a server of its own.
    env = {**os.environ, "PYTHONPATH": str(built_project), "CATALOG_TILE_LAYER": "/static/blank-tile.png",
           "CATALOG_SQL_BUDGET_RATE": "0"}
    log = open(built_project / "build" / "server.log", "w")
    process = subprocess.Popen([sys.executable, "-m", "scripts.serve.portal", "--port", str(port)], cwd=built_project,
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_until_serving(base, process, timeout=30, log=log.name) == 200
    except (RuntimeError, AssertionError):
        process.kill()
        raise
    yield base
    process.terminate()
    process.wait(timeout=10)
    log.close()


def count(db_path, table):
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        return conn.execute(f"select count(*) from [{table}]").fetchone()[0]


def visible_tables(client):
    return [t["name"] for t in client.json("/catalog.json")["tables"] if not t["hidden"]]


@pytest.fixture(scope="module")
def asgi_server(catalog_path, tmp_path_factory):
    """scripts.serve.asgi under uvicorn on loopback, as deploy/ runs it."""
    from bench.loopback import free_port, wait_until_serving

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CATALOG_DATABASE": str(catalog_path),
           "CATALOG_SETTINGS": json.dumps({"num_sql_threads": 0})}
    log = tmp_path_factory.mktemp("asgi") / "server.log"
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, "-m", "uvicorn", "scripts.serve.asgi:app", "--host", "127.0.0.1",
                                    "--port", str(port), "--log-level", "warning"], env=env, cwd=ROOT,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, process, timeout=30, log=log)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)


# --- the headless browser (issue 7: Debian's chromium driven by Playwright, against the live portal); tests that
# use it are marked `browser`. Screenshots are saved under test-artifacts/ for people to look at.
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # No lookups outside this machine: the portal is on loopback, everything else fails at once.
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
]


@pytest.fixture(scope="module")
def page(live_server):
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is installed by `make test` (make browser)"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
        page = context.new_page()
        page.set_default_timeout(15000)
        page.base = live_server
        yield page
        browser.close()


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)
