"""Reply time of the Official Account callback in safe (AES) mode over the dev set: p50 / p95 / max.

Serves the real app with uvicorn on 127.0.0.1 and a throw-away account configuration, then posts every
dev-set question (and its follow-up history) as a signed, encrypted message from a user of its own, timing
each request from sending it to holding the decrypted reply. Uses the index the settings name (build it
first with ``policybot ingest``); sessions go to a temporary database.

    python scripts/bench_wechat.py [--dataset eval/datasets/dev.jsonl]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from api.app import create_app
from api.wechat.crypto import MessageCrypto, signature
from api.wechat.messages import parse_fields
from bot.settings import PROJECT_ROOT, Settings, WeChatSettings, get_settings
from eval.bench import percentile, served
from eval.dataset import load_dataset

TOKEN, AES_KEY = "benchtoken", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APPID, ACCOUNT = "wxbench0000000000", "gh_bench"


def _message(user: str, content: str, msg_id: int) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )


def _ask(http: httpx.Client, crypto: MessageCrypto, user: str, question: str, msg_id: int) -> tuple[float, str]:
    """Post one safe-mode message; the seconds until the decrypted reply, and its text."""
    timestamp, nonce = str(int(time.time())), str(msg_id)
    encrypt = crypto.encrypt(_message(user, question, msg_id))
    params = {
        "signature": signature(TOKEN, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "openid": user,
        "encrypt_type": "aes",
        "msg_signature": signature(TOKEN, timestamp, nonce, encrypt),
    }
    body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    started = time.perf_counter()
    response = http.post("/wechat/mp", params=params, content=body.encode())
    response.raise_for_status()
    if response.text in {"", "success"}:  # acknowledged only: the answer would have been pushed late
        return time.perf_counter() - started, ""
    envelope = parse_fields(response.content)
    text = parse_fields(crypto.decrypt(envelope["Encrypt"]))["Content"]
    return time.perf_counter() - started, text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=PROJECT_ROOT / "eval" / "datasets" / "dev.jsonl")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    cases = load_dataset(args.dataset)
    database = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    settings: Settings = get_settings().model_copy(
        update={
            "database_url": f"sqlite:///{database}",
            "wechat": WeChatSettings(
                token=TOKEN, aes_key=AES_KEY, appid=APPID, secret="unused", rate_limit_messages=1000
            ),
        }
    )
    crypto = MessageCrypto(TOKEN, AES_KEY, APPID)
    timings: list[float] = []
    late = cited = 0
    with served(create_app(settings), args.port) as base_url, httpx.Client(base_url=base_url, timeout=30) as http:
        if http.get("/healthz").json()["status"] != "ok":
            raise SystemExit("no index: run `policybot ingest` first")
        msg_id = 1
        for number, case in enumerate(cases):
            user = f"obench{number:05d}"
            for question in [*case.history, case.question]:
                seconds, text = _ask(http, crypto, user, question, msg_id)
                timings.append(seconds)
                late += not text
                cited += "来源：" in text
                msg_id += 1

    ms = [t * 1000 for t in timings]
    print(
        f"/wechat/mp safe mode: {len(ms)} messages ({len(cases)} cases of {args.dataset.name}), "
        f"{cited} replies citing sources, {late} late"
    )
    print(f"p50 {statistics.median(ms):.0f} ms  p95 {percentile(ms, 0.95):.0f} ms  max {max(ms):.0f} ms")


if __name__ == "__main__":
    main()
