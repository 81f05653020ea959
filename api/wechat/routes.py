"""The callback URLs: ``/wechat/mp`` (Official Account: plaintext, compatible and safe modes) and
``/wechat/work`` (WeCom: always encrypted). Unconfigured channels answer 404."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import PlainTextResponse, Response

from api.wechat.channel import Channel
from api.wechat.crypto import DecryptError, SignatureError, check_signature
from api.wechat.messages import Message, XmlError, parse_fields, text_reply
from api.wechat.setup import Channels

router = APIRouter(tags=["微信"], include_in_schema=False)

Param = Annotated[str, Query()]


def _channel(request: Request, name: str, timestamp: str) -> Channel:
    """The enabled channel (else 404), for a request whose timestamp is fresh (else 403: a replay)."""
    channels: Channels = request.app.state.wechat
    channel: Channel | None = getattr(channels, name)
    if channel is None:
        raise HTTPException(status_code=404)
    if not channel.is_fresh(timestamp):
        raise HTTPException(status_code=403, detail="请求时间戳无效或已过期。")
    return channel


def _forbidden() -> HTTPException:
    return HTTPException(status_code=403, detail="签名校验失败。")


def _bad_message() -> HTTPException:
    return HTTPException(status_code=400, detail="消息格式错误。")


async def _read_fields(request: Request, limit: int) -> dict[str, str]:
    """The body's top-level XML fields; 413 past ``limit`` bytes, 400 when it is not callback XML."""
    if int(request.headers.get("content-length") or 0) > limit:
        raise HTTPException(status_code=413, detail="请求体过大。")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(status_code=413, detail="请求体过大。")
    try:
        return parse_fields(bytes(body))
    except XmlError as error:
        raise _bad_message() from error


def _decrypted(channel: Channel, fields: dict[str, str], msg_signature: str, timestamp: str,
               nonce: str) -> dict[str, str]:
    """The fields of the document inside ``<Encrypt>``, once its ``msg_signature`` checks out."""
    try:
        inner = channel.crypto.decrypt_verified(msg_signature, timestamp, nonce, fields.get("Encrypt", ""))
    except SignatureError as error:
        raise _forbidden() from error
    except DecryptError as error:
        raise _bad_message() from error
    try:
        return parse_fields(inner)
    except XmlError as error:
        raise _bad_message() from error


def _message(fields: dict[str, str]) -> Message:
    try:
        return Message.from_fields(fields)
    except XmlError as error:
        raise _bad_message() from error


async def _reply(request: Request, channel: Channel, message: Message, *, encrypted: bool, started: float) -> Response:
    text = await channel.respond(request.app.state.pipeline, message, started)
    if text is None:
        return PlainTextResponse(channel.ack)
    xml = text_reply(message.from_user, message.to_user, text, int(time.time()))
    return Response(channel.seal(xml) if encrypted else xml, media_type="application/xml")


@router.get("/wechat/mp")
def official_account_verify(request: Request, signature: Param = "", timestamp: Param = "", nonce: Param = "",
                            echostr: Param = "") -> PlainTextResponse:
    """URL verification: echo ``echostr`` when ``signature`` matches."""
    channel = _channel(request, "official_account", timestamp)
    try:
        check_signature(signature, channel.crypto.token, timestamp, nonce)
    except SignatureError as error:
        raise _forbidden() from error
    return PlainTextResponse(echostr)


@router.post("/wechat/mp")
async def official_account_message(request: Request, signature: Param = "", timestamp: Param = "", nonce: Param = "",
                                   encrypt_type: Param = "", msg_signature: Param = "") -> Response:
    """A message or event, in plaintext or (``encrypt_type=aes``) compatible/safe mode; the reply uses the same mode."""
    started = time.monotonic()
    channel = _channel(request, "official_account", timestamp)
    try:
        check_signature(signature, channel.crypto.token, timestamp, nonce)
    except SignatureError as error:
        raise _forbidden() from error
    fields = await _read_fields(request, channel.max_body_bytes)
    encrypted = encrypt_type.lower() == "aes"
    if encrypted:
        fields = _decrypted(channel, fields, msg_signature, timestamp, nonce)
    elif encrypt_type.lower() not in {"", "raw"}:
        raise _bad_message()
    return await _reply(request, channel, _message(fields), encrypted=encrypted, started=started)


@router.get("/wechat/work")
def wecom_verify(request: Request, msg_signature: Param = "", timestamp: Param = "", nonce: Param = "",
                 echostr: Param = "") -> PlainTextResponse:
    """URL verification: decrypt ``echostr`` and return its plaintext when ``msg_signature`` matches."""
    channel = _channel(request, "wecom", timestamp)
    echostr = echostr.replace(" ", "+")  # an unescaped "+" in the query decodes to a space; base64 has no spaces
    try:
        return PlainTextResponse(channel.crypto.decrypt_verified(msg_signature, timestamp, nonce, echostr))
    except SignatureError as error:
        raise _forbidden() from error
    except DecryptError as error:
        raise _bad_message() from error


@router.post("/wechat/work")
async def wecom_message(request: Request, msg_signature: Param = "", timestamp: Param = "",
                        nonce: Param = "") -> Response:
    """An encrypted message or event; the reply is encrypted too."""
    started = time.monotonic()
    channel = _channel(request, "wecom", timestamp)
    fields = _decrypted(channel, await _read_fields(request, channel.max_body_bytes), msg_signature, timestamp, nonce)
    return await _reply(request, channel, _message(fields), encrypted=True, started=started)
