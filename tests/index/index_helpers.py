"""Shared helpers of the index-layer tests (a uniquely named module: pytest puts this folder on sys.path).

Corpus paths, an Embeddings wrapper that counts (and can fail) embedding calls, and builders of real PDF and
DOCX files from corpus text.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from langchain_core.embeddings import Embeddings

# No model hub here or in CI: sentence-transformers must read models from disk only.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

CORPUS_DIR = Path(__file__).resolve().parents[2] / "corpus"
RELATED_DIR = CORPUS_DIR / "related"
PLAN_FILE = CORPUS_DIR / "wuhan-ip-14th-five-year-plan-interpretation.txt"
PLAN_ID = PLAN_FILE.stem
LAW_FILES = sorted(RELATED_DIR.glob("*.md"))
MAX_BYTES = 20 * 1024 * 1024


def related(prefix: str) -> Path:
    """The one corpus/related file whose name starts with ``prefix(`` (e.g. ``专利法`` or ``专利法实施细则(2023``)."""
    matches = [path for path in LAW_FILES if path.name.startswith(prefix if "(" in prefix else f"{prefix}(")]
    assert len(matches) == 1, (prefix, matches)
    return matches[0]


def law_id(prefix: str) -> str:
    return f"related/{related(prefix).stem}"


class CountingEmbeddings(Embeddings):
    """A real Embeddings wrapped to count what it embeds; it raises after ``fail_after`` calls when asked to."""

    def __init__(self, inner: Embeddings, fail_after: int | None = None) -> None:
        self.inner = inner
        self.fail_after = fail_after
        self.calls = 0
        self.texts: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if self.fail_after is not None and self.calls >= self.fail_after:
            raise RuntimeError("embedding service died mid-build")
        self.calls += 1
        self.texts.extend(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


class CachedEmbeddings(Embeddings):
    """A real Embeddings that remembers the vector of every text it embedded, so that the many builds of the
    build tests pay for each text once. What a build asks for is counted by CountingEmbeddings around it."""

    def __init__(self, inner: Embeddings) -> None:
        self.inner = inner
        self._vectors: dict[str, list[float]] = {}

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        missing = [text for text in dict.fromkeys(texts) if text not in self._vectors]
        if missing:
            self._vectors.update(zip(missing, self.inner.embed_documents(missing), strict=True))
        return [self._vectors[text] for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def raw_blocks(path: Path) -> list[str]:
    """A corpus file's raw blank-line-separated blocks, as the file has them (page-break fragments included)."""
    return [block.strip() for block in path.read_text(encoding="utf-8").split("\n\n") if block.strip()]


def law_excerpt(path: Path, first: str, last: str) -> list[str]:
    """The raw paragraphs of a law file from the chapter heading or article ``first`` up to article ``last``
    (inclusive, with its paragraphs), without Markdown heading marks."""
    blocks = [block.lstrip("# ") for block in raw_blocks(path)]
    start = next(i for i, block in enumerate(blocks) if block.startswith(first))
    end = next(i for i, block in enumerate(blocks) if block.startswith(last))
    end = next((i for i in range(end + 1, len(blocks)) if blocks[i].startswith(("第", "##"))), len(blocks))
    return blocks[start:end]


# reportlab's built-in Adobe-GB1 CID font: PDF viewers and pypdf map it to Unicode without any font file, so a
# Chinese PDF can be made on a fresh machine with pip packages only.
PDF_FONT = "STSong-Light"


def pdf_bytes(pages: list[list[str]], *, chars_per_line: int = 34) -> bytes:
    """A real PDF of Chinese text: each inner list is one page of paragraphs, wrapped as a typesetter would
    (``chars_per_line`` characters a line, a gap between paragraphs, a new page when one fills up)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    _, height = A4
    for page in pages:
        pdf.setFont(PDF_FONT, 12)
        y = height - 60
        for paragraph in page:
            for offset in range(0, len(paragraph), chars_per_line):
                if y < 60:
                    pdf.showPage()
                    pdf.setFont(PDF_FONT, 12)
                    y = height - 60
                pdf.drawString(50, y, paragraph[offset : offset + chars_per_line])
                y -= 18
            y -= 12
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def docx_bytes(paragraphs: list[str], *, title: str | None = None) -> bytes:
    """A real Word document: an optional title heading, then one Word paragraph per string."""
    import docx

    document = docx.Document()
    if title:
        document.add_heading(title, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
