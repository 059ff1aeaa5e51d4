"""A former commune's row page says what it is part of today: "Nay là Xã Lương Hòa Lạc" with the link.

ward_predecessors is keyed by (ward_code, former_code), and Datasette shows no label for a foreign key that is
part of the primary key, so the page showed a bare code ("28615") and a visitor who searched the old name never
learnt the new one. templates/row.html prints `now_ward` when this hook gives it."""
from pathlib import Path

from datasette import hookimpl
from datasette.utils import tilde_decode

from scripts.project import DATABASE_NAME as DATABASE


@hookimpl
def extra_template_vars(view_name, table, request, datasette):
    if view_name != "row" or table != "ward_predecessors" or request is None:
        return {}
    pks = (request.url_vars or {}).get("pks") or ""
    ward_code = tilde_decode(pks.split(",")[0]) if pks else None
    if not ward_code:
        return {}

    async def now_ward():
        db = datasette.get_database(DATABASE)
        row = (await db.execute("select w.code, w.name, p.name as province from wards w left join provinces p"
                                " on p.code = w.province_code where w.code = ?", [ward_code])).first()
        if not row:
            return {}
        return {"now_ward": {"code": row["code"], "name": row["name"], "province": row["province"],
                             "url": datasette.urls.row(DATABASE, "wards", row["code"])}}

    return now_ward
