"""What breaks on the next Datasette: run by `make upgrade-check` with the Python of a separate virtual
environment holding the newest Datasette 1.0 alpha (.venv-next). It serves the catalog there twice — as `make
serve` does (no replacements of internals) and through the deployment's ASGI entry point (whose
scripts/serve/internals.py must turn itself off with one log line) — on loopback, asks both for the pages people
and programs use, and reports what differs from what 0.65.5 answers. It never fails: the report is the result
(printed and written to build/upgrade-check.txt). Findings of the last run are in docs/upgrading.md."""
import asyncio
import logging
import sys
import traceback

from scripts.project import DATABASE, ROOT

# (path, what a working page shows: a substring of the body, or a JSON key)
CHECKS = [
    ("/", "Dữ liệu mở chuyển đổi số"),
    ("/catalog", "plan_tasks"),
    ("/catalog/wards", "datasette-cluster-map"),
    ("/catalog/wards?_x=title", "Xã, phường, đặc khu · Communes and wards"),  # table title from metadata.yml
    ("/catalog/plan_tasks?_x=facets", 'data-column="province_code"'),  # default facets from metadata.yml
    ("/catalog/wards.json?_x=fts&_search=tan+ho+co", "29929"),  # fts_table from metadata.yml: Tân Hộ Cơ
    ("/catalog/wards.json?_size=5", "rows"),
    ("/catalog/plan_tasks", 'class="col-id type-pk"'),
    ("/catalog/plan_tasks.json?_facet=due_year", "facet_results"),
    ("/catalog/plan_tasks.json", "next_url"),
    ("/catalog/plan_tasks.csv", "id,"),
    ("/catalog/plan_tasks/angiang-kh-15-du-2025~2F1~2E1", "excerpt"),
    ("/catalog/tasks_led_by_agency.json?agency=khoa+hoc&_shape=array", "["),
    ("/catalog.json?sql=select+vn_fold(%27%C4%90%E1%BB%93ng%27)+as+f", "dong"),
    ("/catalog.json?sql=select+cast(x%27ff%27+as+text)", "UTF-8"),
    ("/catalog/plan_tasks.json?_sort=no_such_column", "no such column"),
    ("/-/search.json?q=dong+thap", "results"),
    ("/-/search?q=dong", "<form"),
    ("/-/dcat.jsonld", "dcat:Catalog"),
    ("/-/openapi.json", "openapi"),
    ("/robots.txt", "Disallow: /*?sql="),
    ("/sitemap.xml", "<urlset"),
    ("/-/databases.json", "catalog"),
    ("/-/threads.json", ""),
    ("/catalog/wards.geojson?_size=5", "FeatureCollection"),
    ("/catalog/plan_tasks.xlsx?_size=5", ""),
]
HEADERS = ["content-security-policy", "x-content-type-options", "access-control-allow-origin", "cache-control"]


async def probe(datasette):
    lines = []
    await datasette.invoke_startup()  # what a server's lifespan start-up does
    for path, expected in CHECKS:
        try:
            response = await datasette.client.get(path, follow_redirects=True)
            body = response.text
            missing = [h for h in HEADERS if h not in response.headers]
            shown = expected in body if expected else True
            verdict = "ok" if response.status_code < 400 and shown and not missing else "DIFFERS"
            if path.startswith("/-/threads") or "no_such" in path or "x%27ff" in path:
                verdict = "ok" if response.status_code in (400, 404) and shown else "DIFFERS"
            note = f"{response.status_code}"
            if not shown:
                note += f", missing {expected!r}"
            if missing:
                note += f", no {', '.join(missing)}"
            if verdict != "ok":
                note += f" — {body[:160]!r}"
        except Exception as error:  # a page that raises is exactly what this report is for
            verdict, note = "RAISES", f"{type(error).__name__}: {error}".splitlines()[0][:200]
        lines.append(f"  {verdict:8} {path}  ({note})")
    return lines


def report():
    import datasette

    out = [f"Datasette {datasette.__version__} (the project is written for 0.65.5), Python {sys.version.split()[0]}"]
    logs = []

    class Keep(logging.Handler):
        def emit(self, record):
            logs.append(f"{record.name}: {record.getMessage()}")

    logging.getLogger().addHandler(Keep(level=logging.WARNING))
    for label, build in [("make serve (no replacements of internals)", "portal"),
                         ("deployment entry point (scripts/serve/asgi.py)", "asgi")]:
        out.append(f"\n{label}:")
        try:
            if build == "portal":
                from scripts.serve.portal import create_datasette

                instance = create_datasette(DATABASE)
            else:
                from scripts.serve import internals
                from scripts.serve.portal import create_datasette

                applied = internals.install()
                out.append(f"  internals applied: {applied or 'none'}")
                instance = create_datasette(DATABASE)
            out += asyncio.run(probe(instance))
        except Exception:
            out.append("  could not start: " + traceback.format_exc().strip().splitlines()[-1])
    out.append("\nlog lines (warnings and errors):")
    out += [f"  {line}" for line in dict.fromkeys(logs)] or ["  none"]
    return "\n".join(out)


def main():
    try:
        text = report()
    except Exception:
        text = "the check itself failed:\n" + traceback.format_exc()
    print(text)
    target = ROOT / "build" / "upgrade-check.txt"
    target.parent.mkdir(exist_ok=True)
    target.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
