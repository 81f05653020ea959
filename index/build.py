"""Build, persist and load the index: corpus -> chunks -> FAISS + BM25 stores, with a manifest.

Layout of an index folder::

    CURRENT                  name of the build in use (replaced atomically)
    builds/<build id>/       manifest.json, documents.jsonl, chunks.jsonl, dense.faiss, dense.json, bm25/,
                             and dense_second/ when a second embedding model is configured

A build is written to a new folder and only then made current, so a crash mid-build leaves the old
index serving. Vectors of chunks whose text and model did not change are reused, not re-embedded.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from index.chunking import chunk_document, sentences
from index.corpus import discover, read_corpus
from index.errors import IndexMismatch, IndexNotReady
from index.schema import Chunk, SourceDoc
from index.segment import Segmenter
from index.stores.bm25 import BM25Store
from index.stores.dense import FaissStore, read_vectors
from index.versions import VersionTimeline

FORMAT_VERSION = 3
CURRENT_FILE = "CURRENT"
BUILDS_DIR = "builds"
MANIFEST_FILE = "manifest.json"
DOCUMENTS_FILE = "documents.jsonl"
CHUNKS_FILE = "chunks.jsonl"
HASHES_FILE = "content_hashes.json"
SENTENCES_FOLDER = "bm25_sentences"
SECOND_FOLDER = "dense_second"

ProgressCallback = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)`` while a build runs."""


@dataclass(frozen=True, slots=True)
class DenseModel:
    """An embedding model with the spec it was loaded from (recorded in the manifest)."""

    spec: str
    embeddings: Embeddings


@dataclass(slots=True)
class LoadedIndex:
    """Everything retrieval needs, loaded from one build.

    ``second_dense`` holds the chunks' vectors from a second embedding model, when one is configured.
    """

    manifest: dict[str, Any]
    docs: dict[str, SourceDoc]
    chunks: list[Chunk]
    dense: FaissStore
    lexical: BM25Store
    sentence_lexical: BM25Store
    search_texts: list[str] = field(default_factory=list)
    second_dense: FaissStore | None = None
    timeline: VersionTimeline = field(init=False)

    def __post_init__(self) -> None:
        self.timeline = VersionTimeline(self.docs.values())

    @property
    def build_id(self) -> str:
        return str(self.manifest["build_id"])


@dataclass(slots=True)
class BuildReport:
    """What a build did."""

    build_id: str
    documents: int
    chunks: int
    embedded: int
    reused: int
    seconds: float
    errors: list[str]
    skipped: bool = False


def search_text(doc: SourceDoc, chunk: Chunk) -> str:
    """The text embedded and tokenised for a chunk: document title and section path, then the chunk."""
    return f"{doc.title} {chunk.section}\n{chunk.head}{chunk.text}"


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def file_hashes(sources: Iterable[Path]) -> dict[str, str]:
    """Hash of every corpus file the sources hold, keyed by path inside the corpus (to detect changes)."""
    files, _ = discover(sources)
    return {f.relative: hashlib.sha256(f.path.read_bytes()).hexdigest() for f in files}


def _sidecar_hashes(sources: Iterable[Path]) -> dict[str, str]:
    hashes = {}
    for source in sources:
        sidecar = (source if source.is_dir() else source.parent) / "metadata.toml"
        if sidecar.is_file():
            hashes[str(sidecar)] = hashlib.sha256(sidecar.read_bytes()).hexdigest()
    return hashes


def current_build(index_dir: Path) -> Path | None:
    """The folder of the build in use, or None when there is no index."""
    pointer = index_dir / CURRENT_FILE
    if not pointer.is_file():
        return None
    build = index_dir / BUILDS_DIR / pointer.read_text(encoding="utf-8").strip()
    return build if (build / MANIFEST_FILE).is_file() else None


def read_manifest(index_dir: Path) -> dict[str, Any] | None:
    """The manifest of the build in use, or None."""
    build = current_build(index_dir)
    return json.loads((build / MANIFEST_FILE).read_text(encoding="utf-8")) if build else None


def is_stale(
    index_dir: Path, sources: Iterable[Path], *, embedding_model: str, chunk_max_chars: int,
    second_model: str | None = None,
) -> bool:
    """True when the index is missing or was built from other files, models or chunking settings."""
    sources = list(sources)
    manifest = read_manifest(index_dir)
    return manifest is None or (
        manifest.get("format") != FORMAT_VERSION
        or manifest.get("embedding_model") != embedding_model
        or manifest.get("second_embedding_model") != second_model
        or manifest.get("chunk_max_chars") != chunk_max_chars
        or manifest.get("files") != file_hashes(sources)
        or manifest.get("sidecars") != _sidecar_hashes(sources)
        or manifest.get("segmenter") != _segmenter_fingerprint()
    )


def _segmenter_fingerprint() -> str:
    """What tokenisation depends on: the segmenter's code and its data files (a change makes the index stale)."""
    from importlib import resources

    from index import segment

    data = resources.files("index.data")
    texts = [data.joinpath(name).read_text(encoding="utf-8") for name in ("user_dict.txt", "stopwords.txt")]
    return _digest(Path(segment.__file__).read_text(encoding="utf-8"), *texts)


def _previous_vectors(index_dir: Path, folder: str = "") -> dict[str, np.ndarray]:
    """Vectors of a dense store of the build in use (the main one, or ``folder``), keyed by content hash.

    The hash covers the model spec, so vectors of another model never match.
    """
    build = current_build(index_dir)
    store = build / folder if build else None
    if store is None or not (store / HASHES_FILE).is_file():
        return {}
    hashes = json.loads((store / HASHES_FILE).read_text(encoding="utf-8"))
    return dict(zip(hashes, read_vectors(store), strict=True))


def _dense_store(
    model: DenseModel, texts: list[str], ids: list[str], previous: dict[str, np.ndarray], *,
    batch: int, progress: ProgressCallback, stage: str,
) -> tuple[FaissStore, list[str], int]:
    """A dense store of the texts, reusing the vectors of unchanged ones; also their content hashes and how
    many texts were embedded."""
    hashes = [_digest(model.spec, text) for text in texts]
    todo = [i for i, h in enumerate(hashes) if h not in previous]
    fresh: dict[int, np.ndarray] = {}
    for offset in range(0, len(todo), batch):
        part = todo[offset : offset + batch]
        vectors = np.asarray(model.embeddings.embed_documents([texts[i] for i in part]), dtype=np.float32)
        fresh.update(zip(part, vectors, strict=True))
        progress(stage, min(offset + batch, len(todo)), len(todo))
    vectors = np.stack([fresh[i] if i in fresh else previous[hashes[i]] for i in range(len(texts))])
    store = FaissStore(model.embeddings, vectors.shape[1])
    store.add_vectors(vectors, ids, texts)
    return store, hashes, len(todo)


def _save_dense(store: FaissStore, hashes: list[str], folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    store.save(folder)
    (folder / HASHES_FILE).write_text(json.dumps(hashes), encoding="utf-8")


def _write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _switch_to(index_dir: Path, build_id: str) -> None:
    """Make ``build_id`` current atomically, then remove older builds."""
    pointer = index_dir / CURRENT_FILE
    temporary = index_dir / f".{CURRENT_FILE}.{os.getpid()}"
    temporary.write_text(build_id, encoding="utf-8")
    os.replace(temporary, pointer)
    for old in (index_dir / BUILDS_DIR).iterdir():
        if old.name != build_id:
            shutil.rmtree(old, ignore_errors=True)


def build_index(
    sources: list[Path],
    index_dir: Path,
    *,
    embeddings: Embeddings,
    embedding_model: str,
    segmenter: Segmenter,
    max_document_bytes: int,
    chunk_max_chars: int,
    second: DenseModel | None = None,
    embed_batch: int = 64,
    progress: ProgressCallback | None = None,
    force: bool = False,
) -> BuildReport:
    """Build (or update) the index from corpus folders and files.

    Args:
        sources: corpus folders and files.
        index_dir: where builds live; the new build becomes current only when complete.
        embeddings: the model that embeds chunks.
        embedding_model: the model's spec, recorded in the manifest.
        segmenter: tokeniser for the BM25 index.
        max_document_bytes: larger files are rejected.
        chunk_max_chars: longer articles and passages are split.
        second: a second embedding model whose vectors are stored beside the main ones.
        embed_batch: chunks embedded per call.
        progress: called with (stage, done, total).
        force: rebuild even when nothing changed.

    Returns:
        A report (``embedded`` counts texts embedded by either model); ``skipped`` is True when the index
        was already up to date.
    """
    started = time.perf_counter()
    report_progress = progress or (lambda stage, done, total: None)
    manifest = read_manifest(index_dir)
    if not force and manifest and not is_stale(
        index_dir, sources, embedding_model=embedding_model, chunk_max_chars=chunk_max_chars,
        second_model=second.spec if second else None,
    ):
        return BuildReport(manifest["build_id"], manifest["documents"], manifest["chunks"], 0, 0, 0.0,
                           manifest.get("errors", []), skipped=True)

    # Hash the files before reading them: a file edited while the build runs then leaves the index stale.
    files, sidecars = file_hashes(sources), _sidecar_hashes(sources)
    corpus = read_corpus(sources, max_bytes=max_document_bytes)
    if not corpus.docs:
        raise IndexNotReady(
            "语料目录中没有可索引的文档：请把 .txt/.md/.html/.pdf/.docx 文件放入 corpus/ 后重新运行 policybot ingest"
        )
    docs = {doc.doc_id: doc for doc in corpus.docs}
    chunks = [chunk for doc in corpus.docs for chunk in chunk_document(doc, max_chars=chunk_max_chars)]
    texts = [search_text(docs[c.doc_id], c) for c in chunks]
    ids = [c.chunk_id for c in chunks]
    report_progress("分词", 0, len(chunks))
    tokens = [segmenter.tokens(text) for text in texts]
    # The main model's store lives in the build folder itself, a second model's in SECOND_FOLDER.
    models = {"": DenseModel(embedding_model, embeddings), **({SECOND_FOLDER: second} if second else {})}
    stores = {
        folder: _dense_store(model, texts, ids, _previous_vectors(index_dir, folder), batch=embed_batch,
                             progress=report_progress, stage=f"向量化（{model.spec}）" if folder else "向量化")
        for folder, model in models.items()
    }
    embedded = sum(count for _, _, count in stores.values())

    build_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
    builds = index_dir / BUILDS_DIR
    builds.mkdir(parents=True, exist_ok=True)
    staging = builds / f".staging-{build_id}"
    staging.mkdir()
    for folder, (store, hashes, _) in stores.items():
        _save_dense(store, hashes, staging / folder)
    BM25Store.build(tokens, ids).save(staging)
    units = [(chunk.chunk_id, unit) for chunk in chunks for unit in sentences(chunk.head + chunk.text)]
    BM25Store.build([segmenter.tokens(unit) for _, unit in units], [chunk_id for chunk_id, _ in units]).save(
        staging, SENTENCES_FOLDER
    )
    _write_jsonl(staging / DOCUMENTS_FILE, (doc.to_dict() for doc in corpus.docs))
    _write_jsonl(staging / CHUNKS_FILE, (chunk.to_dict() for chunk in chunks))
    errors = [str(error) for error in corpus.errors]
    new_manifest = {
        "format": FORMAT_VERSION,
        "build_id": build_id,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "embedding_model": embedding_model,
        "dimensions": stores[""][0].index.d,
        "second_embedding_model": second.spec if second else None,
        "chunk_max_chars": chunk_max_chars,
        "documents": len(corpus.docs),
        "chunks": len(chunks),
        "files": files,
        "sidecars": sidecars,
        "segmenter": _segmenter_fingerprint(),
        "errors": errors,
    }
    (staging / MANIFEST_FILE).write_text(json.dumps(new_manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    staging.rename(builds / build_id)
    _switch_to(index_dir, build_id)
    return BuildReport(build_id, len(corpus.docs), len(chunks), embedded, len(chunks) * len(models) - embedded,
                       time.perf_counter() - started, errors)


def read_records(index_dir: Path) -> tuple[dict[str, SourceDoc], list[Chunk]]:
    """Documents and chunks of the build in use, without loading any model.

    Raises:
        IndexNotReady: there is no index yet.
    """
    build = current_build(index_dir)
    if build is None:
        raise IndexNotReady(f"索引尚未建立（{index_dir}）：请先运行 policybot ingest 建立索引")
    docs = {row["doc_id"]: SourceDoc(**row) for row in _read_jsonl(build / DOCUMENTS_FILE)}
    return docs, [Chunk.from_dict(row) for row in _read_jsonl(build / CHUNKS_FILE)]


def describe_documents(docs: Iterable[SourceDoc], chunks: Iterable[Chunk], day: date) -> list[dict[str, Any]]:
    """One row per document: what is indexed, its version, dates and status on ``day``, and how many chunks it
    has."""
    docs = list(docs)
    statuses = VersionTimeline(docs).statuses(day)
    counts: dict[str, int] = {}
    for chunk in chunks:
        counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
    return [
        {**doc.to_dict(with_text=False), "status": statuses[doc.doc_id].value, "chunks": counts.get(doc.doc_id, 0)}
        for doc in sorted(docs, key=lambda d: (d.kind, d.title, d.promulgated or ""))
    ]


def load_index(
    index_dir: Path, embeddings: Embeddings, *, embedding_model: str, second: DenseModel | None = None
) -> LoadedIndex:
    """Load the build in use without re-embedding anything.

    Raises:
        IndexNotReady: there is no index yet (the message says how to build it).
        IndexMismatch: the index was built with other embedding models.
    """
    docs, chunks = read_records(index_dir)
    build = current_build(index_dir)
    assert build is not None  # read_records raised otherwise
    manifest = json.loads((build / MANIFEST_FILE).read_text(encoding="utf-8"))
    if manifest.get("embedding_model") != embedding_model:
        raise IndexMismatch(
            f"索引使用的向量模型是 {manifest.get('embedding_model')}，当前配置是 {embedding_model}："
            "请运行 policybot ingest 重建索引"
        )
    second_spec = second.spec if second else None
    if (built_second := manifest.get("second_embedding_model")) != second_spec:
        raise IndexMismatch(
            f"索引使用的第二向量模型是 {built_second or '无'}，当前配置是 {second_spec or '无'}："
            "请运行 policybot ingest 重建索引"
        )
    dense = FaissStore.load(build, embeddings)
    second_dense = FaissStore.load(build / SECOND_FOLDER, second.embeddings) if second else None
    return LoadedIndex(manifest, docs, chunks, dense, BM25Store.load(build), BM25Store.load(build, SENTENCES_FOLDER),
                       search_texts=list(dense.texts), second_dense=second_dense)
