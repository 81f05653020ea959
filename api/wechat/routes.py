"""The callback URLs: ``/wechat/mp`` (Official Account: plaintext, compatible and safe modes) and
``/wechat/work`` (WeCom: always encrypted). Unconfigured channels answer 404.

Every check that needs no secret comes first: the timestamp's form and age, then whether the account's mode
(``POLICYBOT_WECHAT_MODE``) accepts the body's form; only then signatures and the body."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import PlainTextResponse, Response

from api.wechat.channel import Channel
from api.wechat.crypto import DecryptError, SignatureError, check_signature
from api.wechat.messages import Message, XmlError, parse_fields, text_reply
from api.wechat.setup import Channels
from bot.templates import Templates

router = APIRouter(tags=["微信"], include_in_schema=False)

Param = Annotated[str, Query()]


def _error(request: Request, status_code: int, key: str, **values: object) -> HTTPException:
    """An HTTP error whose detail is the wording ``key`` of prompts/api_messages.toml."""
    wording: Templates = request.app.state.wording
    return HTTPException(status_code=status_code, detail=wording.zh(key, **values))


def _channel(request: Request, name: str, timestamp: str) -> Channel:
    """The enabled channel (else 404), for a request whose timestamp is well-formed and fresh (else 403)."""
    channels: Channels = request.app.state.wechat
    channel: Channel | None = getattr(channels, name)
    if channel is None:
        raise HTTPException(status_code=404)
    if not channel.is_fresh(timestamp):
        raise _error(request, 403, "wechat_stale")
    return channel


def _forbidden(request: Request) -> HTTPException:
    return _error(request, 403, "wechat_signature")


def _bad_message(request: Request) -> HTTPException:
    return _error(request, 400, "wechat_bad_message")


async def _read_fields(request: Request, limit: int) -> dict[str, str]:
    """The body's top-level XML fields; 413 past ``limit`` bytes (counted as they stream in: a declared length
    over the app-wide limit never gets here), 400 when it is not callback XML."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _error(request, 413, "body_too_large", limit=limit)
    try:
        return parse_fields(bytes(body))
    except XmlError as error:
        raise _bad_message(request) from error


def _decrypted(
    request: Request, channel: Channel, fields: dict[str, str], msg_signature: str, timestamp: str, nonce: str
) -> dict[str, str]:
    """The fields of the document inside ``<Encrypt>``, once its ``msg_signature`` checks out."""
    try:
        inner = channel.crypto.decrypt_verified(msg_signature, timestamp, nonce, fields.get("Encrypt", ""))
    except SignatureError as error:
        raise _forbidden(request) from error
    except DecryptError as error:
        raise _bad_message(request) from error
    try:
        return parse_fields(inner)
    except XmlError as error:
        raise _bad_message(request) from error


def _message(request: Request, fields: dict[str, str]) -> Message:
    try:
        return Message.from_fields(fields)
    except XmlError as error:
        raise _bad_message(request) from error


async def _reply(request: Request, channel: Channel, message: Message, *, encrypted: bool, started: float) -> Response:
    text = await channel.respond(request.app.state.pipeline, message, started)
    if text is None:
        return PlainTextResponse(channel.ack)
    xml = text_reply(message.from_user, message.to_user, text, int(time.time()))
    return Response(channel.seal(xml) if encrypted else xml, media_type="application/xml")


@router.get("/wechat/mp")
def official_account_verify(
    request: Request, signature: Param = "", timestamp: Param = "", nonce: Param = "", echostr: Param = ""
) -> PlainTextResponse:
    """URL verification: echo ``echostr`` when ``signature`` matches."""
    channel = _channel(request, "official_account", timestamp)
    try:
        check_signature(signature, channel.crypto.token, timestamp, nonce)
    except SignatureError as error:
        raise _forbidden(request) from error
    return PlainTextResponse(echostr)


@router.post("/wechat/mp")
async def official_account_message(
    request: Request,
    signature: Param = "",
    timestamp: Param = "",
    nonce: Param = "",
    encrypt_type: Param = "",
    msg_signature: Param = "",
) -> Response:
    """A message or event, in plaintext or (``encrypt_type=aes``) compatible/safe mode; the reply uses the same mode.

    ``signature`` covers only the timestamp and nonce, never the body, so anyone holding one callback's query can
    post any plaintext body for the timestamp's lifetime: safe mode therefore refuses plaintext bodies outright.
    """
    started = time.monotonic()
    channel = _channel(request, "official_account", timestamp)
    encrypted = encrypt_type.lower() == "aes"
    if not encrypted and encrypt_type.lower() not in {"", "raw"}:
        raise _bad_message(request)
    if not channel.accepts(encrypted=encrypted):
        raise _error(request, 403, "wechat_encrypted_refused" if encrypted else "wechat_plaintext_refused")
    try:
        check_signature(signature, channel.crypto.token, timestamp, nonce)
    except SignatureError as error:
        raise _forbidden(request) from error
    fields = await _read_fields(request, channel.max_body_bytes)
    if encrypted:
        fields = _decrypted(request, channel, fields, msg_signature, timestamp, nonce)
    return await _reply(request, channel, _message(request, fields), encrypted=encrypted, started=started)


@router.get("/wechat/work")
def wecom_verify(
    request: Request, msg_signature: Param = "", timestamp: Param = "", nonce: Param = "", echostr: Param = ""
) -> PlainTextResponse:
    """URL verification: decrypt ``echostr`` and return its plaintext when ``msg_signature`` matches."""
    channel = _channel(request, "wecom", timestamp)
    echostr = echostr.replace(" ", "+")  # an unescaped "+" in the query decodes to a space; base64 has no spaces
    try:
        return PlainTextResponse(channel.crypto.decrypt_verified(msg_signature, timestamp, nonce, echostr))
    except SignatureError as error:
        raise _forbidden(request) from error
    except DecryptError as error:
        raise _bad_message(request) from error


@router.post("/wechat/work")
async def wecom_message(
    request: Request, msg_signature: Param = "", timestamp: Param = "", nonce: Param = ""
) -> Response:
    """An encrypted message or event; the reply is encrypted too."""
    started = time.monotonic()
    channel = _channel(request, "wecom", timestamp)
    fields = _decrypted(
        request, channel, await _read_fields(request, channel.max_body_bytes), msg_signature, timestamp, nonce
    )
    return await _reply(request, channel, _message(request, fields), encrypted=True, started=started)
