"""Exports people ask for, beside Datasette's JSON and CSV:

- .xlsx  (Excel workbook; Vietnamese text intact)
- .geojson  for any table or query with latitude/longitude columns (wards …)
- CSV with a UTF-8 byte-order mark when `_bom=1` is added to a .csv URL: Datasette's CSV has none, and
  Excel on Windows then shows Vietnamese as mojibake.
"""
import io
import json
from urllib.parse import parse_qs

from datasette import hookimpl
from datasette.utils.asgi import Response

BOM = "\ufeff".encode("utf-8")
SHEET_TITLE_MAX = 31  # Excel's limit


def render_xlsx(columns, rows, table, query_name):
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet((table or query_name or "query")[:SHEET_TITLE_MAX])
    sheet.append(list(columns))
    for row in rows:
        sheet.append([row[c] for c in columns])
    out = io.BytesIO()
    book.save(out)
    name = (table or query_name or "query") + ".xlsx"
    return Response(out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"content-disposition": f'attachment; filename="{name}"'})


def has_coordinates(columns):
    return "latitude" in columns and "longitude" in columns


def render_geojson(columns, rows):
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]},
         "properties": {c: row[c] for c in columns if c not in ("latitude", "longitude")}}
        for row in rows if row["latitude"] is not None and row["longitude"] is not None
    ]
    return Response(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
                    content_type="application/geo+json; charset=utf-8")


@hookimpl
def register_output_renderer():
    return [
        {"extension": "xlsx", "render": render_xlsx},
        {"extension": "geojson", "render": render_geojson, "can_render": has_coordinates},
    ]


@hookimpl
def asgi_wrapper():
    def wrap(app):
        async def with_bom(scope, receive, send):
            wants_bom = (scope["type"] == "http" and scope["path"].endswith(".csv")
                         and parse_qs(scope.get("query_string", b"").decode()).get("_bom") == ["1"])
            if not wants_bom:
                return await app(scope, receive, send)
            started = False

            async def send_with_bom(message):
                nonlocal started
                if message["type"] == "http.response.start":
                    message = {**message, "headers": [(k, v) for k, v in message["headers"]
                                                      if k.lower() != b"content-length"]}
                elif message["type"] == "http.response.body" and not started:
                    started = True
                    message = {**message, "body": BOM + message.get("body", b"")}
                await send(message)

            await app(scope, receive, send_with_bom)

        return with_bom

    return wrap
