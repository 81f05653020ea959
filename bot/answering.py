"""Extractive, grounded answers: choose the passages and the units of them that answer the question and
compose a short Chinese answer that cites document, article or section and version — or abstain.

Every word of substance in an answer is quoted from a cited passage; the composer only adds the lead
(``根据《…》第四十二条（2020年修正）：``), list numbering and fixed phrasing from the templates.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from bot.answer_types import asked_types
from bot.articles import ArticleCatalogue, NamedArticle
from bot.citing import ARTICLE_LABEL, book_title, cite, versioned_title
from bot.counterparts import Counterparts
from bot.coverage import EXPANSION_SHARE, question_weights, term_weights
from bot.extract import QuoteLimits, join_units, quote_units, select_units
from bot.figures import mismatched
from bot.guard import Guard, Verdict
from bot.listing import MARKED_ITEM, Listing, announced, article_items, inline_enumeration
from bot.query import Query, chinese_number, numeral_value, subject_words
from bot.schema import Hit, Status
from bot.templates import Templates
from index.build import LoadedIndex
from index.chunking import HISTORY_LABEL, sentences
from index.metadata import chinese_date
from index.schema import KIND_PLAN, Chunk
from index.versions import VersionStatus

_QUESTION_END = re.compile(r"[？?]")
_PROMOTION_MARGIN = 1e-3
_REFERENCE_BONUS = 0.25  # an article that names the best one (its penalty, its exception) is the likelier second


def _present(token: str, haystack: str, query: Query) -> bool:
    """A question word is present when it, or a documents' word the synonym table maps it to, is."""
    return token in haystack or any(word in haystack for word in query.synonyms.get(token, ()))


@dataclass(frozen=True, slots=True)
class AnswerConfig:
    """Thresholds of the extractive answerer (see ``AnswerSettings``).

    Attributes:
        min_coverage: share of the question's known words (IDF-weighted) the best passage must hold, unless
        confident_probability: the ranker gives the best passage at least this probability of answering.
        off_topic_closeness: below this cosine to the closest passage, a question without domain words is
            off-topic (the scale is the embedding model's; set by measurement for the default model).
        max_list_items: lists longer than this are cut.
        related_sections: how many related sections a no-answer reply suggests.
        top_k: unquoted top hits cited beside the quoted ones (every quoted chunk is cited).
        quote: how much of a passage is quoted.
        close_second: a runner-up from the same document this close to the best is quoted too.
        close_other: a runner-up from another document this close to the best, holding some of the question
            the best one lacks, is quoted too (retrieval cannot tell the two apart, so the reader sees both).
        residual_share: share of the question's weight the best passage must leave uncovered to seek more.
        second_source_cover: share of that remainder a second source must cover.
    """

    min_coverage: float
    confident_probability: float
    off_topic_closeness: float
    max_list_items: int
    related_sections: int
    top_k: int
    quote: QuoteLimits
    close_second: float
    close_other: float
    residual_share: float
    second_source_cover: float


@dataclass(slots=True)
class Composed:
    """An answer before it gets its id, session and timing."""

    text: str
    status: Status
    cited: list[Hit] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    """The answer steps that decided it (the trace): what was checked, what was found, what was chosen and why."""


class ExtractiveAnswerer:
    """Composes grounded answers from retrieved passages.

    Args:
        index: the loaded index (list siblings, cross-references, IDF).
        guard: refusal and abstention rules.
        templates: answer wording.
        config: thresholds.
        segment: the tokeniser shared with the index.
    """

    def __init__(
        self,
        index: LoadedIndex,
        guard: Guard,
        templates: Templates,
        config: AnswerConfig,
        segment: Callable[[str], list[str]],
    ) -> None:
        self._index = index
        self._segment = segment
        self._guard = guard
        self._templates = templates
        self._config = config
        self._groups: dict[str, list[Chunk]] = {}
        for chunk in index.chunks:
            if chunk.group:
                self._groups.setdefault(chunk.group, []).append(chunk)
        self._leads = {chunk.announces: chunk for chunk in index.chunks if chunk.announces}
        self._by_doc: dict[str, list[Chunk]] = {}
        for chunk in index.chunks:
            self._by_doc.setdefault(chunk.doc_id, []).append(chunk)
        self._counterparts = Counterparts(index.chunks)
        self._headers = {chunk.doc_id: chunk for chunk in index.chunks if chunk.label == HISTORY_LABEL}
        self._articles = ArticleCatalogue(index.docs, index.chunks, index.timeline)
        table = resources.files("bot.data").joinpath("doc_names_en.tsv").read_text(encoding="utf-8")
        self._english_names = dict(
            line.split("\t", 1) for line in table.splitlines() if line.strip() and not line.startswith("#")
        )

    # ----- evidence -------------------------------------------------------------------------------

    def weights(self, query: Query) -> dict[str, float]:
        """IDF weights of the question's known words; synonym and earlier-turn words count half."""
        return term_weights(query, self._index.lexical.idf)

    @staticmethod
    def _haystack(hit: Hit) -> str:
        return f"{hit.doc.title} {hit.chunk.section} {hit.chunk.head}{hit.chunk.text}".lower()

    def coverage(self, query: Query, hit: Hit) -> float:
        """IDF-weighted share of the question's known words found in a passage and its headings.

        An everyday word the documents never use (造谣) counts when the passage holds a word the synonym table
        maps it to (编造、虚假信息), at half the weight of the heaviest of those (as synonyms count in retrieval);
        when it holds none, the word is left out rather than counted missing (the table cannot know every
        context a word is used in).
        """
        idf = self._index.lexical.idf
        own = question_weights(query, idf)
        if query.is_followup:
            own.update({t: EXPANSION_SHARE * w for t in query.context_tokens if (w := idf(t)) > 0})
        haystack = self._haystack(hit)
        found = sum(w for t, w in own.items() if _present(t, haystack, query))
        total = sum(own.values())
        for token, words in query.synonyms.items():
            if token not in own and (present := [idf(word) for word in words if word in haystack]):
                bridged = EXPANSION_SHARE * max(present)
                found, total = found + bridged, total + bridged
        return found / total if total else 0.0

    def residual_query(self, query: Query, hits: list[Hit]) -> Query | None:
        """What the best passage leaves unanswered, as a query with no document preference; None if little."""
        if not hits:
            return None
        weights = self.weights(query)
        haystack = self._haystack(hits[0])
        residual = [t for t in weights if t not in haystack]
        if sum(weights[t] for t in residual) < self._config.residual_share * sum(weights.values()):
            return None
        return dataclasses.replace(
            query, tokens=residual, context_tokens=[], doc_titles=[], hinted_titles=[], labels=[]
        )

    # ----- choosing sources -----------------------------------------------------------------------

    def _cross_references(self, hit: Hit) -> list[Hit]:
        """Articles of the same document that refer to this one (``违反本法第十四条…的，处…``)."""
        label = hit.chunk.label or ""
        if not ARTICLE_LABEL.match(label):
            return []
        return [
            Hit(chunk, hit.doc, 0.0)
            for chunk in self._by_doc.get(hit.doc.doc_id, [])
            if chunk.label != label and label in chunk.text
        ]

    def _sources(
        self, query: Query, hits: list[Hit], extra: list[Hit], weights: dict[str, float]
    ) -> tuple[list[Hit], str]:
        """The passage to answer from, plus at most one more, and why (``support_plan``, ``completes_question``,
        ``near_tie`` or ``best_only``).

        A question asking whether there is support gets the plan's passage on the subject beside a law. Otherwise a
        second passage covers what the best one leaves out: a part of the question it does not answer
        (another question, or the plan beside a law), or the kind of answer asked for (a penalty, an amount)
        that it lacks — an article referring to the best one comes first, as penalties refer to the duty
        they enforce. Failing that, a runner-up scoring nearly as high is quoted too (from another document, only
        when nearer still and holding some of what the best one leaves out).
        """
        primary = hits[0]
        haystack = self._haystack(primary)
        residual = {t: w for t, w in weights.items() if t not in haystack}
        remainder = sum(residual.values())
        wanted = asked_types(f"{query.original} {query.text}")
        missing_kinds = [t for t in wanted if t.sought and not t.evidence.search(primary.chunk.text)]
        two_questions = len(_QUESTION_END.findall(query.original.strip())) >= 2
        if primary.doc.kind != KIND_PLAN and self._guard.asks_for_support(query):
            plan = next((h for h in [*hits[1:], *extra] if h.doc.kind == KIND_PLAN), None)
            if plan is not None and self.coverage(query, plan) >= self._config.second_source_cover:
                return [primary, plan], "support_plan"
        if remainder >= self._config.residual_share * sum(weights.values()) or missing_kinds:
            references = self._cross_references(primary)
            best, best_cover = None, 0.0
            for hit in [*references, *extra, *hits[1:]]:
                other_kind = (hit.doc.kind == KIND_PLAN) != (primary.doc.kind == KIND_PLAN)
                supplies = any(t.evidence.search(hit.chunk.text) for t in missing_kinds)
                if hit.chunk.chunk_id == primary.chunk.chunk_id or not (other_kind or two_questions or supplies):
                    continue
                text = self._haystack(hit)
                cover = sum(w for t, w in residual.items() if t in text) / remainder if remainder else 0.0
                if supplies:
                    cover = max(cover, self._config.second_source_cover)
                if hit in references:
                    cover += _REFERENCE_BONUS
                if cover > best_cover:
                    best, best_cover = hit, cover
            if best is not None and best_cover >= self._config.second_source_cover:
                return [primary, best], "completes_question"
        runner_up = hits[1] if len(hits) > 1 else None
        if runner_up is not None and runner_up.chunk.group is None and primary.chunk.group is None:
            same_document = runner_up.doc.doc_id == primary.doc.doc_id
            close = self._config.close_second if same_document else self._config.close_other
            # From another document, only when the best passage leaves some of the question to it.
            adds = same_document or any(t in self._haystack(runner_up) for t in residual)
            if runner_up.score >= close * primary.score and adds:
                return [primary, runner_up], "near_tie"
        return [primary], "best_only"

    # ----- composition ----------------------------------------------------------------------------

    def _holds_list(self, hit: Hit) -> bool:
        """Whether a passage itself holds a list: article items, an inline enumeration or announced items."""
        chunk = hit.chunk
        group = self._groups.get(chunk.group, [chunk]) if chunk.group else [chunk]
        return bool(
            (hit.doc.kind != KIND_PLAN and article_items(group))
            or chunk.announces
            or any(inline_enumeration(chunk, unit) for unit in sentences(chunk.text, split_clauses=False))
        )

    def _list_first(self, query: Query, hits: list[Hit]) -> list[Hit]:
        """For a list question, a close runner-up that holds a list is re-ranked before a best passage that does
        not (its score rises just above the best one's, so citations stay best first)."""
        if not (query.wants_list or query.wants_count) or self._holds_list(hits[0]):
            return hits
        for position, hit in enumerate(hits[1:3], start=1):
            if hit.score >= self._config.close_second * hits[0].score and self._holds_list(hit):
                promoted = dataclasses.replace(hit, score=hits[0].score + _PROMOTION_MARGIN)
                return [promoted, *hits[:position], *hits[position + 1 :]]
        return hits

    def _listing(self, hit: Hit, unit: str, query: Query) -> Listing | None:
        chunk = hit.chunk
        if hit.doc.kind != KIND_PLAN and (
            items := article_items(self._groups.get(chunk.group, [chunk]) if chunk.group else [chunk])
        ):
            return items
        if found := inline_enumeration(chunk, unit):
            return found
        if chunk.announces:
            return announced(chunk, self._groups.get(chunk.announces, []))
        if query.wants_list and chunk.group and (lead := self._leads.get(chunk.group)):
            return announced(lead, self._groups[chunk.group])
        return None

    def _cite(self, hit: Hit, query: Query) -> str:
        """The source as the answer names it, with its version's status on the day of asking."""
        return cite(hit.doc, hit.chunk, self._index.timeline.status(hit.doc.doc_id, query.day))

    def _lead(self, hit: Hit, query: Query) -> str:
        if query.language != "en":
            return self._templates.zh("lead", cite=self._cite(hit, query))
        name = self._english_names.get(hit.doc.title, book_title(hit.doc.title))
        if (article := ARTICLE_LABEL.match(hit.chunk.label or "")) and (number := numeral_value(article.group(1))):
            version = self._templates.en_version(hit.doc.version)
            return self._templates.en("lead_article", article=f"Article {number}", name=name, version=version)
        return self._templates.en("lead_section", name=name, section=hit.chunk.section)

    def _passage(self, hit: Hit, query: Query, weights: dict[str, float]) -> tuple[str, list[Chunk], list[str]]:
        """One source's part of an answer (its lead and quoted units, or a list) and the chunks it quotes."""
        units = select_units(
            quote_units(hit.chunk, self._config.quote),
            weights,
            asked_types(f"{query.original} {query.text}"),
            self._config.quote,
            query.text,
        )
        units = units or [hit.chunk.text]
        if query.wants_list or query.wants_count or units[0].endswith(("：", ":")):
            listing = next((found for unit in units if (found := self._listing(hit, unit, query))), None)
            if listing:
                items = listing.items[: self._config.max_list_items]
                lines = [
                    item if MARKED_ITEM.match(item) else self._templates.zh("list_item", number=n, item=item)
                    for n, item in enumerate(items, 1)
                ]
                if query.language == "en":
                    head = f"{self._lead(hit, query)}\n{listing.intro}"
                else:
                    head = self._templates.zh("list_lead", cite=self._cite(hit, query), intro=listing.intro)
                return "\n".join([head, *lines]), listing.sources, items
        separator = "\n" if query.language == "en" else ""
        return f"{self._lead(hit, query)}{separator}{join_units(units)}", [hit.chunk], []

    def _version_note(self, hit: Hit, query: Query, weights: dict[str, float]) -> tuple[str, list[Chunk]] | None:
        """The line after a source about its version, and the chunks it quotes (the header stating a date it gives).

        A superseded version names the version in force; a version not yet in force says when it takes effect and
        which version applies until then; a version in force whose revision is promulgated but not yet in force
        says when the revision takes effect and, when the revision holds the question's subject, where and what.
        """
        timeline, day = self._index.timeline, query.day
        status = timeline.status(hit.doc.doc_id, day)
        current = timeline.in_force(hit.doc.doc_id, day)
        if status is VersionStatus.SUPERSEDED:
            return (self._templates.zh("superseded_note", latest=versioned_title(current)), []) if current else None
        if status is VersionStatus.PENDING:
            until = self._templates.zh("until_then", current=versioned_title(current)) if current else ""
            note = self._templates.zh(
                "pending_version_note", effective=chinese_date(hit.doc.starts or ""), current=until
            )
            return note, self._header(hit.doc.doc_id)
        revision = timeline.pending(hit.doc.doc_id, day)
        if revision is None:
            return None
        dates = {
            "promulgated": chinese_date(revision.promulgated or ""),
            "title": book_title(revision.title),
            "effective": chinese_date(revision.starts or ""),
        }
        counterpart = self._counterparts.find(hit.chunk, revision.doc_id)
        if (
            counterpart is None
            or not counterpart.label
            or (self.coverage(query, Hit(counterpart, revision, 0.0)) < self._config.min_coverage)
        ):
            return self._templates.zh("revision_note", **dates, where="。"), self._header(revision.doc_id)
        limits = dataclasses.replace(self._config.quote, max_units=1, whole_passage_chars=0)
        units = select_units(
            quote_units(counterpart, self._config.quote),
            weights,
            asked_types(f"{query.original} {query.text}"),
            limits,
            query.text,
        )
        unchanged = all(unit in hit.chunk.text for unit in units)
        where = self._templates.zh(
            "revision_same" if unchanged else "revision_where", label=counterpart.label, quote=join_units(units)
        )
        return self._templates.zh("revision_note", **dates, where=where), [counterpart, *self._header(revision.doc_id)]

    def _header(self, doc_id: str) -> list[Chunk]:
        """A law's header chunk (title and dates), when it has one."""
        return [self._headers[doc_id]] if doc_id in self._headers else []

    def _no_answer(self, verdict: Verdict, related: list[Hit], query: Query) -> Composed:
        reason = self._templates.zh(f"reason_{verdict.reason}", detail=verdict.detail)
        lines = [self._templates.zh("no_answer", reason=reason)]
        if query.language == "en":
            lines.insert(0, self._templates.en("no_answer"))
        if related:
            lines.append(self._templates.zh("related", sections="、".join(self._cite(h, query) for h in related)))
        lines.append(self._templates.zh("suggestion"))
        return Composed("\n".join(lines), "no_answer", related)

    def _no_article(self, named: NamedArticle, query: Query) -> Composed:
        """The reply when the version of the law asked about has no article of the number named."""
        status = self._index.timeline.status(named.doc.doc_id, query.day)
        if status is VersionStatus.IN_FORCE:
            version = self._templates.zh("in_force_version")
        else:
            version = self._templates.zh("other_version", version=named.doc.version or "", status=status.value)
        text = self._templates.zh(
            "no_article",
            title=book_title(named.doc.title),
            version=version,
            label=named.label,
            count=chinese_number(named.count),
        )
        header = [Hit(chunk, named.doc, 0.0) for chunk in self._header(named.doc.doc_id)]
        return Composed(text, "no_answer", header)

    @staticmethod
    def _article_first(named: NamedArticle, hits: list[Hit]) -> list[Hit]:
        """The hits with the article the question names first (retrieved or not)."""
        own = {chunk.chunk_id for chunk in named.chunks}
        found = next((h for h in hits if h.chunk.chunk_id in own), None) or Hit(named.chunks[0], named.doc, 0.0)
        top = max((h.score for h in hits), default=0.0)
        first = dataclasses.replace(found, score=max(found.score, top + _PROMOTION_MARGIN))
        return [first, *(h for h in hits if h.chunk.chunk_id != first.chunk.chunk_id)]

    def _premise_note(self, query: Query, quoted: str) -> str | None:
        """The line before an answer saying which figures the question asserts that the quoted provision
        contradicts (``您提到的「五十年」与条文不符：``), if any.

        Only a provision about the question's subject can contradict it: one that names every subject word of the
        question (实用新型 in 实用新型保护期是十年吗; its lead names the law). A provision retrieved for another
        subject (植物新品种的保护期限) says nothing about the figure. The clauses naming the subject decide when
        they state figures of the unit (外观设计专利权的期限为十五年, not the 十年 of 实用新型 beside it).
        """
        subjects = subject_words(query.tokens)
        if not all(_present(t, quoted, query) for t in subjects):
            return None
        wrong = mismatched(query.asserted, quoted, subjects)
        if not wrong:
            return None
        figures = "、".join(self._templates.zh("premise_figure", figure=f.text) for f in dict.fromkeys(wrong))
        return self._templates.zh("premise_mismatch", figures=figures)

    def refusal(self, verdict: Verdict) -> Composed:
        """The reply to an injection attempt or an off-topic request."""
        return Composed(self._templates.zh(f"refused_{verdict.reason}") + self._templates.zh("examples"), "refused")

    def abstention(self, verdict: Verdict, query: Query) -> Composed:
        """The reply when a rule says the documents cannot answer."""
        return self.refusal(verdict) if verdict.status == "refused" else self._no_answer(verdict, [], query)

    def answer(
        self, query: Query, hits: list[Hit], closeness: Callable[[], float], extra: list[Hit] | None = None
    ) -> Composed:
        """Answer from the hits, or abstain when they do not hold the answer.

        Args:
            query: the analysed question.
            hits: retrieved passages, best first.
            closeness: the question's cosine to its closest passage (how near its meaning is to the documents),
                called only for a question without domain words.
            extra: passages retrieved for what the best passage leaves unanswered (see ``residual_query``).
        """
        steps: list[dict[str, Any]] = []

        def decided(composed: Composed, step: str, **details: Any) -> Composed:
            composed.steps = [*steps, {"step": step, **details}]
            return composed

        named = self._articles.named(query)
        if named is not None:
            steps.append(
                {
                    "step": "named_article",
                    "document": named.doc.title,
                    "label": named.label,
                    "exists": bool(named.chunks),
                    "articles": named.count,
                }
            )
            if not named.chunks:
                return decided(self._no_article(named, query), "no_such_article")
        if law := self._guard.unknown_law(query, hits[0].chunk.text if hits else ""):
            return decided(self._no_answer(Verdict("no_answer", "unknown_law", law), [], query), "unknown_law", law=law)
        if named is not None:
            hits = self._article_first(named, hits)
        if not hits:
            return decided(self.refusal(Verdict("refused", "off_topic")), "off_topic", hits=0)
        if self._guard.off_topic(query) and (near := closeness()) < self._config.off_topic_closeness:
            return decided(
                self.refusal(Verdict("refused", "off_topic")),
                "off_topic",
                closeness=round(near, 4),
                threshold=self._config.off_topic_closeness,
            )
        related = hits[: self._config.related_sections]
        covered = self.coverage(query, hits[0])
        enough = (
            named is not None
            or hits[0].score >= self._config.confident_probability
            or (covered >= self._config.min_coverage)
        )
        steps.append(
            {
                "step": "evidence",
                "probability": round(hits[0].score, 4),
                "coverage": round(covered, 4),
                "confident_probability": self._config.confident_probability,
                "min_coverage": self._config.min_coverage,
                "enough": enough,
            }
        )
        if not enough:
            return decided(self._no_answer(Verdict("no_answer", "weak"), related, query), "weak_evidence")
        weights = self.weights(query)
        if named is None:
            listed = self._list_first(query, hits)
            if listed[0] is not hits[0]:
                steps.append({"step": "list_first", "promoted": listed[0].chunk.chunk_id})
            hits = listed
        sources, why = self._sources(query, hits, extra or [], weights)
        steps.append({"step": "sources", "reason": why, "quoted": [h.chunk.chunk_id for h in sources]})
        clause = self._guard.priced_clause(query)
        priced = [t for t in self._segment(clause) if len(t) > 1 and self._index.lexical.idf(t) > 0] if clause else []
        if reason := self._guard.unstated_figure(query, sources[0].chunk.text, priced):
            return decided(
                self._no_answer(Verdict("no_answer", reason), related, query), "unstated_figure", kind=reason
            )
        passages: list[str] = []
        quoted: list[Chunk] = []
        items: list[str] = []
        for position, hit in enumerate(sources):
            body, chunks, listed_items = self._passage(hit, query, weights)
            passages.append(body if position == 0 else self._templates.phrase(query.language, "second_source") + body)
            quoted.extend(chunks)
            items = items or listed_items
            if (note := self._version_note(hit, query, weights)) and note[0] not in passages:
                passages.append(note[0])
                quoted.extend(note[1])
                steps.append({"step": "version_note", "for": hit.chunk.chunk_id})
        if query.language == "en":
            passages.append(self._templates.en("source", cite="；".join(self._cite(h, query) for h in sources)))
        if note := self._premise_note(query, passages[0]):
            passages.insert(0, note)
            steps.append({"step": "premise_mismatch", "asserted": [f.text for f in query.asserted]})
        composed = Composed("\n".join(passages), "answered", self._cited(hits, quoted), items)
        return decided(composed, "answered", quoted=[c.chunk_id for c in quoted])

    def _cited(self, hits: list[Hit], quoted: list[Chunk]) -> list[Hit]:
        """The quoted chunks, best first, then the other top hits, best first (the answer's sources lead its
        citations); a quoted chunk outside the hits takes the lowest score."""
        by_id = {h.chunk.chunk_id: h for h in hits}
        floor = min((h.score for h in hits), default=0.0)
        cited = {c.chunk_id: by_id.get(c.chunk_id) or Hit(c, self._index.docs[c.doc_id], floor) for c in quoted}
        sources = sorted(cited.values(), key=lambda h: -h.score)
        others = [h for h in hits[: self._config.top_k] if h.chunk.chunk_id not in cited]
        return [*sources, *others]
