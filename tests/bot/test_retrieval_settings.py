"""Retrieval settings: the second embedding model can be turned off from the environment."""

from __future__ import annotations

import pytest

from bot.settings import Settings


def test_the_default_blends_two_models() -> None:
    assert Settings().retrieval.models == "use-multilingual + e5-small"


def test_an_empty_second_model_turns_the_blend_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYBOT_RETRIEVAL__SECOND_EMBEDDING_MODEL", "")
    retrieval = Settings().retrieval
    assert retrieval.second_embedding_model is None
    assert retrieval.models == "use-multilingual"


def test_an_empty_day_of_asking_means_the_real_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYBOT_TODAY", "")
    assert Settings().today is None
