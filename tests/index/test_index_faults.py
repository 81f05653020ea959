"""A damaged index, made for real on disk: truncated and garbage files, a missing file, a broken manifest and
zeroed vectors are detected on load (by the manifest's sizes and digests, and by checks of the loaded stores),
an earlier intact build is served instead, a rebuild repairs the index, and a build whose model gave zero
vectors is never switched in."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from index_faults import FAULTS
from index_helpers import PLAN_FILE, related
from langchain_core.embeddings import Embeddings
from test_build import INTERPRETATION, Builder, builds

from index.build import BUILDS_DIR, CHUNKS_FILE, CURRENT_FILE, MANIFEST_FILE, current_build, read_records
from index.errors import IndexCorrupt, IndexNotReady
from index.integrity import CONTENTS_KEY
from index.segment import Segmenter
from index.stores.dense import INDEX_FILE


@pytest.fixture()
def builder(
    make_corpus: Callable[..., Path], tmp_path: Path, cached_embeddings: Embeddings, segmenter: Segmenter
) -> Builder:
    return Builder(make_corpus(PLAN_FILE, related(INTERPRETATION)), tmp_path / "index", cached_embeddings, segmenter)


def current(builder: Builder) -> Path:
    build = current_build(builder.index_dir)
    assert build is not None
    return build


def assert_no_server_paths(message: str, builder: Builder) -> None:
    assert str(builder.index_dir) not in message and str(builder.index_dir.parent) not in message


def test_the_manifest_records_the_size_and_digest_of_every_file(builder: Builder) -> None:
    builder.build()
    build = current(builder)
    manifest = json.loads((build / MANIFEST_FILE).read_text(encoding="utf-8"))
    files = {p.relative_to(build).as_posix() for p in build.rglob("*") if p.is_file()} - {MANIFEST_FILE}
    assert set(manifest[CONTENTS_KEY]) == files and {CHUNKS_FILE, INDEX_FILE, "bm25/data.csc.index.npy"} <= files
    assert all(entry["bytes"] == (build / name).stat().st_size for name, entry in manifest[CONTENTS_KEY].items())


def test_the_previous_build_is_kept_beside_the_new_one(builder: Builder) -> None:
    first, _ = builder.build()
    second, _ = builder.build(force=True)
    assert builds(builder.index_dir) == {first.build_id, second.build_id}
    third, _ = builder.build(force=True)
    assert builds(builder.index_dir) == {second.build_id, third.build_id}


@pytest.mark.parametrize("fault", [*FAULTS, "broken manifest"])
def test_a_damaged_build_gives_way_to_the_previous_one(builder: Builder, fault: str) -> None:
    first, _ = builder.build()
    second, _ = builder.build(force=True)
    damaged = current(builder)
    if fault == "broken manifest":
        (damaged / MANIFEST_FILE).write_text('{"build_id": ', encoding="utf-8")
    else:
        FAULTS[fault](damaged)

    index = builder.load()
    assert index.build_id == first.build_id
    [reason] = index.passed_over
    assert second.build_id in reason and "已损坏" in reason and "policybot ingest" in reason
    assert_no_server_paths(reason, builder)
    assert read_records(builder.index_dir)[1] == index.chunks  # `policybot documents` reads what is served
    assert builder.stale()  # `policybot ingest` rebuilds rather than calling the index up to date

    repaired, embedded = builder.build()
    assert not repaired.skipped and embedded == 0  # every vector reused from the intact earlier build
    assert builder.load().build_id == repaired.build_id and not builder.load().passed_over
    assert builds(builder.index_dir) == {first.build_id, repaired.build_id}  # the damaged build is gone


@pytest.mark.parametrize("fault", FAULTS)
def test_a_damaged_only_build_is_refused_with_what_to_run(builder: Builder, fault: str) -> None:
    builder.build()
    FAULTS[fault](current(builder))
    with pytest.raises(IndexCorrupt) as caught:
        builder.load()
    message = str(caught.value)
    assert "已损坏" in message and "policybot ingest" in message
    assert_no_server_paths(message, builder)

    repaired, _ = builder.build()  # what the message says to run
    assert not repaired.skipped and builder.load().build_id == repaired.build_id


@pytest.mark.parametrize("fault", FAULTS)
def test_a_build_from_before_digests_is_still_checked_when_loaded(builder: Builder, fault: str) -> None:
    """A build whose manifest has no digests (written before they were recorded) is damaged the same ways; the
    checks of the loaded records and stores catch each fault."""
    builder.build()
    build = current(builder)
    manifest = json.loads((build / MANIFEST_FILE).read_text(encoding="utf-8"))
    del manifest[CONTENTS_KEY]
    (build / MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")
    assert builder.load().build_id == manifest["build_id"] and builder.stale()  # loads; ingest records digests

    FAULTS[fault](build)
    with pytest.raises(IndexCorrupt, match="已损坏"):
        builder.load()


def test_a_pointer_to_a_removed_build_serves_the_previous_one(builder: Builder) -> None:
    first, _ = builder.build()
    second, _ = builder.build(force=True)
    shutil.rmtree(builder.index_dir / BUILDS_DIR / second.build_id)
    index = builder.load()
    assert index.build_id == first.build_id and index.passed_over


def test_a_garbage_pointer_means_no_index(builder: Builder) -> None:
    builder.build()
    (builder.index_dir / CURRENT_FILE).write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(IndexNotReady, match="policybot ingest"):
        builder.load()
    assert builder.stale()


class ZeroingEmbeddings(Embeddings):
    """Real embeddings, except that the vector of every text containing ``marker`` comes back as zeros: the fault
    of a model that fails quietly on some inputs."""

    def __init__(self, inner: Embeddings, marker: str) -> None:
        self.inner, self.marker = inner, marker

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors = self.inner.embed_documents(texts)
        return [
            [0.0] * len(vector) if self.marker in text else vector for text, vector in zip(texts, vectors, strict=True)
        ]

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def test_a_build_with_zero_vectors_is_never_switched_in(builder: Builder) -> None:
    first, _ = builder.build()
    (builder.corpus / PLAN_FILE.name).write_text(
        PLAN_FILE.read_text(encoding="utf-8") + "\n\n零向量测试段落。\n", encoding="utf-8"
    )
    zeroing = Builder(
        builder.corpus, builder.index_dir, ZeroingEmbeddings(builder.embeddings, "零向量测试"), builder.segmenter
    )
    with pytest.raises(IndexCorrupt, match="向量为零"):
        zeroing.build()
    assert current(builder).name == first.build_id and builder.load().build_id == first.build_id
    assert builds(builder.index_dir) == {first.build_id}  # the refused build left nothing behind
    assert builder.stale()
