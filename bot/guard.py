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
from index.chunking import sentences


@dataclass(frozen=True, slots=True)
class Verdict:
    """Why a question is not answered: the status and the reason (a key of the answer templates)."""

    status: Status
    reason: str
    detail: str = ""


_BOOK_TITLE = re.compile(r"《([^》]{2,40})》")
_CLAUSES = re.compile(r"[^，。？！；,?!;]+")


def _any(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


class Guard:
    """Checks a question before and after retrieval.

    Args:
        known_law_name: tells whether a law named in a question is one of the indexed documents.
        written: tells whether a term is written in the indexed documents.
    """

    def __init__(self, known_law_name: Callable[[str], bool], written: Callable[[str], bool]) -> None:
        rules = tomllib.loads(resources.files("bot.data").joinpath("guard.toml").read_text(encoding="utf-8"))
        self._injection = _any(rules["injection"])
        self._domain = _any(rules["domain_terms"])
        self._places = _any(rules["other_places"])
        self._local_policy = _any(rules["local_policy_terms"])
        self._money_question = _any(rules["money_question"])
        self._money_evidence = re.compile(rules["money_evidence"])
        self._money_method = _any(rules["money_method"])
        self._figures = [
            (_any(rules[f"{kind}_question"]), re.compile(rules[f"{kind}_evidence"])) for kind in ("figure", "year")
        ]
        self._unstated = _any(rules["unstated"])
        self._other_laws = rules["other_laws"]
        self._foreign = _any(rules["foreign"])
        self._foreign_related = _any(rules["foreign_related"])
        self._known_law_name = known_law_name
        self._policy_support = _any(rules["policy_support"])
        self._definitions = [re.compile(pattern) for pattern in rules["definition_questions"]]
        self._written = written

    def unknown_law(self, query: Query, evidence: str) -> str | None:
        """A law the question names that is not indexed (any 《…》 title, or a known law name outside the corpus)
        and that the passage the answer would come from does not name either.

        An indexed provision that applies the other law (``依照对外贸易法…``) still answers the question.
        """
        names = [*_BOOK_TITLE.findall(query.text), *(name for name in self._other_laws if name in query.text)]
        return next((name for name in names if not self._known_law_name(name) and name not in evidence), None)

    def before_retrieval(self, query: Query) -> Verdict | None:
        """Refuse injections; abstain on what the documents cannot hold."""
        text = f"{query.original} {query.text}"
        if self._injection.search(text):
            return Verdict("refused", "injection")
        if (place := self._places.search(text)) and self._local_policy.search(text):
            return Verdict("no_answer", "other_place", place.group(0))
        if (country := self._foreign.search(text)) and not self._foreign_related.search(text):
            return Verdict("no_answer", "foreign", country.group(0))
        if self._unstated.search(text):
            return Verdict("no_answer", "unstated")
        return None

    def asks_for_support(self, query: Query) -> bool:
        """The question asks whether there is support or a policy (the plan answers beside the laws)."""
        return bool(self._policy_support.search(f"{query.original} {query.text}"))

    def off_topic(self, query: Query) -> bool:
        """The question uses none of the domain's words and does not ask what a term of the documents means
        (decided together with the evidence found)."""
        if query.is_followup or self._domain.search(f"{query.original} {query.text}"):
            return False
        asked = (found.group(1) for pattern in self._definitions if (found := pattern.search(query.original.strip())))
        return not any(self._written(term) for term in asked)

    def unstated_figure(self, query: Query, evidence: str, priced: list[str]) -> str | None:
        """When the question asks for an amount or a figure the evidence does not state: the reason key.

        Args:
            query: the question.
            evidence: the passage the answer would come from.
            priced: the words of the clause that asks for the amount (``申请费`` in ``申请费是多少元``); an amount
                in the evidence counts only in a sentence that names one of them.
        """
        asked = f"{query.original} {query.text}"
        if self._money_question.search(asked) and not self._money_method.search(asked):
            priced_sentences = [s for s in sentences(evidence) if self._money_evidence.search(s)]
            if priced:
                priced_sentences = [s for s in priced_sentences if any(word in s for word in priced)]
            if not priced_sentences:
                return "money"
        for question, stated in self._figures:
            if question.search(asked) and not stated.search(evidence):
                return "figure"
        return None

    def priced_clause(self, query: Query) -> str | None:
        """The clause of the question that asks for an amount of money, if any."""
        for clause in _CLAUSES.findall(query.text):
            if self._money_question.search(clause):
                return clause
        return None
