"""Folding Vietnamese text so that people (and OCR) can be matched the way they type.

fold()      : diacritics off, đ→d, lower case, NFC/NFD-insensitive ("Đồng Tháp" → "dong thap").
ocr_fold()  : fold() plus the OCR confusions of the source scans ("Pong Thap", "S6" → "dong thap", "so"),
              used to compare a restored name with the OCR excerpt it came from.
collapse_ws(): any run of white space → one space; excerpts are compared in this form because the
              OCR breaks lines inside sentences and table cells.
"""
import re
import unicodedata

_WS = re.compile(r"\s+")
_D = str.maketrans({"đ": "d", "Đ": "d"})


def collapse_ws(text: str) -> str:
    return _WS.sub(" ", text).strip()


def fold(text: str) -> str:
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFD", str(text).translate(_D))
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", stripped).lower()


# Characters the OCR printed for Vietnamese letters (see sources/documents/README.md).
_OCR_CHARS = str.maketrans({"6": "o", "&": "o", "¢": "e", "€": "e", "§": "o", "0": "o",
                            "¥": "y", "é": "e", "è": "e", "ê": "e", "ô": "o", "ö": "o",
                            "ú": "u", "ü": "u", "i": "i"})
# A Vietnamese word never starts with "p" + vowel or "b" after a word break where the scan shows Đ;
# "ph" stays. Word-initial p + vowel is the OCR's Đ.
_P_AS_D = re.compile(r"\bp(?=[aeiouy])")


def ocr_fold(text: str) -> str:
    folded = fold(text).translate(_OCR_CHARS)
    folded = _P_AS_D.sub("d", folded)
    return collapse_ws(re.sub(r"[^\w ]+", " ", folded))


# Numbers as the documents print them: "45.900" and "1.583" (dot groups thousands), "45,9" and "0,7" (comma
# marks decimals), "02" (zero-padded counts); the OCR sometimes prints a decimal dot ("95.5"). Each token is
# read both ways, so a value is "printed" when either reading gives it.
_NUMBER = re.compile(r"(?<![\w])\d+(?:[.,]\d+)*")


def printed_numbers(text: str) -> set[float]:
    """Every value a number token of text can stand for."""
    values = set()
    for token in _NUMBER.findall(text or ""):
        for thousands, decimal in ((".", ","), (",", ".")):
            parts = token.split(decimal)
            if len(parts) > 2:
                continue
            whole = parts[0].split(thousands)
            if len(whole) > 1 and not all(len(g) == 3 for g in whole[1:]):
                continue
            try:
                values.add(round(float("".join(whole) + ("." + parts[1] if len(parts) == 2 else "")), 6))
            except ValueError:
                pass
    return values


def symbol_fold(text: str) -> str:
    """A decision symbol for comparison: folded, only letters and digits, the OCR's "QĐ" ("QP", "0B", "0D", "0P")
    as qd."""
    folded = re.sub(r"/\s*[q0o]\s*[pbdo0]\s*-", "/qd-", fold(text or ""))
    return re.sub(r"[^a-z0-9]", "", folded)
