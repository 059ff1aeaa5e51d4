"""Issue: a canned query's page with a mistyped input (`?year=abc`) answered "no results" with 200, while its data
formats answered 400. Now the page is a 400 too: the form still there holding what was typed, so the person can
correct it, and the message in the page's language — for every canned query metadata.yml declares a typed input."""
import re
from html import unescape

import pytest

from scripts.project import catalog_metadata, metadata

TYPED = [(name, param) for name, query in (catalog_metadata(metadata()).get("queries") or {}).items()
         for param, spec in (query.get("parameters") or {}).items() if spec.get("type") == "integer"]


def test_the_typed_inputs_are_found():
    assert ("projects_active_in_year", "year") in TYPED and ("due_in_year", "year") in TYPED


@pytest.mark.parametrize("name,param", TYPED)
def test_a_mistyped_input_is_a_400_with_the_form_and_a_message(client, name, param):
    for lang, words in (("", "phải là số nguyên"), ("&_lang=en", "must be an integer")):
        page = client.get(f"/catalog/{name}?{param}=abc{lang}")
        assert page.status_code == 400, (name, lang)
        message = re.search(r'id="query-input-problem">(.*?)</p>', page.text, re.S)
        assert message and words in unescape(message[1]), (name, lang)
        assert re.search(rf'<input type="text"[^>]*name="{param}" value="abc"', page.text)  # what was typed, to correct
        assert "zero-results" not in page.text and "table-count" not in page.text
    assert client.get(f"/catalog/{name}.json?{param}=abc").status_code == 400
    assert client.get(f"/catalog/{name}?{param}=2025").status_code == 200
    empty = client.get(f"/catalog/{name}")  # the form before it is filled in is not a mistake
    assert empty.status_code == 200 and "query-input-problem" not in empty.text
