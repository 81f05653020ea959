"""Shared fixtures: a real index of the project corpus (built with the default offline embeddings into
.cache/test-index, so later runs reuse it while the corpus and code are unchanged), the answering
pipeline over it, and an API client."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.factory import Components, build_pipeline, ingest, load_components
from bot.pipeline import Pipeline
from bot.settings import PROJECT_ROOT, Settings

CORPUS_DIR = PROJECT_ROOT / "corpus"
ASKED_ON = date(2026, 12, 2)
"""The day the tests ask on (``POLICYBOT_TODAY``): which version of a law is in force is decided for it, so the
tests do not change their meaning when a revision takes effect (商标法 2026 on 2027-01-01)."""


@pytest.fixture(scope="session")
def index_dir() -> Path:
    """A persistent test index: ``build_index`` rebuilds it only when the corpus, model or code changed."""
    return PROJECT_ROOT / ".cache" / "test-index"


@pytest.fixture(scope="session")
def settings(index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings pointing at a temporary index and database, with everything else at its defaults."""
    database = tmp_path_factory.mktemp("db") / "policybot.sqlite3"
    return Settings(corpus_dir=CORPUS_DIR, index_dir=index_dir, database_url=f"sqlite:///{database}", today=ASKED_ON)


@pytest.fixture(scope="session")
def components(settings: Settings) -> Components:
    return load_components(settings)


@pytest.fixture(scope="session")
def built_index(settings: Settings, components: Components) -> Path:
    """The corpus indexed once for the whole test session."""
    ingest(settings, components)
    return settings.index_dir


@pytest.fixture(scope="session")
def pipeline(settings: Settings, components: Components, built_index: Path) -> Pipeline:
    return build_pipeline(settings, components)


@pytest.fixture()
def client(settings: Settings, pipeline: Pipeline) -> Iterator[TestClient]:
    with TestClient(create_app(settings, pipeline=pipeline)) as test_client:
        yield test_client
