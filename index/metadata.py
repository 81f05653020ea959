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


@dataclass(slots=True)
class DocMetadata:
    """What a document says about itself.

    Attributes:
        title: the document's own title.
        kind: 规划解读 / 法律 / 行政法规 / 司法解释…, from the title's form.
        version: the version label shown in citations (``2020年修正``, ``2025年6月27日公布，2025年10月15日施行``).
        promulgated: ISO date this version was adopted or promulgated.
        effective: ISO date this version takes effect, when the document states it.
        history: the promulgation and amendment lines as the document states them.
    """

    title: str
    kind: str
    version: str | None = None
    promulgated: str | None = None
    effective: str | None = None
    history: list[str] = field(default_factory=list)


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


def chinese_date(iso: str) -> str:
    """``2027-01-01`` -> ``2027年1月1日``, as the documents write dates."""
    year, month, day = (int(part) for part in iso.split("-"))
    return f"{year}年{month}月{day}日"


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


_AMENDMENTS = ("修正", "修订")
_ENACTMENTS = ("通过", "公布", "发布")


def _dated(history: list[str]) -> list[tuple[str, str]]:
    """(ISO date, line) of the history lines that start with a date."""
    return [(_iso(found), line) for line in history if (found := _DATE.match(line))]


def _version_label(promulgated: str, effective: str | None, history: list[str]) -> str:
    """The label a citation shows, saying only what the header says.

    An amendment the history states for the version's year gives ``2020年修正``; a version whose own dated line
    only says it was adopted or promulgated gives that line's date and, when stated, the date it takes effect
    (``2025年6月27日公布，2025年10月15日施行``); otherwise the year and whatever the history says of it
    (``2021年通过``), or just ``2010年版``.
    """
    year = promulgated[:4]
    same_year = [line for line in history if line.startswith(f"{int(year)}年")]
    for action in _AMENDMENTS:
        if any(action in line for line in same_year):
            return f"{year}年{action}"
    own_line = next((line for date, line in _dated(history) if date == promulgated), "")
    if effective and (action := next((a for a in _ENACTMENTS if a in own_line), None)):
        return f"{chinese_date(promulgated)}{action}，{chinese_date(effective)}施行"
    for action in _ENACTMENTS:
        if any(action in line for line in same_year):
            return f"{year}年{action}"
    return f"{year}年版"


def _effective_date(text: str, history: list[str], promulgated: str | None) -> str | None:
    """When this version takes effect: a history line ``…施行`` not older than the version, or the text's own
    ``本法自…起施行`` when it is not older (in an amended law that article dates the original law)."""
    candidates = [date for date, line in _dated(history) if "施行" in line]
    if (stated := _EFFECTIVE_IN_TEXT.search(text)) and (found := _DATE.match(stated.group(1))):
        candidates.append(_iso(found))
    return next((date for date in candidates if not promulgated or date >= promulgated), None)


def read_metadata(text: str, file_name: str) -> DocMetadata:
    """Read a cleaned document's metadata from its text and file name; nothing is invented.

    The promulgation date of the version is the date in the file name (the corpus convention) or else the latest
    date of the history lines that do not say when it takes effect.
    """
    title = _title_of(text)
    history = _history_of(text)
    file_date = _FILE_DATE.search(file_name)
    enacted = [date for date, line in _dated(history) if "施行" not in line]
    promulgated = "-".join(file_date.groups()) if file_date else (max(enacted) if enacted else None)
    effective = _effective_date(text, history, promulgated)
    return DocMetadata(
        title=title,
        kind=kind_of(title),
        version=_version_label(promulgated, effective, history) if promulgated else None,
        promulgated=promulgated,
        effective=effective,
        history=history,
    )
