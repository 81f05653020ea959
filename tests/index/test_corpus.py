"""Corpus reading: which files are found, the ids and hashes they get, and a broken file skipped with a clear
error while every other file is still read in full."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from index_helpers import CORPUS_DIR, LAW_FILES, MAX_BYTES, PLAN_FILE, PLAN_ID, docx_bytes, law_excerpt, related

from index.cleaning import clean_document
from index.corpus import CorpusFile, CorpusReadResult, discover, read_corpus, read_document
from index.schema import KIND_LAW, SourceDoc


def test_whole_corpus_reads_without_errors(corpus: CorpusReadResult) -> None:
    assert corpus.errors == []
    assert len(corpus.docs) == 1 + len(LAW_FILES)


def test_doc_ids_are_paths_inside_the_corpus_without_suffix(docs: dict[str, SourceDoc]) -> None:
    assert PLAN_ID in docs
    assert docs[PLAN_ID].path == PLAN_FILE.name
    patent = docs[f"related/{related('专利法').stem}"]
    assert patent.path == f"related/{related('专利法').name}"


@pytest.mark.parametrize("path", [PLAN_FILE, *LAW_FILES], ids=[PLAN_FILE.stem, *(p.stem for p in LAW_FILES)])
def test_document_text_is_the_cleaned_file_and_hash_is_of_its_bytes(docs: dict[str, SourceDoc], path: Path) -> None:
    doc = docs[path.relative_to(CORPUS_DIR).with_suffix("").as_posix()]
    assert doc.text == clean_document(path.read_text(encoding="utf-8"))
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_discovery_order_is_stable_and_skips_hidden_and_unsupported_files(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    (root / "b" / "deeper").mkdir(parents=True)
    for name in ("b/deeper/z.md", "b/a.txt", "c.html", "a.docx", ".hidden.md", "notes.xlsx", "image.png"):
        (root / name).write_bytes(b"x")
    files, sidecar = discover([root])
    assert [file.relative for file in files] == ["a.docx", "b/a.txt", "b/deeper/z.md", "c.html"]
    assert sidecar == {file.relative: {} for file in files}


def test_several_sources_folders_and_single_files(make_corpus: Callable[..., Path], tmp_path: Path) -> None:
    laws = make_corpus(related("专利法"), related("商标法(2019"), name="laws")
    single = tmp_path / "single"
    single.mkdir()
    shutil.copy(PLAN_FILE, single / PLAN_FILE.name)
    result = read_corpus([laws, single / PLAN_FILE.name], max_bytes=MAX_BYTES)
    assert [doc.doc_id for doc in result.docs] == [related("专利法").stem, related("商标法(2019").stem, PLAN_ID]


def test_read_document_of_a_docx_law(tmp_path: Path) -> None:
    excerpt = law_excerpt(related("专利法"), "第五章", "第四十五条")
    path = tmp_path / "专利法节选.docx"
    path.write_bytes(docx_bytes(excerpt, title="中华人民共和国专利法"))
    doc = read_document(CorpusFile(path=path, relative=path.name), {}, max_bytes=MAX_BYTES)
    assert (doc.doc_id, doc.title, doc.kind) == ("专利法节选", "中华人民共和国专利法", KIND_LAW)
    assert doc.text == "\n\n".join(["中华人民共和国专利法", *excerpt]) + "\n"


def test_a_broken_file_is_skipped_and_nothing_else_is_lost(make_corpus: Callable[..., Path]) -> None:
    good_files = (PLAN_FILE, related("专利法"), related("著作权法"))
    clean_root = make_corpus(*good_files, name="clean")
    root = make_corpus(*good_files, name="damaged")
    (root / "broken.pdf").write_bytes(b"%PDF-1.7\nthis file was cut off in transfer")
    (root / "broken.docx").write_bytes(b"PK\x03\x04 truncated")
    (root / "empty.txt").write_bytes(b"")
    (root / "huge.md").write_bytes("第一条 超长文件。".encode() * 200_000)
    (root / "gbk.txt").write_bytes("# 某市专利资助办法\n\n第一条 为了鼓励发明创造，制定本办法。".encode("gb18030"))

    result = read_corpus([root], max_bytes=1_000_000)
    reasons = {error.path: error.reason for error in result.errors}
    assert set(reasons) == {"broken.pdf", "broken.docx", "empty.txt", "huge.md"}
    assert "PDF 文件损坏或无法解析" in reasons["broken.pdf"]
    assert "DOCX 文件损坏或无法解析" in reasons["broken.docx"]
    assert "没有可提取的文字" in reasons["empty.txt"]
    assert "文件过大" in reasons["huge.md"]

    expected = {doc.doc_id: doc.to_dict() for doc in read_corpus([clean_root], max_bytes=1_000_000).docs}
    got = {doc.doc_id: doc.to_dict() for doc in result.docs}
    assert got.pop("gbk")["title"] == "某市专利资助办法"  # a GB18030 file is read, not rejected
    assert got == expected
