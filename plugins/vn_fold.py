"""SQL functions for Vietnamese text: vn_fold(text) folds diacritics, đ and case, so SQL can compare
"Đồng Tháp", "ĐỒNG THÁP" and "dong thap" (SQLite's lower() and LIKE fold only ASCII)."""

from datasette import hookimpl

from scripts.load.textfold import fold, ocr_fold


@hookimpl
def prepare_connection(conn):
    conn.create_function("vn_fold", 1, fold, deterministic=True)
    conn.create_function("vn_ocr_fold", 1, ocr_fold, deterministic=True)
