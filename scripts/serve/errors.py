"""What a request's exception is, for the user: the one classification shared by Datasette's handle_exception
hook (plugins/safe_errors.py) and the safety net of the HTTP policy layer (plugins/http_policy.py), which answers
exceptions that escape every inner layer. Exceptions only a request's content can raise (parsing, binding,
SQLite refusing or stopping a query, a limit of plugins/query_limits.py) are 400 with a fixed bilingual message
saying what kind of problem it was; anything else is 500 — a real bug — whose text is logged, never sent.
Plugins cannot import each other (Datasette loads them by file), hence this module in the installed package.
"""
import json
import sqlite3
from html import escape

from datasette.utils.asgi import Base400
from datasette.views.base import DatasetteError

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
    """The one-line bilingual message: a (Vietnamese, English) pair joined by " · ", or a text given whole (an inner
    layer's message passed on, already in the words it was written in)."""
    return parts if isinstance(parts, str) else f"{parts[0]} · {parts[1]}"


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


def classify_escaped(exception):
    """(status, parts) for an exception that escaped every inner layer (the HTTP policy layer's and the SQL lane's
    safety nets): classify()'s answer, and for what it leaves to Datasette — which did not answer — a 400."""
    return classify(exception) or (400, BAD_PARAMETERS)


def describe(exception):
    """(status, title, message, message is HTML) of an exception classify() leaves to Datasette's own words — a
    Base400 (404 not found, 403 …) or a DatasetteError under 500 —, read as Datasette 0.65's handler reads them,
    so that the portal's error page (plugins/safe_errors.py) says what Datasette's would."""
    if isinstance(exception, DatasetteError):
        return exception.status, exception.title, exception.message, bool(exception.message_is_html)
    return getattr(exception, "status", 400), None, exception.args[0] if exception.args else "", False


def query_error_body(payload):
    """A query page's JSON answer to SQL that failed (Datasette 0.65's database view answers it as data, 400 with
    SQLite's words in `error`, not through an exception) with its `error` as "Vietnamese · English"; any other
    body unchanged. Called only for a 400 (scripts/serve/lane.py: ad-hoc SQL runs there)."""
    from scripts.serve.i18n import bilingual_error

    try:
        data = json.loads(payload)
    except ValueError:
        return payload
    if not (isinstance(data, dict) and data.get("ok") is False and "query" in data
            and isinstance(data.get("error"), str)):
        return payload
    data["error"] = bilingual_error(data["error"])
    return json.dumps(data, ensure_ascii=False).encode()


def body(status, parts, title=None):
    """The JSON error body every layer answers with (`title` added where a layer names the kind of error)."""
    data = {"ok": False, "status": status, "error": message(parts)}
    if title is not None:
        data["title"] = title
    return json.dumps(data, ensure_ascii=False).encode()


async def answer(send, status, parts, headers=(), title=None):
    """body() sent as a whole ASGI response, by a layer that answers before or instead of Datasette."""
    payload = body(status, parts, title)
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(payload)).encode()),
        *headers]})
    await send({"type": "http.response.body", "body": payload})


def fallback_page(status, text):
    """The HTML page of an error when the portal's error page (templates/error.html) cannot itself be rendered, by
    Datasette's error hook (plugins/safe_errors.py) or before Datasette (plugins/param_guard.py): no template, no
    language choice, both languages on one page."""
    return (f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Lỗi {status} · Error {status}'
            f"</title></head><body><h1>Lỗi {status} · Error {status}</h1><p>{escape(text)}</p>"
            f'<p><a href="/">Về trang chủ · Home</a></p></body></html>')
