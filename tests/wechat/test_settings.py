"""Operators configure the channels with the environment variables the set-up guide names."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from conftest import (
    MP_AES_KEY,
    MP_APPID,
    MP_TOKEN,
    WECOM_AES_KEY,
    WECOM_AGENT_ID,
    WECOM_CORP_ID,
    WECOM_TOKEN,
    make_peer,
)
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.app import create_app
from api.wechat.replies import HELP
from bot.pipeline import Pipeline
from bot.settings import Settings, WeChatSettings, WeComSettings

DOCUMENTED = {
    "POLICYBOT_WECHAT_TOKEN": MP_TOKEN,
    "POLICYBOT_WECHAT_AES_KEY": MP_AES_KEY,
    "POLICYBOT_WECHAT_APPID": MP_APPID,
    "POLICYBOT_WECHAT_SECRET": "mp-secret",
    "POLICYBOT_WECOM_TOKEN": WECOM_TOKEN,
    "POLICYBOT_WECOM_AES_KEY": WECOM_AES_KEY,
    "POLICYBOT_WECOM_CORP_ID": WECOM_CORP_ID,
    "POLICYBOT_WECOM_AGENT_ID": str(WECOM_AGENT_ID),
    "POLICYBOT_WECOM_SECRET": "corp-secret",
}


@pytest.fixture()
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """An environment without channel variables (nor a .env file) of the machine running the tests."""
    monkeypatch.chdir(tmp_path)
    for name in os.environ:
        if name.startswith(("POLICYBOT_WECHAT", "POLICYBOT_WECOM")):
            monkeypatch.delenv(name)
    return monkeypatch


def test_documented_variables_configure_both_channels(environment: pytest.MonkeyPatch) -> None:
    for name, value in DOCUMENTED.items():
        environment.setenv(name, value)
    settings = Settings()
    assert (settings.wechat.token, settings.wechat.aes_key, settings.wechat.appid, settings.wechat.secret) == (
        MP_TOKEN,
        MP_AES_KEY,
        MP_APPID,
        "mp-secret",
    )
    assert (
        settings.wecom.token,
        settings.wecom.aes_key,
        settings.wecom.corp_id,
        settings.wecom.agent_id,
        settings.wecom.secret,
    ) == (WECOM_TOKEN, WECOM_AES_KEY, WECOM_CORP_ID, WECOM_AGENT_ID, "corp-secret")
    assert settings.wechat.missing_credentials() == settings.wecom.missing_credentials() == []


def test_limits_have_safe_defaults_and_the_nested_form_works(environment: pytest.MonkeyPatch) -> None:
    assert Settings().wechat.reply_deadline_seconds < 5 and Settings().wecom.max_clock_skew_seconds == 300
    environment.setenv("POLICYBOT_WECHAT_REPLY_DEADLINE_SECONDS", "4")
    environment.setenv("POLICYBOT_WECOM__RATE_LIMIT_MESSAGES", "3")
    settings = Settings()
    assert settings.wechat.reply_deadline_seconds == 4 and settings.wecom.rate_limit_messages == 3


def test_a_malformed_encoding_aes_key_stops_start_up(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("POLICYBOT_WECHAT_AES_KEY", "too-short")
    with pytest.raises(ValidationError):
        Settings()


def test_channels_configured_from_the_environment_answer(
    environment: pytest.MonkeyPatch, settings: Settings, pipeline: Pipeline, user: str
) -> None:
    for name, value in DOCUMENTED.items():
        environment.setenv(name, value)
    configured = settings.model_copy(update={"wechat": WeChatSettings(), "wecom": WeComSettings()})
    with TestClient(create_app(configured, pipeline=pipeline)) as client:
        assert make_peer(client, "safe").ask(user, "帮助") == HELP
        assert make_peer(client, "wecom").verify("42").text == "42"


def test_a_partly_configured_channel_stays_off_and_says_why(
    environment: pytest.MonkeyPatch, settings: Settings, pipeline: Pipeline, caplog: pytest.LogCaptureFixture
) -> None:
    environment.setenv("POLICYBOT_WECHAT_TOKEN", MP_TOKEN)
    environment.setenv("POLICYBOT_WECHAT_APPID", MP_APPID)
    environment.setenv("POLICYBOT_WECHAT_MODE", "safe")
    partial = settings.model_copy(update={"wechat": WeChatSettings(), "wecom": WeComSettings()})
    with caplog.at_level(logging.WARNING), TestClient(create_app(partial, pipeline=pipeline)) as client:
        assert client.get("/wechat/mp").status_code == 404
        assert client.get("/wechat/work").status_code == 404
    assert "POLICYBOT_WECHAT_AES_KEY, POLICYBOT_WECHAT_SECRET not set" in caplog.text
    assert "POLICYBOT_WECOM" not in caplog.text  # an unused channel is simply off
