"""Callback XML: hardened parsing and reply rendering."""

from __future__ import annotations

import pytest
from wechat_peer import from_xml

from api.wechat.messages import Message, XmlError, encrypted_envelope, parse_fields, text_reply

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<xml><ToUserName>gh</ToUserName><FromUserName>u</FromUserName><MsgType>text</MsgType><Content>&d;</Content></xml>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>gh</ToUserName><FromUserName>u</FromUserName><MsgType>text</MsgType><Content>&secret;</Content></xml>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?><!DOCTYPE xml SYSTEM "http://127.0.0.1:9/evil.dtd"><xml/>"""


def test_fields_are_read_from_cdata_and_plain_text() -> None:
    fields = parse_fields(b"<xml><A><![CDATA[ \xe4\xb8\x93\xe5\x88\xa9 ]]></A><B>12</B><C/></xml>")
    assert fields == {"A": "专利", "B": "12", "C": ""}


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, b"<xml><A>", b"", b"<root/>", b"\xff"])
def test_hostile_or_malformed_documents_are_refused(body: bytes) -> None:
    with pytest.raises(XmlError):
        parse_fields(body)


def test_message_requires_its_addressing_fields() -> None:
    with pytest.raises(XmlError):
        Message.from_fields({"ToUserName": "gh", "MsgType": "text"})


def test_retries_are_recognised_by_sender_and_msgid_and_events_by_sender_and_time() -> None:
    def message(**fields: str) -> Message:
        return Message.from_fields({"ToUserName": "gh", "FromUserName": "u", "CreateTime": "1700000000", **fields})

    text = message(MsgType="text", MsgId="42")
    assert text.dedupe_key == message(MsgType="text", MsgId="42", CreateTime="1700000009").dedupe_key
    assert text.dedupe_key != message(MsgType="text", MsgId="42", FromUserName="v").dedupe_key
    assert text.dedupe_key != message(MsgType="text", MsgId="43").dedupe_key
    subscribe = message(MsgType="event", Event="subscribe")
    assert subscribe.dedupe_key == message(MsgType="event", Event="subscribe").dedupe_key
    assert subscribe.dedupe_key != message(MsgType="event", Event="subscribe", CreateTime="1700000001").dedupe_key
    assert subscribe.dedupe_key != message(MsgType="event", Event="subscribe", FromUserName="v").dedupe_key


def test_text_reply_survives_cdata_terminators() -> None:
    content = "见《专利法》]]>第十一条 & <条款>"
    reply = from_xml(text_reply("openid", "gh_1", content, 1700000000))
    assert reply == {
        "ToUserName": "openid",
        "FromUserName": "gh_1",
        "CreateTime": "1700000000",
        "MsgType": "text",
        "Content": content,
    }


def test_encrypted_envelope_fields() -> None:
    assert from_xml(encrypted_envelope("abc+/=", "sig", "1700000000", "123")) == {
        "Encrypt": "abc+/=",
        "MsgSignature": "sig",
        "TimeStamp": "1700000000",
        "Nonce": "123",
    }
