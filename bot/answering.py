"""Extractive, grounded answers: pick the sentences or the list that answer the question from the
retrieved chunks and compose a short Chinese answer that cites document, article or section and version.

Every word of substance in an answer is quoted from a cited chunk; the composer only adds the lead
(``根据《…》第四十二条（2020年修正）：``), list numbering and fixed phrasing from the templates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources

from bot.answer_types import asked_types
from bot.guard import Guard, Verdict
from bot.query import Query, numeral_value
from bot.schema import Hit, Status
from bot.templates import Templates
from index.build import LoadedIndex
from index.chunking import sentences
from index.schema import KIND_PLAN, Chunk, SourceDoc
from index.segment import Segmenter

_NUM = "一二三四五六七八九十百千零〇两"
_ARTICLE_PREFIX = re.compile(rf"^第[{_NUM}]+条(?:之[{_NUM}]+)?\s*")
_ARTICLE_LABEL = re.compile(rf"^第([{_NUM}]+)条")
_LAW_ITEM = re.compile(rf"^[（(][{_NUM}\d]+[）)]")
_ASPECTS = re.compile(rf"从(?P<items>[^。]+?)等\s*(?P<count>[\d{_NUM}]+)\s*个方面")
_COLON_LIST = re.compile(r"^(?P<intro>[^：:]*[：:])(?P<items>[^：:]+；[^：:]+)$")
_QUESTION_END = re.compile(r"[？?]")
_QUOTED = re.compile(r"“[^”]*”")
_TYPE_BONUS = 0.3  # share of the question's weight a sentence earns by holding the kind of answer asked for
_MARKED_ITEM = re.compile(rf"^([（(][{_NUM}\d]+[）)]|[{_NUM}]+是|第[{_NUM}]+部分)")


@dataclass(frozen=True, slots=True)
class AnswerConfig:
    """Thresholds of the extractive answerer (see ``AnswerSettings``).

    Attributes:
        min_coverage: share of the question's (IDF-weighted) words the best chunk must contain.
        off_topic_coverage: below this, a question without domain words is refused as off-topic.
        max_answer_chars: the quoted part of an answer is kept under this length.
        max_list_items: lists longer than this are cut (with the count the document states).
        related_sections: how many related sections a no-answer reply suggests.
        top_k: unquoted top hits cited beside the quoted ones.
        max_sentences: sentences quoted from one passage at most.
        min_sentence_gain: share of the question's weight a further sentence must add to be quoted.
        residual_share: share of the question's weight the best passage must leave uncovered to seek a second source.
        second_source_cover: share of that remainder a second source must cover.
        second_source_depth: how deep in the hits a second source is sought.
    """

    min_coverage: float = 0.2
    off_topic_coverage: float = 0.6
    max_answer_chars: int = 400
    max_list_items: int = 20
    related_sections: int = 3
    top_k: int = 5
    max_sentences: int = 3
    min_sentence_gain: float = 0.2
    residual_share: float = 0.25
    second_source_cover: float = 0.5
    second_source_depth: int = 20


@dataclass(slots=True)
class Composed:
    """An answer before it gets its id, session and timing."""

    text: str
    status: Status
    cited: list[Hit] = field(default_factory=list)
    items: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Listing:
    intro: str
    items: list[str]
    sources: list[Chunk]


def book_title(title: str) -> str:
    """A title in book-title marks (kept as it is if already marked): ``专利法`` -> ``《专利法》``."""
    return title if title.startswith("《") else f"《{title}》"


def cite(doc: SourceDoc, chunk: Chunk) -> str:
    """How an answer names its source: ``《中华人民共和国专利法》第四十二条（2020年修正）``."""
    if chunk.label and _ARTICLE_LABEL.match(chunk.label):
        return f"{book_title(doc.title)}{chunk.label}" + (f"（{doc.version}）" if doc.version else "")
    where = "，".join(part for part in (chunk.section, doc.version) if part)
    return f"{book_title(doc.title)}（{where}）"


def _split_enumeration(text: str, separator: str) -> list[str]:
    """Split on a separator except inside quotation marks (``“严、大、快、同”`` stays whole)."""
    protected = _QUOTED.sub(lambda m: m.group(0).replace(separator, "\0"), text)
    return [part.replace("\0", separator).strip() for part in protected.split(separator) if part.strip()]


class ExtractiveAnswerer:
    """Composes grounded answers from retrieved chunks.

    Args:
        index: the loaded index (for list siblings and IDF).
        segmenter: the tokeniser shared with the index.
        guard: refusal and abstention rules.
        templates: answer wording.
        config: thresholds.
    """

    def __init__(
        self, index: LoadedIndex, segmenter: Segmenter, guard: Guard, templates: Templates, config: AnswerConfig
    ) -> None:
        self._index = index
        self._segmenter = segmenter
        self._guard = guard
        self._templates = templates
        self._config = config
        self._groups: dict[str, list[Chunk]] = {}
        for chunk in index.chunks:
            if chunk.group:
                self._groups.setdefault(chunk.group, []).append(chunk)
        table = resources.files("bot.data").joinpath("doc_names_en.tsv").read_text(encoding="utf-8")
        self._english_names = dict(
            line.split("\t", 1) for line in table.splitlines() if line.strip() and not line.startswith("#")
        )

    # ----- evidence -------------------------------------------------------------------------

    def _weights(self, query: Query) -> dict[str, float]:
        weights = {t: self._index.lexical.idf(t) for t in query.tokens}
        for token in (*query.expansion_tokens, *query.context_tokens):
            weights.setdefault(token, 0.5 * self._index.lexical.idf(token))
        return {t: w for t, w in weights.items() if w > 0}

    def coverage(self, query: Query, hit: Hit) -> float:
        """IDF-weighted share of the question's own words found in the chunk and its headings."""
        # Words the corpus never uses count as missing, with the weight of the rarest word.
        rarest = self._index.lexical.max_idf
        own = {t: self._index.lexical.idf(t) or rarest for t in query.tokens if len(t) > 1}
        total = sum(own.values())
        if total == 0:
            return 0.0
        haystack = f"{hit.doc.title} {hit.chunk.section} {hit.chunk.head}{hit.chunk.text}".lower()
        # Single characters are left out: as substrings they would match almost any passage.
        return sum(w for t, w in own.items() if t in haystack) / total

    @staticmethod
    def _unit_score(unit: str, weights: dict[str, float]) -> float:
        # Substring tests, not token sets: "发明专利" matches "发明专利权" whatever jieba made of either.
        lowered = unit.lower()
        return sum(w for t, w in weights.items() if t in lowered)

    @staticmethod
    def _units(chunk: Chunk) -> list[str]:
        """Sentences of a chunk (the article label removed from the first), items kept whole."""
        units = []
        for number, paragraph in enumerate(chunk.text.split("\n\n")):
            paragraph = _ARTICLE_PREFIX.sub("", paragraph) if number == 0 else paragraph
            if _LAW_ITEM.match(paragraph):
                units.append(paragraph)
            else:
                units.extend(sentences(paragraph, split_clauses=False))
        return units

    # ----- lists ----------------------------------------------------------------------------

    def _group_items(self, group: str) -> list[Chunk]:
        return self._groups.get(group, [])

    def _law_listing(self, chunk: Chunk) -> _Listing | None:
        chunks = self._group_items(chunk.group) if chunk.group else [chunk]
        paragraphs = [p for c in chunks for p in c.text.split("\n\n")]
        items = [p for p in paragraphs if _LAW_ITEM.match(p)]
        if len(items) < 2:
            return None
        head = chunks[0].head or chunks[0].text.split("\n\n")[0]
        intro = _ARTICLE_PREFIX.sub("", head.strip())
        return _Listing(intro, items, chunks)

    @staticmethod
    def _summary(chunk: Chunk) -> str:
        sentence = next(iter(sentences(chunk.text, split_clauses=False)), chunk.text)
        return sentence if len(sentence) <= 40 else (chunk.label or sentence[:40])

    def _outline_listing(self, chunk: Chunk, unit: str) -> _Listing | None:
        if match := _ASPECTS.search(unit):
            items = _split_enumeration(match.group("items"), "、")
            intro = unit[: match.start()] + f"从以下{match.group('count')}个方面" + unit[match.end() :]
            return _Listing(intro.rstrip("。") + "：", items, [chunk])
        if match := _COLON_LIST.match(unit):
            items = _split_enumeration(match.group("items").rstrip("。"), "；")
            return _Listing(match.group("intro"), items, [chunk])
        if chunk.announces:
            children = self._group_items(chunk.announces)
            if children:
                return _Listing(chunk.text, [self._summary(c) for c in children], [chunk, *children])
        return None

    def _listing(self, hit: Hit, unit: str, query: Query) -> _Listing | None:
        if hit.doc.kind != KIND_PLAN and (law := self._law_listing(hit.chunk)):
            return law
        listing = self._outline_listing(hit.chunk, unit)
        if listing is None and query.wants_list and hit.chunk.group:
            siblings = self._group_items(hit.chunk.group)
            lead = next((c for c in self._index.chunks if c.announces == hit.chunk.group), None)
            if lead and len(siblings) > 1:
                return _Listing(lead.text, [self._summary(c) for c in siblings], [lead, *siblings])
        return listing

    # ----- composition ----------------------------------------------------------------------

    def _best_units(self, hit: Hit, weights: dict[str, float], query: Query) -> list[str]:
        """Pick the sentences that answer: greedy cover of the question's weighted words.

        The first pick is the sentence with the most weight (a sentence holding the kind of answer the
        question asks for, such as a duration or an amount, counts extra); later picks must add words the
        earlier ones lack. A picked list item brings the article's lead-in sentence with it, and a lead-in
        brings the sentence after it.
        """
        units = self._units(hit.chunk)
        if not units:
            return [hit.chunk.text]
        wanted = asked_types(f"{query.original} {query.text}")
        total = sum(weights.values()) or 1.0
        lowered = [u.lower() for u in units]
        typed = [any(t.evidence.search(u) for t in wanted) for u in units]
        chosen: list[int] = []
        covered: set[str] = set()
        answered_type = False
        while len(chosen) < self._config.max_sentences:
            gains = {
                i: sum(w for t, w in weights.items() if t not in covered and t in lowered[i])
                + (_TYPE_BONUS * total if typed[i] and not answered_type else 0.0)
                for i in range(len(units))
                if i not in chosen
            }
            if not gains:
                break
            best = max(gains, key=lambda i: (gains[i], -i))
            if chosen and gains[best] < self._config.min_sentence_gain * total:
                break
            chosen.append(best)
            covered.update(t for t in weights if t in lowered[best])
            answered_type = answered_type or typed[best]
        for i in list(chosen):
            if _LAW_ITEM.match(units[i]):
                lead = next((j for j in range(i - 1, -1, -1) if units[j].endswith(("：", ":"))), None)
                if lead is not None and lead not in chosen:
                    chosen.append(lead)
            elif units[i].endswith(("：", ":")) and i + 1 < len(units) and i + 1 not in chosen:
                chosen.append(i + 1)
        picked, length = [], 0
        for i in sorted(chosen):
            if length + len(units[i]) > self._config.max_answer_chars and picked:
                continue
            picked.append(units[i])
            length += len(units[i])
        return picked

    def _lead(self, hit: Hit, query: Query) -> str:
        if query.language == "en":
            name = self._english_names.get(hit.doc.title, book_title(hit.doc.title))
            label = hit.chunk.label or ""
            if (article := _ARTICLE_LABEL.match(label)) and (number := numeral_value(article.group(1))):
                version = self._templates.en_version(hit.doc.version)
                return self._templates.en("lead_article", article=f"Article {number}", name=name, version=version)
            return self._templates.en("lead_section", name=name, section=hit.chunk.section)
        return self._templates.zh("lead", cite=cite(hit.doc, hit.chunk))

    def _passage(self, hit: Hit, query: Query, weights: dict[str, float]) -> tuple[str, list[Chunk], list[str]]:
        """One source's part of an answer: its lead and quoted sentences or list; the chunks it quotes."""
        units = self._best_units(hit, weights, query)
        listing = None
        if query.wants_list or query.wants_count or units[0].endswith(("：", ":")):
            listing = self._listing(hit, units[0], query) or next(
                (found for u in units[1:] if (found := self._listing(hit, u, query))), None
            )
        if listing:
            items = listing.items[: self._config.max_list_items]
            lines = [item if _MARKED_ITEM.match(item) else self._templates.zh("list_item", number=n, item=item)
                     for n, item in enumerate(items, 1)]
            if query.language == "en":
                body = "\n".join([self._lead(hit, query), listing.intro, *lines])
            else:
                body = "\n".join([self._templates.zh("list_lead", cite=cite(hit.doc, hit.chunk), intro=listing.intro),
                                  *lines])
            return body, listing.sources, items
        if query.language == "en":
            return f"{self._lead(hit, query)}\n{''.join(units)}", [hit.chunk], []
        return self._lead(hit, query) + "".join(units), [hit.chunk], []

    def _sources(self, query: Query, hits: list[Hit], weights: dict[str, float]) -> list[Hit]:
        """The hit to answer from, plus a second source for what it leaves unanswered.

        A second source is added when the best passage leaves a good part of the question's words
        uncovered and another passage covers most of them: one from the plan when the best is a law
        (or the reverse), or any other passage when the question asks two questions.
        """
        primary = hits[0]
        text = f"{primary.chunk.section} {primary.chunk.text}".lower()
        residual = {t: w for t, w in weights.items() if t not in text}
        total = sum(weights.values())
        if not total or sum(residual.values()) < self._config.residual_share * total:
            return [primary]
        two_questions = len(_QUESTION_END.findall(query.original.strip())) >= 2
        best, best_cover = None, 0.0
        for hit in hits[1 : self._config.second_source_depth]:
            other_kind = (hit.doc.kind == KIND_PLAN) != (primary.doc.kind == KIND_PLAN)
            if not (other_kind or (two_questions and hit.chunk.chunk_id != primary.chunk.chunk_id)):
                continue
            other = f"{hit.chunk.section} {hit.chunk.text}".lower()
            cover = sum(w for t, w in residual.items() if t in other) / sum(residual.values())
            if cover > best_cover:
                best, best_cover = hit, cover
        return [primary, best] if best and best_cover >= self._config.second_source_cover else [primary]

    def _no_answer(self, verdict: Verdict, related: list[Hit], query: Query) -> Composed:
        reason = self._templates.zh(f"reason_{verdict.reason}", detail=verdict.detail)
        parts = [self._templates.zh("no_answer", reason=reason)]
        if query.language == "en":
            parts.insert(0, self._templates.en("no_answer"))
        if related:
            sections = "、".join(cite(h.doc, h.chunk) for h in related)
            parts.append(self._templates.zh("related", sections=sections))
        parts.append(self._templates.zh("suggestion"))
        return Composed("".join(parts[:1]) + "\n" + "".join(parts[1:]), "no_answer", related)

    def refusal(self, verdict: Verdict) -> Composed:
        """The reply to an injection attempt or an off-topic request."""
        text = self._templates.zh(f"refused_{verdict.reason}") + self._templates.zh("examples")
        return Composed(text, "refused")

    def abstention(self, verdict: Verdict, query: Query) -> Composed:
        """The reply when a rule says the documents cannot answer."""
        return self.refusal(verdict) if verdict.status == "refused" else self._no_answer(verdict, [], query)

    def answer(self, query: Query, hits: list[Hit]) -> Composed:
        """Answer from the hits, or abstain when they do not hold the answer.

        Args:
            query: the analysed question.
            hits: retrieved chunks, best first.
        """
        coverage = self.coverage(query, hits[0]) if hits else 0.0
        if self._guard.off_topic(query) and coverage < self._config.off_topic_coverage:
            return self.refusal(Verdict("refused", "off_topic"))
        related = hits[: self._config.related_sections]
        if coverage < self._config.min_coverage:
            return self._no_answer(Verdict("no_answer", "weak"), related, query)
        weights = self._weights(query)
        sources = self._sources(query, hits, weights)
        if reason := self._guard.unstated_figure(query, [h.chunk.text for h in sources]):
            return self._no_answer(Verdict("no_answer", reason), related, query)
        passages, quoted, items = [], [], []
        for position, hit in enumerate(sources):
            body, chunks, listed = self._passage(hit, query, weights)
            passages.append(body if position == 0 else self._templates.zh("second_source") + body)
            quoted.extend(chunks)
            items = items or listed
            if not hit.doc.in_force and hit.doc.superseded_by:
                latest = self._index.docs[hit.doc.superseded_by]
                latest_name = book_title(latest.title) + (f"（{latest.version}）" if latest.version else "")
                passages.append(self._templates.zh("superseded_note", latest=latest_name))
        if query.language == "en":
            passages.append(self._templates.en("source", cite="；".join(cite(h.doc, h.chunk) for h in sources)))
        return Composed("\n".join(passages), "answered", self._cited(hits, quoted), items)

    def _cited(self, hits: list[Hit], quoted: list[Chunk]) -> list[Hit]:
        """Quoted chunks and other top hits, best first; a quoted chunk outside the hits takes the lowest score."""
        by_id = {h.chunk.chunk_id: h for h in hits}
        floor = min((h.score for h in hits), default=0.0)
        cited = {c.chunk_id: by_id.get(c.chunk_id) or Hit(c, self._index.docs[c.doc_id], floor) for c in quoted}
        for hit in hits[: self._config.top_k]:
            cited.setdefault(hit.chunk.chunk_id, hit)
        return sorted(cited.values(), key=lambda h: -h.score)
