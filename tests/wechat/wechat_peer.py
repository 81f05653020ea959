"""WeChat's side, written for the tests from WeChat's published protocol and kept independent of
``api.wechat``: ``Peer`` signs and encrypts callback requests as WeChat's servers do and checks and
decrypts the replies (pinned to published test vectors in test_crypto.py); ``FakeWeChatApi`` serves
the token and message-send endpoints on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from fastapi.testclient import TestClient

_msg_ids = count(7_000_000_000_000_000_000)


def sha1_signature(token: str, *parts: str) -> str:
    """sha1 over the token and parts sorted in dictionary order and joined."""
    return hashlib.sha1("".join(sorted([token, *parts])).encode()).hexdigest()


def _cipher(aes_key: str) -> Cipher:
    key = base64.b64decode(aes_key + "=")
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def peer_encrypt(aes_key: str, receive_id: str, text: str, random16: bytes | None = None) -> str:
    """random(16) + length(4, network order) + text + receive id, PKCS#7-padded to 32-byte blocks, AES-CBC."""
    body = text.encode()
    padder = padding.PKCS7(256).padder()
    plain = padder.update((random16 or os.urandom(16)) + struct.pack("!I", len(body)) + body + receive_id.encode())
    plain += padder.finalize()
    encryptor = _cipher(aes_key).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def peer_decrypt(aes_key: str, receive_id: str, ciphertext: str) -> str:
    """The inverse of ``peer_encrypt``; asserts the receive id."""
    decryptor = _cipher(aes_key).decryptor()
    plain = decryptor.update(base64.b64decode(ciphertext)) + decryptor.finalize()
    unpadder = padding.PKCS7(256).unpadder()
    plain = unpadder.update(plain) + unpadder.finalize()
    (length,) = struct.unpack("!I", plain[16:20])
    assert plain[20 + length :].decode() == receive_id, "reply encrypted for another account"
    return plain[20 : 20 + length].decode()


def to_xml(fields: dict[str, str | int]) -> str:
    """A callback document: strings in CDATA, numbers bare."""
    parts = [f"<{k}>{v}</{k}>" if isinstance(v, int) else f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items()]
    return "<xml>" + "".join(parts) + "</xml>"


def from_xml(text: str | bytes) -> dict[str, str]:
    return {child.tag: child.text or "" for child in ET.fromstring(text)}


@dataclass
class Peer:
    """One account as WeChat's server sees it, posting to one callback URL.

    ``mode`` is ``plain``, ``compat`` or ``safe`` for an Official Account, ``wecom`` for WeCom.
    """

    client: TestClient
    mode: str
    token: str
    aes_key: str
    receive_id: str
    account: str  # the ToUserName of incoming messages: the account's gh_ id, or the CorpID
    agent_id: int = 1000002
    sent: list[httpx.Response] = field(default_factory=list)

    @property
    def path(self) -> str:
        return "/wechat/work" if self.mode == "wecom" else "/wechat/mp"

    @property
    def encrypted(self) -> bool:
        return self.mode != "plain"

    def verify(
        self, echostr: str = "1616161616", *, timestamp: int | None = None, forge: bool = False
    ) -> httpx.Response:
        """The URL verification GET that the console sends when the operator saves the URL."""
        ts, nonce = str(timestamp or int(time.time())), "4829103"
        if self.mode == "wecom":
            encrypted = peer_encrypt(self.aes_key, self.receive_id, echostr)
            signature = sha1_signature("forged" if forge else self.token, ts, nonce, encrypted)
            params = {"msg_signature": signature, "timestamp": ts, "nonce": nonce, "echostr": encrypted}
        else:
            signature = sha1_signature("forged" if forge else self.token, ts, nonce)
            params = {"signature": signature, "timestamp": ts, "nonce": nonce, "echostr": echostr}
        return self.client.get(self.path, params=params)

    def post(
        self,
        fields: dict[str, str | int],
        *,
        timestamp: int | None = None,
        forge: str = "",
        document: str | None = None,
        body: bytes | None = None,
    ) -> httpx.Response:
        """POST a message as WeChat does in this mode. ``forge`` names a signature to get wrong
        (``signature`` or ``msg_signature``); ``document`` replaces the message document (encrypted in the
        encrypted modes); ``body`` replaces the whole request body."""
        ts, nonce = str(timestamp or int(time.time())), str(int.from_bytes(os.urandom(4)))
        document = document or to_xml(fields)
        params: dict[str, str] = {"timestamp": ts, "nonce": nonce}
        if self.mode != "wecom":
            signed_token = "forged" if forge == "signature" else self.token
            params["signature"] = sha1_signature(signed_token, ts, nonce)
            params["openid"] = str(fields.get("FromUserName", ""))
        if self.encrypted:
            encrypt = peer_encrypt(self.aes_key, self.receive_id, document)
            signed_token = "forged" if forge == "msg_signature" else self.token
            params["msg_signature"] = sha1_signature(signed_token, ts, nonce, encrypt)
            outer: dict[str, str | int] = {"ToUserName": self.account}
            if self.mode == "compat":
                outer = dict(fields)
            elif self.mode == "wecom":
                outer["AgentID"] = self.agent_id
            document = to_xml({**outer, "Encrypt": encrypt})
            if self.mode != "wecom":
                params["encrypt_type"] = "aes"
        response = self.client.post(
            self.path,
            params=params,
            content=body if body is not None else document.encode(),
            headers={"Content-Type": "text/xml"},
        )
        self.sent.append(response)
        return response

    def reply_fields(self, response: httpx.Response) -> dict[str, str] | None:
        """The reply's fields (decrypted and signature-checked when encrypted); None for a bare acknowledgement."""
        assert response.status_code == 200, response.text
        if response.text in {"", "success"}:
            return None
        envelope = from_xml(response.content)
        if not self.encrypted:
            return envelope
        assert set(envelope) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}, envelope
        expected = sha1_signature(self.token, envelope["TimeStamp"], envelope["Nonce"], envelope["Encrypt"])
        assert envelope["MsgSignature"] == expected, "reply signature does not verify"
        return from_xml(peer_decrypt(self.aes_key, self.receive_id, envelope["Encrypt"]))

    def message(
        self, user: str, msg_type: str = "text", *, msg_id: int | None = None, **extra: str | int
    ) -> dict[str, str | int]:
        """A message's fields (a fresh MsgId unless given)."""
        fields: dict[str, str | int] = {
            "ToUserName": self.account,
            "FromUserName": user,
            "CreateTime": int(time.time()),
            "MsgType": msg_type,
            **extra,
            "MsgId": msg_id or next(_msg_ids),
        }
        if self.mode == "wecom":
            fields["AgentID"] = self.agent_id
        return fields

    def event(self, user: str, event: str, *, create_time: int | None = None) -> dict[str, str | int]:
        """An event's fields (events carry no MsgId)."""
        fields: dict[str, str | int] = {
            "ToUserName": self.account,
            "FromUserName": user,
            "CreateTime": create_time or int(time.time()),
            "MsgType": "event",
            "Event": event,
        }
        if self.mode == "wecom":
            fields["AgentID"] = self.agent_id
        return fields

    def ask(self, user: str, content: str, *, msg_id: int | None = None) -> str:
        """Send a text message and return the text of the passive reply."""
        reply = self.reply_fields(self.post(self.message(user, Content=content, msg_id=msg_id)))
        assert reply is not None, "expected a passive reply"
        assert reply["MsgType"] == "text" and reply["ToUserName"] == user and reply["FromUserName"] == self.account
        return reply["Content"]


class FakeWeChatApi:
    """WeChat's token and message-send endpoints, served on 127.0.0.1: hands out access tokens (or refuses
    the credentials while ``refuse_credentials`` is set), refuses unknown tokens with errcode 40001, and
    records every message sent; while ``failing_status`` is set, every request gets that HTTP status."""

    def __init__(self) -> None:
        self.refuse_credentials = False
        self.failing_status: int | None = None  # answer every request with this HTTP status (an outage)
        self.token_requests: list[dict[str, str]] = []
        self.messages: list[dict[str, Any]] = []
        self.valid_tokens: set[str] = set()
        self._serial = count(1)
        self._changed = threading.Condition()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _json(self, data: dict[str, Any]) -> None:
                body = json.dumps(data).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _failed(self) -> bool:
                if api.failing_status is None:
                    return False
                self.send_response(api.failing_status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return True

            def do_GET(self) -> None:
                if self._failed():
                    return
                url = urlsplit(self.path)
                with api._changed:
                    api.token_requests.append({"path": url.path, **dict(parse_qsl(url.query))})
                    if api.refuse_credentials:
                        self._json({"errcode": 40125, "errmsg": "invalid appsecret"})
                        return
                    token = f"ACCESS-{next(api._serial)}"
                    api.valid_tokens.add(token)
                self._json({"access_token": token, "expires_in": 7200})

            def do_POST(self) -> None:
                if self._failed():
                    return
                url = urlsplit(self.path)
                query = dict(parse_qsl(url.query))
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8"))
                with api._changed:
                    if query.get("access_token") not in api.valid_tokens:
                        self._json({"errcode": 40001, "errmsg": "invalid credential"})
                        return
                    api.messages.append({"path": url.path, "body": body})
                    api._changed.notify_all()
                self._json({"errcode": 0, "errmsg": "ok"})

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def wait_for_messages(self, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        """The messages sent so far, once there are at least ``count`` (fails after ``timeout``)."""
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.messages) >= count, timeout), self.messages
            return list(self.messages)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
