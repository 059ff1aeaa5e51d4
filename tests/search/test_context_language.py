"""The context beside a search result follows the page's language (labels, the words of enumerated values, money,
rank, numbers and dates), while what the documents print — names of agencies and wards, a deadline as printed —
stays as printed; and a former unit's successor is worded as on its row page ("Nay thuộc"), from one place."""
import re
from html import unescape

from scripts.serve import i18n

VIETNAMESE_INTERFACE = ["triệu đồng", "hạng ", "nay là", "Nay thuộc", "Tỉnh cũ", "Chủ đầu tư", "Thời hạn",
                        "Chủ trì", "Loại đơn vị", "Năm suy ra"]


def context(client, q, lang):
    data = client.json(f"/-/search.json?q={q}&_lang={lang}")
    return [{c["field"]: c for c in r["context"]} for r in data["results"]]


def page_context(client, q, lang):
    page = client.get(f"/-/search?q={q}&_lang={lang}").text
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", li)).split()) for li in re.findall(r'<ul class="result-context">(.*?)</ul>', page, re.S)]


def test_english_search_context_has_no_vietnamese_interface_words(client):
    for q in ["phu+kiet", "camera+giam+sat", "45,9+ty", "xep+hang+chuyen+doi+so", "tan+ho+co", "3440"]:
        for text in page_context(client, q, "en"):
            assert not [w for w in VIETNAMESE_INTERFACE if w in text], (q, text)


def test_values_follow_the_language_printed_words_do_not(client):
    money_en = next(r for r in context(client, "45,9+ty", "en") if "total_million_vnd" in r)["total_million_vnd"]
    money_vi = next(r for r in context(client, "45,9+ty", "vi") if "total_million_vnd" in r)["total_million_vnd"]
    assert money_en["text"] == "45,900 million VND" and money_vi["text"].startswith("45.900 triệu đồng")
    assert money_en["value"] == money_vi["value"] == 45900
    rank = next(r for r in context(client, "xep+hang+chuyen+doi+so", "en") if "value" in r and "/" in r["value"]["text"])
    assert rank["value"]["text"].startswith("rank ")
    ward_en = next(r for r in context(client, "tan+ho+co", "en") if "type" in r)
    assert ward_en["type"]["text"] == "commune" and ward_en["type"]["value"] == "xã"
    decision = next(r for r in context(client, "3440", "en") if "issued_on" in r)
    assert decision["issued_on"]["text"] == "2022-12-08"
    assert next(r for r in context(client, "3440", "vi") if "issued_on" in r)["issued_on"]["text"] == "08/12/2022"
    project = next(r for r in context(client, "camera+giam+sat", "en") if "owner" in r)
    assert project["owner"]["text"] == "Công an tỉnh"  # an agency's name, as printed


def test_successor_is_worded_alike_on_search_and_row_page(client):
    for lang in ("vi", "en"):
        words = i18n.t("now_part_of", lang)
        now = context(client, "phu+kiet", lang)[0]["now"]
        assert now["label"] == words and now["text"] == "Xã Lương Hòa Lạc"
        assert any(t.startswith(f"{words} Xã Lương Hòa Lạc") for t in page_context(client, "phu+kiet", lang))
        row = client.get(f"/catalog/ward_predecessors/28615,28609?_lang={lang}").text
        assert re.search(rf'class="now-part-of">{words} <a href="/catalog/wards/28615', row)
    assert i18n.strings()["search"]["labels"]["now"] is i18n.strings()["ui"]["now_part_of"]  # defined once
