"""Stores and the segmenter that feeds the lexical one: FaissStore honours the LangChain VectorStore contract
with cosine scores and a save/load round trip; BM25Store scores as Lucene's BM25 does; the segmenter keeps
domain terms whole and drops stop words."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore

from index.segment import Segmenter
from index.stores.bm25 import BM25Store
from index.stores.dense import FaissStore, normalized, read_vectors

# Four articles of the corpus, as the index would hold them.
ARTICLES = {
    "patent#42": (
        "第四十二条 发明专利权的期限为二十年，实用新型专利权的期限为十年，外观设计专利权的期限为十五年，"
        "均自申请日起计算。"
    ),
    "patent#43": "第四十三条 专利权人应当自被授予专利权的当年开始缴纳年费。",
    "trademark#39": "第三十九条 注册商标的有效期为十年，自核准注册之日起计算。",
    "copyright#62": "第六十二条 本法所称的著作权即版权。",
}
IDS = list(ARTICLES)
TEXTS = list(ARTICLES.values())


def cosine(a: list[float] | np.ndarray, b: list[float] | np.ndarray) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.fixture(scope="module")
def store(use_embeddings: Embeddings) -> FaissStore:
    return FaissStore.from_texts(TEXTS, use_embeddings, ids=IDS)


# --- FaissStore ------------------------------------------------------------------------------------------


def test_is_a_langchain_vector_store(store: FaissStore, use_embeddings: Embeddings) -> None:
    assert isinstance(store, VectorStore)
    assert store.embeddings is use_embeddings
    assert len(store) == len(TEXTS)
    assert store.index.d == len(use_embeddings.embed_query("测试"))


def test_similarity_search_finds_the_article_that_answers(store: FaissStore) -> None:
    docs = store.similarity_search("发明专利权的保护期限是多少年？", k=2)
    assert all(isinstance(doc, Document) for doc in docs)
    assert docs[0].id == "patent#42"
    assert docs[0].page_content == ARTICLES["patent#42"]
    assert docs[0].metadata == {"chunk_id": "patent#42"}
    assert store.similarity_search("注册商标的有效期", k=1)[0].id == "trademark#39"


def test_scores_are_cosine_similarities_in_descending_order(store: FaissStore, use_embeddings: Embeddings) -> None:
    query = "专利年费什么时候开始缴纳"
    results = store.similarity_search_with_score(query, k=len(TEXTS))
    assert len(results) == len(TEXTS)
    scores = [score for _, score in results]
    assert scores == sorted(scores, reverse=True)
    query_vector = use_embeddings.embed_query(query)
    for doc, score in results:
        assert score == pytest.approx(
            cosine(query_vector, use_embeddings.embed_documents([doc.page_content])[0]), abs=1e-5
        )
        assert -1.0 <= score <= 1.0 + 1e-6


def test_relevance_scores_and_retriever(store: FaissStore) -> None:
    with_scores = store.similarity_search_with_score("著作权和版权是什么关系", k=1)
    relevance = store.similarity_search_with_relevance_scores("著作权和版权是什么关系", k=1)
    assert relevance[0][0].id == with_scores[0][0].id == "copyright#62"
    assert relevance[0][1] == pytest.approx(with_scores[0][1])
    retrieved = store.as_retriever(search_kwargs={"k": 1}).invoke("著作权和版权是什么关系")
    assert [doc.id for doc in retrieved] == ["copyright#62"]


def test_scores_by_vector_covers_every_chunk_in_id_order(store: FaissStore, use_embeddings: Embeddings) -> None:
    query_vector = use_embeddings.embed_query("实用新型")
    all_scores = store.scores_by_vector(query_vector)
    assert all_scores.shape == (len(TEXTS),)
    by_id = {doc.id: score for doc, score in store.similarity_search_with_score_by_vector(query_vector, k=10)}
    assert [by_id[chunk_id] for chunk_id in IDS] == pytest.approx(all_scores.tolist(), abs=1e-5)


def test_k_larger_than_the_store_and_an_empty_store(store: FaissStore, use_embeddings: Embeddings) -> None:
    assert len(store.similarity_search("专利", k=50)) == len(TEXTS)
    empty = FaissStore(use_embeddings, store.index.d)
    assert empty.similarity_search("专利") == []
    assert empty.vectors().shape == (0, store.index.d)


def test_from_texts_without_ids_numbers_them(use_embeddings: Embeddings) -> None:
    store = FaissStore.from_texts(TEXTS[:2], use_embeddings)
    assert store.ids == ["0", "1"]


def test_add_texts_appends_and_is_searchable(use_embeddings: Embeddings) -> None:
    store = FaissStore.from_texts(TEXTS[:2], use_embeddings, ids=IDS[:2])
    assert store.add_texts([TEXTS[2]], ids=[IDS[2]]) == [IDS[2]]
    assert store.add_texts([TEXTS[3]]) == ["3"]
    assert store.ids == [*IDS[:3], "3"]
    assert store.similarity_search("注册商标的有效期", k=1)[0].id == "trademark#39"
    assert store.similarity_search("版权", k=1)[0].page_content == TEXTS[3]


def test_metadata_is_kept_and_survives_a_round_trip(use_embeddings: Embeddings, tmp_path: Path) -> None:
    texts = ["发明专利权的期限为二十年", "注册商标的有效期为十年"]
    store = FaissStore.from_texts(texts, use_embeddings, metadatas=[{"law": "专利法"}, {"law": "商标法"}])
    store.save(tmp_path)
    loaded = FaissStore.load(tmp_path, use_embeddings)
    [found] = loaded.similarity_search("商标有效期多久", k=1)
    assert found.metadata == {"law": "商标法", "chunk_id": "1"}


def test_vectors_are_stored_normalised(store: FaissStore) -> None:
    assert np.linalg.norm(store.vectors(), axis=1) == pytest.approx(np.ones(len(TEXTS)), abs=1e-5)
    assert np.linalg.norm(normalized([3.0, 4.0])) == pytest.approx(1.0)
    assert normalized([3.0, 4.0]).tolist() == [[pytest.approx(0.6), pytest.approx(0.8)]]


def test_save_and_load_round_trip(store: FaissStore, use_embeddings: Embeddings, tmp_path: Path) -> None:
    store.save(tmp_path)
    assert {p.name for p in tmp_path.iterdir()} == {"dense.faiss", "dense.json"}  # plain files, no pickle
    loaded = FaissStore.load(tmp_path, use_embeddings)
    assert (loaded.ids, loaded.texts, loaded.index.d) == (store.ids, store.texts, store.index.d)
    assert np.array_equal(loaded.vectors(), store.vectors())
    assert np.array_equal(read_vectors(tmp_path), store.vectors())
    query = "专利权期限"
    assert [(d.id, s) for d, s in loaded.similarity_search_with_score(query, k=4)] == [
        (d.id, s) for d, s in store.similarity_search_with_score(query, k=4)
    ]


# --- BM25Store -------------------------------------------------------------------------------------------

TOKENS = [
    ["发明", "专利权", "期限", "二十年", "实用新型", "专利权", "期限", "十年"],
    ["专利权", "年费", "缴纳"],
    ["注册商标", "有效期", "十年"],
    ["著作权", "版权"],
    ["专利权", "专利权", "专利权", "无效", "宣告"],
]
BM25_IDS = [f"chunk#{i}" for i in range(len(TOKENS))]


def lucene_bm25(corpus: list[list[str]], query: list[str], k1: float = 1.2, b: float = 0.75) -> list[float]:
    """BM25 as Lucene scores it (Kamphuis et al. 2020): the sum over query tokens of
    idf = ln(1 + (N - df + 0.5) / (df + 0.5)) times tf / (tf + k1 (1 - b + b dl / avgdl))."""
    documents = len(corpus)
    average = sum(len(doc) for doc in corpus) / documents
    frequency = Counter(token for doc in corpus for token in set(doc))
    scores = []
    for doc in corpus:
        counts, score = Counter(doc), 0.0
        for token in query:
            if counts[token]:
                idf = math.log(1 + (documents - frequency[token] + 0.5) / (frequency[token] + 0.5))
                score += idf * counts[token] / (counts[token] + k1 * (1 - b + b * len(doc) / average))
        scores.append(score)
    return scores


@pytest.fixture(scope="module")
def bm25() -> BM25Store:
    return BM25Store.build(TOKENS, BM25_IDS)


@pytest.mark.parametrize(
    "query",
    [["专利权"], ["十年"], ["专利权", "期限"], ["注册商标", "有效期", "十年"], ["版权", "无效", "年费", "发明"]],
)
def test_scores_match_lucene_bm25(bm25: BM25Store, query: list[str]) -> None:
    assert bm25.scores(query).tolist() == pytest.approx(lucene_bm25(TOKENS, query), rel=1e-5)


@pytest.mark.parametrize(("k1", "b"), [(0.9, 0.4), (2.0, 1.0), (1.2, 0.0)])
def test_parameters_are_used(k1: float, b: float) -> None:
    store = BM25Store.build(TOKENS, BM25_IDS, k1=k1, b=b)
    query = ["专利权", "十年"]
    assert store.scores(query).tolist() == pytest.approx(lucene_bm25(TOKENS, query, k1, b), rel=1e-5)


def test_unknown_tokens_score_nothing(bm25: BM25Store) -> None:
    assert bm25.scores(["商业秘密"]).tolist() == [0.0] * len(TOKENS)
    assert bm25.scores([]).tolist() == [0.0] * len(TOKENS)
    assert bm25.scores(["商业秘密", "版权"]).tolist() == pytest.approx(bm25.scores(["版权"]).tolist())


def test_idf(bm25: BM25Store) -> None:
    documents = len(TOKENS)
    assert bm25.idf("专利权") == pytest.approx(math.log(1 + (documents - 3 + 0.5) / 3.5))
    assert bm25.idf("版权") == pytest.approx(math.log(1 + (documents - 1 + 0.5) / 1.5))
    assert bm25.idf("商业秘密") == 0.0
    assert bm25.idf("版权") > bm25.idf("十年") > bm25.idf("专利权") > 0


def test_empty_documents_are_indexed_and_never_match() -> None:
    store = BM25Store.build([["专利权"], [], ["商标"]], ["a", "b", "c"])
    assert store.ids == ["a", "b", "c"]
    scores = store.scores(["专利权", "商标"])
    assert scores[1] == 0.0 and scores[0] > 0 and scores[2] > 0


def test_bm25_save_and_load_round_trip(bm25: BM25Store, tmp_path: Path) -> None:
    bm25.save(tmp_path)
    loaded = BM25Store.load(tmp_path)
    assert loaded.ids == BM25_IDS
    for query in (["专利权"], ["注册商标", "十年"], ["没有的词"]):
        assert loaded.scores(query).tolist() == pytest.approx(bm25.scores(query).tolist())
    assert loaded.idf("十年") == pytest.approx(bm25.idf("十年"))


def test_chinese_ids_survive_a_round_trip(tmp_path: Path) -> None:
    ids = ["related/专利法(2020-10-17)#0", "related/商标法(2019-04-23)#3"]
    BM25Store.build([["专利"], ["商标"]], ids).save(tmp_path)
    assert BM25Store.load(tmp_path).ids == ids


# --- Segmenter -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("加强知识产权保护", "知识产权"),
        ("实用新型专利权的期限为十年", "实用新型"),
        ("培育一批高价值专利和专利组合", "高价值专利"),
        ("培育一批高价值专利和专利组合", "专利组合"),
        ("外观设计专利权的期限为十五年", "外观设计"),
        ("集成电路布图设计专有权", "集成电路布图设计"),
        ("侵犯注册商标专用权的行为", "注册商标专用权"),
        ("加快推进国家级保护中心和快维中心建设", "快维中心"),
        ("植物新品种的保护", "植物新品种"),
        ("专利行政裁决规范化流程体系", "行政裁决"),
    ],
)
def test_domain_terms_stay_whole(segmenter: Segmenter, text: str, term: str) -> None:
    assert term in segmenter.tokens(text)


def test_search_mode_also_yields_sub_words(segmenter: Segmenter) -> None:
    tokens = segmenter.tokens("实用新型专利权的期限")
    assert {"实用新型", "专利权", "专利", "期限"} <= set(tokens)


def test_stop_words_and_punctuation_are_dropped(segmenter: Segmenter) -> None:
    tokens = segmenter.tokens("请问，我们公司的专利权是否可以转让？")
    assert "专利权" in tokens and "转让" in tokens
    assert not {"请问", "我们", "公司", "的", "是否", "可以", "，", "？"} & set(tokens)
    assert all(token not in segmenter.stopwords for token in tokens)


def test_english_is_lower_cased(segmenter: Segmenter) -> None:
    tokens = segmenter.tokens("Patent Law 第四十二条 WIPO PCT")
    assert {"patent", "law", "wipo", "pct", "第四十二条"} <= set(tokens)
    assert not any(token != token.lower() for token in tokens)


def test_custom_dictionary_and_stop_words(tmp_path: Path) -> None:
    user_dict = tmp_path / "dict.txt"
    user_dict.write_text("数据知识产权登记 5000 n\n", encoding="utf-8")
    stopwords = tmp_path / "stop.txt"
    stopwords.write_text("# 注释行\n开展\n", encoding="utf-8")
    segmenter = Segmenter(user_dict=user_dict, stopwords=stopwords)
    tokens = segmenter.tokens("开展数据知识产权登记")
    assert "数据知识产权登记" in tokens and "开展" not in tokens
    assert segmenter.stopwords == {"开展"}


def test_add_word_keeps_a_new_term_whole(tmp_path: Path) -> None:
    segmenter = Segmenter()
    assert "专利开放许可" not in segmenter.tokens("推行专利开放许可制度")
    segmenter.add_word("专利开放许可")
    assert "专利开放许可" in segmenter.tokens("推行专利开放许可制度")
