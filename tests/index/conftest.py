"""Fixtures for the index-layer tests: the real corpus, small temporary corpora copied from it, the default
offline embeddings and the segmenter."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from index_helpers import CORPUS_DIR, MAX_BYTES, CachedEmbeddings
from langchain_core.embeddings import Embeddings

from index.corpus import CorpusReadResult, read_corpus
from index.embedding import USE_MULTILINGUAL, load_embeddings
from index.schema import SourceDoc
from index.segment import Segmenter


@pytest.fixture(scope="session")
def use_embeddings() -> Embeddings:
    """The project's default embeddings (USE multilingual, numpy only, fast on CPU)."""
    return load_embeddings(USE_MULTILINGUAL)


@pytest.fixture(scope="session")
def cached_embeddings(use_embeddings: Embeddings) -> Embeddings:
    """The default embeddings with a vector cache shared by the whole session (see CachedEmbeddings)."""
    return CachedEmbeddings(use_embeddings)


@pytest.fixture(scope="session")
def segmenter() -> Segmenter:
    return Segmenter()


@pytest.fixture(scope="session")
def corpus() -> CorpusReadResult:
    """The whole project corpus, read and cleaned once."""
    return read_corpus([CORPUS_DIR], max_bytes=MAX_BYTES)


@pytest.fixture(scope="session")
def docs(corpus: CorpusReadResult) -> dict[str, SourceDoc]:
    return {doc.doc_id: doc for doc in corpus.docs}


@pytest.fixture()
def make_corpus(tmp_path: Path) -> Callable[..., Path]:
    """Copy chosen corpus files into a fresh folder: ``make_corpus(PLAN_FILE, related("专利法"))``."""

    def make(*files: Path, name: str = "corpus") -> Path:
        root = tmp_path / name
        root.mkdir()
        for file in files:
            shutil.copy(file, root / file.name)
        return root

    return make
