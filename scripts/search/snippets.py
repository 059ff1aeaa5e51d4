"""Titles and snippets of search results with the matched words highlighted, as escaped HTML.

Done here rather than with FTS5's snippet()/highlight(): the index matches folded words ("giam" finds "giám",
"dong" finds "Đồng" and the OCR's "Pong"), but snippet() can only mark tokens of the column it cuts, and
unicode61 keeps đ, so "Đồng" would not be marked for "dong". Folding each word of the shown text the same
way the query was folded marks what the reader typed, in any spelling. Every piece of text is escaped; only
the <mark> tags are ours.
"""
import html
import re
from functools import lru_cache

from markupsafe import Markup

from scripts.load.textfold import fold, ocr_fold

_WORD = re.compile(r"\w+")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=4096)
def _clean(text: str) -> str:
    """Runs of white space as one space, trimmed: a pure function of the text, whose titles and snippet
    sources repeat from search to search (a passage is several kilobytes)."""
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=100_000)
def _folds(word):
    """(fold, ocr_fold) of one word; the words of the catalog repeat, so each is folded once per process."""
    return fold(word), ocr_fold(word)


@lru_cache(maxsize=4096)
def _marks_cached(text: str, phrases: tuple, prefix: bool):
    return _marks(text, phrases, prefix)


def _marks(text: str, phrases, prefix=False):
    """Spans (start, end) of the words of text that belong to an occurrence of one of the phrases
    (lists of folded words)."""
    words = [(m.start(), m.end(), *_folds(m.group())) for m in _WORD.finditer(text)]
    at = {}  # folded word → positions
    for i, (_, _, f, o) in enumerate(words):
        at.setdefault(f, []).append(i)
        if o != f:
            at.setdefault(o, []).append(i)
    marked = set()
    for phrase in phrases:
        n = len(phrase)
        if not n:
            continue
        if prefix and n == 1 and len(phrase[0]) >= 2:
            marked.update(i for i, w in enumerate(words) if w[2].startswith(phrase[0]))
            continue
        for i in at.get(phrase[0], ()):
            if i + n > len(words):
                continue
            ok = True
            for j in range(1, n):
                _, _, f, o = words[i + j]
                want = phrase[j]
                last = j == n - 1
                if not (f == want or o == want or (prefix and last and len(want) >= 2 and f.startswith(want))):
                    ok = False
                    break
            if ok:
                marked.update(range(i, i + n))
    return [(words[i][0], words[i][1]) for i in sorted(marked)]


def _render(text: str, spans, start=0, end=None) -> str:
    """text[start:end] escaped, with the spans in <mark> (one html.escape per piece, one string)."""
    end = len(text) if end is None else end
    out, pos = [], start
    for s, e in spans:
        if s < start or e > end:
            continue
        out.append(html.escape(text[pos:s]))
        out.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        pos = e
    out.append(html.escape(text[pos:end]))
    return "".join(out)


def _window(text: str, spans, width: int):
    """(start, end) of a window of about `width` characters holding as many marks as possible."""
    if len(text) <= width:
        return 0, len(text)
    best, best_start = -1, 0
    for s, _ in spans or [(0, 0)]:
        begin = max(0, s - width // 4)
        hits = sum(1 for a, b in spans if begin <= a and b <= begin + width)
        if hits > best:
            best, best_start = hits, begin
    begin = best_start
    if begin > 0:  # start at a word
        space = text.find(" ", begin)
        begin = space + 1 if 0 <= space < begin + 20 else begin
    finish = min(len(text), begin + width)
    if finish < len(text):
        space = text.rfind(" ", begin, finish)
        finish = space if space > begin + width // 2 else finish
    return begin, finish


def highlight(text, phrases, width=None, prefix=False) -> Markup:
    """text escaped, matched words in <mark>; with width, the densest window of that many characters,
    with "…" where it was cut."""
    text = _clean(str(text or ""))
    spans = _marks_cached(text, _key(phrases), prefix)
    if width is None:
        return Markup(_render(text, spans))
    begin, finish = _window(text, spans, width)
    body = _render(text, spans, begin, finish)
    return Markup(("… " if begin > 0 else "") + body + (" …" if finish < len(text) else ""))


def marked_count(text, phrases, prefix=False) -> int:
    return len(_marks_cached(_clean(str(text or "")), _key(phrases), prefix))


def _key(phrases):
    return tuple(tuple(p) for p in phrases)
