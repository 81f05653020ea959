"""Messages PolicyBot sends on its own initiative (late answers): the Official Account's customer-service
message API and WeCom's ``message/send``, with the access token fetched and cached until it expires."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

_TOKEN_INVALID = {40001, 40014, 42001}  # invalid, malformed or expired access_token: fetch a new one
_TOKEN_MARGIN_SECONDS = 300  # refresh this long before WeChat's expiry


class ApiError(RuntimeError):
    """WeChat answered with a non-zero ``errcode``."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"WeChat API error {errcode}: {errmsg}")
        self.errcode = errcode


@dataclass(frozen=True, slots=True)
class Api:
    """Where one kind of account gets its token and sends a text message.

    Attributes:
        token_path: the access-token endpoint.
        token_params: its query parameters (credentials).
        send_path: the send endpoint.
        send_fields: fields added to every send request (WeCom's ``agentid``).
    """

    token_path: str
    token_params: dict[str, str]
    send_path: str
    send_fields: dict[str, Any] = field(default_factory=dict)


def official_account_api(appid: str, secret: str) -> Api:
    """The Official Account's token and customer-service message endpoints."""
    return Api(
        "/cgi-bin/token",
        {"grant_type": "client_credential", "appid": appid, "secret": secret},
        "/cgi-bin/message/custom/send",
    )


def wecom_api(corp_id: str, secret: str, agent_id: int) -> Api:
    """WeCom's token and application message endpoints."""
    return Api(
        "/cgi-bin/gettoken", {"corpid": corp_id, "corpsecret": secret}, "/cgi-bin/message/send", {"agentid": agent_id}
    )


def _checked(response: httpx.Response) -> dict[str, Any]:
    response.raise_for_status()
    data = response.json()
    if data.get("errcode", 0):
        raise ApiError(int(data["errcode"]), str(data.get("errmsg", "")))
    return data


class MessageSender:
    """Sends text messages to users of one account; thread-safe.

    Args:
        base_url: the API's base URL (``https://api.weixin.qq.com`` or ``https://qyapi.weixin.qq.com``).
        api: the account's endpoints and credentials.
        timeout: seconds per HTTP request.
        clock: seconds, monotonic (for the token's expiry).
    """

    def __init__(
        self, base_url: str, api: Api, *, timeout: float = 10.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._http = httpx.Client(base_url=base_url, timeout=timeout)
        self._api = api
        self._clock = clock
        self._lock = threading.Lock()
        self._token = ""
        self._expires = 0.0

    def _access_token(self, *, refresh: bool = False) -> str:
        with self._lock:
            if refresh or not self._token or self._clock() >= self._expires:
                data = _checked(self._http.get(self._api.token_path, params=self._api.token_params))
                self._token = str(data["access_token"])
                self._expires = self._clock() + int(data.get("expires_in", 7200)) - _TOKEN_MARGIN_SECONDS
            return self._token

    def send_text(self, user: str, content: str) -> None:
        """Send ``content`` to ``user`` (OpenID or WeCom UserID).

        Raises:
            ApiError: WeChat refused the message.
            httpx.HTTPError: the API could not be reached.
        """
        body = json.dumps(
            {"touser": user, "msgtype": "text", "text": {"content": content}, **self._api.send_fields},
            ensure_ascii=False,
        ).encode()
        headers = {"Content-Type": "application/json; charset=utf-8"}
        for attempt in range(2):
            token = self._access_token(refresh=attempt > 0)
            try:
                _checked(
                    self._http.post(self._api.send_path, params={"access_token": token}, content=body, headers=headers)
                )
                return
            except ApiError as error:
                if error.errcode not in _TOKEN_INVALID or attempt:
                    raise

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()
