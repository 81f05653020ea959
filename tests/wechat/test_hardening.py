"""Forged, malformed and replayed callbacks, sent for real by the independent peer: timestamps that are not Unix
seconds, a plaintext body under a signature copied from an earlier callback on a safe-mode account, a MsgId reused
by another sender; the account's mode setting; and signatures kept out of the access log of a real uvicorn."""

from __future__ import annotations

import time

import httpx
import pytest
from conftest import MP_AES_KEY, MP_APPID, MP_TOKEN, AppFactory, channel_settings, make_peer
from fastapi.testclient import TestClient
from live_server import live_server
from pydantic import ValidationError
from test_callbacks import turns
from wechat_peer import FakeWeChatApi, Peer, to_xml

from api.app import create_app
from api.wechat.replies import HELP
from bot.pipeline import Pipeline
from bot.settings import Settings, WeChatSettings

QUESTION = "发明专利权的期限是多少年？"
OTHER_QUESTION = "注册商标的有效期是多久？"


@pytest.mark.parametrize("timestamp", ["²", "1" * 5000, "١٧٠٠٠٠٠٠٠٠", "-1", "1e9", "1700000000.5"])
def test_a_timestamp_that_is_not_unix_seconds_is_a_403_before_any_signature_check(
    peer: Peer, user: str, timestamp: str
) -> None:
    """Correctly signed over the bad timestamp, so only the timestamp check can refuse it."""
    responses = [
        peer.verify(timestamp=timestamp),  # type: ignore[arg-type]
        peer.post(peer.message(user, Content=QUESTION), timestamp=timestamp),
    ]  # type: ignore[arg-type]
    for response in responses:
        assert response.status_code == 403 and response.json() == {"detail": "请求时间戳无效或已过期。"}
    assert turns(peer, user) == 0


def copied_query(peer: Peer, user: str) -> dict[str, str]:
    """The query of a genuine callback, as anyone who read the access log would have it."""
    assert "二十年" in peer.ask(user, QUESTION)
    return dict(peer.sent[-1].request.url.params)


def test_a_forged_plaintext_callback_is_refused_in_safe_mode(make_client: AppFactory, user: str) -> None:
    peer = make_peer(make_client(wechat_mode="safe"), "safe")
    query = copied_query(peer, user)
    victim = user + "-victim"
    forged = to_xml(
        {
            "ToUserName": peer.account,
            "FromUserName": victim,
            "CreateTime": int(time.time()),
            "MsgType": "text",
            "Content": "重新开始",
            "MsgId": 1,
        }
    )
    for params in (
        {k: query[k] for k in ("signature", "timestamp", "nonce")},  # the plaintext form
        {**query, "encrypt_type": "raw"},
    ):
        response = peer.client.post("/wechat/mp", params=params, content=forged.encode())
        assert response.status_code == 403 and response.json() == {"detail": "安全模式下只接受加密消息。"}
    assert turns(peer, victim) == 0 and turns(peer, user) == 1


def test_compatible_mode_accepts_both_forms_and_plain_mode_only_plaintext(make_client: AppFactory, user: str) -> None:
    compat = make_client(wechat_mode="compat")
    assert make_peer(compat, "plain").ask(user, "帮助") == HELP
    assert make_peer(compat, "compat").ask(user + "-2", "帮助") == HELP
    plain = make_client(wechat_mode="plain")
    assert make_peer(plain, "plain").ask(user + "-3", "帮助") == HELP
    refused = make_peer(plain, "safe").post(make_peer(plain, "safe").message(user + "-3", Content="帮助"))
    assert refused.status_code == 403 and refused.json() == {"detail": "明文模式下不接受加密消息。"}


def test_the_mode_is_safe_whenever_an_aes_key_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POLICYBOT_WECHAT_MODE", raising=False)
    assert WeChatSettings(token=MP_TOKEN, aes_key=MP_AES_KEY).mode == "safe"
    assert WeChatSettings(token=MP_TOKEN).mode == "plain"
    monkeypatch.setenv("POLICYBOT_WECHAT_MODE", "compat")
    assert WeChatSettings(aes_key=MP_AES_KEY).mode == "compat"
    monkeypatch.setenv("POLICYBOT_WECHAT_MODE", "downgrade")
    with pytest.raises(ValidationError):
        WeChatSettings()


def test_plain_mode_needs_no_aes_key(
    settings: Settings, pipeline: Pipeline, wechat_api: FakeWeChatApi, user: str
) -> None:
    configured = channel_settings(settings, wechat_api.base_url, wechat_mode="plain")
    without_key = configured.wechat.model_copy(update={"aes_key": ""})
    with TestClient(create_app(configured.model_copy(update={"wechat": without_key}), pipeline=pipeline)) as client:
        assert make_peer(client, "plain").ask(user, "帮助") == HELP


def test_a_msgid_reused_by_another_sender_is_a_new_message(peer: Peer, user: str) -> None:
    """Before, the second sender got the first sender's answer (and their own question was dropped)."""
    other = user + "-other"
    first = peer.reply_fields(peer.post(peer.message(user, Content=QUESTION, msg_id=4242)))
    second = peer.reply_fields(peer.post(peer.message(other, Content=OTHER_QUESTION, msg_id=4242)))
    assert first is not None and second is not None
    assert first["ToUserName"] == user and "二十年" in first["Content"]
    assert second["ToUserName"] == other and "十年" in second["Content"] and "发明专利权的期限" not in second["Content"]
    assert turns(peer, user) == 1 and turns(peer, other) == 1
    retry = peer.reply_fields(peer.post(peer.message(user, Content=QUESTION, msg_id=4242)))  # WeChat's retry
    assert retry is not None and retry["Content"] == first["Content"]
    assert turns(peer, user) == 1


def test_signatures_stay_out_of_the_access_log(
    settings: Settings, pipeline: Pipeline, wechat_api: FakeWeChatApi, user: str, capfd: pytest.CaptureFixture[str]
) -> None:
    app = create_app(channel_settings(settings, wechat_api.base_url), pipeline=pipeline)
    with live_server(app) as url, httpx.Client(base_url=url) as client:
        peer = make_peer(client, "safe")  # type: ignore[arg-type]  # httpx.Client speaks TestClient's API
        assert peer.verify("echo-7781").text == "echo-7781"
        assert peer.ask(user, "帮助") == HELP
        secrets = [value for response in peer.sent for value in response.request.url.params.values()]
        secrets.append("echo-7781")
    out, err = capfd.readouterr()
    log = out + err
    assert 'GET /wechat/mp?signature=***&timestamp=***&nonce=***&echostr=*** HTTP/1.1" 200' in log
    assert "POST /wechat/mp?timestamp=***" in log
    assert all(secret not in log for secret in secrets if len(secret) > 3), log
    assert MP_APPID not in log
