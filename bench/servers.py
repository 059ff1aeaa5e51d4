"""Servers the benchmark starts and stops itself, all on 127.0.0.1: static references (Python's http.server,
nginx), Datasette as shipped (`datasette serve`), the portal (scripts.serve.portal, scripts.serve.asgi under uvicorn) and
nginx in front of replicas, with or without its cache. Every process is started in its own session and only
those process groups are ended."""
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from bench.loopback import HOST, wait_until_serving
from scripts.serve.portal import write_metadata

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


class Server:
    """A process group listening on `port`; `base` is its URL."""

    def __init__(self, name, command, port, env=None, cwd=ROOT, log_dir=None, ready_path="/"):
        self.name, self.command, self.port = name, command, port
        self.base = f"http://{HOST}:{port}"
        log_dir = Path(log_dir or ROOT / "build" / "bench" / "logs")
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log = open(log_dir / f"{name}.log", "w")
        self.process = subprocess.Popen(command, cwd=cwd, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
                                        stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_ready(ready_path)

    def wait_ready(self, path, timeout=120):
        wait_until_serving(self.base, self.process, timeout, path, log=self.log.name)

    def stop(self):
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)  # our own session only
                self.process.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait()
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def serve_args(database, settings=None, inspect=None):
    """Arguments of `datasette serve` for the catalog; settings None means Datasette's defaults."""
    args = [str(database), "--metadata", str(write_metadata()), "--plugins-dir", str(ROOT / "plugins"),
            "--template-dir", str(ROOT / "templates"), "--static", f"static:{ROOT / 'static'}", "--cors"]
    if settings is not None:
        args = ["--immutable"] + args
        for name, value in settings.items():
            args += ["--setting", name, json.dumps(value) if not isinstance(value, str) else value]
        if inspect and Path(inspect).exists():
            args += ["--inspect-file", str(inspect)]
    return args


def datasette_default(database, port, name="datasette-default"):
    """`datasette serve` with Datasette's default settings (mutable file, no inspect data), our metadata and
    plugins so the same pages exist."""
    return Server(name, [PYTHON, "-m", "datasette", "serve", *serve_args(database), "--host", HOST,
                         "--port", str(port)], port)


def portal_single(database, port, inspect=None, name="portal"):
    """The `make serve` configuration: one process, settings.json."""
    settings = json.loads((ROOT / "settings.json").read_text())
    return Server(name, [PYTHON, "-m", "datasette", "serve", *serve_args(database, settings, inspect), "--host", HOST,
                         "--port", str(port)], port)


def uvicorn_app(database, port, workers=1, inspect=None, memo=True, hashed=True, fast_http=True, settings=None,
                speedups=True, name="asgi"):
    """scripts.serve.asgi under uvicorn: `workers` processes sharing one socket."""
    env = {"CATALOG_DATABASE": str(database), "CATALOG_MEMO": "1" if memo else "0",
           "CATALOG_HASHED_URLS": "1" if hashed else "0", "CATALOG_SPEEDUPS": "1" if speedups else "0"}
    if inspect:
        env["CATALOG_INSPECT"] = str(inspect)
    if settings:
        env["CATALOG_SETTINGS"] = json.dumps(settings)
    command = [PYTHON, "-m", "uvicorn", "scripts.serve.asgi:app", "--host", HOST, "--port", str(port), "--workers",
               str(workers), "--no-access-log", "--log-level", "warning", "--timeout-keep-alive", "30"]
    if not fast_http:
        command += ["--http", "h11", "--loop", "asyncio"]
    return Server(name, command, port, env=env)


def python_static(directory, port, name="static-python"):
    """`python -m http.server`: the stdlib static file server, as anyone would start it."""
    return Server(name, [PYTHON, "-m", "http.server", str(port), "--bind", HOST, "--directory", str(directory)], port)


def nginx_binary():
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


NGINX_BASE = """worker_processes {workers};
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
daemon off;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 1000000;
  client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy; fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
  types {{ application/json json; text/csv csv; text/html html; }}
  default_type application/octet-stream;
{body}
}}
"""

NGINX_STATIC = """  server {{
    listen {host}:{port};
    root {root};
  }}"""

NGINX_PROXY = """  proxy_cache_path {dir}/cache levels=1:2 keys_zone=catalog:20m max_size=2g inactive=7d use_temp_path=off;
  upstream datasette {{
    least_conn;
{servers}
    keepalive 64;
  }}
  server {{
    listen {host}:{port};
    location / {{
      proxy_pass http://datasette;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_buffers 64 16k;
      {cache}
    }}
  }}"""

# Cache what the application marks cacheable (the hashed URLs: public, max-age=1 year); one request fills an
# entry while the others wait (lock); stale entries are served if every replica is down. Cached bodies are
# copied through 256k buffers rather than sendfile: measured 1.0-1.7x faster on hits here (bench/README).
NGINX_CACHE = """proxy_cache catalog;
      proxy_cache_lock on;
      sendfile off; output_buffers 2 256k;
      proxy_cache_use_stale error timeout updating http_500 http_502 http_503 http_504;
      add_header X-Cache-Status $upstream_cache_status always;"""


def nginx(name, body, port, workers=2, log_dir=None):
    binary = nginx_binary()
    if not binary:
        raise RuntimeError("nginx is not installed (make bench installs Debian's nginx-light)")
    directory = ROOT / "build" / "bench" / "nginx" / name
    if directory.exists():
        shutil.rmtree(directory)
    for sub in ["body", "proxy", "fastcgi", "uwsgi", "scgi", "cache"]:
        (directory / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(directory / sub, 0o777)  # nginx workers drop root privileges
    conf = directory / "nginx.conf"
    conf.write_text(NGINX_BASE.format(workers=workers, dir=directory, body=body))
    return Server(name, [binary, "-c", str(conf), "-e", str(directory / "error.log")], port, log_dir=log_dir,
                  ready_path="/__ready__")


def nginx_static(root, port, name="static-nginx"):
    return nginx(name, NGINX_STATIC.format(host=HOST, port=port, root=root), port)


def nginx_proxy(upstream_ports, port, cache, name="nginx-proxy"):
    servers = "\n".join(f"    server {HOST}:{p};" for p in upstream_ports)
    body = NGINX_PROXY.format(dir=ROOT / "build" / "bench" / "nginx" / name, servers=servers, host=HOST, port=port,
                              cache=NGINX_CACHE if cache else "")
    return nginx(name, body, port)
