"""The app with a damaged index, made for real on a copy of the test index: it starts, answers /api/chat with 503
and a Chinese message that says what to run (no server paths), reports the fault in /healthz (503 for a load
balancer), and serves the previous intact build when one is kept beside the damaged one."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from index_faults import FAULTS, garbage

from api.app import create_app
from bot.settings import Settings
from index.build import BUILDS_DIR, CURRENT_FILE, MANIFEST_FILE, current_build
from index.stores.dense import INDEX_FILE

HAN = re.compile(r"[\u4e00-\u9fff]")
PREVIOUS, CURRENT = "20000101-000000-previous", "20000102-000000-current"
APP_FAULTS = ["truncated chunks.jsonl", "garbage FAISS file", "truncated BM25 array", "zeroed vectors"]


def copy_index(source: Path, target: Path, names: list[str]) -> None:
    """``target`` holding the test index's build once under each name (the last one current)."""
    build = current_build(source)
    assert build is not None
    for name in names:
        copy = target / BUILDS_DIR / name
        shutil.copytree(build, copy)
        manifest = json.loads((copy / MANIFEST_FILE).read_text(encoding="utf-8"))
        (copy / MANIFEST_FILE).write_text(json.dumps({**manifest, "build_id": name}), encoding="utf-8")
    (target / CURRENT_FILE).write_text(names[-1], encoding="utf-8")


def settings_for(settings: Settings, index_dir: Path) -> Settings:
    return settings.model_copy(
        update={"index_dir": index_dir, "database_url": f"sqlite:///{index_dir.parent / 'policybot.sqlite3'}"}
    )


@pytest.mark.parametrize("fault", APP_FAULTS)
def test_a_damaged_index_starts_the_app_and_says_what_to_run(
    fault: str, settings: Settings, built_index: Path, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    copy_index(built_index, index_dir, [CURRENT])
    FAULTS[fault](index_dir / BUILDS_DIR / CURRENT)

    with TestClient(create_app(settings_for(settings, index_dir))) as client:
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.json()["status"] == "no_index" and not health.json()["index_loaded"]
        assert CURRENT in health.json()["detail"] and "已损坏" in health.json()["detail"]

        chat = client.post("/api/chat", json={"question": "发明专利保护多少年？"})
        assert chat.status_code == 503
        detail = chat.json()["detail"]
        assert "索引文件已损坏" in detail and "policybot ingest" in detail
        assert str(tmp_path) not in detail and "/" not in detail  # no server path, no file name

        assert client.get("/api/documents").status_code == 503
        assert client.get("/").status_code == 200  # the page and the other routes stay up


def test_a_damaged_index_gives_way_to_the_previous_build(settings: Settings, built_index: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    copy_index(built_index, index_dir, [PREVIOUS, CURRENT])
    garbage(index_dir / BUILDS_DIR / CURRENT / INDEX_FILE)

    with TestClient(create_app(settings_for(settings, index_dir))) as client:
        health = client.get("/healthz")
        assert health.status_code == 200
        body = health.json()
        assert body["status"] == "degraded" and body["previous_build"] and body["build_id"] == PREVIOUS
        assert CURRENT in body["detail"] and "dense.faiss" in body["detail"] and str(tmp_path) not in body["detail"]
        assert body["stale"]  # `policybot ingest` will rebuild

        chat = client.post("/api/chat", json={"question": "发明专利保护多少年？"})
        assert chat.status_code == 200 and "二十年" in chat.json()["answer"]


def test_a_garbage_manifest_and_pointer_do_not_stop_the_app(
    settings: Settings, built_index: Path, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    copy_index(built_index, index_dir, [CURRENT])
    (index_dir / BUILDS_DIR / CURRENT / MANIFEST_FILE).write_bytes(b"\x00\xff{")
    with TestClient(create_app(settings_for(settings, index_dir))) as client:
        assert client.get("/healthz").status_code == 503
        assert "policybot ingest" in client.post("/api/chat", json={"question": "商标是什么？"}).json()["detail"]
    (index_dir / CURRENT_FILE).write_bytes(b"\xff\xfe../../etc")
    with TestClient(create_app(settings_for(settings, index_dir))) as client:
        detail = client.post("/api/chat", json={"question": "商标是什么？"}).json()["detail"]
        assert "索引尚未建立" in detail and HAN.search(detail)
