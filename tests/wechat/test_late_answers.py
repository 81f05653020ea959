"""Answers that miss WeChat's 5-second window: acknowledged in time, then pushed once through the
customer-service API (Official Account) or message/send (WeCom), captured by a local HTTP server."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from conftest import MODES, WECOM_AGENT_ID, channel_settings, make_peer
from fastapi.testclient import TestClient
from wechat_peer import FakeWeChatApi

from api.app import create_app
from bot.conversation import SessionStore
from bot.pipeline import Pipeline
from bot.schema import Answer
from bot.settings import Settings


class SlowPipeline:
    """TEST DOUBLE standing in for a slow hosted-LLM answering mode, which this machine cannot reach: the
    real pipeline, answering ``delay`` seconds late. Everything else is the real pipeline's."""

    def __init__(self, pipeline: Pipeline, delay: float) -> None:
        self._pipeline = pipeline
        self._delay = delay
        self.calls = 0

    def answer(self, question: str, session_id: str | None = None, *, channel: str = "api") -> Answer:
        self.calls += 1
        time.sleep(self._delay)
        return self._pipeline.answer(question, session_id, channel=channel)

    def with_sessions(self, sessions: SessionStore) -> SlowPipeline:
        """This stand-in, now over the real pipeline with the app's conversation memory (one app per double)."""
        self._pipeline = self._pipeline.with_sessions(sessions)
        return self

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pipeline, name)


@pytest.mark.parametrize("mode", MODES)
def test_late_answer_is_acknowledged_then_pushed_once(
    mode: str, settings: Settings, pipeline: Pipeline, wechat_api: FakeWeChatApi, user: str
) -> None:
    slow = SlowPipeline(pipeline, delay=1.0)
    app = create_app(
        channel_settings(
            settings, wechat_api.base_url, reply_deadline_seconds=0.3, wechat_mode=None if mode == "wecom" else mode
        ),
        pipeline=slow,
    )
    with TestClient(app) as client:
        peer = make_peer(client, mode)
        message = peer.message(user, Content="发明专利权的期限是多少年？")
        first = peer.post(message)
        assert first.status_code == 200 and first.text == ("" if mode == "wecom" else "success")
        [pushed] = wechat_api.wait_for_messages(1)
        retry = peer.post(message)  # WeChat's retry of the same MsgId
        assert retry.status_code == 200 and peer.reply_fields(retry) is None
    assert slow.calls == 1
    assert wechat_api.messages == [pushed]  # after shutdown: nothing else was pushed
    content = pushed["body"]["text"]["content"]
    assert "二十年" in content and "来源：《中华人民共和国专利法》§第四十二条" in content
    if mode == "wecom":
        assert pushed["path"] == "/cgi-bin/message/send"
        assert pushed["body"]["touser"] == user and pushed["body"]["agentid"] == WECOM_AGENT_ID
        assert wechat_api.token_requests == [
            {"path": "/cgi-bin/gettoken", "corpid": peer.receive_id, "corpsecret": "corp-secret"}
        ]
    else:
        assert pushed["path"] == "/cgi-bin/message/custom/send" and pushed["body"]["touser"] == user
        assert wechat_api.token_requests == [
            {
                "path": "/cgi-bin/token",
                "grant_type": "client_credential",
                "appid": peer.receive_id,
                "secret": "mp-secret",
            }
        ]


def test_commands_stay_passive_while_answers_are_slow(
    settings: Settings, pipeline: Pipeline, wechat_api: FakeWeChatApi, user: str
) -> None:
    slow = SlowPipeline(pipeline, delay=1.0)
    app = create_app(channel_settings(settings, wechat_api.base_url, reply_deadline_seconds=0.3), pipeline=slow)
    with TestClient(app) as client:
        assert "PolicyBot 使用说明" in make_peer(client, "safe").ask(user, "帮助")
    assert slow.calls == 0 and wechat_api.messages == []


def test_a_failed_push_is_logged_without_the_secrets_in_its_url(
    settings: Settings, pipeline: Pipeline, wechat_api: FakeWeChatApi, user: str, caplog: pytest.LogCaptureFixture
) -> None:
    """WeChat's API down (HTTP 502): the token request's URL carries the AppSecret, which must not reach the log."""
    wechat_api.failing_status = 502
    slow = SlowPipeline(pipeline, delay=1.0)
    app = create_app(channel_settings(settings, wechat_api.base_url, reply_deadline_seconds=0.3), pipeline=slow)
    with caplog.at_level(logging.WARNING), TestClient(app) as client:  # what `policybot serve` logs
        peer = make_peer(client, "safe")
        assert peer.post(peer.message(user, Content="发明专利权的期限是多少年？")).text == "success"
        deadline = time.monotonic() + 20
        while "could not push" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.1)
    assert f"could not push a late reply to {user}: HTTP 502 from /cgi-bin/token" in caplog.text
    assert "mp-secret" not in caplog.text and "secret=" not in caplog.text
