"""How answers name their sources: ``《中华人民共和国专利法》第四十二条（2020年修正）``."""

from __future__ import annotations

import re

from index.cleaning import NUMERALS
from index.schema import Chunk, SourceDoc

ARTICLE_LABEL = re.compile(rf"^第([{NUMERALS}]+)条")


def book_title(title: str) -> str:
    """A title in book-title marks (kept as it is if already marked): ``专利法`` -> ``《专利法》``."""
    return title if title.startswith("《") else f"《{title}》"


def versioned_title(doc: SourceDoc) -> str:
    """``《中华人民共和国专利法实施细则》（2023年修订）``."""
    return book_title(doc.title) + (f"（{doc.version}）" if doc.version else "")


def cite(doc: SourceDoc, chunk: Chunk) -> str:
    """How an answer names its source: the article for laws, the section path for other documents."""
    if chunk.label and ARTICLE_LABEL.match(chunk.label):
        return f"{book_title(doc.title)}{chunk.label}" + (f"（{doc.version}）" if doc.version else "")
    where = "，".join(part for part in (chunk.section, doc.version) if part)
    return f"{book_title(doc.title)}（{where}）"
