"""Faults of an index build made for real on disk, shared by the index and API tests (a uniquely named module
in tests/, which pytest puts on sys.path for tests/conftest.py)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import faiss
import numpy as np

from index.build import CHUNKS_FILE, MANIFEST_FILE
from index.integrity import CONTENTS_KEY, file_digests
from index.stores.dense import INDEX_FILE

Fault = Callable[[Path], None]


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def garbage(path: Path) -> None:
    """Random bytes of the same size: only the content, not the size, gives it away."""
    path.write_bytes(os.urandom(path.stat().st_size))


def zero_vectors(build: Path) -> None:
    """Replace the main store's vectors by zeros and record the new file's digest in the manifest, as a build
    from a model that returned zero vectors would look: the digests agree, only the vectors tell."""
    stored = faiss.read_index(str(build / INDEX_FILE))
    zeroed = faiss.IndexFlatIP(stored.d)
    zeroed.add(np.zeros((stored.ntotal, stored.d), dtype=np.float32))
    faiss.write_index(zeroed, str(build / INDEX_FILE))
    manifest = json.loads((build / MANIFEST_FILE).read_text(encoding="utf-8"))
    if CONTENTS_KEY in manifest:
        manifest[CONTENTS_KEY][INDEX_FILE] = file_digests(build, exclude=[MANIFEST_FILE])[INDEX_FILE]
    (build / MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")


def drop_last_line(path: Path) -> None:
    """A file cut at a line boundary: every remaining line still parses."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")


FAULTS: dict[str, Fault] = {
    "truncated chunks.jsonl": lambda build: truncate(build / CHUNKS_FILE),
    "chunks.jsonl cut at a line": lambda build: drop_last_line(build / CHUNKS_FILE),
    "garbage FAISS file": lambda build: garbage(build / INDEX_FILE),
    "truncated BM25 array": lambda build: truncate(build / "bm25" / "data.csc.index.npy"),
    "garbage BM25 array": lambda build: garbage(build / "bm25" / "indptr.csc.index.npy"),
    "missing BM25 ids": lambda build: (build / "bm25" / "ids.json").unlink(),
    "zeroed vectors": zero_vectors,
}
