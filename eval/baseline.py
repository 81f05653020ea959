"""The pipelines a user would build from the LangChain docs and from Langchain-Chatchat, run on the same dataset
in the same run for comparison. All three cut the raw corpus files with ``RecursiveCharacterTextSplitter(500, 50)``,
retrieve the top ``K`` chunks and answer with the best one; none cleans, abstains or keeps sessions:

- ``langchain-docs``: the same main embeddings (USE) + ``FAISS.from_documents`` + similarity search;
- ``bm25``: jieba (search mode) + BM25 (``BM25Retriever``);
- ``ensemble``: the two fused 0.5/0.5 by ``EnsembleRetriever`` (weighted reciprocal rank), as Langchain-Chatchat does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import jieba
from langchain_classic.retrievers import EnsembleRetriever
from langchain_community.retrievers import BM25Retriever
from langchain_community.vectorstores import FAISS
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from langchain_text_splitters import RecursiveCharacterTextSplitter

from eval.dataset import Case
from eval.metrics import CaseResult
from index.corpus import discover
from index.errors import DocumentError
from index.loaders import load_text

CHUNK_SIZE = 500
CHUNK_OVERLAP = 50
K = 5
ENSEMBLE_WEIGHTS = (0.5, 0.5)


def split_corpus(sources: list[Path], *, max_bytes: int) -> list[Document]:
    """The corpus files as loaded (no cleaning), cut the way the LangChain docs show."""
    files, _ = discover(sources)
    documents = []
    for file in files:
        try:
            text = load_text(file.path, max_bytes=max_bytes, name=file.relative)
        except DocumentError:
            continue
        documents.append(Document(page_content=text, metadata={"source": file.relative}))
    return RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP).split_documents(documents)


class RetrieverBaseline:
    """Answers a case with the top chunk of a LangChain retriever and cites its top ``K``.

    Args:
        name: how reports name it.
        retriever: returns the best chunks first.
    """

    def __init__(self, name: str, retriever: BaseRetriever) -> None:
        self.name = name
        self.retriever = retriever

    def run(self, case: Case) -> CaseResult:
        """Answer one case (earlier turns are ignored: the baselines have no sessions)."""
        started = time.perf_counter()
        found = self.retriever.invoke(case.question)[:K]
        return CaseResult(
            case=case,
            status="answered",
            answer=found[0].page_content if found else "",
            citation_texts=[d.page_content for d in found],
            citation_titles=[d.metadata["source"] for d in found],
            citation_versions=[None for _ in found],
            latency_ms=(time.perf_counter() - started) * 1000,
        )


def baselines(sources: list[Path], embeddings: Embeddings, *, max_bytes: int) -> list[RetrieverBaseline]:
    """The three baselines over the same chunks."""
    chunks = split_corpus(sources, max_bytes=max_bytes)
    tokenize: Callable[[str], list[str]] = jieba.lcut_for_search
    dense = FAISS.from_documents(chunks, embeddings).as_retriever(search_kwargs={"k": K})
    lexical = BM25Retriever.from_documents(chunks, preprocess_func=tokenize, k=K)
    ensemble = EnsembleRetriever(retrievers=[lexical, dense], weights=list(ENSEMBLE_WEIGHTS))
    return [
        RetrieverBaseline("langchain-docs", dense),
        RetrieverBaseline("bm25", lexical),
        RetrieverBaseline("ensemble", ensemble),
    ]
