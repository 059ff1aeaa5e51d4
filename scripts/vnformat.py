"""Numbers and dates as a Vietnamese reader writes them, for what people read — the portal's pages (plugins/) and
the context beside a search result (scripts/search/context.py); the data formats keep machine values:
45900.0 → "45.900", 62.58 → "62,58", 2025-07-31 → "31/07/2025". The thousands separator is ".", the decimal
mark ",". English pages get "45,900", "62.58" and the ISO date unchanged. A number keeps every decimal it was
stored with (0.12345 → "0,12345"): nothing shown is rounded away (data fidelity).

Beside the packages rather than in scripts/serve/: search (scripts/search/) is shared with the build and never
imports serving code, and both it and the portal write numbers the same way.

Written here rather than taken from Babel: a few small functions, no locale data to install, and the exact
forms the portal's readers see in the source documents themselves."""
import re

_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def number(value, lang="vi", decimals=None):
    """A number with grouped thousands; floats lose a trailing ".0" and keep their printed decimals."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float) and decimals is None:
        text = repr(value)
        if "e" in text or "E" in text:
            text = f"{value:f}".rstrip("0").rstrip(".")
        whole, _, frac = text.partition(".")
        frac = "" if frac == "0" else frac
    else:
        text = f"{value:.{decimals or 0}f}"
        whole, _, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = whole.lstrip("-")
    grouped = f"{int(whole):,}"
    if lang == "vi":
        grouped = grouped.replace(",", ".")
        return sign + grouped + ("," + frac if frac else "")
    return sign + grouped + ("." + frac if frac else "")


BOUND_SIGNS = {">", "≥", "<", "≤", "≈"}  # comparators printed with an amount, shown before it


def with_comparator(sign, text):
    """"≥ 45,9" for a printed bound or approximation; `text` alone for "=", a range or no comparator."""
    return f"{sign} {text}" if sign in BOUND_SIGNS else text


def plain_integer(value):
    """Years, codes and ordinals: no grouping (2025, not 2.025)."""
    return "" if value is None else str(value)


def money_million(value, lang="vi"):
    """An amount in million đồng: "45.900 triệu đồng" (and "≈ 45,9 tỷ" from a billion up)."""
    if value is None or value == "":
        return ""
    text = number(value, lang)
    if lang != "vi":
        return f"{text} million VND"
    if abs(value) >= 1000:
        billions = number(round(value / 1000, 1), lang)
        return f"{text} triệu đồng (≈ {billions} tỷ)"
    return f"{text} triệu đồng"


def date(value, lang="vi"):
    """ISO date (or year-month) → 31/07/2025 (07/2025); anything else is returned as it is."""
    if not isinstance(value, str):
        return "" if value is None else str(value)
    match = _DATE.match(value)
    if not match or lang != "vi":
        return value
    year, month, day = match.groups()
    return f"{day}/{month}/{year}" if day else f"{month}/{year}"


def file_size(size, lang="vi"):
    """A file's size: 13,2 kB (13.2 kB on English pages)."""
    for unit, scale in (("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return number(round(size / scale, 1), lang, decimals=1) + f" {unit}"
    return f"{size} B"
