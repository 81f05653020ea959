"""Outbound messages against a local stand-in for WeChat's API: token caching, refresh and errors."""

from __future__ import annotations

import pytest
from wechat_peer import FakeWeChatApi

from api.wechat.outbound import ApiError, MessageSender, official_account_api, wecom_api


def test_official_account_customer_service_message(wechat_api: FakeWeChatApi) -> None:
    sender = MessageSender(wechat_api.base_url, official_account_api("wxappid", "s3cret"))
    sender.send_text("openid-1", "专利权期限为二十年。")
    sender.send_text("openid-2", "第二条")
    sender.close()
    assert wechat_api.token_requests == [
        {"path": "/cgi-bin/token", "grant_type": "client_credential", "appid": "wxappid", "secret": "s3cret"}
    ]
    assert wechat_api.messages == [
        {
            "path": "/cgi-bin/message/custom/send",
            "body": {"touser": "openid-1", "msgtype": "text", "text": {"content": "专利权期限为二十年。"}},
        },
        {
            "path": "/cgi-bin/message/custom/send",
            "body": {"touser": "openid-2", "msgtype": "text", "text": {"content": "第二条"}},
        },
    ]


def test_wecom_application_message(wechat_api: FakeWeChatApi) -> None:
    sender = MessageSender(wechat_api.base_url, wecom_api("wwcorp", "corp-secret", 1000002))
    sender.send_text("zhangsan", "你好")
    sender.close()
    assert wechat_api.token_requests == [{"path": "/cgi-bin/gettoken", "corpid": "wwcorp", "corpsecret": "corp-secret"}]
    assert wechat_api.messages[0]["body"] == {
        "touser": "zhangsan",
        "msgtype": "text",
        "agentid": 1000002,
        "text": {"content": "你好"},
    }


def test_expired_token_is_refreshed_once(wechat_api: FakeWeChatApi) -> None:
    sender = MessageSender(wechat_api.base_url, official_account_api("wxappid", "s3cret"))
    sender.send_text("openid-1", "一")
    wechat_api.valid_tokens.clear()  # WeChat invalidated the token before it was due
    sender.send_text("openid-1", "二")
    sender.close()
    assert len(wechat_api.token_requests) == 2 and len(wechat_api.messages) == 2


def test_token_is_refetched_when_due() -> None:
    api = FakeWeChatApi()
    clock = [0.0]
    sender = MessageSender(api.base_url, official_account_api("wxappid", "s3cret"), clock=lambda: clock[0])
    sender.send_text("openid-1", "一")
    clock[0] += 7200 - 300  # WeChat's expires_in less the safety margin
    sender.send_text("openid-1", "二")
    sender.close()
    api.close()
    assert len(api.token_requests) == 2


def test_refused_credentials_raise(wechat_api: FakeWeChatApi) -> None:
    wechat_api.refuse_credentials = True
    sender = MessageSender(wechat_api.base_url, official_account_api("wxappid", "wrong"))
    with pytest.raises(ApiError) as error:
        sender.send_text("openid-1", "一")
    sender.close()
    assert error.value.errcode == 40125 and wechat_api.messages == []
