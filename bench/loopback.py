"""Servers on 127.0.0.1 that tests, the soak and the benchmark start themselves: a free port, a GET that does
not follow redirects, and waiting until a freshly started server answers. Only loopback is ever contacted."""
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

HOST = "127.0.0.1"


def free_port():
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url, timeout=60, headers=None):
    """(status, headers with lower-case names, body) of a GET; redirects and errors are answers, not raised."""
    assert url.startswith(f"http://{HOST}:"), url  # loopback only
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=timeout) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def wait_until_serving(base, process, timeout=60, path="/-/versions.json", log=None):
    """The HTTP status of the first answer from `base + path`, polled until the server listens; RuntimeError
    (with the end of its `log` file, if given) when the process exits first or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            problem = f"the server for {base} exited with {process.returncode}"
            break
        try:
            return fetch(base + path, timeout=5)[0]
        except OSError:
            time.sleep(0.2)
    else:
        problem = f"{base} did not answer within {timeout} s"
    tail = Path(log).read_text(errors="replace")[-3000:] if log and Path(log).exists() else ""
    raise RuntimeError(f"{problem}{': ' + tail if tail else ''}")
