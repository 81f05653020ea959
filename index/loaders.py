"""Read corpus files (.txt, .md, .html, .pdf, .docx) into plain text with the standard parsers."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from index.errors import DocumentError

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")


def _decode(data: bytes, path: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentError(path, "不是 UTF-8 或 GB18030 编码的文本")


def _read_html(data: bytes, path: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_decode(data, path), "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer"]):
        tag.decompose()
    title = soup.title.get_text(strip=True) if soup.title else ""
    if soup.title:
        soup.title.decompose()
    blocks = [el.get_text(" ", strip=True) for el in soup.find_all(["h1", "h2", "h3", "h4", "p", "li", "pre"])]
    body = "\n\n".join(block for block in blocks if block)
    if not body:
        body = soup.get_text("\n\n", strip=True)
    return f"{title}\n\n{body}" if title and not body.startswith(title) else body


def _read_pdf(data: bytes, path: str) -> str:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        # A page break is a paragraph break for the cleaner, which then repairs words it split.
        return "\n\n".join(page.extract_text() or "" for page in reader.pages)
    except Exception as error:  # a damaged file makes pypdf raise almost anything (LimitReachedError,
        # NotImplementedError for a garbled filter name...); any of them means this one file is unreadable.
        raise DocumentError(path, f"PDF 文件损坏或无法解析（{error}）") from error


def _read_docx(data: bytes, path: str) -> str:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        return "\n\n".join(paragraph.text for paragraph in document.paragraphs if paragraph.text.strip())
    except Exception as error:  # BadZipFile, KeyError, lxml's XMLSyntaxError for damaged XML parts,
        # AttributeError for damaged relationships...: any of them means this one file is unreadable.
        raise DocumentError(path, f"DOCX 文件损坏或无法解析（{error}）") from error


_READERS: dict[str, Callable[[bytes, str], str]] = {
    ".txt": _decode,
    ".md": _decode,
    ".html": _read_html,
    ".htm": _read_html,
    ".pdf": _read_pdf,
    ".docx": _read_docx,
}


def load_text(path: Path, *, max_bytes: int, name: str | None = None) -> str:
    """Read one corpus file as plain text.

    Args:
        path: the file to read.
        max_bytes: files larger than this are rejected before parsing.
        name: how the file is named in errors (defaults to the path).

    Returns:
        The document's text with paragraphs separated by blank lines.

    Raises:
        DocumentError: unsupported type, oversize, unreadable, broken or empty file.
    """
    label = name or str(path)
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise DocumentError(label, f"不支持的文件类型 {path.suffix}（支持：{'、'.join(SUPPORTED_SUFFIXES)}）")
    size = path.stat().st_size
    if size > max_bytes:
        raise DocumentError(label, f"文件过大（{size} 字节，上限 {max_bytes} 字节）")
    text = reader(path.read_bytes(), label)
    if not text.strip():
        raise DocumentError(label, "文件中没有可提取的文字")
    return text
