"""Bounded load on POST /api/chat: error rate, p50 / p95 latency and throughput at several concurrency levels,
for distinct questions (every question of the evaluation sets, none asked twice) and for a few questions asked
over and over; then concurrent 20 MB bodies (a real question plus padding), which must all be refused with 413;
and the server's resident memory (RSS) before, after each level, and at its peak.

By default it starts `policybot serve` itself on a free loopback port, with the environment it was given (so
POLICYBOT_INDEX_DIR and the other settings apply; build the index first with `policybot ingest`) and a
throw-away database, and stops it at the end. `--url` loads a server that is already running instead (its memory
is read only when `--pid` names its process on this machine).

    python scripts/loadtest.py [--concurrency 1 8 32] [--requests 150] [--oversize 16] [--url URL [--pid PID]]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bot.settings import PROJECT_ROOT
from eval.bench import percentile
from eval.dataset import load_dataset

DATASETS = ["dev.jsonl", "blind.jsonl", "lay.jsonl"]
REPEATED = ["发明专利权的期限是多少年？", "商标注册有效期多久？", "《规划》的重点任务有哪些？"]
WARM_UP = ["专利权可以转让吗？", "什么是商业秘密？", "著作权的保护期是多久？"]
OVERSIZE_BYTES = 20 * 1024 * 1024
OVERSIZE_CLIENTS = 8


@dataclass(slots=True)
class Level:
    """What one batch of requests gave."""

    kind: str
    clients: int
    latencies_ms: list[float]
    errors: Counter[str]
    seconds: float
    rss_after_mb: float | None

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + sum(self.errors.values())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def memory_mb(pid: int | None, field: str = "VmRSS") -> float | None:
    """A process's resident memory (``VmRSS``) or its peak (``VmHWM``) in MB, from /proc; None when unknown."""
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


@contextmanager
def started_server() -> Iterator[tuple[str, int]]:
    """`policybot serve` on a free loopback port with a throw-away database; yields its URL and process id."""
    port = _free_port()
    database = Path(tempfile.mkdtemp()) / "loadtest.sqlite3"
    env = {**os.environ, "POLICYBOT_DATABASE_URL": f"sqlite:///{database}"}
    command = [str(Path(sys.executable).with_name("policybot")), "serve", "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # loading the embedding models takes a while on a busy machine
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise SystemExit(f"the server exited at start-up:\n{server.stderr.read() if server.stderr else ''}")
            try:
                httpx.get(f"{url}/healthz", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.5)
        else:
            raise SystemExit("the server did not start within 300 s")
        yield url, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)


def _body(question: str, padding: int) -> bytes:
    return json.dumps({"question": question, "padding": "x" * padding}, ensure_ascii=False).encode()


async def run_level(
    url: str,
    kind: str,
    questions: list[str],
    clients: int,
    pid: int | None,
    timeout: float,
    *,
    padding: int = 0,
    expected: int = 200,
) -> Level:
    """Ask ``questions`` with ``clients`` concurrent connections; each client takes the next question in turn.

    A request succeeds when it gets the ``expected`` status (and, for 200, an answer); ``padding`` adds that many
    bytes to each body.
    """
    pending = iter(questions)
    latencies: list[float] = []
    errors: Counter[str] = Counter()

    async def client(http: httpx.AsyncClient) -> None:
        for question in pending:
            started = time.perf_counter()
            try:
                response = await http.post(
                    "/api/chat", content=_body(question, padding), headers={"Content-Type": "application/json"}
                )
            except httpx.HTTPError as error:
                errors[type(error).__name__] += 1
                continue
            if response.status_code == expected and (expected != 200 or response.json().get("answer")):
                latencies.append((time.perf_counter() - started) * 1000)
            else:
                errors[f"HTTP {response.status_code}"] += 1

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits) as http:
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        seconds = time.perf_counter() - started
    return Level(kind, clients, latencies, errors, seconds, memory_mb(pid))


def distinct_questions() -> list[str]:
    """Every question of the evaluation sets once, in a fixed order."""
    questions = [case.question for name in DATASETS for case in load_dataset(PROJECT_ROOT / "eval" / "datasets" / name)]
    return list(dict.fromkeys(questions))


def report(levels: list[Level]) -> None:
    print(
        f"{'questions':<11}{'clients':>8}{'requests':>10}{'errors':>8}{'error rate':>12}{'p50 ms':>9}"
        f"{'p95 ms':>9}{'req/s':>8}{'RSS after':>11}"
    )
    for level in levels:
        errors = sum(level.errors.values())
        p50 = f"{statistics.median(level.latencies_ms):.1f}" if level.latencies_ms else "-"
        p95 = f"{percentile(level.latencies_ms, 0.95):.1f}" if level.latencies_ms else "-"
        rss = f"{level.rss_after_mb:.0f} MB" if level.rss_after_mb is not None else "-"
        print(
            f"{level.kind:<11}{level.clients:>8}{level.requests:>10}{errors:>8}"
            f"{errors / max(level.requests, 1):>11.2%} {p50:>8}{p95:>9}{level.requests / level.seconds:>8.1f}"
            f"{rss:>11}"
        )
        for reason, count in level.errors.most_common():
            print(f"{'':<11}  {count} × {reason}")


async def load(url: str, pid: int | None, concurrency: list[int], requests: int, oversize: int, timeout: float) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=timeout) as http:
        health = (await http.get("/healthz")).json()
        if not health.get("index_loaded"):
            raise SystemExit(f"the server has no index: {health.get('detail')} (run `policybot ingest` first)")
        for question in WARM_UP:
            (await http.post("/api/chat", json={"question": question})).raise_for_status()
    pool = distinct_questions()
    needed = requests * len(concurrency)
    print(f"PolicyBot load test: {url}, models {health.get('model')}, build {health.get('build_id')}")
    print(
        f"distinct: {min(needed, len(pool))} different questions from the evaluation sets, none asked twice"
        + (f" (only {len(pool)} exist: the rest repeat)" if needed > len(pool) else "")
        + f"; repeated: {len(REPEATED)} questions asked over and over; {requests} requests per row"
    )
    before = memory_mb(pid)
    print(f"server RSS before: {before:.0f} MB" if before is not None else "server RSS: unknown (no --pid)")
    levels = []
    for number, clients in enumerate(concurrency):
        chunk = [pool[(number * requests + i) % len(pool)] for i in range(requests)]
        levels.append(await run_level(url, "distinct", chunk, clients, pid, timeout))
        repeated = [REPEATED[i % len(REPEATED)] for i in range(requests)]
        levels.append(await run_level(url, "repeated", repeated, clients, pid, timeout))
    if oversize:
        levels.append(
            await run_level(
                url,
                "20 MB→413",
                [REPEATED[0]] * oversize,
                OVERSIZE_CLIENTS,
                pid,
                timeout,
                padding=OVERSIZE_BYTES,
                expected=413,
            )
        )
    report(levels)
    total = sum(level.requests for level in levels)
    failed = sum(sum(level.errors.values()) for level in levels)
    print(f"overall: {total} requests, {failed} errors ({failed / max(total, 1):.2%})")
    after, peak = memory_mb(pid), memory_mb(pid, "VmHWM")
    if after is not None and peak is not None:
        print(f"server RSS after: {after:.0f} MB (peak {peak:.0f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="load this running server instead of starting one")
    parser.add_argument("--pid", type=int, help="the process id of the --url server, to read its memory")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32], help="concurrent clients per level")
    parser.add_argument("--requests", type=int, default=150, help="requests per level and kind of question")
    parser.add_argument(
        "--oversize",
        type=int,
        default=16,
        help=f"20 MB bodies to send, {OVERSIZE_CLIENTS} at a time (expected: 413 each); 0 for none",
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before a request counts as failed")
    args = parser.parse_args()
    if args.url:
        asyncio.run(load(args.url.rstrip("/"), args.pid, args.concurrency, args.requests, args.oversize, args.timeout))
        return
    with started_server() as (url, pid):
        asyncio.run(load(url, pid, args.concurrency, args.requests, args.oversize, args.timeout))


if __name__ == "__main__":
    main()
