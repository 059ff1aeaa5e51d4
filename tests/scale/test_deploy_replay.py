"""The container recipe, replayed without a container engine (this machine has none, so the image itself is never
built here): deploy/Dockerfile's own COPY, RUN, ENV, WORKDIR, CMD and HEALTHCHECK lines, stage by stage, in a fresh
virtual environment holding only deploy/requirements.txt. It fails when the image would forget a file, miss a
runtime package or start a server that does not answer. Not replayed: the base image (python:3.11-slim; this
machine's Python is 3.11 too) and `useradd`, which needs root and changes nothing the catalog reads."""
import json
import os
import shlex
import shutil
import subprocess
import sys
import urllib.request

import pytest

from tests.conftest import ROOT
from bench.loopback import free_port, wait_until_serving

DOCKERFILE = ROOT / "deploy" / "Dockerfile"


def instructions(text):
    """(op, argument) pairs, continuation lines joined, comments dropped."""
    lines, current = [], ""
    for raw in text.splitlines():
        if not current and (not raw.strip() or raw.lstrip().startswith("#")):
            continue
        current += raw.rstrip()
        if current.endswith("\\"):
            current = current[:-1] + " "
            continue
        op, _, argument = current.strip().partition(" ")
        lines.append((op.upper(), argument.strip()))
        current = ""
    return lines


class Stage:
    def __init__(self, root, workdir="/", env=None):
        self.root, self.workdir, self.env = root, workdir, dict(env or {})

    def host(self, path):
        """Where an image path lives in this replay."""
        return self.root / (path if path.startswith("/") else f"{self.workdir}/{path}").lstrip("/")


def replay(tmp_path, venv):
    stages, current = {}, None
    for op, argument in instructions(DOCKERFILE.read_text()):
        if op == "FROM":
            words = argument.split()
            name = words[words.index("AS") + 1] if "AS" in words else f"stage{len(stages)}"
            parent = stages.get(words[0])
            current = stages[name] = Stage(tmp_path / name, parent.workdir if parent else "/",
                                           parent.env if parent else None)
            if parent:
                shutil.copytree(parent.root, current.root, symlinks=True)
            current.root.mkdir(parents=True, exist_ok=True)
        elif op == "WORKDIR":
            current.workdir = argument
            current.host(".").mkdir(parents=True, exist_ok=True)
        elif op == "ENV":
            current.env.update(word.split("=", 1) for word in shlex.split(argument))
        elif op == "COPY":
            words = argument.split()
            source_stage = next((stages[w.split("=", 1)[1]] for w in words if w.startswith("--from=")), None)
            *sources, destination = [w for w in words if not w.startswith("--")]
            for source in sources:
                origin = source_stage.host(source) if source_stage else ROOT / source
                target = current.host(destination)
                if destination.endswith("/") or len(sources) > 1:
                    target = target / origin.name
                target.parent.mkdir(parents=True, exist_ok=True)
                assert origin.exists(), f"the Dockerfile copies {source}, which does not exist"
                (shutil.copytree if origin.is_dir() else shutil.copy2)(origin, target)
        elif op == "RUN":
            if argument.startswith("useradd"):
                continue
            run(argument, current, venv)
        elif op in ("CMD", "HEALTHCHECK", "EXPOSE", "USER"):
            current.__dict__.setdefault("final", {})[op] = argument
    return current


def environment(stage, venv):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "CATALOG_"))}
    env.update(stage.env)
    env["PYTHONPATH"] = str(stage.host(stage.env.get("PYTHONPATH", ".")))  # the image's /app, here
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    return env


def run(command, stage, venv):
    done = subprocess.run(["bash", "-c", command], cwd=stage.host("."), env=environment(stage, venv),
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"RUN {command}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("image")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    final = replay(tmp, venv)
    command = json.loads(final.final["CMD"])
    port = free_port()
    command[command.index("--port") + 1] = str(port)
    command[command.index("--host") + 1] = "127.0.0.1"
    log = tmp / "server.log"
    with open(log, "w") as out:
        server = subprocess.Popen(command, cwd=final.host("."), env=environment(final, venv),
                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, server, timeout=30, log=log)
        yield final, venv, base, port
    finally:
        server.terminate()
        server.wait(timeout=15)


def test_image_has_only_its_runtime_packages(image):
    final, venv, _, _ = image
    frozen = subprocess.run([str(venv / "bin" / "pip"), "freeze"], capture_output=True, text=True).stdout.lower()
    names = {line.split("==")[0] for line in frozen.splitlines() if "==" in line}  # not the editable project's path
    assert {"datasette", "uvicorn"} <= names
    assert not names & {"pytest", "playwright", "vietnam-provinces"}


def test_image_serves_the_catalog_it_built(image):
    final, venv, base, port = image
    # The database was built inside the image from sources/, with the build's checks.
    assert (final.host("build/catalog.db")).stat().st_size > 1_000_000 and final.host("build/inspect.json").exists()
    with urllib.request.urlopen(base + "/catalog/plan_tasks.json?_size=1", timeout=30) as r:  # 302 to the hash
        assert "/catalog-" in r.url and r.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert json.load(r)["filtered_table_rows_count"] == 114
    with urllib.request.urlopen(base + "/catalog/plan_tasks", timeout=30) as r:
        page = r.read().decode()
    assert page.count('<td class="col-id type-pk">') == 25  # templates and plugins were copied
    with urllib.request.urlopen(base + "/static/blank-tile.png", timeout=30) as r:
        assert r.status == 200
    # The HEALTHCHECK command, with the replay's port.
    check = shlex.split(final.final["HEALTHCHECK"].split("CMD", 1)[1].replace("8001", str(port)))
    assert subprocess.run(check, env=environment(final, venv), timeout=30).returncode == 0
