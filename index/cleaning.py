"""Text normalisation shared by documents and queries, and repair of page-break damage in documents."""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

TERMINAL_PUNCTUATION = "。！？；：.:;!?…”’」』)）】"
_FULLWIDTH_ALNUM = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF5B) if chr(code).isalnum()}
_FULLWIDTH_ALNUM[0x3000] = 0x20  # ideographic space
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_SPACES = re.compile(r"[ \t\u00a0]+")
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’]")
NUMERALS = "一二三四五六七八九十百千零〇两"  # Chinese numerals as article and item numbers use them

# A line that starts a new unit: a Markdown heading, a chapter/section/part, an article,
# a top-level "一、" heading or an enumerated item. Nothing is ever joined onto or across it.
_BLOCK_START = re.compile(
    rf"^(#{{1,6}}\s|第[{NUMERALS}\d]+[编章节部分条]|[{NUMERALS}]+、|[（(][{NUMERALS}\d]+[）)]|\d+[.、．]\s?\S|\d{{4}}年\d{{1,2}}月\d{{1,2}}日)"
)
_DATED_LINE = r"\d{4}年\d{1,2}月\d{1,2}日[^。]{0,120}$"  # a promulgation/amendment history line
_HEADING = re.compile(rf"^(#{{1,6}}\s|第[{NUMERALS}\d]+[编章节]\s|[{NUMERALS}]+、[^，。]{{1,30}}$|{_DATED_LINE})")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Convert Traditional Chinese characters to Simplified (OpenCC ``t2s``)."""
    return _t2s().convert(text)


def normalize_text(text: str) -> str:
    """Normalise text the same way for documents and queries.

    Full-width letters, digits and the ideographic space become half-width; Chinese punctuation
    is kept as it is (the documents use it); Traditional characters become Simplified.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_FULLWIDTH_ALNUM)
    return to_simplified(text)


def _join(left: str, right: str) -> str:
    """Join two fragments of one sentence: no space between CJK characters, one between words."""
    if _CJK.match(left[-1:]) or _CJK.match(right[:1]):
        return left + right
    return f"{left} {right}"


def repair_page_breaks(text: str) -> str:
    """Rejoin words and sentences that page or line breaks split, and keep real paragraphs apart.

    A line is joined to the next one when it does not end a sentence (no terminal punctuation),
    is not a heading or the document's title line, and the next line does not start a new unit
    (heading, article, enumerated item). Paragraphs come out separated by one blank line.
    """
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    paragraphs: list[str] = []
    open_paragraph = False
    for line in lines:
        if not line:
            continue
        if open_paragraph and not _BLOCK_START.match(line):
            paragraphs[-1] = _join(paragraphs[-1], line)
        else:
            paragraphs.append(line)
        current = paragraphs[-1]
        is_title = len(paragraphs) == 1
        open_paragraph = not (is_title or current.endswith(tuple(TERMINAL_PUNCTUATION)) or _HEADING.match(current))
    return "\n\n".join(paragraphs) + "\n"


def clean_document(raw: str) -> str:
    """Produce a document's canonical cleaned text: normalised, comments removed, page breaks repaired.

    A comment (such as ``<!-- INFO END -->``) separates parts that are never joined across it.
    """
    parts = (repair_page_breaks(part) for part in _COMMENT.split(normalize_text(raw)))
    return "\n\n".join(part.strip() for part in parts if part.strip()) + "\n"
