"""Building and loading the index with the real default embeddings over small corpora copied from corpus/:
the manifest, skipping an up-to-date index, detecting changed, added and removed files, re-embedding only
what changed, surviving a crash mid-build, and the Chinese errors of load_index."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from index_helpers import PLAN_FILE, PLAN_ID, CountingEmbeddings, related
from langchain_core.embeddings import Embeddings

from index.build import (
    BUILDS_DIR,
    CHUNKS_FILE,
    CURRENT_FILE,
    FORMAT_VERSION,
    MANIFEST_FILE,
    SECOND_FOLDER,
    BuildReport,
    DenseModel,
    LoadedIndex,
    build_index,
    current_build,
    describe_documents,
    is_stale,
    load_index,
    read_manifest,
    read_records,
)
from index.embedding import E5_SMALL, load_embeddings
from index.errors import IndexMismatch, IndexNotReady
from index.schema import KIND_JUDICIAL
from index.segment import Segmenter

MODEL = "use-multilingual"
MAX_CHARS = 600
INTERPRETATION = "最高人民法院关于审理侵害知识产权民事案件适用惩罚性赔偿的解释"
REGULATION = "国务院关于涉外知识产权纠纷处理的规定"


class Builder:
    """Builds one index folder from one corpus folder, counting what the real embeddings are asked to embed."""

    def __init__(self, corpus: Path, index_dir: Path, embeddings: Embeddings, segmenter: Segmenter) -> None:
        self.corpus, self.index_dir, self.embeddings, self.segmenter = corpus, index_dir, embeddings, segmenter

    def build(self, *, model: str = MODEL, fail_after: int | None = None, **kwargs: Any) -> tuple[BuildReport, int]:
        counting = CountingEmbeddings(self.embeddings, fail_after=fail_after)
        options = {"max_document_bytes": 2_000_000, "chunk_max_chars": MAX_CHARS, "embed_batch": 8, **kwargs}
        report = build_index(
            [self.corpus],
            self.index_dir,
            embeddings=counting,
            embedding_model=model,
            segmenter=self.segmenter,
            **options,
        )
        assert report.embedded == len(counting.texts)
        return report, len(counting.texts)

    def stale(self, **kwargs: Any) -> bool:
        options = {"embedding_model": MODEL, "chunk_max_chars": MAX_CHARS, **kwargs}
        return is_stale(self.index_dir, [self.corpus], **options)

    def load(self) -> LoadedIndex:
        return load_index(self.index_dir, self.embeddings, embedding_model=MODEL)


@pytest.fixture()
def builder(
    make_corpus: Callable[..., Path], tmp_path: Path, cached_embeddings: Embeddings, segmenter: Segmenter
) -> Builder:
    corpus = make_corpus(PLAN_FILE, related(INTERPRETATION))
    return Builder(corpus, tmp_path / "index", cached_embeddings, segmenter)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def builds(index_dir: Path) -> set[str]:
    return {p.name for p in (index_dir / BUILDS_DIR).iterdir()}


# --- a first build ---------------------------------------------------------------------------------------


def test_first_build_writes_manifest_records_and_stores(builder: Builder) -> None:
    stages: list[tuple[str, int, int]] = []
    report, embedded = builder.build(progress=lambda stage, done, total: stages.append((stage, done, total)))
    assert not report.skipped
    assert report.documents == 2 and report.errors == []
    assert report.embedded == embedded == report.chunks and report.reused == 0

    manifest = read_manifest(builder.index_dir)
    assert manifest is not None
    assert manifest["build_id"] == report.build_id
    assert (builder.index_dir / CURRENT_FILE).read_text(encoding="utf-8").strip() == report.build_id
    assert manifest["format"] == FORMAT_VERSION
    assert manifest["embedding_model"] == MODEL
    assert manifest["dimensions"] == 512
    assert manifest["chunk_max_chars"] == MAX_CHARS
    assert manifest["documents"] == 2
    assert manifest["files"] == {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in builder.corpus.iterdir()
    }
    build = current_build(builder.index_dir)
    assert build is not None
    chunk_rows = (build / CHUNKS_FILE).read_text(encoding="utf-8").splitlines()
    assert manifest["chunks"] == report.chunks == len(chunk_rows)

    index = builder.load()
    assert index.build_id == report.build_id
    assert len(index.chunks) == len(index.dense) == len(index.lexical.ids) == report.chunks
    assert index.dense.ids == index.lexical.ids == [chunk.chunk_id for chunk in index.chunks]
    assert set(index.docs) == {PLAN_ID, related(INTERPRETATION).stem}
    assert index.docs[related(INTERPRETATION).stem].kind == KIND_JUDICIAL
    assert all(chunk.doc_id in index.docs for chunk in index.chunks)

    assert stages[0][0] == "分词"
    assert stages[-1] == ("向量化", report.chunks, report.chunks)


def test_loaded_index_answers_from_both_stores(builder: Builder) -> None:
    builder.build()
    index = builder.load()
    by_id = {chunk.chunk_id: chunk for chunk in index.chunks}
    question = "惩罚性赔偿的倍数怎么确定"
    best_dense = index.dense.similarity_search(question, k=1)[0]
    assert by_id[best_dense.id].label == "第六条"
    lexical = index.lexical.scores(builder.segmenter.tokens(question))
    assert by_id[index.lexical.ids[int(np.argmax(lexical))]].label == "第六条"


def test_a_second_model_gets_its_own_store_that_rebuilds_reuse(builder: Builder) -> None:
    e5 = CountingEmbeddings(load_embeddings(E5_SMALL))
    options = {
        "embeddings": builder.embeddings,
        "embedding_model": MODEL,
        "segmenter": builder.segmenter,
        "max_document_bytes": 2_000_000,
        "chunk_max_chars": MAX_CHARS,
        "second": DenseModel(E5_SMALL, e5),
    }
    report = build_index([builder.corpus], builder.index_dir, **options)
    assert len(e5.texts) == report.chunks and report.embedded == 2 * report.chunks
    manifest = read_manifest(builder.index_dir)
    assert manifest is not None and manifest["second_embedding_model"] == E5_SMALL
    assert (current_build(builder.index_dir) / SECOND_FOLDER).is_dir()  # type: ignore[operator]

    index = load_index(builder.index_dir, builder.embeddings, embedding_model=MODEL, second=DenseModel(E5_SMALL, e5))
    assert index.second_dense is not None and index.second_dense.ids == index.dense.ids
    assert index.second_dense.index.d == 384
    best = index.second_dense.similarity_search("惩罚性赔偿的倍数怎么确定", k=1)[0]
    assert next(c for c in index.chunks if c.chunk_id == best.id).label == "第六条"

    rebuilt = build_index([builder.corpus], builder.index_dir, force=True, **options)
    assert rebuilt.embedded == 0 and len(e5.texts) == report.chunks  # both models' vectors reused
    assert builder.stale() and not builder.stale(second_model=E5_SMALL)  # the second model is part of the index
    with pytest.raises(IndexMismatch, match="第二向量模型是 e5-small，当前配置是 无"):
        builder.load()


def test_records_and_document_listing_without_a_model(builder: Builder) -> None:
    builder.build()
    docs, chunks = read_records(builder.index_dir)
    rows = describe_documents(docs.values(), chunks, date(2026, 12, 2))
    assert [row["doc_id"] for row in rows] == [related(INTERPRETATION).stem, PLAN_ID]  # sorted by kind
    assert [row["status"] for row in rows] == ["现行有效", "现行有效"]
    assert all("text" not in row for row in rows)
    assert sum(row["chunks"] for row in rows) == len(chunks)


# --- nothing changed / something changed -------------------------------------------------------------------


def test_second_build_with_nothing_changed_is_skipped(builder: Builder) -> None:
    first, _ = builder.build()
    assert not builder.stale()
    second, embedded = builder.build()
    assert second.skipped and embedded == 0
    assert (second.build_id, second.chunks, second.documents) == (first.build_id, first.chunks, first.documents)
    assert builds(builder.index_dir) == {first.build_id}


def test_forced_rebuild_reuses_every_vector(builder: Builder) -> None:
    first, _ = builder.build()
    vectors = builder.load().dense.vectors()
    forced, embedded = builder.build(force=True)
    assert not forced.skipped and forced.build_id != first.build_id
    assert embedded == 0 and forced.reused == forced.chunks
    assert np.allclose(builder.load().dense.vectors(), vectors)
    assert builds(builder.index_dir) == {first.build_id, forced.build_id}  # the old build stays as the fallback


def test_changed_file_re_embeds_only_changed_chunks(builder: Builder, tmp_path: Path) -> None:
    builder.build()
    before = builder.load()
    edit(builder.corpus / related(INTERPRETATION).name, "综合考虑被侵害知识产权客体", "综合考量被侵害知识产权客体")
    assert builder.stale()

    report, embedded = builder.build()
    assert not report.skipped
    after = builder.load()
    changed = [text for text in after.search_texts if text not in set(before.search_texts)]
    assert len(changed) == embedded == report.embedded == 1
    assert "综合考量" in changed[0]
    assert report.reused == report.chunks - 1
    assert not builder.stale()

    # The incremental index is the index a build from scratch would give.
    fresh = Builder(builder.corpus, tmp_path / "fresh", builder.embeddings, builder.segmenter)
    fresh.build()
    scratch = fresh.load()
    assert scratch.search_texts == after.search_texts
    assert [c.to_dict() for c in scratch.chunks] == [c.to_dict() for c in after.chunks]
    assert np.allclose(scratch.dense.vectors(), after.dense.vectors(), atol=1e-5)


def test_added_file_is_detected_and_only_its_chunks_are_embedded(builder: Builder) -> None:
    first, _ = builder.build()
    shutil.copy(related(REGULATION), builder.corpus / related(REGULATION).name)
    assert builder.stale()
    report, embedded = builder.build()
    added = [chunk for chunk in builder.load().chunks if chunk.doc_id == related(REGULATION).stem]
    assert embedded == len(added) > 0
    assert report.documents == 3 and report.chunks == first.chunks + len(added)


def test_removed_file_is_detected_and_nothing_is_embedded(builder: Builder) -> None:
    first, _ = builder.build()
    (builder.corpus / related(INTERPRETATION).name).unlink()
    assert builder.stale()
    report, embedded = builder.build()
    assert embedded == 0 and report.documents == 1 and report.chunks < first.chunks
    assert {chunk.doc_id for chunk in builder.load().chunks} == {PLAN_ID}


def test_sidecar_change_is_detected(builder: Builder) -> None:
    builder.build()
    (builder.corpus / "metadata.toml").write_text(f'["{PLAN_FILE.name}"]\nissuer = "武汉市人民政府"\n', "utf-8")
    assert builder.stale()
    _, embedded = builder.build()
    assert embedded == 0  # extra fields do not change what is embedded
    assert builder.load().docs[PLAN_ID].extra == {"issuer": "武汉市人民政府"}
    assert not builder.stale()


@pytest.mark.parametrize(("option", "value"), [("embedding_model", "e5-small"), ("chunk_max_chars", 300)])
def test_other_settings_make_the_index_stale(builder: Builder, option: str, value: Any) -> None:
    builder.build()
    assert builder.stale(**{option: value})


def test_another_model_re_embeds_everything(builder: Builder) -> None:
    first, _ = builder.build()
    report, embedded = builder.build(model="use-multilingual-copy")
    assert embedded == report.chunks == first.chunks  # vectors of another model are never reused


def test_broken_file_is_reported_in_the_manifest_and_fixing_it_is_detected(builder: Builder) -> None:
    broken = builder.corpus / "扫描件.pdf"
    broken.write_bytes(b"%PDF-1.7 cut off")
    report, _ = builder.build()
    assert report.documents == 2
    assert len(report.errors) == 1 and "扫描件.pdf" in report.errors[0] and "PDF 文件损坏" in report.errors[0]
    assert read_manifest(builder.index_dir)["errors"] == report.errors  # type: ignore[index]
    broken.unlink()
    assert builder.stale()


def test_file_changed_during_a_build_leaves_the_index_stale(builder: Builder) -> None:
    """The manifest must record the files as they were read: an edit made while the build embeds is caught
    by the next is_stale, not hidden by hashes taken after the fact."""
    plan = builder.corpus / PLAN_FILE.name

    class EditingEmbeddings(CountingEmbeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            if self.calls == 0:
                edit(plan, "指明了方", "指出了方")
            return super().embed_documents(texts)

    build_index(
        [builder.corpus],
        builder.index_dir,
        embeddings=EditingEmbeddings(builder.embeddings),
        embedding_model=MODEL,
        segmenter=builder.segmenter,
        max_document_bytes=2_000_000,
        chunk_max_chars=MAX_CHARS,
    )
    assert "指明了方向" in builder.load().docs[PLAN_ID].text
    assert builder.stale()


# --- crashes ---------------------------------------------------------------------------------------------


def test_crash_mid_build_leaves_the_old_index_current_and_loadable(builder: Builder) -> None:
    first, _ = builder.build()
    before = builder.load()
    shutil.copy(related(REGULATION), builder.corpus / related(REGULATION).name)
    edit(builder.corpus / PLAN_FILE.name, "指明了方", "指出了方")

    with pytest.raises(RuntimeError, match="died mid-build"):
        builder.build(fail_after=1)  # the second batch of 8 fails

    assert read_manifest(builder.index_dir)["build_id"] == first.build_id  # type: ignore[index]
    assert builds(builder.index_dir) == {first.build_id}
    after = builder.load()
    assert after.build_id == first.build_id
    assert after.search_texts == before.search_texts
    assert np.array_equal(after.dense.vectors(), before.dense.vectors())
    assert builder.stale()

    report, embedded = builder.build()  # the next build completes and becomes current
    assert not report.skipped and report.documents == 3
    assert embedded < report.chunks
    assert builder.load().build_id == report.build_id
    assert not builder.stale()


def test_leftover_staging_folder_of_a_crashed_build_is_cleaned_up(builder: Builder) -> None:
    first, _ = builder.build(force=True)
    leftover = builder.index_dir / BUILDS_DIR / ".staging-crashed"
    leftover.mkdir()
    (leftover / MANIFEST_FILE).write_text("{", encoding="utf-8")  # half-written
    assert builder.load()  # ignored while serving
    report, _ = builder.build(force=True)
    assert builds(builder.index_dir) == {first.build_id, report.build_id}


# --- loading errors --------------------------------------------------------------------------------------


def test_no_index_raises_index_not_ready_in_chinese(tmp_path: Path, use_embeddings: Embeddings) -> None:
    for index_dir in (tmp_path / "missing", tmp_path):
        with pytest.raises(IndexNotReady, match="索引尚未建立") as caught:
            load_index(index_dir, use_embeddings, embedding_model=MODEL)
        assert "policybot ingest" in str(caught.value)


def test_pointer_to_a_missing_build_is_not_ready(builder: Builder) -> None:
    report, _ = builder.build()
    shutil.rmtree(builder.index_dir / BUILDS_DIR / report.build_id)
    assert read_manifest(builder.index_dir) is None and builder.stale()
    with pytest.raises(IndexNotReady):
        builder.load()


def test_model_mismatch_raises_index_mismatch_in_chinese(builder: Builder) -> None:
    builder.build()
    with pytest.raises(IndexMismatch) as caught:
        load_index(builder.index_dir, builder.embeddings, embedding_model="e5-small")
    message = str(caught.value)
    assert "索引使用的向量模型是 use-multilingual" in message and "当前配置是 e5-small" in message
    assert "policybot ingest" in message


def test_corpus_without_readable_documents_cannot_be_built(
    make_corpus: Callable[..., Path], tmp_path: Path, cached_embeddings: Embeddings, segmenter: Segmenter
) -> None:
    corpus = make_corpus()
    (corpus / "empty.txt").write_bytes(b"")
    with pytest.raises(IndexNotReady, match="语料目录中没有可索引的文档"):
        Builder(corpus, tmp_path / "index", cached_embeddings, segmenter).build()
    assert not (tmp_path / "index" / CURRENT_FILE).exists()


def test_manifest_is_plain_json(builder: Builder) -> None:
    builder.build()
    build = current_build(builder.index_dir)
    assert build is not None
    manifest = json.loads((build / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest == read_manifest(builder.index_dir)
