"""Render bench/results.json as the "Latest figures" section of BENCHMARKS.md (between its bench markers).

    python -m bench.report            (make bench runs it after each complete run)
"""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
DOC = ROOT / "BENCHMARKS.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def n(value, digits=0, suffix=""):
    return "—" if value is None else f"{value:,.{digits}f}{suffix}"


def serving_table(serving):
    lines = ["| endpoint | static-python | static-nginx | default | portal | **replicas** | p50 / p99 ms | "
             "**÷ static-python** | ÷ static-nginx | ÷ default | cached | **cached ÷ static-python** | cached ÷ static-nginx |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, row in serving.items():
        get = lambda config, key="rps": (row.get(config) or {}).get(key)  # noqa: E731
        q, c = row["ratios"]["replicas"], row["ratios"]["cached"]
        lines.append(
            f"| {name} | {n(get('static_python'))} | {n(get('static_nginx'))} | {n(get('default'))} | "
            f"{n(get('portal'))} | **{n(get('replicas'))}** | {n(get('replicas', 'p50_ms'), 0)} / "
            f"{n(get('replicas', 'p99_ms'), 0)} | **{n(q['vs_static_python'], 2, '×')}** | "
            f"{n(q['vs_static_nginx'], 3, '×')} | {n(q['vs_default'], 1, '×')} | {n(get('cached'))} | "
            f"**{n(c['vs_static_python'], 1, '×')}** | {n(c['vs_static_nginx'], 2, '×')} |")
    return lines


def steps_table(steps):
    names = [k for k in steps[0] if k != "step"]
    lines = ["| step | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    previous = None
    for row in steps:
        cells = []
        for name in names:
            rps = (row[name] or {}).get("rps")
            before = (previous or {}).get(name, {}).get("rps") if previous else None
            change = f" ({rps / before:.2f}×)" if rps and before else ""
            cells.append(f"{n(rps)}{change}")
        lines.append(f"| {row['step']} | " + " | ".join(cells) + " |")
        previous = row
    return lines


def scale_table(scale):
    factors = list(scale["factors"])
    names = [k for k in scale["factors"][factors[0]] if isinstance(scale["factors"][factors[0]][k], dict)
             and "c1" in scale["factors"][factors[0]][k]]
    lines = ["| endpoint | " + " | ".join(f"{f}× p50 ms (1 conn) · req/s (32 conn)" for f in factors) + " |",
             "|---|" + "---:|" * len(factors)]
    for name in names:
        cells = []
        for f in factors:
            d = scale["factors"][f].get(name) or {}
            cells.append(f"{n((d.get('c1') or {}).get('p50_ms'), 1)} · {n((d.get('c32') or {}).get('rps'))}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("| catalog | documents | passages | tasks | projects | indicators | database | build | build peak |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for f in factors:
        d = scale["factors"][f]
        g = d["generated"]
        lines.append(f"| {f}× | {n(g.get('documents'))} | {n(g.get('document_passages'))} | {n(g.get('plan_tasks'))} | "
                     f"{n(g.get('capital_projects'))} | {n(g.get('indicators'))} | {d['bytes'] / 1e6:.0f} MB | "
                     f"{d['build_seconds']} s | {d['build_peak_mib']} MiB |")
    if scale.get("variants"):
        lines.append("")
        lines.append("| variant (largest scale) | table_json p50 | facets p50 | search p50 |")
        lines.append("|---|---:|---:|---:|")
        top = scale["factors"][factors[-1]]
        lines.append(f"| as built (inspect counts{', facet indexes' if top.get('facet_indexes_in_build') else ''}) | "
                     + " | ".join(f"{n((top[x].get('c1') or {}).get('p50_ms'), 1)} ms" for x in ("table_json", "facets", "search")) + " |")
        for v in scale["variants"]:
            lines.append(f"| {v['variant']} | " + " | ".join(
                f"{n((v[x].get('c1') or {}).get('p50_ms'), 1)} ms" for x in ("table_json", "facets", "search")) + " |")
    return lines


def render(report):
    out = [START, "", f"Run of {report['started']} on {report['machine']['cpus']} CPUs "
           f"({report['machine']['platform']}, Python {report['machine']['python']}), load average before "
           f"{', '.join(f'{x:.2f}' for x in report['machine']['load_average_before'])}; wrk {report['method']['duration_s']} s "
           f"per run, {report['method']['connections']} connections; the whole run took {report['seconds']} s.", ""]
    if report.get("build"):
        b = report["build"]
        out += [f"**Build** (`python -m scripts.load.build` from sources/): {b['build']['seconds']} s, peak "
                f"{b['build']['peak_mib']} MiB; `datasette inspect`: "
                f"{(b.get('inspect') or {}).get('seconds')} s; database {n((b.get('bytes') or 0) / 1e6, 1)} MB.", ""]
    if report.get("serving"):
        out += ["**Serving**, requests/s (32 connections), the same payloads in the same run:", ""]
        out += serving_table(report["serving"]) + [""]
    if report.get("steps"):
        out += ["**What bought what**, requests/s (32 connections; × = against the step before):", ""]
        out += steps_table(report["steps"]) + [""]
    if report.get("scale"):
        out += ["**Scale**, synthetic national catalogs through the same loader (deployment: two replicas behind "
                "nginx, no cache):", ""]
        out += scale_table(report["scale"]) + [""]
    if report.get("verdicts"):
        out += ["**Targets** (against static-python, the issue's reference; see Method)", ""]
        out += [f"- {'met' if v['met'] else '**not met**'}: {v['target']} — {v['value']:.3g}" for v in report["verdicts"]]
        out += [""]
    for config, (low, high) in (report.get("nginx_context") or {}).items():
        out += [f"Against nginx serving the same files (this machine's ceiling, no target), {config}: "
                f"{low:.3g}–{high:.3g}×.", ""]
    out.append(END)
    return "\n".join(out)


def update(doc=DOC, results=RESULTS):
    report = json.loads(Path(results).read_text())
    text = Path(doc).read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{doc} has no {START} … {END} section")
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    Path(doc).write_text(before + render(report) + after, encoding="utf-8")


if __name__ == "__main__":
    update(*(Path(a) for a in sys.argv[1:]))
