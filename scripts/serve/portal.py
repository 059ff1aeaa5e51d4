"""The portal: one place that says how Datasette serves the catalog, used by `make serve`, the ASGI
entry point (scripts/serve/asgi.py) and the tests alike.

Deliberate settings (settings.json): one SQL thread and no facet suggestions (they double throughput on
a 2-core machine), a day-long cache lifetime (the data changes only with a build), explicit time and size
limits. The database is opened immutable: read-only, no locking, counts taken from build/inspect.json.
"""
import argparse
import json
import os
import re
import sys
from pathlib import Path

from scripts.project import DATABASE, DATABASE_NAME, INSPECT, ROOT, metadata
from scripts.publish.tabular import MEDIA_TYPES

# Its URL prefix as a pattern: /catalog/… here, /catalog-<7 hex of the file's SHA-256>/… in the deployment
# (scripts/serve/asgi.py, content-hashed URLs). Plugins that look at paths must accept both.
DATABASE_ROUTE = rf"/{DATABASE_NAME}(?:-[0-9a-f]{{7}})?"
# A table's URLs: <route>/<table>[/<primary key>][.<format>], table and key tilde-encoded.
TABLE_ROUTE = re.compile(rf"^{DATABASE_ROUTE}/(?P<table>[^/]+?)(?:/(?P<pk>[^/]+?))?(?:\.(?P<format>[a-z]+))?$")
# The formats answered as data, not as an HTML page — a table or query in any format of plugins/exports.py (JSON,
# CSV, XLSX, JSON Lines, GeoJSON) and the DCAT catalog's JSON-LD — and so the formats whose errors are JSON too
# (plugins/param_guard.py, plugins/safe_errors.py).
DATA_FORMATS = (*MEDIA_TYPES, "jsonld")
SETTINGS = json.loads((ROOT / "settings.json").read_text())


def write_metadata(path=ROOT / "build" / "metadata.json"):
    """metadata() as a file, for `datasette serve --metadata` (written each time the portal starts)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(metadata(), ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def serve_args(database=DATABASE, host="127.0.0.1", port=8001):
    args = ["serve", "--immutable", str(database), "--metadata", str(write_metadata()),
            "--plugins-dir", str(ROOT / "plugins"), "--template-dir", str(ROOT / "templates"),
            "--static", f"static:{ROOT / 'static'}", "--cors", "--host", host, "--port", str(port)]
    if INSPECT.exists() and Path(database) == DATABASE:
        args += ["--inspect-file", str(INSPECT)]
    for name, value in SETTINGS.items():
        args += ["--setting", name, json.dumps(value) if not isinstance(value, str) else value]
    return args


def create_datasette(database=DATABASE, templates=ROOT / "templates", settings=None, inspect_data=None):
    """A Datasette instance configured exactly as `make serve` runs it (for tests and ASGI servers);
    `settings` overrides some of settings.json (plugins/sql_lane.py gives its instance its own SQL thread) and
    `inspect_data` the counts read from build/inspect.json (the lane takes the main instance's)."""
    from datasette.app import Datasette

    if inspect_data is None and INSPECT.exists() and Path(database) == DATABASE:
        inspect_data = json.loads(INSPECT.read_text())
    return Datasette(
        immutables=[str(database)], metadata=metadata(), plugins_dir=str(ROOT / "plugins"),
        template_dir=str(templates), static_mounts=[("static", str(ROOT / "static"))],
        settings={**SETTINGS, **(settings or {})}, cors=True, inspect_data=inspect_data,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description="Serve the catalog read-only with Datasette")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args(argv)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # Become the server (exec, not a child process): signals sent to this process reach Datasette.
    os.execve(sys.executable, [sys.executable, "-m", "datasette", *serve_args(host=args.host, port=args.port)], env)


if __name__ == "__main__":
    sys.exit(main())
