"""Warm latency of POST /api/chat over the dev set (p50 / p95 / max), throughput with concurrent clients,
and the server's peak memory.

Serves the real app with uvicorn on 127.0.0.1 (the index the settings name; build it first with
``policybot ingest``), warms the process up with questions outside the dataset, then times every
dev-set question once, from sending the request to holding the parsed answer (no question is seen twice,
so no cached query vector helps). The throughput run then asks the dataset again with concurrent clients.

    python scripts/bench_api.py [--dataset eval/datasets/dev.jsonl] [--clients 4]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from api.app import create_app
from bot.settings import PROJECT_ROOT, get_settings
from eval.bench import percentile, served
from eval.dataset import load_dataset

WARM_UP = [
    "专利权可以转让吗？",
    "商标续展怎么办理？",
    "著作权的保护期是多久？",
    "规划提出了哪些保障措施？",
    "什么是商业秘密？",
]


def _ask(http: httpx.Client, question: str) -> float:
    started = time.perf_counter()
    response = http.post("/api/chat", json={"question": question})
    response.raise_for_status()
    response.json()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=PROJECT_ROOT / "eval" / "datasets" / "dev.jsonl")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients for the throughput run")
    args = parser.parse_args()

    questions = [case.question for case in load_dataset(args.dataset)]
    database = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    settings = get_settings().model_copy(update={"database_url": f"sqlite:///{database}"})
    with served(create_app(settings), args.port) as base_url, httpx.Client(base_url=base_url, timeout=60) as http:
        if http.get("/healthz").json()["status"] != "ok":
            raise SystemExit("no index: run `policybot ingest` first")
        for question in WARM_UP:
            _ask(http, question)
        timings = [_ask(http, question) for question in questions]
        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            clients = [httpx.Client(base_url=base_url, timeout=60) for _ in range(args.clients)]
            list(pool.map(lambda pair: _ask(clients[pair[0] % args.clients], pair[1]), enumerate(questions)))
        elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"POST /api/chat, {len(timings)} questions of {args.dataset.name}, warm, one client "
        f"(models {settings.retrieval.models}):"
    )
    p50, p95 = statistics.median(timings), percentile(timings, 0.95)
    print(f"  p50 {p50:.1f} ms  p95 {p95:.1f} ms  max {max(timings):.1f} ms")
    print(f"  {args.clients} concurrent clients, same questions again: {len(questions) / elapsed:.1f} questions/s")
    print(f"  peak memory of the process (server and clients): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
