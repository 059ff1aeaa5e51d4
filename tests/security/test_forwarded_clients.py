"""Who is a client (issue: `--forwarded-allow-ips "*"`): a replica believes X-Forwarded-For only from the proxy
(FORWARDED_ALLOW_IPS, deploy/Dockerfile and compose.yaml), and the SQL lane's per-client caps (plugins/sql_lane.py)
count the address it settles on. A client reaching a replica directly cannot name itself a new client per query
and take the whole lane; behind the trusted proxy every visitor still has a share of their own."""
import json
import re
import threading

import httpx
import pytest

from tests.conftest import ROOT
from tests.security.conftest import RUNAWAY_CTE, start_server, stop_server

DOCKERFILE = (ROOT / "deploy" / "Dockerfile").read_text()
COMPOSE = (ROOT / "deploy" / "compose.yaml").read_text()
NGINX = "\n".join(line.split("#", 1)[0] for line in (ROOT / "deploy" / "nginx.conf").read_text().splitlines())


def uvicorn_command(port):
    """The replica's command exactly as deploy/Dockerfile's CMD says, on a loopback port."""
    cmd = json.loads(re.search(r"^CMD (\[.*?\])", DOCKERFILE.replace("\\\n", ""), re.S | re.M)[1])
    assert cmd[0] == "uvicorn"
    cmd[cmd.index("--host") + 1], cmd[cmd.index("--port") + 1] = "127.0.0.1", str(port)
    return cmd


def replica(built_project, name, trusted):
    return start_server(built_project, name, lambda port: uvicorn_command(port), {
        "CATALOG_SETTINGS": json.dumps({"num_sql_threads": 0}), "FORWARDED_ALLOW_IPS": trusted,
        "CATALOG_DATABASE": str(built_project / "build" / "catalog.db")})


def four_runaways(base, forged):
    """Four runaways at once, each claiming another client address; their statuses, sorted."""
    url = str(httpx.get(f"{base}/catalog.json?sql=select+1", follow_redirects=True, timeout=30).url).split("?")[0]
    results = []

    def run(i):
        headers = {"x-forwarded-for": f"203.0.113.{i}", "x-real-ip": f"203.0.113.{i}"} if forged else {}
        results.append(httpx.get(url, params={"sql": RUNAWAY_CTE}, headers=headers, timeout=60).status_code)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(results)


def test_the_deployment_trusts_only_the_proxys_forwarded_address():
    assert '"*"' not in re.search(r"^CMD .*", DOCKERFILE.replace("\\\n", ""), re.M)[0]
    assert re.search(r"^ENV FORWARDED_ALLOW_IPS=127\.0\.0\.1,::1$", DOCKERFILE, re.M)
    trusted = re.search(r"^\s+FORWARDED_ALLOW_IPS: (\S+)$", COMPOSE, re.M)[1]
    assert re.search(rf"ipv4_address: {re.escape(trusted)}\b", COMPOSE)  # the proxy's own fixed address
    assert "CATALOG_CLIENT_IP_HEADER" not in COMPOSE
    assert re.search(r"proxy_set_header X-Forwarded-For \$remote_addr;", NGINX)  # replaces what a client sent


def test_a_direct_client_cannot_forge_its_address_to_fill_the_lane(built_project):
    base, process, log = replica(built_project, "replica-direct", "10.255.255.1")  # the proxy is elsewhere
    try:
        assert four_runaways(base, forged=True) == [400, 400, 429, 429]
    finally:
        stop_server(process, log)


def test_behind_the_trusted_proxy_each_visitor_has_a_share(built_project):
    base, process, log = replica(built_project, "replica-proxied", "127.0.0.1")  # the test plays the proxy
    try:
        assert four_runaways(base, forged=True) == [400, 400, 400, 400]
    finally:
        stop_server(process, log)
