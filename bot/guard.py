"""Refusal and abstention rules: prompt injection, off-topic requests, and questions the documents
cannot answer (another city's policy, a law not in the corpus, amounts the evidence does not state)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

from bot.query import Query
from bot.schema import Status


@dataclass(frozen=True, slots=True)
class Verdict:
    """Why a question is not answered: the status and the reason (a key of the answer templates)."""

    status: Status
    reason: str
    detail: str = ""


def _any(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


class Guard:
    """Checks a question before and after retrieval.

    Args:
        known_law_name: tells whether a law named in a question is one of the indexed documents.
    """

    def __init__(self, known_law_name: Callable[[str], bool]) -> None:
        rules = tomllib.loads(resources.files("bot.data").joinpath("guard.toml").read_text(encoding="utf-8"))
        self._injection = _any(rules["injection"])
        self._domain = _any(rules["domain_terms"])
        self._places = _any(rules["other_places"])
        self._local_policy = _any(rules["local_policy_terms"])
        self._money_question = _any(rules["money_question"])
        self._money_evidence = re.compile(rules["money_evidence"])
        self._unstated = _any(rules["unstated"])
        self._law_name = re.compile(rules["law_name"])
        self._not_law_names = tuple(rules["not_law_names"])
        self._known_law_name = known_law_name

    def _unknown_law(self, text: str) -> str | None:
        for match in self._law_name.finditer(text):
            name = match.group(1)
            if name.endswith(self._not_law_names) or self._known_law_name(name):
                continue
            return name
        return None

    def before_retrieval(self, query: Query) -> Verdict | None:
        """Refuse injections; abstain on what the documents cannot hold."""
        text = f"{query.original} {query.text}"
        if self._injection.search(text):
            return Verdict("refused", "injection")
        if (place := self._places.search(text)) and self._local_policy.search(text):
            return Verdict("no_answer", "other_place", place.group(0))
        if law := self._unknown_law(query.text):
            return Verdict("no_answer", "unknown_law", law)
        if self._unstated.search(text):
            return Verdict("no_answer", "unstated")
        return None

    def off_topic(self, query: Query) -> bool:
        """The question uses none of the domain's words (decided together with the evidence found)."""
        return not query.is_followup and not self._domain.search(f"{query.original} {query.text}")

    def wants_money(self, query: Query) -> bool:
        """The question asks for an amount of money."""
        return bool(self._money_question.search(f"{query.original} {query.text}"))

    def states_money(self, text: str) -> bool:
        """The evidence states an amount of money (or a multiple of one)."""
        return bool(self._money_evidence.search(text))
