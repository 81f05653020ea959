"""Content gaps: the questions PolicyBot could not answer, or whose answer was rated unhelpful or judged wrong,
grouped into clusters of the same need, largest first, each labelled by its jieba keywords — what documents
staff should add.

Clusters are formed greedily in the questions' order: a question joins the cluster whose centroid is closest, when
its cosine with the main embedding model reaches ``similarity``, else it starts a new one. Without an embedding
model (no index loaded) questions are grouped by their top keyword instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import jieba.analyse
import numpy as np

from api.staff.curated import QuestionEncoder

MASKED = ("手机号", "身份证号", "邮箱", "银行卡号", "电话号码")  # placeholders of masked personal data
EXAMPLES = 3
KEYWORDS = 3


@dataclass(slots=True)
class _Cluster:
    questions: list[str] = field(default_factory=list)
    total: np.ndarray | None = None


def _keywords() -> jieba.analyse.TFIDF:
    extractor = jieba.analyse.TFIDF()
    # The index's stop words (请问, 怎么, 公司 …): question phrasing is not what a gap is about.
    extractor.set_stop_words(str(resources.files("index.data").joinpath("stopwords.txt")))
    for word in MASKED:
        extractor.stop_words.add(word)
    return extractor


_EXTRACTOR = _keywords()


def label(questions: Sequence[str]) -> str:
    """The top jieba TF-IDF keywords of a cluster's questions, joined with 、."""
    words = _EXTRACTOR.extract_tags(" ".join(questions), topK=KEYWORDS)
    return "、".join(words) or questions[0][:12]


def content_gaps(
    questions: Sequence[str], encoder: QuestionEncoder | None, *, similarity: float, limit: int = 12
) -> list[dict[str, Any]]:
    """Cluster gap questions.

    Args:
        questions: the questions, newest first (repeats count as often as they were asked).
        encoder: question vectors (None: group by top keyword).
        similarity: the least similarity between a question and a cluster's centroid to join it.
        limit: clusters returned at most.

    Returns:
        ``{label, count, examples}`` per cluster, largest first (examples: distinct questions, newest first).
    """
    clusters: list[_Cluster] = []
    by_keyword: dict[str, _Cluster] = {}
    for question in questions:
        if encoder is None:
            top = _EXTRACTOR.extract_tags(question, topK=1)
            cluster = by_keyword.setdefault(top[0] if top else question, _Cluster())
            if not cluster.questions:
                clusters.append(cluster)
            cluster.questions.append(question)
            continue
        vector = encoder.main(question)
        best, best_similarity = None, similarity
        for cluster in clusters:
            assert cluster.total is not None
            centroid = cluster.total / (np.linalg.norm(cluster.total) or 1.0)
            if (score := float(centroid @ vector)) >= best_similarity:
                best, best_similarity = cluster, score
        if best is None:
            best = _Cluster()
            clusters.append(best)
        best.questions.append(question)
        best.total = vector.copy() if best.total is None else best.total + vector
    clusters.sort(key=lambda cluster: -len(cluster.questions))
    return [
        {
            "label": label(cluster.questions),
            "count": len(cluster.questions),
            "examples": list(dict.fromkeys(cluster.questions))[:EXAMPLES],
        }
        for cluster in clusters[:limit]
    ]
