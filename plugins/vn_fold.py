"""SQL functions for Vietnamese text: vn_fold(text) folds diacritics, đ and case, so SQL can compare
"Đồng Tháp", "ĐỒNG THÁP" and "dong thap" (SQLite's lower() and LIKE fold only ASCII).

Inputs are capped at MAX_CHARS characters (the longest cell in the catalog is about 4,000): one call on a
64 kB string holds the GIL for ~7 ms, and SQLite checks the clock only between VM instructions, so an uncapped
function called on every row of a cross join could run far past the time limit (issue 13).
"""
from datasette import hookimpl

from scripts.load.textfold import fold, ocr_fold

MAX_CHARS = 8192


def capped(function):
    def call(text):
        if text is not None and len(str(text)) > MAX_CHARS:
            raise ValueError(f"{function.__name__}: text over {MAX_CHARS} characters")
        return function(text)

    return call


@hookimpl
def prepare_connection(conn):
    conn.create_function("vn_fold", 1, capped(fold), deterministic=True)
    conn.create_function("vn_ocr_fold", 1, capped(ocr_fold), deterministic=True)
