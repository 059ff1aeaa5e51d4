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
