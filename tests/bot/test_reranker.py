"""The optional cross-encoder stage: the searcher hands it (question, passage) pairs and orders by its scores.

No cross-encoder ships offline with a PyPI package, so a stand-in with the same ``predict`` interface as
``sentence_transformers.CrossEncoder`` is used here; it prefers the passage naming a term of the
question's choosing.
"""

from __future__ import annotations

from bot.pipeline import Pipeline
from bot.retrieval import HybridSearcher


class PrefersGracePeriod:
    """Stand-in for a cross-encoder model: scores a passage 1 when it mentions 宽展期, else 0."""

    def __init__(self) -> None:
        self.pairs: list[tuple[str, str]] = []

    def predict(self, pairs: list[tuple[str, str]]) -> list[float]:
        self.pairs.extend(pairs)
        return [1.0 if "宽展期" in passage else 0.0 for _, passage in pairs]


def test_cross_encoder_scores_decide_the_order(pipeline: Pipeline) -> None:
    plain = pipeline.searcher
    model = PrefersGracePeriod()
    searcher = HybridSearcher(
        plain.index,
        plain.embeddings,
        plain.models,
        candidate_depth=plain.candidate_depth,
        vocabulary_words=plain.vocabulary_words,
        reranker=model,
    )
    query = pipeline.analyzer.analyze("注册商标的有效期是多少年？")
    before = plain.search(query, 10)
    ranking = searcher.rank(query, 10)
    after = ranking.hits
    assert len(model.pairs) == 10  # every ranked hit went to the model
    assert all(question == query.text for question, _ in model.pairs)
    assert any("宽展期" in h.chunk.text for h in before)
    assert "宽展期" in after[0].chunk.text
    assert [h.score for h in after] == sorted((h.score for h in after), reverse=True)
    assert [step["step"] for step in ranking.steps][-1] == "cross_encoder"
