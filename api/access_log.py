"""Logging for ``policybot serve``: uvicorn's own configuration, with query values blanked in the access log.

WeChat signs each callback in its query (``signature``, ``msg_signature``, ``timestamp``, ``nonce``, and the
sender's ``openid``); a plaintext callback's signature does not cover its body, so a logged query is a
credential for anyone who reads the log. No route of PolicyBot needs query values in the log.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

from uvicorn.config import LOGGING_CONFIG

_QUERY_VALUE = re.compile(r"=[^&]*")
REDACTED = "***"


def redact_query(path: str) -> str:
    """``/wechat/mp?signature=abc&nonce=1`` -> ``/wechat/mp?signature=***&nonce=***``."""
    route, mark, query = path.partition("?")
    return route + mark + _QUERY_VALUE.sub("=" + REDACTED, query) if mark else path


class RedactQuery(logging.Filter):
    """Blanks the query values of the request line in uvicorn's access records."""

    def filter(self, record: logging.LogRecord) -> bool:
        # uvicorn logs '%s - "%s %s HTTP/%s" %d' with (client, method, path with query, version, status).
        if isinstance(record.args, tuple) and len(record.args) == 5 and isinstance(record.args[2], str):
            record.args = (*record.args[:2], redact_query(record.args[2]), *record.args[3:])
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's default logging configuration with ``RedactQuery`` on the access log handler, and PolicyBot's
    own warnings and errors (an index passed over, an unhandled error) written like uvicorn's."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_query"] = {"()": RedactQuery}
    config["handlers"]["access"]["filters"] = ["redact_query"]
    config["root"] = {"handlers": ["default"], "level": "WARNING"}
    # httpx logs every outbound request's URL at INFO, and WeChat's API takes the AppSecret and access token there.
    config["loggers"]["httpx"] = {"level": "WARNING"}
    return config
