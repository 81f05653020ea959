"""Measure the threshold of curated-answer matching on question pairs (``eval/curated/pairs.tsv``): paraphrases a
curated answer should serve ("same") and other questions, most a word or two apart, it must not ("different").

For each threshold it prints the share of paraphrases served and of other questions wrongly served, for the main
embedding model's cosine alone and for what ``api/staff/curated.py`` serves by: the main and second models' cosines
blended as retrieval blends them, with the subject check.
Usage: ``python scripts/measure_curated_threshold.py`` (inside .venv; loads the embedding model the settings name).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.factory import load_components  # noqa: E402
from api.staff.curated import QuestionEncoder, subjects_agree  # noqa: E402
from bot.settings import get_settings  # noqa: E402

PAIRS = ROOT / "eval" / "curated" / "pairs.tsv"


def main() -> None:
    settings = get_settings()
    components = load_components(settings)
    share = settings.retrieval.second_dense_share
    main_only = QuestionEncoder(components.embeddings, None, 0.0)
    blended = QuestionEncoder(components.embeddings, components.second.embeddings if components.second else None, share)
    with PAIRS.open(encoding="utf-8") as file:
        rows = [row for row in csv.DictReader((line for line in file if not line.startswith("#")), delimiter="\t")]
    same = np.array([row["label"] == "same" for row in rows])

    cosine = np.array([main_only.similarity(r["first"], r["second"]) for r in rows])
    mixed = np.array([blended.similarity(r["first"], r["second"]) for r in rows])
    agree = np.array([subjects_agree(r["first"], r["second"]) for r in rows])
    print(
        f"{same.sum()} paraphrase pairs, {(~same).sum()} other pairs; main model {settings.retrieval.embedding_model}"
        f", blended with {settings.retrieval.second_embedding_model} at {share:.0%}"
    )
    for name, scores, guard in (("main cosine", cosine, np.ones_like(agree)), ("blended + subjects", mixed, agree)):
        wrong = scores[~same & guard]
        print(
            f"{name}: paraphrases min {scores[same].min():.3f}, median {np.median(scores[same]):.3f}; "
            f"others median {np.median(scores[~same]):.3f}, highest one that passes the guard {wrong.max():.3f}"
        )
    print("threshold   main cosine: paraphrases / others served   blended + subjects: paraphrases / others served")
    for threshold in np.arange(0.86, 1.0001, 0.01):
        alone = cosine >= threshold - 1e-9
        checked = (mixed >= threshold - 1e-9) & agree
        print(
            f"  {threshold:.2f}       {alone[same].mean():6.1%} / {alone[~same].mean():6.1%}"
            f"                     {checked[same].mean():6.1%} / {checked[~same].mean():6.1%}"
        )
    order = np.argsort(-np.where(~same & agree, mixed, -1.0))
    print(
        f"closest other pair that passes the subject check: {mixed[order[0]]:.3f} "
        f"{rows[order[0]]['first']} / {rows[order[0]]['second']}"
    )


if __name__ == "__main__":
    main()
