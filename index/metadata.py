"""Metadata read from a document's own text and file name: title, kind, version, history, dates."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from index.schema import KIND_OTHER

_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_FILE_DATE = re.compile(r"[(（](\d{4})-(\d{2})-(\d{2})[)）]")
_EFFECTIVE_IN_TEXT = re.compile(r"(?:本法|本条例|本规定|本细则|本解释|本办法)自(\d{4}年\d{1,2}月\d{1,2}日)起施行")
# Version actions in order of preference when a year has several history lines.
_ACTIONS = ("修正", "修订", "通过", "公布", "发布")


@dataclass(slots=True)
class DocMetadata:
    """What a document says about itself."""

    title: str
    kind: str
    version: str | None = None
    version_date: str | None = None
    history: list[str] = field(default_factory=list)
    effective: str | None = None


@lru_cache(maxsize=1)
def _kind_rules() -> list[tuple[re.Pattern[str], str]]:
    text = resources.files("index.data").joinpath("kinds.tsv").read_text(encoding="utf-8")
    rules = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            pattern, kind = line.split("\t")
            rules.append((re.compile(pattern), kind.strip()))
    return rules


def kind_of(title: str) -> str:
    """Classify a document by the form of its title (规划解读 / 法律 / 行政法规 / 司法解释)."""
    for pattern, kind in _kind_rules():
        if pattern.search(title):
            return kind
    return KIND_OTHER


def _iso(match: re.Match[str]) -> str:
    year, month, day = (int(part) for part in match.groups())
    return f"{year:04d}-{month:02d}-{day:02d}"


# Typesetting spaces in a title go unless they separate two Latin words ("Patent Law", not "PatentLaw").
_TITLE_SPACE = re.compile(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])")


def _title_of(text: str) -> str:
    first = next(line for line in text.splitlines() if line.strip())
    return _TITLE_SPACE.sub("", re.sub(r"\s+", " ", first.lstrip("#").strip()))


def _history_of(text: str) -> list[str]:
    """History lines: the dated lines before the first chapter, article or body paragraph."""
    history = []
    for paragraph in text.split("\n\n")[1:]:
        if not _DATE.match(paragraph) or len(paragraph) > 160:
            break
        history.append(re.sub(r"\s+", " ", paragraph).strip())
    return history


def _version_label(version_date: str, history: list[str]) -> str:
    year = version_date[:4]
    same_year = [line for line in history if line.startswith(f"{int(year)}年")]
    for action in _ACTIONS:
        if any(action in line for line in same_year):
            return f"{year}年{action}"
    return f"{year}年版"


def read_metadata(text: str, file_name: str) -> DocMetadata:
    """Read a cleaned document's metadata from its text and file name; nothing is invented.

    The version date is the date in the file name (the corpus convention) or else the latest date
    in the document's history lines; the version label names the amendment of that year when the
    history states it (``2020年修正``), and only the year otherwise (``2010年版``).
    """
    title = _title_of(text)
    history = _history_of(text)
    dates = [_iso(match) for line in history for match in [_DATE.match(line)] if match]
    file_date = _FILE_DATE.search(file_name)
    version_date = "-".join(file_date.groups()) if file_date else (max(dates) if dates else None)
    # A history line saying when this version took effect beats the text's own "本法自…起施行", which in an
    # amended law is the original law's date: that one is kept only when it is not older than the version.
    effective_line = next((line for line in history if "施行" in line), None)
    stated = _EFFECTIVE_IN_TEXT.search(text)
    effective = effective_line.split()[0] if effective_line else None
    stated_date = _DATE.match(stated.group(1)) if stated else None
    if effective is None and stated_date and (not version_date or _iso(stated_date) >= version_date):
        effective = stated_date.group(0)
    return DocMetadata(
        title=title,
        kind=kind_of(title),
        version=_version_label(version_date, history) if version_date else None,
        version_date=version_date,
        history=history,
        effective=effective,
    )
