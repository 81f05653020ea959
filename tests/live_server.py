"""The app served by uvicorn on loopback with the logging configuration ``policybot serve`` uses, for tests that
read what the server logs (a uniquely named module in tests/, which pytest puts on sys.path)."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

from api.access_log import uvicorn_log_config

_LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` until the block ends and yield its base URL; logging is configured as by ``policybot serve``
    (its handlers write to the test's captured stdout and stderr) and put back afterwards."""
    saved = {
        name: (logger.handlers[:], logger.filters[:], logger.level, logger.propagate)
        for name in _LOGGERS
        for logger in [logging.getLogger(name)]
    }
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=uvicorn_log_config()))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            assert thread.is_alive(), "the server did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()
        for name, (handlers, filters, level, propagate) in saved.items():
            logger = logging.getLogger(name)
            logger.handlers[:], logger.filters[:], logger.level, logger.propagate = handlers, filters, level, propagate
