"""The build's whole-table files (scripts/publish/dumps.py) as pages list them: each with its format, URL, label and
size in the page's language. One builder for the home page (plugins/pages.py) and the table pages
(plugins/export_links.py), whose links templates/_whole_file.html writes; plugins cannot import each other, hence
this module in the installed package."""
from scripts.publish.dumps import FORMAT_LABELS, table_files
from scripts import vnformat


def whole_files(db_path, table, lang):
    """[{format, url, bytes, sha256, label, size}] of `table`'s whole-table files, in the order of dumps.FORMATS."""
    return [{**f, "label": FORMAT_LABELS[f["format"]], "size": vnformat.file_size(f["bytes"], lang)}
            for f in table_files(db_path, table)]
