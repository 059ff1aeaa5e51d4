"""Typo correction for the search box against the vocabulary the build wrote (scripts/load/search_index.py:
search_vocabulary — the folded words of titles and names, and pairs of neighbouring words).

A word found in no title or name is replaced by the vocabulary word at the smallest edit distance (rapidfuzz:
1 for words of up to 4 letters, 2 for longer), preferring a word that forms a known pair with its neighbours
("giam xat" → "giám sát", not "giám xét"), then the more common word. The vocabulary is read once per
catalog file, and only the current file's is kept: a rebuilt catalog at the same path replaces the old one's, so a
long-running process that sees many rebuilds holds one vocabulary per database path, not one per build."""
import math
import os

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from scripts.search import query as sq

_VOCABULARY = {}  # database path -> (vocabulary_key of the file read, its vocabulary)


def vocabulary_key(path):
    """The database file as it is now, (path, inode, mtime): a rebuilt catalog (a new file at the same path) reads
    its vocabulary."""
    try:
        stat = os.stat(path)
        return (path, stat.st_ino, stat.st_mtime_ns)
    except (OSError, TypeError):
        return (path, None, None)


def vocabulary(conn, key):
    """(words {folded: (spelled, rows)}, pairs {"a b": rows}) of search_vocabulary, read once per database file;
    `key` is vocabulary_key(its path)."""
    held = _VOCABULARY.get(key[0])
    if held is None or held[0] != key:
        words, pairs = {}, {}
        try:
            for term, spelled, rows in conn.execute("select term, spelled, rows from search_vocabulary"):
                if " " in term:
                    pairs[term] = rows
                else:
                    words[term] = (spelled or term, rows)
        except Exception:  # a catalog built before the vocabulary: no corrections
            pass
        held = _VOCABULARY[key[0]] = (key, (words, pairs, list(words)))
    return held[1]


def correct(terms, vocab):
    """Terms with each word that is in no title or name replaced by its nearest vocabulary word, or None."""
    words, pairs, names = vocab
    if not words:
        return None
    out, changed = [], False
    for i, term in enumerate(terms):
        text = term.text
        if (" " in text or not term.prefixable or text in words or not text.isalpha() or len(text) < 2
                or text in sq.ABBREVIATIONS):
            out.append(term)
            continue
        limit = 1 if len(text) <= 4 else 2
        candidates = process.extract(text, names, scorer=Levenshtein.distance, score_cutoff=limit, limit=40)
        if not candidates:
            out.append(term)
            continue
        before = terms[i - 1].text if i else None
        after = terms[i + 1].text if i + 1 < len(terms) else None

        def score(candidate):
            word, distance, _ = candidate
            neighbours = pairs.get(f"{before} {word}", 0) + pairs.get(f"{word} {after}", 0)
            return (-neighbours, distance, -math.log1p(words[word][1]), word)

        best = min(candidates, key=score)[0]
        out.append(sq.Term(best, [best], [best]))
        changed = True
    return out if changed else None


def spelled(terms, vocab):
    words = vocab[0]
    return " ".join(words.get(t.text, (t.text,))[0] if " " not in t.text else t.text for t in terms)
