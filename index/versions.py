"""Which version of a document applies on a given day.

Documents with the same title are versions of one document. On a day, a version is *in force* (现行有效) when
the date it applies from (its effective date, else its promulgation date) has come and no later version's has;
*not yet in force* (尚未施行) while that date is still ahead; *superseded* (已被取代) otherwise. Statuses are
computed for the day of asking, so a revision that takes effect tomorrow needs no re-ingest.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum

from index.schema import SourceDoc


class VersionStatus(StrEnum):
    """A version's status on a given day (the values are what users read)."""

    IN_FORCE = "现行有效"
    PENDING = "尚未施行"
    SUPERSEDED = "已被取代"


def _start(doc: SourceDoc) -> str:
    """Sort key: the date a version applies from; an undated version counts as the oldest."""
    return doc.starts or ""


class VersionTimeline:
    """The versions of every document, ordered by the date each applies from.

    Args:
        docs: the indexed documents.
    """

    def __init__(self, docs: Iterable[SourceDoc]) -> None:
        self._docs = {doc.doc_id: doc for doc in docs}
        by_title: dict[str, list[SourceDoc]] = {}
        for doc in self._docs.values():
            by_title.setdefault(doc.title, []).append(doc)
        self._versions = {title: sorted(group, key=_start) for title, group in by_title.items()}

    def versions(self, doc_id: str) -> list[SourceDoc]:
        """Every version of the document ``doc_id`` belongs to, oldest first."""
        return self._versions[self._docs[doc_id].title]

    def in_force(self, doc_id: str, day: date) -> SourceDoc | None:
        """The version of ``doc_id``'s document in force on ``day`` (None when none has taken effect yet)."""
        started = [doc for doc in self.versions(doc_id) if _start(doc) <= day.isoformat()]
        return started[-1] if started else None

    def status(self, doc_id: str, day: date) -> VersionStatus:
        """The status of one version on ``day``."""
        if _start(self._docs[doc_id]) > day.isoformat():
            return VersionStatus.PENDING
        current = self.in_force(doc_id, day)
        return VersionStatus.IN_FORCE if current and current.doc_id == doc_id else VersionStatus.SUPERSEDED

    def statuses(self, day: date) -> dict[str, VersionStatus]:
        """The status of every version on ``day``, by doc id."""
        return {doc_id: self.status(doc_id, day) for doc_id in self._docs}

    def pending(self, doc_id: str, day: date) -> SourceDoc | None:
        """The latest version of ``doc_id``'s document promulgated but not yet in force on ``day``, if any."""
        waiting = [doc for doc in self.versions(doc_id) if _start(doc) > day.isoformat()]
        return waiting[-1] if waiting else None
