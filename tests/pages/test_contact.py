"""metadata.yml's plugins.portal.contact is empty (no address is invented): no page shows a contact line with
nothing after it, or a mailto: link to nobody; the feedback line still says what to send."""
import re

import pytest

from scripts.project import metadata

PAGES = ["/", "/catalog", "/catalog/wards", "/catalog/wards/29929", "/-/search?q=dong+thap",
         "/catalog/projects_active_in_year?year=2026", "/catalog/nope", "/catalog/projects_active_in_year?year=abc"]


def test_the_contact_is_left_empty():
    assert not (metadata().get("plugins") or {}).get("portal", {}).get("contact")


@pytest.mark.parametrize("lang", ["", "?_lang=en"])
@pytest.mark.parametrize("path", PAGES)
def test_no_page_shows_an_empty_contact(client, path, lang):
    page = client.get(path + (("&" if "?" in path else "?") + lang[1:] if lang else "")).text
    assert "mailto:" not in page and 'href=""' not in page
    assert not re.search(r"(Liên hệ|Contact)\s*:\s*(<|$)", page, re.M)
    feedback = re.search(r'<p class="portal-feedback">(.*?)</p>', page, re.S)[1]
    assert not re.search(r":\s*(—|<)", feedback.split("—")[0] + "—"), feedback  # no "Góp ý…: " with nothing after
