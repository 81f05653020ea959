"""Loaders: every supported format read from real files (PDF and DOCX made at test time from corpus text),
and every kind of bad input rejected with a DocumentError whose reason is Chinese."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from index_helpers import PLAN_FILE, docx_bytes, law_excerpt, pdf_bytes, raw_blocks, related

from index.cleaning import clean_document
from index.errors import DocumentError
from index.loaders import SUPPORTED_SUFFIXES, load_text

MAX = 20 * 1024 * 1024
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def paragraphs(text: str) -> list[str]:
    return [p for p in text.strip().split("\n\n") if p]


def assert_rejected(path: Path, reason_part: str, *, max_bytes: int = MAX) -> DocumentError:
    with pytest.raises(DocumentError) as caught:
        load_text(path, max_bytes=max_bytes, name=path.name)
    error = caught.value
    assert reason_part in error.reason
    assert CHINESE.search(error.reason), error.reason
    assert error.path == path.name
    assert str(error).startswith(f"{path.name}: ")
    return error


# --- plain text and Markdown -----------------------------------------------------------------------------


def test_txt_is_read_as_written() -> None:
    assert load_text(PLAN_FILE, max_bytes=MAX) == PLAN_FILE.read_text(encoding="utf-8")


def test_markdown_is_read_as_written() -> None:
    law = related("专利法")
    assert load_text(law, max_bytes=MAX) == law.read_text(encoding="utf-8")


def test_utf8_bom_is_dropped(tmp_path: Path) -> None:
    text = "第一条 为了保护专利权人的合法权益，鼓励发明创造，制定本法。"
    path = write(tmp_path, "bom.txt", "\ufeff".encode() + text.encode("utf-8"))
    assert load_text(path, max_bytes=MAX) == text


def test_gb18030_text_is_decoded(tmp_path: Path) -> None:
    """Files saved by Chinese Windows tools are GB18030 (GBK): they read as the same text as UTF-8 ones."""
    text = "\n\n".join(raw_blocks(PLAN_FILE)[:5])
    path = write(tmp_path, "plan-gbk.txt", text.encode("gb18030"))
    assert load_text(path, max_bytes=MAX) == text


def test_text_in_no_known_encoding_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "binary.txt", b"\xff\xfe\x80\x81 not text \x80")
    assert_rejected(path, "不是 UTF-8 或 GB18030 编码的文本")


# --- HTML ------------------------------------------------------------------------------------------------


def test_html_keeps_title_and_blocks_and_drops_page_furniture(tmp_path: Path) -> None:
    html = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>中华人民共和国专利法</title>
    <style>p { color: red }</style><script>var tracking = "脚本内容";</script></head>
    <body><nav>首页 | 法律法规 | 登录</nav><header>网站页眉</header>
    <h2>第五章 专利权的期限、终止和无效</h2>
    <p>第四十四条 有下列情形之一的，专利权在期限届满前终止：</p>
    <ul><li>（一）没有按照规定缴纳年费的；</li><li>（二）专利权人以书面声明放弃其专利权的。</li></ul>
    <footer>版权所有 网站页脚</footer></body></html>"""
    path = write(tmp_path, "patent.html", html.encode("utf-8"))
    assert paragraphs(load_text(path, max_bytes=MAX)) == [
        "中华人民共和国专利法",
        "第五章 专利权的期限、终止和无效",
        "第四十四条 有下列情形之一的，专利权在期限届满前终止：",
        "（一）没有按照规定缴纳年费的；",
        "（二）专利权人以书面声明放弃其专利权的。",
    ]


def test_html_without_block_tags_falls_back_to_its_text(tmp_path: Path) -> None:
    path = write(tmp_path, "bare.htm", "<html><body><div>知识产权保护</div></body></html>".encode())
    assert load_text(path, max_bytes=MAX).strip() == "知识产权保护"


# --- PDF -------------------------------------------------------------------------------------------------


def test_pdf_chinese_text_paragraphs_and_page_break_repair(tmp_path: Path) -> None:
    """The plan's opening typeset as a two-page PDF, its page break falling inside ``指明了方`` / ``向。`` as
    in the source file: the text comes out, wrapped lines and the split word are rejoined by the cleaner,
    and the paragraphs come out exactly as cleaning the original text gives them."""
    blocks = raw_blocks(PLAN_FILE)[:8]
    assert blocks[4].endswith("指明了方") and blocks[5] == "向。"
    path = write(tmp_path, "plan.pdf", pdf_bytes([blocks[:5], blocks[5:]]))

    raw = load_text(path, max_bytes=MAX)
    assert "一、《规划》编制背景" in raw
    assert "指明了方" in raw and "向。" in raw
    assert "指明了方向。" not in raw  # the page break is still there before cleaning

    cleaned = clean_document(raw)
    assert cleaned == clean_document("\n\n".join(blocks))
    assert "为武汉知识产权工作指明了方向。" in cleaned
    assert paragraphs(cleaned)[:3] == [
        "《武汉市知识产权“十四五”规划》 政策解读",
        blocks[1],
        "一、《规划》编制背景",
    ]
    assert len(paragraphs(cleaned)) == 7


def test_pdf_law_article_keeps_items_apart(tmp_path: Path) -> None:
    excerpt = law_excerpt(related("专利法"), "第五章", "第四十四条")
    path = write(tmp_path, "patent.pdf", pdf_bytes([["中华人民共和国专利法", *excerpt]]))
    cleaned = paragraphs(clean_document(load_text(path, max_bytes=MAX)))
    assert cleaned == ["中华人民共和国专利法", *excerpt]


def test_pdf_with_no_text_layer_is_rejected(tmp_path: Path) -> None:
    """A scanned PDF (no text layer) yields no text: rejected, not indexed empty."""
    path = write(tmp_path, "scan.pdf", pdf_bytes([[]]))
    assert_rejected(path, "文件中没有可提取的文字")


def _garbled_filter_pdf() -> bytes:
    # A damaged stream dictionary: pypdf raises NotImplementedError("Unsupported filter ...") on it.
    data = pdf_bytes([["第一条 为了保护专利权人的合法权益。"]])
    assert b"/FlateDecode" in data
    return data.replace(b"/FlateDecode", b"/FlateDecodX")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"this is not a PDF", id="garbage"),
        pytest.param(b"", id="empty"),
        pytest.param(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF", id="no-xref"),
        pytest.param(pdf_bytes([["第一条 测试。"]])[:400], id="truncated"),
        pytest.param(_garbled_filter_pdf(), id="garbled-filter"),
    ],
)
def test_broken_pdf_is_rejected(tmp_path: Path, data: bytes) -> None:
    assert_rejected(write(tmp_path, "broken.pdf", data), "PDF 文件损坏或无法解析")


# --- DOCX ------------------------------------------------------------------------------------------------


def test_docx_article_paragraphs_survive(tmp_path: Path) -> None:
    excerpt = law_excerpt(related("专利法"), "第五章", "第四十四条")
    path = write(tmp_path, "patent.docx", docx_bytes(excerpt, title="中华人民共和国专利法"))
    text = load_text(path, max_bytes=MAX)
    assert paragraphs(text) == ["中华人民共和国专利法", *excerpt]
    assert paragraphs(clean_document(text)) == ["中华人民共和国专利法", *excerpt]


def test_docx_page_break_fragments_are_rejoined_by_the_cleaner(tmp_path: Path) -> None:
    """A Word file converted from the damaged plan keeps its fragments as separate paragraphs."""
    blocks = raw_blocks(PLAN_FILE)
    start = next(i for i, block in enumerate(blocks) if block.startswith("三是围绕高标准"))
    fragments = blocks[start : start + 3]  # "…保护工" / "作体制机制…" / "四是…"
    assert fragments[0].endswith("保护工") and fragments[1].startswith("作体制机制")
    path = write(tmp_path, "plan.docx", docx_bytes(["《武汉市知识产权“十四五”规划》 政策解读", "", *fragments]))
    cleaned = paragraphs(clean_document(load_text(path, max_bytes=MAX)))
    assert len(cleaned) == 3
    assert cleaned[1] == fragments[0] + fragments[1]
    assert "从建立知识产权保护工作体制机制" in cleaned[1]
    assert cleaned[2] == fragments[2]


def _damaged_docx(part: str, content: bytes | None) -> bytes:
    """A valid ZIP whose ``part`` is replaced by ``content`` (or left out when None)."""
    source = zipfile.ZipFile(io.BytesIO(docx_bytes(["第一条 为了保护专利权人的合法权益。"])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            data = source.read(name) if name != part else content
            if data is not None:
                target.writestr(name, data)
    return buffer.getvalue()


def _zip_without_word_parts() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "不是 Word 文档")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"PK\x03\x04 not really a zip", id="garbage"),
        pytest.param(b"", id="empty"),
        pytest.param(docx_bytes(["第一条 测试。"])[:500], id="truncated"),
        pytest.param(_zip_without_word_parts(), id="zip-but-not-docx"),
        pytest.param(_damaged_docx("word/document.xml", None), id="no-document-part"),
        pytest.param(_damaged_docx("word/document.xml", b"<w:document garbage"), id="damaged-document-xml"),
        pytest.param(_damaged_docx("[Content_Types].xml", b"<<<"), id="damaged-content-types"),
    ],
)
def test_broken_docx_is_rejected(tmp_path: Path, data: bytes) -> None:
    assert_rejected(write(tmp_path, "broken.docx", data), "DOCX 文件损坏或无法解析")


# --- what every format shares ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["notes.doc", "table.xlsx", "slides.pptx", "image.png", "README"])
def test_unsupported_suffix_is_rejected_with_the_supported_list(tmp_path: Path, name: str) -> None:
    error = assert_rejected(write(tmp_path, name, "第一条 测试。".encode()), "不支持的文件类型")
    assert all(suffix in error.reason for suffix in SUPPORTED_SUFFIXES)


def test_suffix_match_ignores_case(tmp_path: Path) -> None:
    path = write(tmp_path, "LAW.MD", "# 测试法\n\n第一条 测试。".encode())
    assert load_text(path, max_bytes=MAX).startswith("# 测试法")


@pytest.mark.parametrize("suffix", [".txt", ".md", ".html", ".pdf", ".docx"])
def test_oversize_file_is_rejected_before_parsing(tmp_path: Path, suffix: str) -> None:
    data = PLAN_FILE.read_bytes()
    path = write(tmp_path, f"big{suffix}", data)  # not a valid PDF/DOCX: the size check must come first
    error = assert_rejected(path, "文件过大", max_bytes=len(data) - 1)
    assert f"{len(data)} 字节" in error.reason and f"上限 {len(data) - 1} 字节" in error.reason
    assert load_text(PLAN_FILE, max_bytes=len(data))  # exactly at the limit is fine


@pytest.mark.parametrize(
    ("name", "data"),
    [("empty.txt", b""), ("blank.md", b"  \n\n\t\n"), ("empty.html", b"<html><body>  </body></html>")],
)
def test_empty_file_is_rejected(tmp_path: Path, name: str, data: bytes) -> None:
    assert_rejected(write(tmp_path, name, data), "文件中没有可提取的文字")


def test_default_name_in_errors_is_the_path(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.txt", b"")
    with pytest.raises(DocumentError) as caught:
        load_text(path, max_bytes=MAX)
    assert caught.value.path == str(path)
