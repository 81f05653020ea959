"""Structure-aware chunking: one chunk per law article, heading-path passages for outlines like the plan.

Every chunk is an exact slice of its document's cleaned text (``doc.text[start:end]``) and carries
the heading path above it, so a citation can be shown and checked. Enumerations (``（一）…``,
``一是…``, ``第一部分…``) are never cut in half; their items share a ``group`` so an answer can
list every item under a heading.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise

from index.cleaning import NUMERALS
from index.schema import Chunk, SourceDoc

SECTION_SEPARATOR = " › "
HISTORY_LABEL = "标题和修改沿革"
"""The label of a law's opening chunk: its title and its promulgation, amendment and effective dates."""
_NUM = NUMERALS
_ARTICLE = re.compile(rf"^第[{_NUM}]+条(?:之[{_NUM}]+)?")
# A law's headings tell their level by their own words (编 › 分编 › 章 › 节), whatever their Markdown depth.
_LAW_HEADING = re.compile(rf"^(?:#+\s*)?(第[{_NUM}\d]+(分编|编|章|节))\s*(.*)$")
_HEADING_LEVELS = {"编": 0, "分编": 1, "章": 2, "节": 3}
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+(.*)$")
_TOP_HEADING = re.compile(rf"^[{_NUM}]+、[^，。]{{1,30}}$")
_PART = re.compile(rf"^(第[{_NUM}\d]+部分)[：:]")
_LABELLED = re.compile(r"^([^，。：:]{2,12})[：:]")
_ITEM = re.compile(rf"^[（(][{_NUM}\d]+[）)]")
_INLINE_ITEM = re.compile(rf"(?<=[。：:；;])(?=[{_NUM}]是)")
_ITEM_LABEL = re.compile(rf"^([{_NUM}]是)")
_SENTENCE_END = re.compile(r"(?<=[。！？；])")
_HEAD_SPACES = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


@dataclass(slots=True)
class _Span:
    start: int
    end: int


@dataclass(slots=True)
class _Draft:
    """A chunk before numbering: its span(s), heading path, label, group and repeated head."""

    start: int
    end: int
    heading: list[str]
    label: str | None = None
    group: str | None = None
    head: str = ""
    announces: str | None = None
    children: list[_Span] = field(default_factory=list)


def _paragraph_spans(text: str) -> list[_Span]:
    spans, position = [], 0
    for block in text.split("\n\n"):
        stripped = block.strip()
        if stripped:
            start = text.index(stripped, position)
            spans.append(_Span(start, start + len(stripped)))
        position += len(block) + 2
    return spans


def _compact(heading: str) -> str:
    """``第一章 总 则`` -> ``第一章 总则``: drop the typesetting spaces between Chinese characters."""
    number, _, rest = heading.partition(" ")
    return f"{number} {_HEAD_SPACES.sub('', rest)}".strip() if rest else number


_CLAUSE = re.compile(r"[^。！？；\n]+[。！？；]?")
_FULL_SENTENCE = re.compile(r"[^。！？\n]+[。！？]?")


def sentences(text: str, *, split_clauses: bool = True) -> list[str]:
    """Split text into sentences, and by default also at ``；`` (clauses), without losing a character."""
    pattern = _CLAUSE if split_clauses else _FULL_SENTENCE
    return [s.strip() for s in pattern.findall(text) if s.strip()]


def is_law_like(text: str) -> bool:
    """A document organised in articles (``第X条``), as laws, regulations and interpretations are."""
    return sum(1 for line in text.split("\n\n") if _ARTICLE.match(line)) >= 3


def _split_long(text: str, start: int, end: int, max_chars: int, pattern: re.Pattern[str]) -> list[_Span]:
    """Split ``text[start:end]`` at ``pattern`` boundaries into spans of at most ``max_chars`` where possible."""
    # Only inner boundaries cut: a match at the very end (a passage's own final "。") would leave an empty span.
    cuts = [start] + [start + m.start() for m in pattern.finditer(text[start:end]) if 0 < m.start() < end - start]
    cuts.append(end)
    spans: list[_Span] = []
    for left, right in pairwise(cuts):
        if spans and right - spans[-1].start <= max_chars:
            spans[-1].end = right
        else:
            spans.append(_Span(left, right))
    return spans


def _heading_level(line: str) -> tuple[int, str] | None:
    """A law heading's level and compact text: ``## 第三编 合同`` -> (0, ``第三编 合同``); an unnumbered Markdown
    heading (``## 附则``) starts a new top-level part; anything else is not a heading."""
    if m := _LAW_HEADING.match(line):
        return _HEADING_LEVELS[m.group(2)], _compact(f"{m.group(1)} {m.group(3)}")
    if m := _MARKDOWN_HEADING.match(line):
        return 0, _compact(m.group(1).strip())
    return None


def _law_drafts(doc: SourceDoc) -> Iterator[_Draft]:
    text = doc.text
    paragraphs = _paragraph_spans(text)
    path: dict[int, str] = {}  # heading level -> heading, for the levels above the current article
    article: _Draft | None = None
    preamble: list[_Span] = []
    for span in paragraphs[1:]:  # the first paragraph is the title
        line = text[span.start : span.end]
        if heading := _heading_level(line):
            level, title = heading
            path = {lvl: h for lvl, h in path.items() if lvl < level} | {level: title}
        elif m := _ARTICLE.match(line):
            if article:
                yield article
            article = _Draft(
                span.start, span.end, [path[lvl] for lvl in sorted(path)], label=m.group(0), children=[span]
            )
            continue
        elif article:
            article.end = span.end
            article.children.append(span)
            continue
        else:
            preamble.append(span)
            continue
        if article:  # a heading closes the article before it
            yield article
            article = None
    if article:
        yield article
    if preamble:
        history = [s for s in preamble if text[s.start : s.end] in doc.history]
        rest = [s for s in preamble if s not in history]
        if history:
            yield _Draft(0, history[-1].end, [], label=HISTORY_LABEL)
        if rest:
            yield _Draft(rest[0].start, rest[-1].end, [], label="序言")


def _split_article(doc: SourceDoc, draft: _Draft, max_chars: int) -> Iterator[_Draft]:
    """An over-long article splits at item boundaries; parts after the first repeat the article's head."""
    if draft.end - draft.start <= max_chars:
        yield draft
        return
    items = [s for s in draft.children if _ITEM.match(doc.text[s.start : s.end])]
    if not items:
        yield draft
        return
    head = doc.text[draft.start : items[0].start]
    spans = _split_long(doc.text, items[0].start, draft.end, max_chars - len(head), re.compile(r"(?<=\n\n)"))
    group = f"{doc.doc_id}#{draft.label}"
    for number, span in enumerate(spans):
        if number == 0:
            yield _Draft(draft.start, span.end, draft.heading, label=draft.label, group=group, announces=group)
        else:
            yield _Draft(span.start, span.end, draft.heading, label=draft.label, group=group, head=head)


def _item_label(text: str) -> str:
    """A short label for an enumerated passage: its marker and first clause (``三是围绕高标准实施知识产权保护``)."""
    first_clause = re.split(r"[，。：:；]", text, maxsplit=1)[0]
    return first_clause[:24]


def _outline_drafts(doc: SourceDoc, max_chars: int) -> Iterator[_Draft]:
    """Passages of a document organised by headings (``一、``), parts, labelled paragraphs and ``一是`` items.

    A paragraph ending in ``：`` announces a list: the parts (``第一部分：``) or items (``一是…``) after it
    share a group, and items take the announcing paragraph's label into their heading path.
    """
    text = doc.text
    paragraphs = _paragraph_spans(text)
    top: str | None = None
    part_group: str | None = None
    lead: tuple[str, str] | None = None  # (label, group) of the paragraph announcing "一是…" items
    for index, span in enumerate(paragraphs[1:], start=1):
        line = text[span.start : span.end]
        if _MARKDOWN_HEADING.match(line) or _TOP_HEADING.match(line):
            top, part_group, lead = _MARKDOWN_HEADING.sub(r"\1", line), None, None
            continue
        if index == 1 and top is None:
            # The opening paragraph reads with the title it follows.
            yield _Draft(paragraphs[0].start, span.end, [], label="引言")
            continue
        heading = [top] if top else []
        announces = line.endswith(("：", ":"))
        if part := _PART.match(line):
            label, group = part.group(1), part_group or f"{doc.doc_id}#{top}"
        elif (item := _ITEM_LABEL.match(line)) and lead:
            label, group = _item_label(line), lead[1]
            heading.append(lead[0])
        else:
            labelled = _LABELLED.match(line)
            label, group = (labelled.group(1) if labelled else None), None
            if announces:
                part_group = f"{doc.doc_id}#{span.start}"
        announced = f"{doc.doc_id}#{span.start}" if announces else None
        if announced:
            lead = (label or _item_label(line), announced)
        elif not (part or item):
            lead = None
        for draft in _passage_drafts(doc, span, heading, label, group, max_chars):
            draft.announces = announced if draft.end == span.end else None
            yield draft


def _passage_drafts(
    doc: SourceDoc, span: _Span, heading: list[str], label: str | None, group: str | None, max_chars: int
) -> Iterator[_Draft]:
    """One paragraph as one chunk, or, when too long, split at inline ``一是`` items and then sentences."""
    text = doc.text
    pieces = _split_long(text, span.start, span.end, max_chars, _INLINE_ITEM)
    pieces = [p for piece in pieces for p in _split_long(text, piece.start, piece.end, max_chars, _SENTENCE_END)]
    if len(pieces) == 1:
        yield _Draft(span.start, span.end, heading, label=label, group=group)
        return
    inline_group = f"{doc.doc_id}#{span.start}"
    yield _Draft(pieces[0].start, pieces[0].end, heading, label=label, group=group or inline_group)
    inner_heading = [*heading, label] if label else heading
    for piece in pieces[1:]:
        piece_text = text[piece.start : piece.end]
        inline = _ITEM_LABEL.match(piece_text)
        yield _Draft(
            piece.start, piece.end, inner_heading, label=_item_label(piece_text) if inline else None, group=inline_group
        )


def chunk_document(doc: SourceDoc, *, max_chars: int = 600) -> list[Chunk]:
    """Cut a cleaned document into structure-aware chunks.

    Args:
        doc: the cleaned document.
        max_chars: longer articles split at item boundaries; longer passages at ``一是`` items, then sentences.

    Returns:
        The chunks in document order, each an exact slice of ``doc.text``.
    """
    if is_law_like(doc.text):
        drafts = [part for draft in _law_drafts(doc) for part in _split_article(doc, draft, max_chars)]
    else:
        drafts = list(_outline_drafts(doc, max_chars))
    drafts.sort(key=lambda d: d.start)
    chunks = []
    for ordinal, draft in enumerate(drafts):
        body = doc.text[draft.start : draft.end].strip()
        start = doc.text.index(body, draft.start)
        path = [*draft.heading, draft.label] if draft.label else list(draft.heading)
        chunks.append(
            Chunk(
                chunk_id=f"{doc.doc_id}#{ordinal}",
                doc_id=doc.doc_id,
                ordinal=ordinal,
                text=body,
                start=start,
                end=start + len(body),
                section=SECTION_SEPARATOR.join(path) or doc.title,
                heading=list(draft.heading),
                label=draft.label,
                group=draft.group,
                head=draft.head,
                announces=draft.announces,
            )
        )
    return chunks
