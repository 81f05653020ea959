"""Status by date: a version is in force from its effective date (else its promulgation date) until a later
version's; before that it is not yet in force. Judged for the day of asking, from dates read once at ingest."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from index_helpers import MAX_BYTES, law_id, related

from index.corpus import read_corpus
from index.schema import SourceDoc
from index.versions import VersionStatus, VersionTimeline

IN_FORCE, PENDING, SUPERSEDED = VersionStatus.IN_FORCE, VersionStatus.PENDING, VersionStatus.SUPERSEDED


def version(doc_id: str, promulgated: str, effective: str | None = None, title: str = "某某法") -> SourceDoc:
    return SourceDoc(
        doc_id=doc_id,
        path=f"{doc_id}.md",
        title=title,
        kind="法律",
        text="",
        sha256="",
        promulgated=promulgated,
        effective=effective,
    )


@pytest.mark.parametrize(
    ("day", "old", "new"),
    [
        (date(2026, 12, 31), IN_FORCE, PENDING),  # the day before the revision takes effect
        (date(2027, 1, 1), SUPERSEDED, IN_FORCE),  # the day it takes effect
        (date(2027, 6, 1), SUPERSEDED, IN_FORCE),
    ],
)
def test_a_revision_takes_over_on_its_effective_date(day: date, old: VersionStatus, new: VersionStatus) -> None:
    timeline = VersionTimeline([version("v2019", "2019-04-23"), version("v2026", "2026-06-26", "2027-01-01")])
    assert (timeline.status("v2019", day), timeline.status("v2026", day)) == (old, new)


def test_three_versions_of_one_document() -> None:
    docs = [version("c", "2025-06-27", "2025-10-15"), version("a", "2010-01-09"), version("b", "2019-04-23")]
    timeline = VersionTimeline(docs)
    assert timeline.statuses(date(2015, 1, 1)) == {"a": IN_FORCE, "b": PENDING, "c": PENDING}
    assert timeline.statuses(date(2025, 7, 1)) == {"a": SUPERSEDED, "b": IN_FORCE, "c": PENDING}
    assert timeline.statuses(date(2025, 10, 15)) == {"a": SUPERSEDED, "b": SUPERSEDED, "c": IN_FORCE}
    assert timeline.in_force("a", date(2025, 7, 1)).doc_id == "b"  # type: ignore[union-attr]
    assert timeline.pending("a", date(2025, 7, 1)).doc_id == "c"  # type: ignore[union-attr]
    assert timeline.pending("a", date(2026, 1, 1)) is None


def test_a_version_promulgated_before_a_later_effective_one_stays_in_force_until_then() -> None:
    """Order is by the date a version applies from, not by promulgation or file order."""
    timeline = VersionTimeline([version("new", "2026-06-26", "2027-01-01"), version("old", "2019-04-23")])
    assert [doc.doc_id for doc in timeline.versions("new")] == ["old", "new"]


def test_nothing_in_force_before_the_first_version_takes_effect() -> None:
    timeline = VersionTimeline([version("only", "2020-05-28", "2021-01-01")])
    assert timeline.status("only", date(2020, 12, 31)) is PENDING
    assert timeline.in_force("only", date(2020, 12, 31)) is None


def test_documents_with_other_titles_do_not_interfere() -> None:
    timeline = VersionTimeline([version("a", "2019-01-01"), version("b", "2026-01-01", title="另一部法")])
    assert timeline.statuses(date(2026, 6, 1)) == {"a": IN_FORCE, "b": IN_FORCE}


@pytest.mark.parametrize(
    ("day", "trademark_2019", "trademark_2026", "competition_2019", "competition_2025"),
    [
        (date(2025, 10, 14), IN_FORCE, PENDING, IN_FORCE, PENDING),
        (date(2026, 12, 2), IN_FORCE, PENDING, SUPERSEDED, IN_FORCE),
        (date(2027, 1, 2), SUPERSEDED, IN_FORCE, SUPERSEDED, IN_FORCE),
    ],
)
def test_the_corpus_versions_by_date(
    docs: dict[str, SourceDoc],
    day: date,
    trademark_2019: VersionStatus,
    trademark_2026: VersionStatus,
    competition_2019: VersionStatus,
    competition_2025: VersionStatus,
) -> None:
    timeline = VersionTimeline(docs.values())
    assert [
        timeline.status(law_id(prefix), day)
        for prefix in ("商标法(2019", "商标法(2026", "反不正当竞争法(2019", "反不正当竞争法(2025")
    ] == [trademark_2019, trademark_2026, competition_2019, competition_2025]
    assert timeline.status(law_id("专利法实施细则(2010"), day) is SUPERSEDED


def test_a_sidecar_date_overrides_the_documents_own(make_corpus: Callable[..., Path]) -> None:
    root = make_corpus(related("商标法(2019"), related("商标法(2026"))
    (root / "metadata.toml").write_text(
        f'["{related("商标法(2026").name}"]\neffective = 2026-07-01\n', encoding="utf-8"
    )
    docs = read_corpus([root], max_bytes=MAX_BYTES).docs
    timeline = VersionTimeline(docs)
    by_stem = {doc.doc_id: doc for doc in docs}
    assert by_stem[related("商标法(2026").stem].effective == "2026-07-01"
    assert timeline.status(related("商标法(2019").stem, date(2026, 12, 2)) is SUPERSEDED
