"""Lists in the documents: a law article's items, an enumeration inside a sentence (``从A、B、C等6个方面``,
``如下主要目标：A；B；C``), or the passages a lead-in announces (``包括六个方面：`` then ``一是…``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.chunking import sentences
from index.cleaning import NUMERALS
from index.schema import Chunk

_NUM = NUMERALS
ARTICLE_PREFIX = re.compile(rf"^第[{_NUM}]+条(?:之[{_NUM}]+)?\s*")
LAW_ITEM = re.compile(rf"^[（(][{_NUM}\d]+[）)]")
MARKED_ITEM = re.compile(rf"^([（(][{_NUM}\d]+[）)]|[{_NUM}]+是|第[{_NUM}]+部分)")
_ENUMERATION = re.compile(
    rf"(?P<verb>从|提出|包括|包含)(?P<items>[^。：，；]+?、[^。：，；]+?)等\s*"
    rf"(?P<tail>(?P<count>[\d{_NUM}]+)\s*个方面|措施|工作|内容|方面)?"
)
_COLON_LIST = re.compile(r"^(?P<intro>[^：:]*[：:])(?P<items>[^：:]+；[^：:]+)$")
_QUOTED = re.compile(r"“[^”]*”")


@dataclass(slots=True)
class Listing:
    """A list found in the documents: its lead-in, its items and the chunks that hold them."""

    intro: str
    items: list[str]
    sources: list[Chunk]


def split_enumeration(text: str, separator: str) -> list[str]:
    """Split on a separator except inside quotation marks (``“严、大、快、同”`` stays whole)."""
    protected = _QUOTED.sub(lambda m: m.group(0).replace(separator, "\0"), text)
    return [part.replace("\0", separator).strip() for part in protected.split(separator) if part.strip()]


def summary(chunk: Chunk) -> str:
    """An item passage in a few words: its first sentence, or its label when that sentence is long."""
    sentence = next(iter(sentences(chunk.text, split_clauses=False)), chunk.text)
    return sentence if len(sentence) <= 40 else (chunk.label or sentence[:40])


def _first_item(paragraphs: list[str]) -> int | None:
    return next((i for i, p in enumerate(paragraphs) if LAW_ITEM.match(p)), None)


def _lead_in(paragraphs: list[str], first: int, head: str) -> str:
    """The paragraph just before the first item (``下列名称不得用于品种命名：``), which need not be the
    article's first; for a later part of a split article, the head it repeats."""
    lead = paragraphs[first - 1] if first > 0 else (head or paragraphs[0])
    return ARTICLE_PREFIX.sub("", lead.strip())


def list_lead(chunk: Chunk) -> str | None:
    """The lead-in of the items a law chunk holds, or None when it holds none."""
    paragraphs = chunk.text.split("\n\n")
    first = _first_item(paragraphs)
    return None if first is None else _lead_in(paragraphs, first, chunk.head)


def article_items(group: list[Chunk]) -> Listing | None:
    """The first run of items in a law article (all its parts when it was split), with its lead-in."""
    paragraphs = [p for chunk in group for p in chunk.text.split("\n\n")]
    first = _first_item(paragraphs)
    if first is None:
        return None
    items = []
    for paragraph in paragraphs[first:]:
        if not LAW_ITEM.match(paragraph):
            break
        items.append(paragraph)
    if len(items) < 2:
        return None
    return Listing(_lead_in(paragraphs, first, group[0].head), items, group)


def inline_enumeration(chunk: Chunk, sentence: str) -> Listing | None:
    """An enumeration written inside one sentence, with the sentence rewritten as its lead-in.

    Only an enumeration that says what its items are (``等6个方面``, ``等措施``) is one: an open one
    (``专利权转让、专利申请权转让、技术秘密转让等合同``) is quoted as written, not made a list that looks complete.
    """
    if (match := _ENUMERATION.search(sentence)) and (tail := match.group("tail")):
        items = split_enumeration(match.group("items"), "、")
        count = match.group("count")
        what = f"以下{count}个方面" if count else f"以下{tail}"
        intro = sentence[: match.start()] + match.group("verb") + what + sentence[match.end() :]
        return Listing(intro.rstrip("。") + "：", items, [chunk])
    if match := _COLON_LIST.match(sentence):
        items = split_enumeration(match.group("items").rstrip("。"), "；")
        return Listing(match.group("intro"), items, [chunk])
    return None


def announced(lead: Chunk, children: list[Chunk]) -> Listing | None:
    """The passages a lead-in chunk announces, each summed up."""
    return Listing(lead.text, [summary(child) for child in children], [lead, *children]) if children else None
