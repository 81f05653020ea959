"""Shared fixtures: a real index of the project corpus (built with the default offline embeddings into
.cache/test-index, so later runs reuse it while the corpus and code are unchanged), the answering
pipeline over it, an API client, and real databases — a SQLite file and a PostgreSQL database on the
throwaway server scripts/postgres.sh starts (scripts/test.sh does that and exports its URL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text

from api.app import create_app
from api.factory import Components, build_pipeline, ingest, load_components
from api.training import train_models
from bot.pipeline import Pipeline
from bot.settings import PROJECT_ROOT, Settings

CORPUS_DIR = PROJECT_ROOT / "corpus"
ASKED_ON = date(2026, 12, 2)
"""The day the tests ask on (``POLICYBOT_TODAY``): which version of a law is in force is decided for it, so the
tests do not change their meaning when a revision takes effect (商标法 2026 on 2027-01-01)."""
POSTGRES_URL = os.environ.get("POLICYBOT_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty database for one test: a SQLite file, or a PostgreSQL database created on the test server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'policybot.sqlite3'}"
        return
    if not POSTGRES_URL:
        message = (
            "no PostgreSQL server: run scripts/test.sh (it starts one), or start one with "
            '`eval "$(scripts/postgres.sh start)"`, which exports POLICYBOT_TEST_POSTGRES_URL'
        )
        if os.environ.get("CI") or os.environ.get("POLICYBOT_REQUIRE_POSTGRES"):
            pytest.fail(message)
        pytest.skip(message)
    name = f"policybot_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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
    """The corpus indexed once for the whole test session, with the ranker trained for it (both reused while
    nothing they depend on changed)."""
    ingest(settings, components)
    train_models(settings, components)
    return settings.index_dir


@pytest.fixture(scope="session")
def pipeline(settings: Settings, components: Components, built_index: Path) -> Pipeline:
    return build_pipeline(settings, components)


@pytest.fixture()
def client(settings: Settings, pipeline: Pipeline) -> Iterator[TestClient]:
    with TestClient(create_app(settings, pipeline=pipeline)) as test_client:
        yield test_client


@pytest.fixture()
def db_client(settings: Settings, pipeline: Pipeline, database_url: str) -> Iterator[TestClient]:
    """The app over the shared pipeline, recording into a fresh database (SQLite, then PostgreSQL)."""
    with TestClient(create_app(settings.model_copy(update={"database_url": database_url}), pipeline=pipeline)) as test:
        yield test
