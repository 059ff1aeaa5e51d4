"""The load generator: wrk (Debian package), fixed duration and connections, latency percentiles."""
import re
import shutil
import subprocess

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def wrk_binary():
    return shutil.which("wrk")


def _ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    return float(m.group(1)) * UNITS[m.group(2)] if m else None


def parse(output):
    result = {"rps": None, "p50_ms": None, "p90_ms": None, "p99_ms": None, "requests": None, "errors": 0,
              "non_2xx_3xx": 0}
    m = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if m:
        result["rps"] = float(m.group(1))
    for pct in ("50", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", output, re.M)
        if m:
            result[f"p{pct}_ms"] = _ms(m.group(1))
    m = re.search(r"(\d+) requests in", output)
    if m:
        result["requests"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if m:
        result["errors"] = sum(int(x) for x in m.groups())
        result["timeouts"] = int(m.group(4))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if m:
        result["non_2xx_3xx"] = int(m.group(1))
    return result


def run(url, duration=5, connections=32, threads=None, timeout=15):
    """wrk against one URL on loopback; returns requests/s, p50/p90/p99 in ms, request and error counts."""
    assert url.startswith("http://127.0.0.1:"), url
    threads = threads or min(2, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", f"{timeout}s", "--latency", url]
    output = subprocess.run(command, capture_output=True, text=True, timeout=duration + timeout + 30).stdout
    result = parse(output)
    result.update(connections=connections, duration_s=duration)
    return result
