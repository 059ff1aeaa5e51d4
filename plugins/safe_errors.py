"""The one error path: every exception a view raises is answered here — JSON for the data formats, the portal's
error page (templates/error.html, Vietnamese or English as the visitor's page) for HTML — and no answer carries
internal SQL or exception text.

Why our own code: Datasette 0.65 lets many malformed requests escape as exceptions (a `_facet_array` that
is not JSON, `code__in=[1,2`, a 400-digit number, `_where=1=1; drop …`, `_timelimit=abc`, a time-out while
writing CSV, a control character in an XLSX cell, a `_through` without a foreign key …) and its default
handler answers them 500 with `str(exception)`, which for a time-out is the SQL it ran. A whole class of
bugs is one kind of mistake, so it is handled in one place, Datasette's `handle_exception` hook, rather
than one parameter at a time: exceptions that only a request's content can raise (parsing, binding,
SQLite refusing or stopping a query, a limit of plugins/query_limits.py) become 400 with a fixed message
that says what kind of problem it was; anything else stays a 500 — a real bug — but its text is logged,
not sent. The classification is scripts/serve/errors.py's, shared with the safety net of the HTTP policy
layer (plugins/http_policy.py), which also refuses methods other than GET, HEAD and OPTIONS with 405 and drops a
cookie that does not parse before Datasette sees them; every answer here leaves through that layer and carries
its headers (CORS, CSP, no-store).

HTML pages (issue 15): Datasette 0.65's own handler renders error.html without the request, so its page could not
know the visitor's language; this hook renders the portal's error.html itself, with the request, for Datasette's
own 4xx (404, 403 …: status, title and message as Datasette words them, scripts/serve/errors.describe) and for the
fixed messages above (the visitor's language only). JSON keeps Datasette's shape for its own 4xx, its message
given as "Vietnamese · English" like the fixed messages (scripts/serve/i18n.py bilingual_error: a program's
user reads the same two languages whichever layer refused the request). Only one plugin implements
handle_exception, so no hook order decides the answer.
"""
import sys
import traceback

from datasette import Response, hookimpl
from markupsafe import Markup

from scripts.serve.errors import classify, describe, fallback_page, message
from scripts.serve import portal
from scripts.serve.i18n import bilingual_error, language

DATA_FORMATS = tuple(f".{fmt}" for fmt in portal.DATA_FORMATS)  # their errors are JSON, not a page


@hookimpl
def handle_exception(datasette, request, exception):
    found = classify(exception)
    wants_json = request is not None and request.path.split("?")[0].endswith(DATA_FORMATS)
    if found is not None:
        status, parts = found
        if status >= 500:
            traceback.print_exception(exception, file=sys.stderr)
        if wants_json or request is None:
            return Response.json({"ok": False, "error": message(parts), "status": status, "title": None},
                                 status=status)
        title, text = None, parts[1] if language(request) == "en" else parts[0]
    elif wants_json or request is None:
        # Datasette's own 4xx in its own shape, its words after their Vietnamese (scripts/serve/i18n.yml `errors`).
        status, title, text, _ = describe(exception)
        return Response.json({"ok": False, "error": bilingual_error(text, status), "status": status,
                              "title": bilingual_error(title, status) if title else None}, status=status)
    else:
        status, title, text, is_html = describe(exception)
        if is_html:
            text = Markup(text)

    async def page():
        info = {"ok": False, "error": text, "status": status, "title": title}
        try:
            html = await datasette.render_template(["error.html"], info, request=request, view_name="error")
        except Exception as error:  # noqa: BLE001 — the error page must not become a second error
            traceback.print_exception(error, file=sys.stderr)
            return Response.html(fallback_page(status, message(found[1]) if found else text), status=status)
        return Response.html(html, status=status)

    return page
