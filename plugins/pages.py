"""Template helpers: the home page's cards (one per table, in the order of metadata.yml) and the
`tilde_encode` filter the row page uses to link a row's source passage."""
import sys
from pathlib import Path

from datasette import hookimpl
from datasette.utils import tilde_encode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project's scripts package
from scripts.portal import DATABASE_NAME as DATABASE  # noqa: E402


@hookimpl
def extra_template_vars(template, datasette):
    if template != "index.html":
        return {}

    async def home_vars():
        db = datasette.get_database(DATABASE)
        counts = await db.table_counts(limit=1000)
        tables = (datasette.metadata(database=DATABASE) or {}).get("tables", {})
        cards = [
            {"name": name, "title": meta.get("title", name), "description": meta.get("description", ""),
             "count": counts.get(name), "url": datasette.urls.table(DATABASE, name)}
            for name, meta in tables.items() if name in counts
        ]
        return {"catalog_tables": cards, "catalog_database": DATABASE}

    return home_vars


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["tilde_encode"] = tilde_encode
