"""Split a document's text into passages (headings, paragraphs, list items, appendix rows) in reading order.

The text is kept exactly as printed, OCR errors included: joining the passages' text with the blank
lines between them gives back the file (tests check that up to white space). Each passage carries the
path of headings above it, e.g. "III. NHIEM VU › 3. Ha tang s6 › a)".
"""
import re
from dataclasses import dataclass

# Heading patterns by level; the OCR sometimes reads "I" as "L" or "1" ("VIL." for "VII.").
_LEVELS = [
    (1, re.compile(r"^(?:[IVX]{1,4}[IL]?|[A-Z])\s*[.|]\s+\S")),  # I. MỤC TIÊU / A. NGUỒN VỐN
    (2, re.compile(r"^\d{1,2}\.\s+\S")),  # 1. Mục tiêu chung
    (3, re.compile(r"^\d{1,2}\.\d{1,2}\.?\s+\S")),  # 1.1. Nhiệm vụ
    (4, re.compile(r"^[a-zđ]\)\s*\S")),  # a) Hạ tầng số
]
_BULLET = re.compile(r"^[-+•]\s*\S")
HEADING_MAX = 90


@dataclass
class Passage:
    seq: int
    kind: str  # heading | paragraph | list item
    heading_path: str
    text: str
    line_start: int
    line_end: int


def heading_level(line: str):
    stripped = line.strip()
    # A heading line is short; a long numbered line is a numbered paragraph, still a heading of its level.
    for level, pattern in _LEVELS:
        if pattern.match(stripped):
            return level
    return None


def _label(line: str) -> str:
    label = " ".join(line.split())
    return label if len(label) <= HEADING_MAX else label[: HEADING_MAX - 1] + "…"


def split_passages(text: str) -> list[Passage]:
    lines = text.split("\n")
    passages, stack = [], []  # stack of (level, label)
    block, block_start = [], None

    def flush(end):
        nonlocal block, block_start
        if block:
            first = block[0].strip()
            level = heading_level(first)
            kind = "heading" if level else ("list item" if _BULLET.match(first) else "paragraph")
            if level:
                while stack and stack[-1][0] >= level:
                    stack.pop()
                stack.append((level, _label(first)))
            path = " › ".join(label for _, label in stack)
            passages.append(Passage(len(passages) + 1, kind, path, "\n".join(block), block_start, end))
        block, block_start = [], None

    for number, line in enumerate(lines, start=1):
        if not line.strip():
            flush(number - 1)
            continue
        starts_new = heading_level(line) is not None or _BULLET.match(line.strip())
        if block and starts_new:
            flush(number - 1)
        if not block:
            block_start = number
        block.append(line)
    flush(len(lines))
    return passages
