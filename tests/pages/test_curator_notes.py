"""Curators' notes written in English stay as written (data is never translated) but a Vietnamese reader is told
what they are: on row pages their label says "(tiếng Anh)" and the value carries lang="en", for every field whose
spec says `language: en`; notes written in Vietnamese are shown as before."""
import re
from markupsafe import escape

import pytest
from datasette.utils import tilde_encode

from scripts import spec
from scripts.serve import i18n

ENGLISH_FIELDS = [(t.name, f["name"]) for t in spec.tables().values() for f in t.fields if f.get("language") == "en"]


def test_the_english_notes_are_declared():
    assert {("plan_tasks", "notes"), ("indicators", "notes"), ("documents", "notes")} <= set(ENGLISH_FIELDS)


def row_with(db, table, column, where="!= ''"):
    pks = spec.table(table).spec["primaryKey"]
    pks = [pks] if isinstance(pks, str) else pks
    row = db.execute(f"select {', '.join(pks)}, [{column}] from [{table}] where [{column}] {where} limit 1").fetchone()
    return ",".join(tilde_encode(str(v)) for v in row[:-1]), row[-1]


def field_html(page, column):
    return re.search(rf'<div class="row-field col-{column}">(.*?)</div>', page, re.S)[1]


@pytest.mark.parametrize("table,column", ENGLISH_FIELDS)
def test_an_english_note_is_labelled_and_marked_english(client, db, table, column):
    key, value = row_with(db, table, column)
    vi = field_html(client.get(f"/catalog/{table}/{key}").text, column)
    en = field_html(client.get(f"/catalog/{table}/{key}?_lang=en").text, column)
    label_vi, label_en = i18n.column_label(table, column, "vi"), i18n.column_label(table, column, "en")
    assert f">{str(escape(label_vi))} {i18n.t('in_english', 'vi')}</dt>" in vi
    assert f">{str(escape(label_en))}</dt>" in en
    for html in (vi, en):
        dd = re.search(r'<dd[^>]*lang="en"[^>]*>(.*?)</dd>', html, re.S)
        assert dd and str(escape(value)) in dd[1]  # as stored, not translated


def test_a_vietnamese_note_is_shown_as_before(client, db):
    key, _ = row_with(db, "capital_projects", "notes")
    html = field_html(client.get(f"/catalog/capital_projects/{key}").text, "notes")
    assert 'lang="en"' not in html and i18n.t("in_english", "vi") not in html
