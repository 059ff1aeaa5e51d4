"""What a typed query means: words folded the way the index is folded, stop words, abbreviations, decision
symbols and money, turned into FTS5 MATCH expressions for each step of the forgiving search.

Pure functions with no database, so the same rules serve the build (scripts/load/search_index.py writes the money
tokens this module looks for) and the portal (plugins/ranked_search.py runs the steps). Written here rather
than taken from a library because no maintained package knows Vietnamese administrative abbreviations
("KH&CN", "CĐS", "2744/QĐ-UBND") or how Vietnamese print money ("45.900 triệu", "45,9 tỷ").

A query becomes a list of *terms*. Each term is one typed unit — a word, a number, an abbreviation, a money
amount — with the FTS5 alternatives that count as finding it: "cds" → ("cds" OR "chuyen doi so" OR "cbs", the
OCR's reading of "CĐS"), "45,9 tỷ" → (vnd45900 OR "45 9 ty"). The steps of the search combine the terms:
all of them (AND), prefixes, or most of them.
"""
import functools
import re
import unicodedata
from dataclasses import dataclass, field

from scripts.load.textfold import fold

# Folded abbreviation → folded expansions (the first is what it stands for; the others are printed variants
# and the OCR's readings met in sources/documents/). Both directions: typing either finds both.
ABBREVIATIONS = {
    "kh&cn": ["khoa hoc va cong nghe", "khoa hoc cong nghe", "khcn"],
    "khcn": ["khoa hoc va cong nghe", "khoa hoc cong nghe", "kh&cn"],
    "cds": ["chuyen doi so", "cbs"],
    "attt": ["an toan thong tin"],
    "httt": ["he thong thong tin"],
    "ubnd": ["uy ban nhan dan"],
    "hdnd": ["hoi dong nhan dan"],
    "cntt": ["cong nghe thong tin"],
    "dmst": ["doi moi sang tao", "pmst"],
    "tthc": ["thu tuc hanh chinh"],
    "csdl": ["co so du lieu"],
    "dvc": ["dich vu cong"],
    "dvctt": ["dich vu cong truc tuyen"],
    "tmdt": ["thuong mai dien tu"],
    "shtt": ["so huu tri tue"],
    "bhxh": ["bao hiem xa hoi"],
    "gd&dt": ["giao duc va dao tao"],
    "nn&mt": ["nong nghiep va moi truong"],
    "vhtt&dl": ["van hoa the thao va du lich"],
    "ioc": ["trung tam dieu hanh thong minh"],
    "dti": ["chi so chuyen doi so"],
    "lgsp": ["truc lien thong", "nen tang tich hop chia se du lieu"],
    "vpub": ["van phong uy ban"],
    "bcd": ["ban chi dao"],
    # Kinds of documents, as their symbols abbreviate them: "quyết định 2744" finds 2744/QĐ-UBND.
    "qd": ["quyet dinh"],
    "kh": ["ke hoach"],
    "bc": ["bao cao"],
    "nq": ["nghi quyet"],
    "cv": ["cong van"],
}
# Expansions typed in full, longest first, so "khoa hoc va cong nghe" is read as one term.
_EXPANSIONS = sorted({(exp, abbr) for abbr, exps in ABBREVIATIONS.items() for exp in exps[:1]},
                     key=lambda e: -len(e[0].split()))

# Words of a question that name no content: dropped when something else is left ("của sở y tế" = "sở y tế").
STOP_PHRASES = ["bao nhieu", "o dau", "la gi", "nay la", "hien nay", "bay gio", "ai", "chu tri", "nhu the nao", "the nao", "khi nao", "bao gio", "nhung gi",
                "cho biet", "tim kiem", "hay", "nao", "gi", "cua", "cac", "nhung", "la", "co", "ve", "tai", "o",
                "cho", "voi", "duoc", "khong", "tim", "thong tin", "danh sach", "nhieu", "bang"]
# Words that name what kind of row is wanted: dropped like stop words, but the rows of that kind rank first.
KIND_WORDS = {"du an": "capital_projects", "tien": "capital_projects", "kinh phi": "capital_projects",
              "von": "capital_projects", "tong muc": "capital_projects", "nhiem vu": "plan_tasks", "chi tieu": "indicators",
              "chi so": "indicators", "van ban": "documents", "co quan": "agencies", "don vi": "agencies",
              "xa cu": "ward_predecessors", "phuong cu": "ward_predecessors"}

MAX_PHRASE = 8  # words of a "quoted phrase"
MAX_TERMS = 12  # a query is a question, not a document: the rest is not searched (bounds every step's cost)
_MONEY = re.compile(r"^(\d{1,3}(?:[.]\d{3})+|\d+(?:[.,]\d+)?)(?:\s*(ty|ti|trieu|tr))?$")
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|\w+(?:&\w+)*(?:/\w+(?:[-–]\w+)*)?")
_UNIT = {"ty", "ti", "trieu", "tr", "dong", "vnd"}


def money_token(million_vnd) -> str | None:
    """The index token for an amount in million VND ("vnd45900"), written into the folded search text by the
    build and looked for by a query. Amounts that are not whole millions get none."""
    if million_vnd is None:
        return None
    value = float(million_vnd)
    if value <= 0 or value != int(value):
        return None
    return f"vnd{int(value)}"


def amount_million(number: str, unit: str | None) -> float | None:
    """"45.900" → 45900 (dots group thousands), "45,9" + tỷ → 45900, "70" + tỷ → 70000, "450" + triệu → 450."""
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", number):
        value = float(number.replace(".", ""))
    else:
        try:
            value = float(number.replace(",", "."))
        except ValueError:
            return None
    if unit in ("ty", "ti"):
        value *= 1000
    return value


@dataclass
class Term:
    """One typed unit: its folded text (for display and coverage) and its FTS5 alternatives."""
    text: str
    alternatives: list = field(default_factory=list)  # FTS5 phrases / tokens, ORed
    words: list = field(default_factory=list)  # folded words that count as "this term found" in a row's text
    prefixable: bool = True
    optional: bool = False  # a stop word or a word naming the kind of row: ranked by, not required

    def expression(self, prefix=False) -> str:
        alts = []
        for alt in self.alternatives:
            if prefix and self.prefixable and alt == self.text and len(alt) >= 2 and " " not in alt:
                alts.append(f'"{alt}"*')
            else:
                alts.append(f'"{alt}"')
        alts = list(dict.fromkeys(alts))
        return alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")"


def fold_query(q: str) -> str:
    return fold(unicodedata.normalize("NFC", q or "")[:500])


def _phrase(text):
    """FTS5 phrase for folded text as the index tokenizes it (unicode61 splits on &, /, -, . and ,)."""
    return " ".join(re.findall(r"\w+", text))


def _term_for(token: str) -> Term:
    phrase = _phrase(token)
    if token in ABBREVIATIONS:
        alts = [phrase] + [_phrase(e) for e in ABBREVIATIONS[token]]
        return Term(token, alts, [a for a in alts], prefixable=False)
    if re.fullmatch(r"\d+[a-z]?/\w+(?:[-–]\w+)*", token):  # a symbol: 2744/qd-ubnd
        return Term(token, [phrase], [phrase], prefixable=False)
    return Term(token, [phrase], [phrase])


def parse(q: str):
    """(terms, kind hint, stop words dropped): the query read as terms; quoted text is one phrase term."""
    folded = fold_query(q)
    phrases = [" ".join(_phrase(p).split()[:MAX_PHRASE]) for p in re.findall(r'"([^"]*)"', folded)]
    quoted = [Term(p, [p], [p], prefixable=False) for p in phrases if p]
    rest = re.sub(r'"[^"]*"?', " ", folded)
    tokens = _TOKEN.findall(rest)
    terms, i = [], 0
    while i < len(tokens):
        token = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if re.match(r"\d", token):  # numbers and money
            unit = nxt if nxt in _UNIT else None
            m = _MONEY.match(token)
            alts = [_phrase(token)]
            if "." in token or "," in token:
                alts.append(token.replace(".", "").replace(",", ""))
            elif len(token) >= 4 and token.isdigit():  # 1583 as printed: 1.583
                alts.append(_phrase(f"{int(token):,}"))
            if m:
                amount = amount_million(m.group(1), unit)
                money = money_token(amount) if (unit or amount and amount >= 100) else None
                if money:
                    alts.append(money)
                if unit in ("ty", "ti", "trieu", "tr"):
                    alts.append(_phrase(f"{token} {unit}"))
            words = [a for a in alts]
            terms.append(Term(token if not unit else f"{token} {unit}", list(dict.fromkeys(alts)), words,
                              prefixable=False))
            i += 2 if unit and unit != "dong" and unit != "vnd" else 1
            if unit in ("ty", "ti", "trieu", "tr") and i < len(tokens) and tokens[i] in ("dong", "vnd"):
                i += 1
            continue
        terms.append(_term_for(token))
        i += 1
    terms = _join_expansions(terms)
    terms, kind, dropped = _drop_stop_words(terms)
    return (quoted + terms)[:MAX_TERMS], kind, dropped


# The expansions, stop phrases and kind phrases as lists of words, in the order they are tried (sorted once, not
# on every query; sorted() is stable, so phrases of one length keep their order).
_EXPANSION_WORDS = [(expansion, abbr, expansion.split()) for expansion, abbr in _EXPANSIONS]
_DROPPED_WORDS = [([(phrase, phrase.split()) for phrase in sorted(phrases, key=lambda p: -len(p.split()))], is_kind)
                  for phrases, is_kind in ((KIND_WORDS, True), (STOP_PHRASES, False))]


def _join_expansions(terms):
    """Typed-out expansions become one abbreviation term: "khoa hoc va cong nghe" ↔ KH&CN."""
    texts = [t.text for t in terms]
    out, i = [], 0
    while i < len(terms):
        for expansion, abbr, words in _EXPANSION_WORDS:
            if words[0] == texts[i] and texts[i:i + len(words)] == words:
                term = _term_for(abbr)
                term.text = expansion
                out.append(term)
                i += len(words)
                break
        else:
            out.append(terms[i])
            i += 1
    return out


def _drop_stop_words(terms):
    """Stop words and kind words become optional terms (not required, but rows holding them rank higher:
    "tan ho co" must still put Xã Tân Hộ Cơ first although "co" folds like the stop word "có")."""
    texts = [t.text for t in terms]
    keep = [True] * len(terms)
    kind = None
    typed = set(texts)
    for phrases, is_kind in _DROPPED_WORDS:
        for phrase, words in phrases:
            if words[0] not in typed:  # the phrase cannot start anywhere
                continue
            for i in range(len(texts) - len(words) + 1):
                if texts[i:i + len(words)] == words and all(keep[i:i + len(words)]):
                    for j in range(i, i + len(words)):
                        keep[j] = False
                    if is_kind:
                        kind = kind or KIND_WORDS[phrase]
    if not any(keep):  # nothing but stop words: search them as typed
        return terms, None, []
    for term, k in zip(terms, keep):
        term.optional = not k
    return terms, kind, [t.text for t, k in zip(terms, keep) if not k]


def required(terms):
    return [t for t in terms if not t.optional] or terms


def match_all(terms, prefix=False) -> str:
    return " AND ".join(t.expression(prefix) for t in required(terms))


def match_any(terms) -> str:
    return " OR ".join(t.expression() for t in required(terms))


def phrase_pattern(terms):
    """A regex finding the terms next to each other, in the order typed, in index_words() text."""
    groups = ["(?:" + "|".join(re.escape(w) for w in t.words) + ")" for t in terms]
    return re.compile(" " + " ".join(groups) + " ")


def run_patterns(terms, longest=8):
    """[(n, regex)] finding n of the terms next to each other in the order typed, longest first (n ≥ 2):
    how much of the query a title holds as one piece."""
    terms = terms[:longest]
    out = []
    for n in range(len(terms), 1, -1):
        for i in range(len(terms) - n + 1):
            out.append((n, phrase_pattern(terms[i:i + n])))
    return out


PROVINCE_WORDS = [["tinh", "dong", "thap"], ["tinh", "an", "giang"], ["dong", "thap"], ["an", "giang"]]
TYPE_WORDS = "(?:xa|phuong|dac khu|thi tran|huyen|tinh|thanh pho|thi xa) "


def title_patterns(terms):
    """Regexes that match a whole title (index_words() form) that *is* the query: the words typed, with or
    without a leading unit type ("tan ho co" is "Xã Tân Hộ Cơ") and without the province named in the query
    ("so khcn dong thap" is "Sở Khoa học và Công nghệ" of Đồng Tháp)."""
    variants = [terms, required(terms)]
    texts = [t.text for t in terms]
    for words in PROVINCE_WORDS:
        for i in range(len(texts) - len(words) + 1):
            if texts[i:i + len(words)] == words:
                variants.append([t for j, t in enumerate(terms) if not i <= j < i + len(words)])
                break
    out = []
    for variant in variants:
        if variant:
            groups = ["(?:" + "|".join(re.escape(w) for w in t.words) + ")" for t in variant]
            out.append(re.compile("^ (?:" + TYPE_WORDS + ")?" + " ".join(groups) + " $"))
    return out


def found(term: Term, folded_text: str, prefix=False) -> bool:
    """Whether a row's folded text (words separated by single spaces, padded) holds the term."""
    for word in term.words:
        if f" {word} " in folded_text or (prefix and term.prefixable and f" {word}" in folded_text):
            return True
    return False


_MARKS = re.compile(r"[\u0300-\u036f]+")


def fast_fold(text: str) -> str:
    """fold() for matching words, in C-speed steps (the ranking folds every candidate row on each request):
    đ → d, decompose, drop the combining marks, lower case; a character outside ASCII that is left (not a
    Vietnamese letter, e.g. the OCR's ligature "ﬁ") becomes "?", a word break. Same words as fold() on every
    name and title of the catalog (tests/search/test_relevance.py checks)."""
    text = text or ""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return _MARKS.sub("", text).encode("ascii", "replace").decode("ascii").lower()


@functools.lru_cache(maxsize=8192)  # the same titles and names are ranked again by every search that finds them
def index_words(text: str) -> str:
    """Folded text as " w1 w2 … " for found(): words as the index tokenizes them, digits kept."""
    return " " + " ".join(re.findall(r"\w+", fast_fold(text or ""))) + " "
