"""Fixtures of the WeChat channel tests: the real app with both channels configured, a peer playing
WeChat's servers for each of the four ways a message can arrive, and WeChat's HTTP API (token and
message-send endpoints) served on 127.0.0.1."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from wechat_peer import FakeWeChatApi, Peer

from api.app import create_app
from bot.pipeline import Pipeline
from bot.settings import Settings, WeChatSettings, WeComSettings

# The credentials of the published test vectors (WeChat's WXBizMsgCrypt sample and wechatpy's WeCom tests).
MP_TOKEN, MP_AES_KEY, MP_APPID = "spamtest", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx2c2769f8efd9abc2"
MP_ACCOUNT = "gh_10f6c3c3ac5a"
WECOM_TOKEN, WECOM_AES_KEY = "123456", "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
WECOM_CORP_ID = "wx49f0ab532d5d035a"
WECOM_AGENT_ID = 1000002
MODES = ["plain", "compat", "safe", "wecom"]


@pytest.fixture()
def wechat_api() -> Iterator[FakeWeChatApi]:
    api = FakeWeChatApi()
    yield api
    api.close()


def channel_settings(base: Settings, api_base: str, *, wechat_mode: str | None = None, **limits: Any) -> Settings:
    """``base`` with both channels configured (``limits`` apply to both; ``wechat_mode`` is the Official Account's
    POLICYBOT_WECHAT_MODE, by default safe)."""
    limits = {"rate_limit_messages": 100, **limits}
    return base.model_copy(
        update={
            "wechat": WeChatSettings(
                token=MP_TOKEN,
                aes_key=MP_AES_KEY,
                appid=MP_APPID,
                secret="mp-secret",
                api_base=api_base,
                mode=wechat_mode,
                **limits,
            ),
            "wecom": WeComSettings(
                token=WECOM_TOKEN,
                aes_key=WECOM_AES_KEY,
                corp_id=WECOM_CORP_ID,
                agent_id=WECOM_AGENT_ID,
                secret="corp-secret",
                api_base=api_base,
                **limits,
            ),
        }
    )


AppFactory = Callable[..., TestClient]


@pytest.fixture()
def make_client(settings: Settings, pipeline: Pipeline, wechat_api: FakeWeChatApi) -> Iterator[AppFactory]:
    """Start the real app with both channels; keywords set channel limits, ``wechat_mode`` the Official Account's
    mode, ``with_pipeline`` another pipeline."""
    clients: list[TestClient] = []

    def make(*, with_pipeline: Any = pipeline, wechat_mode: str | None = None, **limits: Any) -> TestClient:
        app = create_app(
            channel_settings(settings, wechat_api.base_url, wechat_mode=wechat_mode, **limits), pipeline=with_pipeline
        )
        client = TestClient(app)
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def make_peer(client: TestClient, mode: str) -> Peer:
    if mode == "wecom":
        return Peer(client, mode, WECOM_TOKEN, WECOM_AES_KEY, WECOM_CORP_ID, WECOM_CORP_ID, WECOM_AGENT_ID)
    return Peer(client, mode, MP_TOKEN, MP_AES_KEY, MP_APPID, MP_ACCOUNT)


@pytest.fixture(params=MODES)
def peer(request: pytest.FixtureRequest, make_client: AppFactory) -> Peer:
    """WeChat posting to the app: Official Account in plaintext, compatible and safe mode (the account configured
    in the same mode), and WeCom."""
    mode = request.param
    return make_peer(make_client(wechat_mode=None if mode == "wecom" else mode), mode)


@pytest.fixture()
def user() -> str:
    """A user id of its own for each test (sessions live in the shared test database)."""
    return "o" + uuid.uuid4().hex[:27]
