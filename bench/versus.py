"""The deployment of this checkout against the deployment of an earlier commit, side by side in one run: issue 11
asks that the figures do not drop, and on this shared machine only requests/s measured minutes apart on the same
machine can be compared (static references swing by a third between runs). Each side is one uvicorn process
(uvloop + httptools, num_sql_threads 0: a replica of deploy/) serving its own commit's build of sources/, driven
on its content-hashed route by wrk; the two alternate round by round, so a noisy neighbour hits both.

    python -m bench.versus 49ebb5b [--rounds 2] [--duration 5] [--connections 16]

The earlier commit is checked out with `git worktree` under build/bench/versus/ (kept for the next run), built
with its own loader and served with its own code, using this checkout's virtual environment. Only loopback.
"""
import argparse
import json
import subprocess
import sys
from pathlib import Path

from bench import servers, wrk
from bench.loopback import fetch, free_port

ROOT = servers.ROOT
REQUESTS = {"wards.json": "wards.json", "plan_tasks.json": "plan_tasks.json", "html": "plan_tasks",
            "search_all": "/-/search.json?q=dong+thap"}
SETTINGS = {"num_sql_threads": 0}  # as deploy/ runs each replica


def checkout(rev):
    """A built worktree of `rev`: (folder, its ASGI module)."""
    commit = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.strip()
    folder = ROOT / "build" / "bench" / "versus" / commit
    if not folder.exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(folder), commit], cwd=ROOT, check=True,
                       capture_output=True)
    package = "scripts.load.build" if (folder / "scripts" / "load" / "build.py").exists() else "scripts.build"
    env = {"PYTHONPATH": str(folder), "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin"}
    database = folder / "build" / "catalog.db"
    if not database.exists():
        subprocess.run([sys.executable, "-m", package], cwd=folder, env=env, check=True, capture_output=True)
        subprocess.run([sys.executable, "-m", "datasette", "inspect", str(database), "--inspect-file",
                        str(database.with_name("inspect.json"))], cwd=folder, env=env, check=True)
    module = "scripts.serve.asgi" if (folder / "scripts" / "serve" / "asgi.py").exists() else "scripts.asgi"
    return folder, module, commit


def replica(folder, module, name):
    port = free_port()
    database = folder / "build" / "catalog.db"
    env = {"PYTHONPATH": str(folder), "CATALOG_DATABASE": str(database),
           "CATALOG_INSPECT": str(database.with_name("inspect.json")), "CATALOG_SETTINGS": json.dumps(SETTINGS)}
    command = [sys.executable, "-m", "uvicorn", f"{module}:app", "--host", "127.0.0.1", "--port", str(port),
               "--no-access-log", "--log-level", "warning", "--loop", "uvloop", "--http", "httptools"]
    return servers.Server(name, command, port, env=env, cwd=folder, ready_path="/-/versions.json")


def hashed(server, path):
    """The URL a client ends at: a table path follows the redirect to the content-hashed route."""
    if path.startswith("/"):
        return server.base + path
    status, headers, _ = fetch(f"{server.base}/catalog/{path}")
    return server.base + headers["location"] if status == 302 else f"{server.base}/catalog/{path}"


def main(rev, rounds, duration, connections):
    folder, module, commit = checkout(rev)
    results = {}
    with replica(folder, module, f"versus-{commit}") as before, \
            replica(ROOT, "scripts.serve.asgi", "versus-this") as after:
        for name, path in REQUESTS.items():
            urls = {"before": hashed(before, path), "after": hashed(after, path)}
            sizes = {side: len(fetch(url)[2]) for side, url in urls.items()}
            for side, url in urls.items():
                wrk.run(url, duration=1, connections=connections)  # warm
            for _ in range(rounds):
                for side, url in urls.items():
                    results.setdefault(name, {}).setdefault(side, []).append(
                        wrk.run(url, duration=duration, connections=connections)["rps"])
            results[name]["bytes"] = sizes
    print(f"before = {commit} ({module}), after = this checkout; wrk -c{connections} -d{duration}s, {rounds} rounds, "
          "alternating")
    print("| request | before req/s | after req/s | after ÷ before | payload before → after |")
    print("|---|---:|---:|---:|---|")
    for name, r in results.items():
        low = min(a / b for a, b in zip(r["after"], r["before"]))
        high = max(a / b for a, b in zip(r["after"], r["before"]))
        print(f"| {name} | {' · '.join(f'{x:,.0f}' for x in r['before'])} | {' · '.join(f'{x:,.0f}' for x in r['after'])}"
              f" | {low:.2f}–{high:.2f} | {r['bytes']['before']:,} → {r['bytes']['after']:,} B |")
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    main(args.rev, args.rounds, args.duration, args.connections)
