"""Integrity of an index build: the manifest records the size and SHA-256 of every file of the build, checked
before anything is read; the loaded records and stores must agree with the manifest and with each other, and
every vector must have unit length (a zeroed or NaN vector never matches anything). A build that fails raises
``IndexCorrupt`` naming the file or store inside the build, never a path of the server."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import IndexCorrupt
from index.schema import Chunk, SourceDoc
from index.stores.bm25 import BM25Store
from index.stores.dense import FaissStore

CONTENTS_KEY = "contents"
UNIT_TOLERANCE = 1e-3  # float32 rows normalised by FAISS are within 1e-6 of length 1


def file_digests(build: Path, *, exclude: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Size and SHA-256 of every file in ``build`` (but ``exclude``), keyed by its path inside the build.

    Args:
        build: a build folder.
        exclude: relative paths left out (the manifest, which holds the digests).

    Returns:
        ``{"bm25/ids.json": {"bytes": 1234, "sha256": "…"}, …}`` in path order.
    """
    skipped = set(exclude)
    digests = {}
    for path in sorted(p for p in build.rglob("*") if p.is_file()):
        relative = path.relative_to(build).as_posix()
        if relative in skipped:
            continue
        with path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        digests[relative] = {"bytes": path.stat().st_size, "sha256": digest}
    return digests


def verify_contents(build: Path, manifest: Mapping[str, Any], build_id: str) -> None:
    """Check every file the manifest lists against its recorded size and SHA-256.

    A manifest written before digests were recorded has none to check; its build is still checked for
    consistency when it is loaded.

    Raises:
        IndexCorrupt: a file is missing, or its size or digest differs.
    """
    for relative, expected in (manifest.get(CONTENTS_KEY) or {}).items():
        path = build / relative
        if not path.is_file():
            raise IndexCorrupt(build_id, f"缺少文件 {relative}")
        size = path.stat().st_size
        if size != expected["bytes"]:
            raise IndexCorrupt(build_id, f"{relative} 的大小（{size} 字节）与清单记录的 {expected['bytes']} 字节不符")
        with path.open("rb") as handle:
            if hashlib.file_digest(handle, "sha256").hexdigest() != expected["sha256"]:
                raise IndexCorrupt(build_id, f"{relative} 的内容与清单记录的校验和不符")


def check_records(
    manifest: Mapping[str, Any], docs: Mapping[str, SourceDoc], chunks: list[Chunk], build_id: str
) -> None:
    """The documents and chunks are as many as the manifest says, and every chunk's document is there.

    Raises:
        IndexCorrupt: they are not.
    """
    if len(docs) != manifest.get("documents") or len(chunks) != manifest.get("chunks"):
        raise IndexCorrupt(
            build_id,
            f"文档数或片段数（{len(docs)} / {len(chunks)}）与清单记录的"
            f"（{manifest.get('documents')} / {manifest.get('chunks')}）不符",
        )
    orphans = sum(chunk.doc_id not in docs for chunk in chunks)
    if orphans:
        raise IndexCorrupt(build_id, f"{orphans} 个片段所属的文档不在索引中")


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """A boolean mask of the rows of length 1 (False for zeroed, NaN and unnormalised rows)."""
    if not len(vectors):
        return np.zeros(0, dtype=bool)
    norms = np.linalg.norm(np.asarray(vectors, dtype=np.float64).reshape(len(vectors), -1), axis=1)
    return np.abs(norms - 1.0) <= UNIT_TOLERANCE  # NaN compares False


def check_vectors(vectors: np.ndarray, build_id: str, store: str) -> None:
    """Every row has unit length: zeroed, NaN or unnormalised vectors are refused.

    Raises:
        IndexCorrupt: some rows do not.
    """
    bad = int(np.count_nonzero(~unit_rows(vectors)))
    if bad:
        raise IndexCorrupt(build_id, f"{store} 中有 {bad} 个向量为零或不是有效数值")


def check_dense(store: FaissStore, chunk_ids: list[str], dimensions: int | None, build_id: str, name: str) -> None:
    """A dense store holds one unit vector per chunk, in chunk order, of the recorded dimensions.

    Raises:
        IndexCorrupt: it does not.
    """
    if store.ids != chunk_ids or store.index.ntotal != len(chunk_ids) or len(store.texts) != len(chunk_ids):
        raise IndexCorrupt(build_id, f"{name} 的向量（{store.index.ntotal} 个）与片段（{len(chunk_ids)} 个）不一致")
    if dimensions is not None and store.index.d != dimensions:
        raise IndexCorrupt(build_id, f"{name} 的向量维度 {store.index.d} 与清单记录的 {dimensions} 不符")
    check_vectors(store.vectors(), build_id, name)


def check_lexical(store: BM25Store, chunk_ids: list[str], build_id: str, name: str, *, per_chunk: bool) -> None:
    """A BM25 store's arrays are whole and its documents belong to the build's chunks (one each, in order,
    when ``per_chunk``).

    Raises:
        IndexCorrupt: they are not.
    """
    scores = store.model.scores
    data, indices, indptr = scores["data"], scores["indices"], scores["indptr"]
    whole = (
        scores.get("num_docs") == len(store.ids)
        and len(indptr) > 0
        and int(indptr[-1]) == len(data) == len(indices)
        and bool(np.all(np.diff(indptr) >= 0))
        and (not len(indices) or 0 <= int(indices.min()) <= int(indices.max()) < len(store.ids))
        and bool(np.all(np.isfinite(data)))
    )
    if not whole:
        raise IndexCorrupt(build_id, f"{name} 的数组不完整或不一致")
    if (per_chunk and store.ids != chunk_ids) or not set(store.ids) <= set(chunk_ids):
        raise IndexCorrupt(build_id, f"{name} 的条目与片段不一致")
