"""How answers name their sources: ``《中华人民共和国专利法》第四十二条（2020年修正）``."""

from __future__ import annotations

import re

from index.cleaning import NUMERALS
from index.schema import Chunk, SourceDoc
from index.versions import VersionStatus

ARTICLE_LABEL = re.compile(rf"^第([{NUMERALS}]+)条")


def book_title(title: str) -> str:
    """A title in book-title marks (kept as it is if already marked): ``专利法`` -> ``《专利法》``."""
    return title if title.startswith("《") else f"《{title}》"


def versioned_title(doc: SourceDoc) -> str:
    """``《中华人民共和国专利法实施细则》（2023年修订）``."""
    return book_title(doc.title) + (f"（{doc.version}）" if doc.version else "")


def version_status(doc: SourceDoc, status: VersionStatus) -> str:
    """A versioned document's version and its status on the day of asking (``2020年修正，现行有效``); empty for a
    document without versions (the plan)."""
    return f"{doc.version}，{status.value}" if doc.version else ""


def cite(doc: SourceDoc, chunk: Chunk, status: VersionStatus) -> str:
    """How an answer names its source: the article for laws, the section path for other documents, with the
    version and its status."""
    version = version_status(doc, status)
    if chunk.label and ARTICLE_LABEL.match(chunk.label):
        return f"{book_title(doc.title)}{chunk.label}" + (f"（{version}）" if version else "")
    where = "，".join(part for part in (chunk.section, version) if part)
    return f"{book_title(doc.title)}（{where}）"
