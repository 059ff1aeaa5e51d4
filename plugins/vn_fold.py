"""SQL functions for Vietnamese text: vn_fold(text) folds diacritics, đ and case, so SQL can compare
"Đồng Tháp", "ĐỒNG THÁP" and "dong thap" (SQLite's lower() and LIKE fold only ASCII)."""
import sys
from pathlib import Path

from datasette import hookimpl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project's scripts package
from scripts.textfold import fold, ocr_fold  # noqa: E402


@hookimpl
def prepare_connection(conn):
    conn.create_function("vn_fold", 1, fold, deterministic=True)
    conn.create_function("vn_ocr_fold", 1, ocr_fold, deterministic=True)
