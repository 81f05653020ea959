"""Both callback URLs end to end: real signed (and, except in plaintext mode, encrypted) requests from the
independent peer, through the real app and the real answering pipeline, for the Official Account's
plaintext, compatible and safe modes and for WeCom."""

from __future__ import annotations

import time

import pytest
from conftest import AppFactory, make_peer
from fastapi.testclient import TestClient
from test_messages import BILLION_LAUGHS, EXTERNAL_ENTITY
from wechat_peer import Peer, to_xml

from api import crud
from api.app import create_app
from api.wechat.channel import session_id_of
from api.wechat.replies import (
    EXAMPLE_QUESTIONS,
    FEEDBACK_HINT,
    FEEDBACK_THANKS,
    HELP,
    MORE_HINT,
    NO_ANSWER_TO_RATE,
    NO_MORE,
    RATE_LIMITED,
    RESET_DONE,
    TEXT_LIMIT_BYTES,
    UNSUPPORTED,
    WELCOME,
)
from bot.pipeline import Pipeline
from bot.settings import Settings

QUESTION = "发明专利权的期限是多少年？"
LONG_QUESTION = "著作权包括哪些人身权和财产权？"  # a list answer over 2048 bytes with its sources


def session_of(peer: Peer, user: str) -> str:
    return session_id_of("wecom" if peer.mode == "wecom" else "wx", user, peer.token)


def turns(peer: Peer, user: str) -> int:
    return len(peer.client.app.state.pipeline.sessions.get(session_of(peer, user)).turns)


def test_url_verification(peer: Peer) -> None:
    response = peer.verify("5927782489442352469")
    assert response.status_code == 200 and response.text == "5927782489442352469"


def test_verification_with_a_forged_signature_is_refused(peer: Peer) -> None:
    response = peer.verify(forge=True)
    assert response.status_code == 403 and response.json() == {"detail": "签名校验失败。"}


def test_verification_replayed_later_is_refused(peer: Peer) -> None:
    assert peer.verify(timestamp=int(time.time()) - 301).status_code == 403


def test_question_gets_the_web_answer_with_compact_sources(peer: Peer, user: str) -> None:
    web = peer.client.post("/api/chat", json={"question": QUESTION}).json()
    reply = peer.ask(user, QUESTION)
    assert reply.startswith(web["answer"])
    assert "二十年" in reply
    assert "来源：《中华人民共和国专利法》§第四十二条" in reply
    assert reply.endswith(FEEDBACK_HINT.strip())


def test_follow_up_questions_use_the_users_own_session(peer: Peer, user: str) -> None:
    peer.ask(user, LONG_QUESTION)
    assert "修改权" in peer.ask(user, "第三项是什么")
    assert turns(peer, user) == 2
    assert turns(peer, user + "-other") == 0


def test_restart_forgets_the_conversation(peer: Peer, user: str) -> None:
    peer.ask(user, QUESTION)
    assert peer.ask(user, "重新开始") == RESET_DONE
    assert turns(peer, user) == 0


def test_help(peer: Peer, user: str) -> None:
    assert peer.ask(user, "帮助") == HELP


def test_subscribe_is_welcomed_with_example_questions(peer: Peer, user: str) -> None:
    reply = peer.reply_fields(peer.post(peer.event(user, "subscribe")))
    assert reply is not None and reply["Content"] == WELCOME
    assert all(question in WELCOME for question in EXAMPLE_QUESTIONS)


def test_other_events_are_only_acknowledged(peer: Peer, user: str) -> None:
    assert peer.reply_fields(peer.post(peer.event(user, "unsubscribe"))) is None


@pytest.mark.parametrize(
    ("msg_type", "extra"),
    [
        ("image", {"PicUrl": "http://127.0.0.1/x.jpg", "MediaId": "m1"}),
        ("voice", {"MediaId": "m2", "Format": "amr"}),
        ("voice", {"MediaId": "m3", "Format": "amr", "Recognition": ""}),
        ("location", {"Location_X": "30.5", "Location_Y": "114.3", "Scale": "15", "Label": "武汉"}),
    ],
)
def test_what_is_not_text_gets_a_polite_explanation(
    peer: Peer, user: str, msg_type: str, extra: dict[str, str]
) -> None:
    reply = peer.reply_fields(peer.post(peer.message(user, msg_type, **extra)))
    assert reply is not None and reply["Content"] == UNSUPPORTED


def test_recognised_voice_is_answered_as_text(peer: Peer, user: str) -> None:
    reply = peer.reply_fields(
        peer.post(peer.message(user, "voice", MediaId="m", Format="amr", Recognition="发明专利权的期限是多少年。"))
    )
    assert reply is not None and "二十年" in reply["Content"]


def test_long_answers_come_in_pages_with_more(peer: Peer, user: str) -> None:
    pages = [peer.ask(user, LONG_QUESTION)]
    while pages[-1].endswith(MORE_HINT.strip()):
        pages.append(peer.ask(user, "更多"))
    assert len(pages) >= 2
    assert all(len(page.encode()) <= TEXT_LIMIT_BYTES for page in pages)
    assert "（一）发表权" in pages[0] and "来源：《中华人民共和国著作权法》§第十条" in pages[-1]
    assert peer.ask(user, "更多") == NO_MORE


def ratings(peer: Peer, answer_id: str) -> list[tuple[bool, str, str]]:
    records = peer.client.app.state.records
    assert records.writer.flush(timeout=30)
    with records.database.reads.connect() as connection:
        return [
            (r["helpful"], r["session_id"], r["channel"])
            for r in crud.feedback_for_answer(connection, answer_id=answer_id)
        ]


def test_feedback_is_recorded_against_the_last_answer(peer: Peer, user: str) -> None:
    assert peer.ask(user, "1") == NO_ANSWER_TO_RATE
    peer.ask(user, QUESTION)
    answer_id = peer.client.app.state.pipeline.sessions.get(session_of(peer, user)).last.answer_id
    assert peer.ask(user, "1") == FEEDBACK_THANKS[True]
    assert ratings(peer, answer_id) == [(True, session_of(peer, user), "wecom" if peer.mode == "wecom" else "wechat")]
    assert peer.ask(user, "0") == FEEDBACK_THANKS[False]  # a change of mind replaces the rating
    assert [helpful for helpful, _, _ in ratings(peer, answer_id)] == [False]
    assert turns(peer, user) == 1


def test_turns_are_logged_under_a_pseudonym_with_their_channel(peer: Peer, user: str) -> None:
    peer.ask(user, QUESTION)
    answer_id = peer.client.app.state.pipeline.sessions.get(session_of(peer, user)).last.answer_id
    records = peer.client.app.state.records
    assert records.writer.flush(timeout=30)
    with records.database.reads.connect() as connection:
        row = dict(crud.get_turn(connection, answer_id=answer_id))
    assert row["channel"] == ("wecom" if peer.mode == "wecom" else "wechat")
    assert row["session_id"] == session_of(peer, user) and row["question"] == QUESTION
    assert user not in str(row)  # the OpenID / UserID is not stored


def test_retries_of_a_message_are_answered_once(peer: Peer, user: str) -> None:
    fields = peer.message(user, Content=QUESTION)
    replies = [peer.reply_fields(peer.post(fields)) for _ in range(4)]  # the first try and WeChat's three retries
    assert all(reply is not None and reply["Content"] == replies[0]["Content"] for reply in replies)
    assert turns(peer, user) == 1


def test_retries_of_an_event_are_answered_once(peer: Peer, user: str) -> None:
    event = peer.event(user, "subscribe")
    replies = [peer.reply_fields(peer.post(event)) for _ in range(2)]
    assert all(reply is not None and reply["Content"] == WELCOME for reply in replies)


def test_forged_signatures_are_refused_and_nothing_is_processed(peer: Peer, user: str) -> None:
    forgeable = ["msg_signature"] if peer.mode == "wecom" else ["signature"] + ["msg_signature"] * peer.encrypted
    for which in forgeable:
        response = peer.post(peer.message(user, Content=QUESTION), forge=which)
        assert response.status_code == 403 and response.json() == {"detail": "签名校验失败。"}
    assert turns(peer, user) == 0


def test_replayed_requests_are_refused(peer: Peer, user: str) -> None:
    # 10 s past the 300 s limit either way: int(time.time()) drops up to a second, and the request takes time.
    for skew in (-310, 310):
        assert peer.post(peer.message(user, Content=QUESTION), timestamp=int(time.time()) + skew).status_code == 403
    assert turns(peer, user) == 0


def test_oversized_bodies_are_refused(peer: Peer, user: str) -> None:
    response = peer.post(peer.message(user, Content="专利" * 12_000))  # 72 kB of text, over the 64 KiB limit
    assert response.status_code == 413 and response.json()["detail"].startswith("请求体过大")


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["entity-bomb", "external-entity"])
def test_malicious_xml_is_refused(peer: Peer, user: str, document: bytes) -> None:
    """In plaintext mode the body itself; in the encrypted modes both the body and the encrypted message."""
    responses = [peer.post(peer.message(user), document=document.decode())]
    if peer.encrypted:
        responses.append(peer.post(peer.message(user), body=document))
    assert [(r.status_code, r.json()) for r in responses] == [(400, {"detail": "消息格式错误。"})] * len(responses)


def test_messages_without_addressing_are_refused(peer: Peer, user: str) -> None:
    assert peer.post({}, document=to_xml({"MsgType": "text", "Content": QUESTION})).status_code == 400


def test_rate_limit_answers_politely(make_client: AppFactory, user: str) -> None:
    for mode in ("safe", "wecom"):
        peer = make_peer(make_client(rate_limit_messages=2), mode)
        assert [peer.ask(user, "帮助") for _ in range(3)] == [HELP, HELP, RATE_LIMITED]
        assert peer.ask(user + "-other", "帮助") == HELP


def test_unconfigured_channels_are_off(settings: Settings, pipeline: Pipeline) -> None:
    with TestClient(create_app(settings, pipeline=pipeline)) as client:
        for path in ("/wechat/mp", "/wechat/work"):
            assert client.get(path).status_code == 404
            assert client.post(path, content=b"<xml/>").json() == {"detail": "未找到该页面或接口。"}


def test_welcome_examples_are_answered(pipeline: Pipeline) -> None:
    for question in EXAMPLE_QUESTIONS:
        assert pipeline.answer(question, None).status == "answered", question
