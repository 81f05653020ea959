"""Learn the layperson → statute vocabulary from question/article pairs by normalised pointwise mutual information:
a question word and a statute word are associated when they occur in the same pair more often than chance."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

from bot.vocabulary import Vocabulary


def learn_vocabulary(
    pairs: Iterable[tuple[set[str], set[str]]], *, min_pairs: int, min_npmi: float, per_word: int
) -> tuple[Vocabulary, dict[tuple[str, str], int]]:
    """The vocabulary of ``pairs`` (a question's words, the words of the articles that answer it).

    Args:
        pairs: one (question words, article words) pair per labelled question.
        min_pairs: an association must be seen in at least this many pairs.
        min_npmi: and be at least this strong (normalised PMI, -1…1).
        per_word: the strongest associations kept per question word.

    Returns:
        The vocabulary and, per kept association, the number of pairs it was seen in.
    """
    question_counts: Counter[str] = Counter()
    statute_counts: Counter[str] = Counter()
    joint: Counter[tuple[str, str]] = Counter()
    total = 0
    for question_words, statute_words in pairs:
        total += 1
        question_counts.update(question_words)
        statute_counts.update(statute_words)
        joint.update((q, s) for q in question_words for s in statute_words if q != s)
    associations: dict[str, list[tuple[str, float]]] = {}
    kept: dict[tuple[str, str], int] = {}
    for (question_word, statute_word), count in joint.items():
        if count < min_pairs:
            continue
        p_joint = count / total
        if p_joint >= 1.0:
            continue
        pmi = math.log(p_joint / (question_counts[question_word] / total * statute_counts[statute_word] / total))
        strength = pmi / -math.log(p_joint)
        if strength >= min_npmi:
            associations.setdefault(question_word, []).append((statute_word, round(strength, 4)))
            kept[question_word, statute_word] = count
    for words in associations.values():
        words.sort(key=lambda item: (-item[1], item[0]))
        del words[per_word:]
    kept = {key: count for key, count in kept.items() if key[1] in {w for w, _ in associations[key[0]]}}
    return Vocabulary(associations), kept
