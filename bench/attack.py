"""Table JSON under one runaway query a second (issue 13): requests/s and p99 with and without the attack, on
a `make serve`-style server (settings.json, one SQL thread) and a deployment-style one (scripts.serve.asgi under
uvicorn, num_sql_threads 0, as deploy/Dockerfile runs it). Bounded: 4 wrk runs of DURATION seconds plus
start-up, about a minute; loopback only.

    .venv/bin/python -m bench.attack [--duration 10] [--no-lane] [--no-budget]

The attack is a recursive CTE that never ends, sent once a second without waiting for the answer; each is
stopped at the SQL time limit (1.5 s) with a 400. --no-lane sets CATALOG_SQL_LANE=0 (plugins/sql_lane.py off)
to show what the lane buys; --no-budget sets CATALOG_SQL_BUDGET_RATE=0, so the per-client time budget refuses none of
the runaways and every one of them runs to the time limit (the worst case for the lane's isolation).
"""
import argparse
from collections import Counter
import json
import threading
import time
import urllib.parse

from bench import servers, wrk
from bench.loopback import HOST, fetch, free_port
from scripts.project import DATABASE, INSPECT

TABLE = "/catalog/plan_tasks.json?_size=20"
RUNAWAY = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"


def attacker(base, stop, results):
    """One runaway query a second, each in its own thread so a slow answer never delays the next."""
    status, headers, _ = fetch(f"{base}/catalog.json?sql=select+1")
    route = headers["location"].split("?")[0] if status in (301, 302) else "/catalog.json"  # the deployment's hash
    url = f"{base}{route}?" + urllib.parse.urlencode({"sql": RUNAWAY})

    def one():
        started = time.perf_counter()
        status, _, _ = fetch(url, timeout=60)
        results.append((status, time.perf_counter() - started))

    threads = []
    while not stop.wait(1.0 if threads else 0):
        thread = threading.Thread(target=one, daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(timeout=30)


def measure(base, path, duration, connections, attack):
    status, headers, _ = fetch(base + path)
    if status in (301, 302):  # the deployment's content-hashed URL
        path = headers["location"]
    stop, attacks = threading.Event(), []
    thread = threading.Thread(target=attacker, args=(base, stop, attacks)) if attack else None
    if thread:
        thread.start()
        time.sleep(0.2)
    result = wrk.run(base + path, duration=duration, connections=connections)
    if thread:
        stop.set()
        thread.join()
        result["attacks"] = len(attacks)
        result["attack_statuses"] = dict(sorted(Counter(s for s, _ in attacks).items()))
        result["attack_max_s"] = round(max((t for _, t in attacks), default=0), 2)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--no-lane", action="store_true")
    parser.add_argument("--no-budget", action="store_true")
    args = parser.parse_args(argv)
    env_lane = {"CATALOG_SQL_LANE": "0"} if args.no_lane else {}
    if args.no_budget:
        env_lane["CATALOG_SQL_BUDGET_RATE"] = "0"
    figures = {}
    kinds = {
        "make serve": lambda port: servers.Server("attack-portal", [servers.PYTHON, "-m", "scripts.serve.portal", "--port",
                                                                    str(port)], port, env=env_lane),
        "deployment": lambda port: servers.Server(
            "attack-asgi", [servers.PYTHON, "-m", "uvicorn", "scripts.serve.asgi:app", "--host", HOST, "--port", str(port),
                            "--no-access-log", "--log-level", "warning"], port,
            env={"CATALOG_DATABASE": str(DATABASE), "CATALOG_INSPECT": str(INSPECT),
                 "CATALOG_SETTINGS": json.dumps({"num_sql_threads": 0}), **env_lane}),
    }
    for kind, start in kinds.items():
        with start(free_port()) as server:
            fetch(server.base + TABLE)  # warm up
            quiet = measure(server.base, TABLE, args.duration, args.connections, attack=False)
            attacked = measure(server.base, TABLE, args.duration, args.connections, attack=True)
        figures[kind] = {"quiet": quiet, "attacked": attacked,
                         "rps_ratio": round(attacked["rps"] / quiet["rps"], 2) if quiet["rps"] else None,
                         "p99_ratio": round(attacked["p99_ms"] / quiet["p99_ms"], 2) if quiet["p99_ms"] else None}
        print(f"{kind:11} quiet {quiet['rps']:7.1f} req/s p99 {quiet['p99_ms']:7.1f} ms | "
              f"attacked {attacked['rps']:7.1f} req/s p99 {attacked['p99_ms']:7.1f} ms "
              f"({attacked.get('attacks')} runaways, statuses {attacked.get('attack_statuses')}, "
              f"longest {attacked.get('attack_max_s')} s) | ratio rps {figures[kind]['rps_ratio']}, "
              f"p99 {figures[kind]['p99_ratio']}", flush=True)
    print(json.dumps(figures, indent=1))
    return figures


if __name__ == "__main__":
    main()
