"""The pipeline a user would write from the LangChain docs, run on the same dataset for comparison:
``RecursiveCharacterTextSplitter(500, 50)`` + the same embeddings + ``FAISS.from_documents`` +
``similarity_search(k=3)``. It has no cleaning, no lexical index and no abstention; its answer is
the best chunk's text."""

from __future__ import annotations

import time
from pathlib import Path

from langchain_community.vectorstores import FAISS
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_text_splitters import RecursiveCharacterTextSplitter

from eval.dataset import Case
from eval.metrics import CaseResult
from index.corpus import discover
from index.errors import DocumentError
from index.loaders import load_text

CHUNK_SIZE = 500
CHUNK_OVERLAP = 50
K = 3


class LangChainDocsBaseline:
    """Index the corpus files the way the LangChain docs show and answer with the top chunk.

    Args:
        sources: corpus folders and files.
        embeddings: the same embeddings PolicyBot uses.
        max_bytes: larger files are skipped.
    """

    def __init__(self, sources: list[Path], embeddings: Embeddings, *, max_bytes: int) -> None:
        files, _ = discover(sources)
        documents = []
        for file in files:
            try:
                text = load_text(file.path, max_bytes=max_bytes, name=file.relative)
            except DocumentError:
                continue
            documents.append(Document(page_content=text, metadata={"source": file.relative}))
        splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
        self.store = FAISS.from_documents(splitter.split_documents(documents), embeddings)

    def run(self, case: Case) -> CaseResult:
        """Answer one case (the baseline has no sessions: earlier turns are ignored)."""
        started = time.perf_counter()
        found = self.store.similarity_search(case.question, k=K)
        latency = (time.perf_counter() - started) * 1000
        return CaseResult(
            case=case,
            status="answered",
            answer=found[0].page_content if found else "",
            citation_texts=[d.page_content for d in found],
            citation_titles=[d.metadata["source"] for d in found],
            citation_versions=[None for _ in found],
            latency_ms=latency,
        )
