"""Issue 13: the SQL lane is a child process of each server process (scripts/serve/lane.py). A query that needs
too much memory fails there as a 400 and the server keeps its memory; a lane that dies is replaced; a server that
stops, however it stops, leaves no lane process behind. Against `make serve` (scripts.serve.portal) and the
deployment (scripts.serve.asgi under uvicorn, num_sql_threads 0)."""
import json
import os
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.security.conftest import RUNAWAY_CTE, start_server, stop_server

# 40 columns of 64 kB (the largest value SQLite may build here) over a cross join: ~2.6 MB a row, and Datasette
# fetches up to 1,001 rows. Before the lane had its own memory bound it took a server to ~640 MB.
MEMORY_HUNGRY = "select " + ", ".join(["randomblob(65536)"] * 40) + " from wards a, wards b"
LANE_MEMORY_MB = 320  # scripts/serve/lane.py's default bound


def command(kind):
    if kind == "serve":
        return lambda port: ["scripts.serve.portal", "--port", str(port)], {}
    return (lambda port: ["uvicorn", "scripts.serve.asgi:app", "--host", "127.0.0.1", "--port", str(port),
                          "--no-access-log"],
            {"CATALOG_SETTINGS": json.dumps({"num_sql_threads": 0})})


@pytest.fixture(scope="module", params=["serve", "deployment"])
def server(request, built_project):
    make, env = command(request.param)
    if request.param == "deployment":
        env = {**env, "CATALOG_DATABASE": str(built_project / "build" / "catalog.db")}
    base, process, log = start_server(built_project, f"lane-{request.param}", make, env)
    yield base, process
    stop_server(process, log)


def status(pid):
    """/proc/<pid>/status as a dict; {} once the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as file:
            return dict(line.rstrip("\n").split(":\t", 1) for line in file if ":\t" in line)
    except (FileNotFoundError, ProcessLookupError):
        return {}


def alive(pid):
    state = status(pid).get("State", "")
    return bool(state) and not state.startswith("Z")


def lanes_of(pid):
    """The SQL lane processes whose parent is `pid`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as file:
                cmdline = file.read().split(b"\0")
        except OSError:
            continue
        if b"scripts.serve.lane" in cmdline and status(entry).get("PPid") == str(pid) and alive(entry):
            found.append(int(entry))
    return found


def the_lane(pid, timeout=60):
    """The one lane of server `pid`, once it is up (it starts with the server)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lanes = lanes_of(pid)
        if len(lanes) == 1:
            return lanes[0]
        time.sleep(0.1)
    raise AssertionError(f"server {pid} has lanes {lanes_of(pid)}")


def rss_mb(pid):
    return int(status(pid)["VmRSS"].split()[0]) / 1024


def query_route(base):
    return str(httpx.get(f"{base}/catalog.json?sql=select+1", follow_redirects=True, timeout=60).url).split("?")[0]


def test_the_lane_is_a_low_priority_child_process_with_a_memory_bound(server):
    base, process = server
    query_route(base)
    lane = the_lane(process.pid)
    with open(f"/proc/{lane}/stat") as file:
        nice = int(file.read().rsplit(")", 1)[1].split()[16])
    assert nice == 19
    with open(f"/proc/{lane}/limits") as file:
        data = next(line for line in file if line.startswith("Max data size"))
    assert data.split()[3] == str(LANE_MEMORY_MB * 1024 * 1024), data


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as file:
        fields = file.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def test_ad_hoc_sql_runs_in_the_lane_whatever_the_extension_says(server):
    """Datasette answers an unknown extension (".JSON", ".Csv") with the HTML page, which runs the SQL: it must not
    run in the server process, outside the lane's time budget and memory bound."""
    base, process = server
    route = query_route(base).removesuffix(".json")
    lane = the_lane(process.pid)
    busy = "with recursive c(x) as (select 1 union all select x + 1 from c limit 400000) select count(*) from c"
    for spelling in (".json", ".JSON", ".Csv", ""):
        lane_before, server_before = cpu_ticks(lane), cpu_ticks(process.pid)
        response = httpx.get(route + spelling, params={"sql": busy}, timeout=60)
        assert response.status_code == 200 and "400000" in response.text, (spelling, response.status_code)
        lane_used, server_used = cpu_ticks(lane) - lane_before, cpu_ticks(process.pid) - server_before
        assert lane_used > server_used, (spelling, lane_used, server_used)


def test_a_query_that_needs_too_much_memory_is_a_400_and_the_server_keeps_its_memory(server):
    base, process = server
    route = query_route(base)
    before = rss_mb(process.pid)
    peak = before
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.wait(0.05):
            peak = max(peak, rss_mb(process.pid))

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        response = httpx.get(route, params={"sql": MEMORY_HUNGRY}, timeout=60)
    finally:
        done.set()
        sampler.join()
    assert response.status_code == 400, response.text[:300]
    assert "bộ nhớ" in response.json()["error"] or "thời gian" in response.json()["error"]
    assert response.headers["cache-control"] == "no-store"
    # The server process holds what it held: the rows were built (and refused) in the lane.
    assert peak - before < 60, (before, peak)
    lane = the_lane(process.pid)
    assert int(status(lane)["VmHWM"].split()[0]) / 1024 < LANE_MEMORY_MB
    # Everything still answers, ad-hoc SQL included.
    assert httpx.get(f"{route.removesuffix('.json')}/wards.json?_size=1", timeout=30).status_code == 200
    assert httpx.get(route, params={"sql": "select 1 as n", "_shape": "array"}, timeout=30).json() == [{"n": 1}]


def test_a_killed_lane_is_replaced_and_its_query_answered_400(server):
    base, process = server
    route = query_route(base)
    lane = the_lane(process.pid)
    answers = []
    runaway = threading.Thread(target=lambda: answers.append(httpx.get(route, params={"sql": RUNAWAY_CTE},
                                                                       timeout=60)))
    runaway.start()
    time.sleep(0.5)  # the runaway is running in the lane
    os.kill(lane, signal.SIGKILL)
    runaway.join()
    assert answers[0].status_code == 400 and "·" in answers[0].json()["error"]
    # The next query waits for the new lane instead of failing.
    response = httpx.get(route, params={"sql": "select 2 as n", "_shape": "array"}, timeout=60)
    assert response.status_code == 200 and response.json() == [{"n": 2}]
    assert the_lane(process.pid) != lane
    assert httpx.get(f"{base}/-/versions.json", timeout=30).status_code == 200


@pytest.mark.parametrize("kind,how", [("serve", signal.SIGTERM), ("deployment", signal.SIGKILL)])
def test_a_stopped_server_leaves_no_lane_behind(built_project, kind, how):
    make, env = command(kind)
    base, process, log = start_server(built_project, f"lane-orphan-{kind}", make, env)
    try:
        query_route(base)
        lane = the_lane(process.pid)
        with open(f"/proc/{lane}/cmdline", "rb") as file:
            directory = Path(file.read().split(b"\0")[-2].decode()).parent  # the lane's private directory
        assert (directory / "lane.sock").exists()
        process.send_signal(how)
        process.wait(timeout=15)
        deadline = time.monotonic() + 10
        while alive(lane) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(lane), f"lane {lane} outlived its server ({signal.Signals(how).name})"
        assert not directory.exists()
    finally:
        if process.poll() is None:
            stop_server(process, log)
        log.close()
