"""Helpers of the security tests (test_hardening.py, test_sql_lane.py): a server of their own, started and
stopped per test module, and the runaway query both use."""
import os
import subprocess
import sys

RUNAWAY_CTE = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"


def start_server(project, name, command, env):
    from bench.loopback import free_port, wait_until_serving

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(project), "CATALOG_SQL_BUDGET_RATE": "0", **env}
    log = open(project / "build" / f"{name}.log", "w")
    process = subprocess.Popen([sys.executable, "-m", *command(port)], cwd=project, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_until_serving(base, process, timeout=30, log=log.name) == 200
    except BaseException:
        process.kill()
        raise
    return base, process, log


def stop_server(process, log):
    process.terminate()
    process.wait(timeout=10)
    log.close()
