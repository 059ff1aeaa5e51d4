"""What the OpenAPI description (scripts/publish/openapi.py) promises and Datasette 0.65 does not do by itself:

- A canned query's parameters as metadata.yml declares them (`parameters:` name → type, required, example,
  description). Called as data (.json, .csv, .xlsx …) without a required parameter, or with a non-integer where
  an integer is declared, the query answers 400 with a Vietnamese and English message instead of running with an
  empty value (former_unit_lookup gave all 616 rows, projects_active_in_year gave []). The HTML page keeps
  Datasette's form, which is how people supply the values: empty, it is the form to fill in (200); with a
  mistyped value (`?year=abc`) it is a 400 showing the form with what was typed and the message in the page's
  language instead of "no results" (scripts/serve/params.py is the one check for both).
- A row key sent percent-encoded (`/catalog/capital_projects/dongthap-kh-215-2025%2FA.II.7.json`, as any HTTP
  client encodes a path parameter) is the same row as its tilde-encoded form; the server decodes %2F into a path
  separator, so without this it was an HTML 404.
- `_nl=on` (newline-delimited JSON) is served as application/x-ndjson, not text/plain.
"""
import re
from urllib.parse import parse_qsl, unquote

from datasette import hookimpl
from datasette.utils import tilde_decode, tilde_encode

from scripts.serve import errors
from scripts.serve.params import parameter_problem, query_parameters
from scripts.serve.portal import DATABASE_ROUTE, TABLE_ROUTE

ENCODED_ROW = re.compile(rf"^(?P<prefix>{DATABASE_ROUTE})/(?P<table>[^/]+)/(?P<pk>.*%2[Ff].*?)(?P<ext>\.json)?$")
NDJSON = b"application/x-ndjson; charset=utf-8"


def with_status(send, status):
    async def send_with_status(message):
        if message["type"] == "http.response.start" and message["status"] == 200:
            message = {**message, "status": status}
        await send(message)

    return send_with_status


# Innermost (applied first): the answers given here get the security and CORS headers and, in the deployment,
# the hashed-URL redirects of the wrappers around it.
@hookimpl(tryfirst=True)
def asgi_wrapper(datasette):
    def wrap(app):
        async def api_contract(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            raw = (scope.get("raw_path") or b"").decode("latin-1")
            encoded = ENCODED_ROW.match(raw) if raw else None
            if encoded:
                pk = ",".join(tilde_encode(part) for part in unquote(encoded["pk"]).split(","))
                path = f"{encoded['prefix']}/{encoded['table']}/{pk}{encoded['ext'] or ''}"
                scope = {**scope, "path": unquote(path), "raw_path": path.encode("latin-1")}
            query = scope.get("query_string", b"").decode("latin-1")
            match = TABLE_ROUTE.match(scope.get("path", ""))
            name = match and match["pk"] is None and match["table"]
            # A dict lookup per table route (tilde_decode only for a name that needs it: ~1 µs saved on a page).
            declared = name and query_parameters(datasette, tilde_decode(name) if "~" in name else name)
            if declared:
                # the first of repeated values, as Datasette's request.args reads them
                problem = parameter_problem(declared, dict(reversed(parse_qsl(query, keep_blank_values=True))),
                                            missing_too=bool(match["format"]))
                if problem and match["format"]:
                    return await errors.answer(send, 400, problem, title="Bad request")
                if problem:  # the page, its form holding what was typed and the message (templates/query.html), as a 400
                    return await app(scope, receive, with_status(send, 400))
            if not ("_nl=on" in query.split("&") and scope.get("path", "").endswith(".json")):
                return await app(scope, receive, send)

            async def send_ndjson(message):
                if message["type"] == "http.response.start" and message.get("status") == 200:
                    message = {**message, "headers": [
                        (k, NDJSON if k.lower() == b"content-type" and v.startswith(b"text/plain") else v)
                        for k, v in message.get("headers", [])]}
                await send(message)

            return await app(scope, receive, send_ndjson)

        return api_contract

    return wrap
