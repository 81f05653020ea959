"""Build, persist and load the index: corpus -> chunks -> FAISS + BM25 stores, with a manifest.

Layout of an index folder::

    CURRENT                  name of the build in use (replaced atomically)
    builds/<build id>/       manifest.json, documents.jsonl, chunks.jsonl, dense.faiss, dense.json, bm25/,
                             and dense_second/ when a second embedding model is configured

A build is written to a new folder, checked (``index.integrity``: every file's size and SHA-256 go into the
manifest, the stores must agree and hold unit vectors) and only then made current, so a crash mid-build leaves
the old index serving. The build that was current before stays beside the new one: when the current build
fails its checks on load, the newest earlier build that passes is served instead. Vectors of chunks whose
text and model did not change are reused, not re-embedded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from langchain_core.embeddings import Embeddings

from index.chunking import chunk_document, sentences
from index.corpus import discover, read_corpus
from index.errors import IndexCorrupt, IndexMismatch, IndexNotReady
from index.integrity import (
    CONTENTS_KEY,
    check_dense,
    check_lexical,
    check_records,
    check_vectors,
    file_digests,
    unit_rows,
    verify_contents,
)
from index.schema import Chunk, SourceDoc
from index.segment import Segmenter
from index.stores.bm25 import BM25Store
from index.stores.dense import INDEX_FILE, FaissStore, read_vectors
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
STAGING_PREFIX = ".staging-"

logger = logging.getLogger(__name__)

T = TypeVar("T")
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
    ``passed_over`` says why newer builds were not loaded when this one is an earlier build served instead.
    """

    manifest: dict[str, Any]
    docs: dict[str, SourceDoc]
    chunks: list[Chunk]
    dense: FaissStore
    lexical: BM25Store
    sentence_lexical: BM25Store
    search_texts: list[str] = field(default_factory=list)
    second_dense: FaissStore | None = None
    passed_over: list[str] = field(default_factory=list)
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


def _current_name(index_dir: Path) -> str | None:
    """The build id the pointer names, or None when there is no pointer or it does not name a build folder."""
    try:
        name = (index_dir / CURRENT_FILE).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return name if name and Path(name).name == name and not name.startswith(".") else None


def current_build(index_dir: Path) -> Path | None:
    """The folder of the build in use, or None when there is no index."""
    name = _current_name(index_dir)
    build = index_dir / BUILDS_DIR / name if name else None
    return build if build and (build / MANIFEST_FILE).is_file() else None


def _manifest(build: Path, build_id: str) -> dict[str, Any]:
    """A build's manifest.

    Raises:
        IndexCorrupt: it is unreadable or not a JSON object.
    """
    try:
        manifest = json.loads((build / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise IndexCorrupt(build_id, f"{MANIFEST_FILE} 无法读取（{type(error).__name__}）") from error
    if not isinstance(manifest, dict):
        raise IndexCorrupt(build_id, f"{MANIFEST_FILE} 不是有效的清单")
    return manifest


def read_manifest(index_dir: Path) -> dict[str, Any] | None:
    """The manifest of the build in use, or None (also when it is unreadable: the index needs rebuilding)."""
    build = current_build(index_dir)
    try:
        return _manifest(build, build.name) if build else None
    except IndexCorrupt:
        return None


def _intact(build: Path) -> bool:
    """Whether a build's manifest reads, every file it lists has the recorded size and digest, and its vectors
    have unit length (what a rebuild may reuse and a fallback may serve; loading checks the rest)."""
    try:
        verify_contents(build, _manifest(build, build.name), build.name)
        for store in (build, build / SECOND_FOLDER):
            if (store / INDEX_FILE).is_file():
                check_vectors(read_vectors(store), build.name, store.name)
    except (IndexCorrupt, RuntimeError):  # faiss raises RuntimeError on a damaged file
        return False
    return True


def is_stale(
    index_dir: Path,
    sources: Iterable[Path],
    *,
    embedding_model: str,
    chunk_max_chars: int,
    second_model: str | None = None,
) -> bool:
    """True when the index is missing or was built from other files, models or chunking settings."""
    sources = list(sources)
    manifest = read_manifest(index_dir)
    build = current_build(index_dir)
    return (
        manifest is None
        or build is None
        or (
            CONTENTS_KEY not in manifest  # built before file digests were recorded: rebuild to record them
            or not _intact(build)
            or manifest.get("format") != FORMAT_VERSION
            or manifest.get("embedding_model") != embedding_model
            or manifest.get("second_embedding_model") != second_model
            or manifest.get("chunk_max_chars") != chunk_max_chars
            or manifest.get("files") != file_hashes(sources)
            or manifest.get("sidecars") != _sidecar_hashes(sources)
            or manifest.get("segmenter") != _segmenter_fingerprint()
        )
    )


def _segmenter_fingerprint() -> str:
    """What tokenisation depends on: the segmenter's code and its data files (a change makes the index stale)."""
    from importlib import resources

    from index import segment

    data = resources.files("index.data")
    texts = [data.joinpath(name).read_text(encoding="utf-8") for name in ("user_dict.txt", "stopwords.txt")]
    return _digest(Path(segment.__file__).read_text(encoding="utf-8"), *texts)


def _other_builds(index_dir: Path, build_id: str) -> list[Path]:
    """The build folders other than ``build_id``'s, newest first (build ids start with their time); leftovers
    of crashed builds (hidden staging folders) are not builds."""
    builds = index_dir / BUILDS_DIR
    if not builds.is_dir():
        return []
    return sorted(
        (p for p in builds.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name != build_id),
        key=lambda p: p.name,
        reverse=True,
    )


def _reusable_build(index_dir: Path) -> Path | None:
    """The build whose vectors a rebuild may reuse, and which stays as the fallback once the rebuild is switched
    in: the current one, or the newest other one, that is intact."""
    build = current_build(index_dir)
    if build is None:
        return None
    return next((b for b in (build, *_other_builds(index_dir, build.name)) if _intact(b)), None)


def _previous_vectors(build: Path | None, folder: str = "") -> dict[str, np.ndarray]:
    """Vectors of a dense store of ``build`` (the main one, or ``folder``), keyed by content hash.

    The hash covers the model spec, so vectors of another model never match. Vectors that are not unit length
    (zeroed by a fault) are left out, to be embedded again; an unreadable store gives none.
    """
    store = build / folder if build else None
    if store is None or not (store / HASHES_FILE).is_file():
        return {}
    try:
        hashes = json.loads((store / HASHES_FILE).read_text(encoding="utf-8"))
        vectors = dict(zip(hashes, read_vectors(store), strict=True))
    except (OSError, ValueError, RuntimeError) as error:  # faiss raises RuntimeError on a damaged file
        logger.warning("vectors of build %s not reused: %s", build.name if build else None, error)
        return {}
    keys = list(vectors)
    usable = unit_rows(np.stack([vectors[key] for key in keys])) if keys else []
    return {key: vectors[key] for key, ok in zip(keys, usable, strict=True) if ok}


def _dense_store(
    model: DenseModel,
    texts: list[str],
    ids: list[str],
    previous: dict[str, np.ndarray],
    *,
    batch: int,
    progress: ProgressCallback,
    stage: str,
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


def _switch_to(index_dir: Path, build_id: str, *, keep: Path | None) -> None:
    """Make ``build_id`` current atomically, then remove every other build but ``keep`` (the fallback should the
    new build be damaged later), and leftovers of crashed builds."""
    pointer = index_dir / CURRENT_FILE
    temporary = index_dir / f".{CURRENT_FILE}.{os.getpid()}"
    temporary.write_text(build_id, encoding="utf-8")
    os.replace(temporary, pointer)
    for old in (index_dir / BUILDS_DIR).iterdir():
        if old.name != build_id and old != keep:
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
    if (
        not force
        and manifest
        and not is_stale(
            index_dir,
            sources,
            embedding_model=embedding_model,
            chunk_max_chars=chunk_max_chars,
            second_model=second.spec if second else None,
        )
    ):
        return BuildReport(
            manifest["build_id"],
            manifest["documents"],
            manifest["chunks"],
            0,
            0,
            0.0,
            manifest.get("errors", []),
            skipped=True,
        )

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
    reusable = _reusable_build(index_dir)
    stores = {
        folder: _dense_store(
            model,
            texts,
            ids,
            _previous_vectors(reusable, folder),
            batch=embed_batch,
            progress=report_progress,
            stage=f"向量化（{model.spec}）" if folder else "向量化",
        )
        for folder, model in models.items()
    }
    embedded = sum(count for _, _, count in stores.values())

    build_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
    builds = index_dir / BUILDS_DIR
    builds.mkdir(parents=True, exist_ok=True)
    staging = builds / f"{STAGING_PREFIX}{build_id}"
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
        CONTENTS_KEY: file_digests(staging, exclude=[MANIFEST_FILE]),
    }
    (staging / MANIFEST_FILE).write_text(json.dumps(new_manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    try:  # what was written must load and pass every check before it replaces the build in use
        _load_build(staging, build_id, embeddings, embedding_model=embedding_model, second=second)
    except IndexCorrupt:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    staging.rename(builds / build_id)
    _switch_to(index_dir, build_id, keep=reusable)
    return BuildReport(
        build_id,
        len(corpus.docs),
        len(chunks),
        embedded,
        len(chunks) * len(models) - embedded,
        time.perf_counter() - started,
        errors,
    )


def _candidates(index_dir: Path) -> list[Path]:
    """The build in use, then the earlier builds kept beside it, newest first.

    Raises:
        IndexNotReady: there is no index yet.
    """
    name = _current_name(index_dir)
    if name is None:
        raise IndexNotReady("索引尚未建立：请先运行 policybot ingest 建立索引")
    return [index_dir / BUILDS_DIR / name, *_other_builds(index_dir, name)]


def _first_loadable(index_dir: Path, load: Callable[[Path], T]) -> tuple[T, list[str]]:
    """``load`` of the build in use or, when it fails its checks, of the newest earlier build that passes;
    also why the builds passed over were.

    Raises:
        IndexNotReady: there is no index yet.
        IndexCorrupt: no build passes (the error of the build in use).
    """
    errors: list[IndexNotReady | IndexCorrupt] = []
    for build in _candidates(index_dir):
        try:
            loaded = load(build)
        except (IndexNotReady, IndexCorrupt) as error:
            logger.error("index build %s not loaded: %s", build.name, error)
            errors.append(error)
            continue
        if errors:
            logger.warning("serving the earlier index build %s", build.name)
        return loaded, [str(error) for error in errors]
    raise errors[0]


def _records(build: Path, manifest: dict[str, Any]) -> tuple[dict[str, SourceDoc], list[Chunk]]:
    """A build's documents and chunks, checked against its manifest.

    Raises:
        IndexCorrupt: they do not parse or do not match the manifest.
    """
    try:
        docs = {row["doc_id"]: SourceDoc(**row) for row in _read_jsonl(build / DOCUMENTS_FILE)}
        chunks = [Chunk.from_dict(row) for row in _read_jsonl(build / CHUNKS_FILE)]
    except (OSError, ValueError, KeyError, TypeError) as error:  # JSON and UTF-8 decoding errors are ValueErrors
        reason = f"{DOCUMENTS_FILE} 或 {CHUNKS_FILE} 无法读取（{type(error).__name__}）"
        raise IndexCorrupt(build.name, reason) from error
    check_records(manifest, docs, chunks, build.name)
    return docs, chunks


def _opened(build: Path, build_id: str) -> dict[str, Any]:
    """The manifest of a build whose files all have their recorded size and digest.

    Raises:
        IndexNotReady: the build folder has no manifest (it is gone).
        IndexCorrupt: the manifest is unreadable, names another build, or a file differs from it.
    """
    if not (build / MANIFEST_FILE).is_file():
        raise IndexNotReady("索引尚未建立：请先运行 policybot ingest 建立索引")
    manifest = _manifest(build, build_id)
    if manifest.get("build_id") != build_id:
        raise IndexCorrupt(build_id, f"{MANIFEST_FILE} 记录的是另一个索引（{manifest.get('build_id')}）")
    verify_contents(build, manifest, build_id)
    return manifest


def read_records(index_dir: Path) -> tuple[dict[str, SourceDoc], list[Chunk]]:
    """Documents and chunks of the build in use (or of the earlier build served instead), without loading any
    model.

    Raises:
        IndexNotReady: there is no index yet.
        IndexCorrupt: no build passes its checks.
    """
    records, _ = _first_loadable(index_dir, lambda build: _records(build, _opened(build, build.name)))
    return records


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


def _load_build(
    build: Path, build_id: str, embeddings: Embeddings, *, embedding_model: str, second: DenseModel | None
) -> LoadedIndex:
    """Load and check one build folder.

    Raises:
        IndexNotReady: the folder has no manifest.
        IndexCorrupt: a file differs from the manifest, does not parse, or the stores disagree.
        IndexMismatch: the build was made with other embedding models.
    """
    manifest = _opened(build, build_id)
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
    docs, chunks = _records(build, manifest)
    try:
        dense = FaissStore.load(build, embeddings)
        second_dense = FaissStore.load(build / SECOND_FOLDER, second.embeddings) if second else None
        lexical, sentence_lexical = BM25Store.load(build), BM25Store.load(build, SENTENCES_FOLDER)
    # Files that passed their digests (or a build from before digests) can still fail in any library's way;
    # each failure means the same to the caller: this build cannot serve.
    except Exception as error:
        raise IndexCorrupt(build_id, f"向量或 BM25 文件无法读取（{type(error).__name__}）") from error
    chunk_ids = [chunk.chunk_id for chunk in chunks]
    check_dense(dense, chunk_ids, manifest.get("dimensions"), build_id, "向量索引")
    if second_dense is not None:
        check_dense(second_dense, chunk_ids, None, build_id, "第二向量索引")
    check_lexical(lexical, chunk_ids, build_id, "BM25 索引", per_chunk=True)
    check_lexical(sentence_lexical, chunk_ids, build_id, "句子 BM25 索引", per_chunk=False)
    return LoadedIndex(
        manifest,
        docs,
        chunks,
        dense,
        lexical,
        sentence_lexical,
        search_texts=list(dense.texts),
        second_dense=second_dense,
    )


def load_index(
    index_dir: Path, embeddings: Embeddings, *, embedding_model: str, second: DenseModel | None = None
) -> LoadedIndex:
    """Load the build in use, checked, without re-embedding anything; when it fails its checks, the newest
    earlier build that passes is loaded instead (its ``passed_over`` says why).

    Raises:
        IndexNotReady: there is no index yet (the message says how to build it).
        IndexCorrupt: no build passes its checks (the message says how to rebuild).
        IndexMismatch: the index was built with other embedding models.
    """
    index, passed_over = _first_loadable(
        index_dir,
        lambda build: _load_build(build, build.name, embeddings, embedding_model=embedding_model, second=second),
    )
    index.passed_over = passed_over
    return index
