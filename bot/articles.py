"""The articles of every indexed law, to answer a question naming a law and an article number before retrieval:
with that article, or with the fact that the version asked about has no such article and how many it has."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.query import Query, numeral_value
from index.schema import Chunk, SourceDoc
from index.versions import VersionTimeline

# ``第一百条``, ``第十条之一``, ``第1261条``: an article number and the number after 之.
_ARTICLE = re.compile(r"^第([\d一二三四五六七八九十百千零〇两]+)条(?:之([一二三四五六七八九十]+))?$")

ArticleKey = tuple[int, int]
"""An article's number and the number after 之 (0 for none): 第十条之一 -> (10, 1)."""


def article_key(label: str) -> ArticleKey | None:
    """``第四十二条`` -> (42, 0); None when the label is not an article's."""
    found = _ARTICLE.match(label)
    if not found or (number := numeral_value(found.group(1))) is None:
        return None
    suffix = numeral_value(found.group(2)) if found.group(2) else 0
    return number, suffix or 0


@dataclass(frozen=True, slots=True)
class NamedArticle:
    """An article a question names, looked up in the version of the law it asks about.

    Attributes:
        doc: the version the article was looked up in.
        label: the article as the question names it (``第一百条``).
        chunks: the article's chunks in document order; empty when that version has no such article.
        count: how many articles that version has.
    """

    doc: SourceDoc
    label: str
    chunks: list[Chunk]
    count: int


class ArticleCatalogue:
    """Every law version's articles, built once from the index's chunks.

    Args:
        docs: the indexed documents by id.
        chunks: the index's chunks.
        timeline: the documents' versions.
    """

    def __init__(self, docs: dict[str, SourceDoc], chunks: list[Chunk], timeline: VersionTimeline) -> None:
        self._docs = docs
        self._timeline = timeline
        self._articles: dict[str, dict[ArticleKey, list[Chunk]]] = {}
        for chunk in chunks:
            if chunk.label and (key := article_key(chunk.label)):
                self._articles.setdefault(chunk.doc_id, {}).setdefault(key, []).append(chunk)
        self._by_title = {doc.title: doc.doc_id for doc in docs.values() if doc.doc_id in self._articles}

    def version(self, title: str, query: Query) -> SourceDoc | None:
        """The version of the law ``title`` a question asks about: the one of a year it names, the revision not yet
        in force when it asks about the new law, the one before when it asks about the old law, else the version
        in force on the day of asking."""
        versions = self._timeline.versions(self._by_title[title])
        by_year = [doc for doc in versions if {(doc.promulgated or "")[:4], (doc.starts or "")[:4]} & set(query.years)]
        if by_year:
            return by_year[-1]
        current = self._timeline.in_force(self._by_title[title], query.day)
        if query.wants_new_version and (pending := self._timeline.pending(self._by_title[title], query.day)):
            return pending
        if query.wants_old_version and current is not None and (position := versions.index(current)) > 0:
            return versions[position - 1]
        return current

    def named(self, query: Query) -> NamedArticle | None:
        """The article a question names in the one law it names, looked up in the version it asks about; None when
        it names no article, or not exactly one law with articles."""
        titles = [title for title in query.doc_titles if title in self._by_title]
        labels = [(label, key) for label in query.labels if (key := article_key(label))]
        if len(titles) != 1 or len(query.doc_titles) != 1 or not labels:
            return None
        doc = self.version(titles[0], query)
        if doc is None:
            return None
        articles = self._articles.get(doc.doc_id, {})
        label, key = labels[0]
        return NamedArticle(doc, label, articles.get(key, []), len(articles))
