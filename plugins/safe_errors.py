"""Errors a request causes are answered 4xx with a message in Vietnamese and English, never 500, and no
response carries internal SQL or exception text.

Why our own code: Datasette 0.65 lets many malformed requests escape as exceptions (a `_facet_array` that
is not JSON, `code__in=[1,2`, a 400-digit number, `_where=1=1; drop …`, `_timelimit=abc`, a time-out while
writing CSV, a control character in an XLSX cell, a `_through` without a foreign key …) and its default
handler answers them 500 with `str(exception)`, which for a time-out is the SQL it ran. A whole class of
bugs is one kind of mistake, so it is handled in one place, Datasette's `handle_exception` hook, rather
than one parameter at a time: exceptions that only a request's content can raise (parsing, binding,
SQLite refusing or stopping a query, a limit of plugins/query_limits.py) become 400 with a fixed message
that says what kind of problem it was; anything else stays a 500 — a real bug — but its text is logged,
not sent. Methods other than GET, HEAD and OPTIONS are refused with 405 before Datasette sees them (the
catalog is read-only; Datasette 0.65 answers POST to a table or a read-only canned query, and TRACE, 500).
"""
import json
import sqlite3
from http.cookies import CookieError, SimpleCookie
import sys
import traceback

from datasette import Response, hookimpl
from datasette.utils.asgi import Base400
from datasette.views.base import DatasetteError

ALLOWED_METHODS = ("GET", "HEAD", "OPTIONS")
TOO_LONG = ("Truy vấn chạy quá thời gian cho phép; hãy thu hẹp truy vấn.",
            "The query took too long (over the time limit); narrow it down.")
TOO_BIG = ("Một giá trị hoặc kết quả vượt giới hạn kích thước (64 kB mỗi giá trị).",
           "A value or result is over the size limit (64 kB a value).")
TOO_MUCH_MEMORY = ("Truy vấn cần quá nhiều bộ nhớ.", "The query needs too much memory.")
NOT_ALLOWED = ("Hàm hoặc lệnh này không được phép: cổng dữ liệu chỉ cho đọc.",
               "That function or statement is not allowed: the catalog is read-only.")
BAD_SQL = ("Câu SQL không hợp lệ.", "The SQL is not valid.")
BAD_PARAMETERS = ("Tham số của yêu cầu không hợp lệ (JSON sai, số quá lớn, giá trị sai kiểu, _through không có "
                  "khóa ngoại …).", "The request's parameters are not valid (malformed JSON, a number too large, "
                  "a value of the wrong type, a _through without a foreign key …).")
NOT_EXPORTABLE = ("Dữ liệu này không xuất được sang định dạng đã chọn.",
                  "This data cannot be exported in the format asked for.")
SERVER_ERROR = ("Lỗi máy chủ; lỗi đã được ghi lại.", "Server error; it has been logged.")


def message(parts):
    return f"{parts[0]} · {parts[1]}"


def classify(exception):
    """(status, (vietnamese, english)) for an exception that escaped a view, or None to let Datasette answer."""
    if isinstance(exception, Base400):
        return None
    if isinstance(exception, DatasetteError) and exception.status < 500:
        # Datasette's time-out page quotes the SQL it ran, which for a table page is ours, not the caller's.
        if "took too long" in str(exception.message) or "<textarea" in str(exception.message):
            return 400, TOO_LONG
        return None
    text = " ".join(str(a) for a in getattr(exception, "args", ()))[:300].lower()
    name = type(exception).__name__
    if name == "QueryInterrupted" or "interrupted" in text:
        return 400, TOO_LONG
    if isinstance(exception, MemoryError) or "out of memory" in text:
        return 400, TOO_MUCH_MEMORY
    if "too big" in text or "too large" in text or "too many" in text:
        return 400, TOO_BIG
    if "not authorized" in text or "prohibited" in text:
        return 400, NOT_ALLOWED
    if name == "IllegalCharacterError" or name == "NoSuchFeatureError":
        return 400, NOT_EXPORTABLE
    if isinstance(exception, sqlite3.Error):
        return 400, BAD_SQL
    if isinstance(exception, (ValueError, TypeError, KeyError, IndexError, OverflowError, UnicodeError,
                              RecursionError, json.JSONDecodeError, DatasetteError)):
        return 400, BAD_PARAMETERS
    return 500, SERVER_ERROR


def error_response(datasette, path, status, text):
    headers = {"access-control-allow-origin": "*"} if datasette.cors else {}
    if path.split("?")[0].endswith((".json", ".geojson", ".jsonld")):
        return Response.json({"ok": False, "error": text, "status": status, "title": None}, status=status,
                             headers=headers)
    from html import escape

    body = (f"<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Lỗi {status} · Error {status}"
            f"</title></head><body><h1>Lỗi {status} · Error {status}</h1><p>{escape(text)}</p>"
            f"<p><a href=\"/\">Trang chủ · Home</a></p></body></html>")
    return Response.html(body, status=status, headers=headers)


@hookimpl
def handle_exception(datasette, request, exception):
    found = classify(exception)
    if found is None:
        return None
    status, parts = found
    if status >= 500:
        traceback.print_exception(exception, file=sys.stderr)
    return error_response(datasette, request.path, status, message(parts))


def parses(cookie):
    try:
        SimpleCookie().load(cookie.decode("latin-1"))
        return True
    except CookieError:
        return False


async def send_error(send, status, parts):
    body = json.dumps({"ok": False, "status": status, "error": message(parts)}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


@hookimpl(trylast=True)  # outermost, so the safety net below also covers the other wrappers
def asgi_wrapper(datasette):
    def wrap(app):
        async def only_reading(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            # The catalog sets no cookies; one that does not parse made asgi-csrf (outside Datasette's error
            # handling) fail with a bare 500. It is dropped, as a browser would ignore it.
            headers = scope.get("headers") or []
            if any(k == b"cookie" and not parses(v) for k, v in headers):
                scope = {**scope, "headers": [(k, v) for k, v in headers if k != b"cookie" or parses(v)]}
            if scope.get("method", "GET") not in ALLOWED_METHODS:
                body = json.dumps({"ok": False, "status": 405, "error": (
                    "Cổng dữ liệu chỉ cho đọc: dùng GET · The catalog is read-only: use GET")}).encode()
                await send({"type": "http.response.start", "status": 405, "headers": [
                    (b"content-type", b"application/json; charset=utf-8"), (b"allow", b"GET, HEAD, OPTIONS"),
                    (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
            started = False

            async def tracking_send(message):
                nonlocal started
                started = started or message["type"] == "http.response.start"
                await send(message)

            try:
                await app(scope, receive, tracking_send)
            except Exception as exception:  # outside Datasette's own handler: answer as it would have
                if started:
                    raise
                status, parts = classify(exception) or (400, BAD_PARAMETERS)
                if status >= 500:
                    traceback.print_exception(exception, file=sys.stderr)
                await send_error(send, status, parts)

        return only_reading

    return wrap
