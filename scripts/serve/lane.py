"""The SQL lane's process: ad-hoc SQL (`?sql=`, `?_where=`, routed here by plugins/sql_lane.py) runs in a child
process of each server process, never in the server process itself.

Why a process and not a thread (issue 13): a runaway query stopped at the 1.5 s time limit still burns a core
for 1.5 s, and Datasette's progress handler — a Python callback every 1,000 SQLite instructions — takes the
GIL ~10,000 times a second from the threads serving pages; `make serve` kept only 62 % of its table-JSON
requests/s under one runaway a second. And memory: a query of 40 columns of 64 kB blobs over a cross join
reached ~640 MB of the server before the time limit stopped it. A child process has its own GIL, runs at
the lowest CPU priority (os.nice 19: when both cores are busy the pages come first) and has its own memory
bound (RLIMIT_DATA, LANE_MEMORY_MB): a query that needs more fails there — a MemoryError or SQLite's "out
of memory", 400 with the bilingual message — and if the child dies of it, the server answers that request
400 too, and the supervisor starts a new child. Nothing a query does can take the server process down.

The child is the same Datasette (scripts.serve.portal.create_datasette: same file, metadata, plugins,
templates; the main instance's settings, inspect data and replacements of Datasette internals, so the
deployment's content-hashed route is the same) served by uvicorn on a Unix socket in a private (0700)
directory. The server proxies each ad-hoc request there with its path, query and headers (the Host already
replaced by the policy layer) and passes the answer back through its own layers, so it leaves through
plugins/http_policy.py once, with the same headers as any other answer.

Lifecycle: started when the server has started (the lifespan's startup; in-process clients without a lifespan:
with the first ad-hoc request); a supervisor thread restarts it when it dies (after a short pause that grows if it
keeps dying), and requests meanwhile wait for the new one; stopped (SIGTERM, then SIGKILL) at the lifespan's
shutdown or interpreter exit, and the child ends itself if its parent dies without stopping it (PR_SET_PDEATHSIG
and a watchdog), so no orphan outlives a server. One lane per server process: each uvicorn worker has its own.

Why our own code: Datasette 0.65 has one executor per instance, and no maintained plugin runs queries out of
process; a small HTTP/1.0 client over the Unix socket (one connection a request, the body delimited by the
close) avoids a dependency and proxies exactly what the child sends.
"""
import argparse
import asyncio
import atexit
import json
import logging
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from pathlib import Path
from urllib.parse import quote

from scripts.project import DATABASE_NAME, ROOT
from scripts.serve import errors

log = logging.getLogger(__name__)

# The child's memory bound (RLIMIT_DATA: heap and private writable mappings). Idle it uses ~60 MB; SQLite's own
# hard_heap_limit (plugins/query_limits.py) is 256 MB.
LANE_MEMORY_MB = int(os.environ.get("CATALOG_SQL_LANE_MEMORY_MB", "320"))
LANE_NICE = int(os.environ.get("CATALOG_SQL_LANE_NICE", "19"))
START_TIMEOUT = 60      # seconds a request waits for a (re)starting lane before the server gives up
WHOLE_BODY = 1 << 20    # answers up to this size are passed on whole (with a Content-Length), longer ones streamed
SCHEME_HEADER = b"x-catalog-lane-scheme"
HOP_BY_HOP = {b"connection", b"keep-alive", b"transfer-encoding", b"upgrade", b"te", b"trailer",
              b"proxy-connection", b"content-length", SCHEME_HEADER}
FROM_CHILD_DROPPED = {b"connection", b"keep-alive", b"transfer-encoding", b"date", b"server"}
LANE_STOPPED = ("Tiến trình chạy truy vấn SQL đã dừng giữa chừng (thường vì truy vấn cần quá nhiều bộ nhớ); hãy "
                "thu hẹp truy vấn.", "The process running the SQL query stopped midway (usually because the query "
                "needs too much memory); narrow the query down.")
LANE_UNAVAILABLE = ("Máy chủ chưa sẵn sàng chạy truy vấn SQL; thử lại sau vài giây.",
                    "The server is not ready to run SQL queries; retry in a few seconds.")
PINNED = re.compile(r"^/proc/self/fd/(\d+)$")


class LaneProcess:
    """The child process of one server process: started on demand, supervised, proxied to."""

    def __init__(self, datasette):
        self.main = datasette
        self.directory = self.socket = None
        self.turns = weakref.WeakKeyDictionary()  # event loop → its asyncio.Semaphore (see turn())
        self.process = None
        self.ready = threading.Event()
        self.stopping = False
        self.started = False
        self.restarts = 0
        self.lock = threading.Lock()

    # --- the supervisor (a thread of the server process) -----------------------------------------------------

    def ensure_started(self):
        with self.lock:
            if self.started:
                return
            self.started = True
            self.directory = Path(tempfile.mkdtemp(prefix="catalog-sql-lane-"))  # mode 0700: only we can connect
            self.socket = self.directory / "lane.sock"
            config = self.directory / "config.json"
            database = self.main.get_database(DATABASE_NAME)
            pass_fds = ()
            path = database.path
            pinned = PINNED.match(path)
            if pinned:  # the deployment's pinned file (scripts/serve/internals.py): the child inherits the descriptor
                pass_fds = (int(pinned.group(1)),)
            config.write_text(json.dumps({
                "database": path, "settings": {**self.main.settings_dict(), "num_sql_threads": 1},
                "inspect_data": self.main.inspect_data, "patches": installed_patches(),
                "socket": str(self.socket), "parent": os.getpid()}))
            self.command = [sys.executable, "-m", "scripts.serve.lane", str(config)]
            self.pass_fds = pass_fds
            atexit.register(self.stop)
            threading.Thread(target=self.supervise, name="sql-lane-supervisor", daemon=True).start()

    def supervise(self):
        pause = 0.5
        while not self.stopping:
            started = time.monotonic()
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
            self.socket.unlink(missing_ok=True)
            try:
                self.process = subprocess.Popen(self.command, cwd=ROOT, env=env, pass_fds=self.pass_fds)
            except OSError:
                log.exception("could not start the SQL lane")
                time.sleep(pause)
                continue
            while self.process.poll() is None and not self.stopping:
                if connectable(self.socket):
                    self.ready.set()
                    break
                time.sleep(0.05)
            status = self.process.wait()
            self.ready.clear()
            if self.stopping:
                break
            self.restarts += 1
            log.warning("the SQL lane (pid %s) ended with status %s; starting a new one", self.process.pid, status)
            pause = 0.5 if time.monotonic() - started > 30 else min(pause * 2, 5.0)
            time.sleep(pause)

    def stop(self):
        self.stopping = True
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)

    def starting_with(self, send):
        """The server's lifespan `send`, starting the lane once Datasette's startup hooks have run (the deployment's
        pinned file and hashed route are set by one), so the first query does not wait for it."""

        async def lifespan_send(message):
            await send(message)
            if message.get("type") == "lifespan.startup.complete":
                self.ensure_started()

        return lifespan_send

    def stopping_with(self, receive):
        """The server's lifespan `receive`, stopping the lane when the server shuts down (uvicorn ends its process
        with the signal it got, so atexit handlers do not run then)."""

        async def lifespan_receive():
            message = await receive()
            if message.get("type") == "lifespan.shutdown":
                await asyncio.get_running_loop().run_in_executor(None, self.stop)
            return message

        return lifespan_receive

    # --- the proxy (on the server's event loop) ---------------------------------------------------------------

    async def wait_ready(self):
        if not self.ready.is_set():
            self.ensure_started()
            loop = asyncio.get_running_loop()
            deadline = loop.time() + START_TIMEOUT
            while not self.ready.is_set() and loop.time() < deadline:
                await asyncio.sleep(0.05)
        return self.ready.is_set()

    async def connect(self):
        for _ in range(3):
            if await self.wait_ready():
                process = self.process
                try:
                    return process, await asyncio.open_unix_connection(str(self.socket), limit=256 * 1024)
                except OSError:  # it died between the check and the connection: wait for the next one
                    await asyncio.sleep(0.2)
        return None, None

    async def suspect(self, process):
        """A connection to `process` broke before its answer: no new request goes to it until it is known alive
        (a dying lane still queues connections on its socket for a moment, and would drop them too); if it is
        dying, the supervisor marks the next one ready."""
        if self.process is not process:
            return
        self.ready.clear()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 2
        while process.poll() is None and loop.time() < deadline:
            await asyncio.sleep(0.05)
        if process.poll() is None and self.process is process and connectable(self.socket):
            self.ready.set()

    def turn(self):
        """One request in the lane at a time (it has one SQL thread anyway): a query's answer is rendered and sent
        before the next query starts, instead of competing for the lane's CPU and GIL with the next runaway."""
        loop = asyncio.get_running_loop()
        if loop not in self.turns:
            self.turns[loop] = asyncio.Semaphore(1)
        return self.turns[loop]

    async def handle(self, scope, receive, send):
        async with self.turn():
            await self.proxy(scope, send)

    async def proxy(self, scope, send):
        process, connection = await self.connect()
        if connection is None:
            return await answer(send, 503, LANE_UNAVAILABLE, [(b"retry-after", b"5")])
        reader, writer = connection
        started = False
        try:
            writer.write(request_head(scope))
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status, headers = parse_head(head)
            body = b"" if scope.get("method") == "HEAD" else await read_some(reader, WHOLE_BODY)
            streaming = len(body) >= WHOLE_BODY
            if not streaming and scope.get("method") != "HEAD":
                headers.append((b"content-length", str(len(body)).encode()))
            started = True
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body, "more_body": streaming})
            while streaming:
                chunk = await reader.read(65536)
                streaming = bool(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": streaming})
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            # The lane died under this request (most often: the query needed more memory than the lane may have).
            await self.suspect(process)
            if not started:
                return await answer(send, 400, LANE_STOPPED)
            await send({"type": "http.response.body", "body": b"", "more_body": False})  # a cut answer ends
        finally:
            writer.close()


def installed_patches():
    from scripts.serve import internals

    return internals.applied()


def connectable(path):
    if not path.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
            return True
        except OSError:
            return False


def request_head(scope):
    target = scope.get("raw_path") or quote(scope["path"]).encode()
    if scope.get("query_string"):
        target += b"?" + scope["query_string"]
    lines = [scope.get("method", "GET").encode() + b" " + target + b" HTTP/1.0"]
    lines += [name + b": " + value for name, value in scope.get("headers") or [] if name.lower() not in HOP_BY_HOP]
    lines.append(SCHEME_HEADER + b": " + (scope.get("scheme") or "http").encode())
    return b"\r\n".join(lines) + b"\r\n\r\n"


def parse_head(head):
    status_line, *lines = head.decode("latin-1").rstrip("\r\n").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    headers = []
    for line in lines:
        name, _, value = line.partition(":")
        name = name.strip().lower().encode("latin-1")
        if name not in FROM_CHILD_DROPPED and name != b"content-length":
            headers.append((name, value.strip().encode("latin-1")))
    return status, headers


async def read_some(reader, size):
    body = bytearray()
    while len(body) < size:
        chunk = await reader.read(size - len(body))
        if not chunk:
            break
        body += chunk
    return bytes(body)


async def answer(send, status, parts, headers=()):
    await errors.answer(send, status, parts, [(b"cache-control", b"no-store"), *headers])


# --- the child process ------------------------------------------------------------------------------------------

def die_with_parent(parent, directory):
    """End this process, and remove the lane's directory, when the server process goes, however it goes: the
    kernel sends SIGUSR1 when the parent dies (PR_SET_PDEATHSIG, Linux; not SIGTERM, which uvicorn would turn into a
    graceful shutdown that ends the process by that signal before any clean-up), and a watchdog thread checks
    the parent once a second where that is not available. A parent already gone: exit now."""

    def leave(*_):
        shutil.rmtree(directory, ignore_errors=True)
        os._exit(0)

    signal.signal(signal.SIGUSR1, leave)
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGUSR1)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass

    def watch():
        while os.getppid() == parent:
            time.sleep(1)
        leave()

    threading.Thread(target=watch, name="sql-lane-watchdog", daemon=True).start()


def child_app(app):
    """The scheme the server's policy layer chose (the public URL's), and the safety net the policy layer gives
    the server: an exception that escapes Datasette is answered as scripts/serve/errors.py says, never by
    uvicorn's bare 500."""

    async def lane_app(scope, receive, send):
        if scope.get("type") != "http":
            return await app(scope, receive, send)
        headers = scope.get("headers") or []
        scheme = next((v.decode("latin-1") for k, v in headers if k == SCHEME_HEADER), "http")
        scope = {**scope, "scheme": scheme, "headers": [(k, v) for k, v in headers if k != SCHEME_HEADER]}
        started = False
        held = None  # a 400 JSON answer, held until whole so its SQL error can be given in both languages

        async def tracked_send(message):
            nonlocal started, held
            if message["type"] == "http.response.start":
                started = True
                if message["status"] == 400 and any(k == b"content-type" and v.startswith(b"application/json")
                                                     for k, v in message.get("headers") or []):
                    held = [message, b""]
                    return
            elif held is not None:
                held[1] += message.get("body", b"")
                if message.get("more_body"):
                    return
                start, payload = held
                held = None
                payload = errors.query_error_body(payload)
                await send({**start, "headers": [(k, str(len(payload)).encode() if k == b"content-length" else v)
                                                 for k, v in start.get("headers") or []]})
                message = {"type": "http.response.body", "body": payload}
            await send(message)

        try:
            await app(scope, receive, tracked_send)
        except Exception as exception:  # MemoryError included
            if started:
                raise
            status, parts = errors.classify_escaped(exception)
            if status >= 500:
                log.error("unhandled error in the SQL lane for %s", scope.get("path"), exc_info=True)
            await answer(tracked_send, status, parts)

    return lane_app


def child_main(config_path):
    config = json.loads(Path(config_path).read_text())
    die_with_parent(config["parent"], Path(config_path).parent)
    os.nice(max(0, LANE_NICE - os.nice(0)))
    import uvicorn

    from scripts.serve import internals
    from scripts.serve.portal import create_datasette

    internals.install(config["patches"])
    path = Path(config["database"])
    if path.name != f"{DATABASE_NAME}.db":
        # The deployment's pinned /proc/self/fd/<n> (inherited): Datasette names a database after its file.
        link = Path(config_path).parent / f"{DATABASE_NAME}.db"
        link.unlink(missing_ok=True)
        link.symlink_to(path)
        path = link
    datasette = create_datasette(path, settings=config["settings"], inspect_data=config["inspect_data"])
    datasette._catalog_sql_lane = True

    async def serve():
        await datasette.invoke_startup()
        # From here on every allocation counts: a query that needs more fails (or ends this process), never
        # the server.
        limit = LANE_MEMORY_MB * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
        # h11, not httptools: h11 answers an HTTP/1.0 request unchunked, its body ending with the connection,
        # which is what the proxy in LaneProcess.handle reads.
        server = uvicorn.Server(uvicorn.Config(child_app(datasette.app()), uds=config["socket"], lifespan="off",
                                               http="h11", access_log=False, log_level="warning",
                                               timeout_keep_alive=1))
        await server.serve()

    asyncio.run(serve())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="The SQL lane's child process (started by plugins/sql_lane.py)")
    parser.add_argument("config")
    child_main(parser.parse_args().config)
