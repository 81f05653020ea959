"""Build the STARD evaluation set and training pairs from ``stard-transfer.jsonl`` (real layperson legal questions,
each labelled by legal professionals with the statute articles that answer it; see ``eval/training/SOURCES.md``).

- ``eval/datasets/stard-civil.jsonl``: the questions answered only by articles of documents in the corpus
  (民法典, 电子商务法), evidence = the opening of each labelled article as the corpus writes it, split once by a
  fixed hash of the id into ``tune`` (about a third) and ``test``. The test part is reported in aggregate only.
- ``eval/training/stard-transfer.jsonl``: the other questions (answered by laws outside the corpus), as they are:
  their question/article pairs teach how laypeople's words map to the law's words.

Run once (the outputs are committed): ``python -m eval.stard ../shared/data/stard-transfer.jsonl``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from index.chunking import chunk_document
from index.corpus import read_corpus
from index.schema import Chunk

ROOT = Path(__file__).resolve().parent.parent
CIVIL_SET = ROOT / "eval" / "datasets" / "stard-civil.jsonl"
TRANSFER_SET = ROOT / "eval" / "training" / "stard-transfer.jsonl"
TUNE_SHARE = 3
"""One question in ``TUNE_SHARE`` goes to the tune split (by the hash of its id)."""
MIN_OPENING = 12


def split_of(case_id: str) -> str:
    """``tune`` or ``test``, fixed by the SHA-256 of the id."""
    return "tune" if int(hashlib.sha256(case_id.encode("utf-8")).hexdigest(), 16) % TUNE_SHARE == 0 else "test"


def opening(article: Chunk, others: list[Chunk]) -> str:
    """The shortest opening of an article's body (at least ``MIN_OPENING`` characters, up to its first paragraph)
    that no other chunk holds, so a citation holding it is this article."""
    body = article.text.removeprefix(article.label or "").strip().split("\n\n")[0]
    for length in range(MIN_OPENING, len(body) + 1):
        if not any(body[:length] in other.text for other in others):
            return body[:length]
    return body


def build(source: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The STARD civil evaluation cases and the transfer rows, from the shared file and the corpus."""
    docs = read_corpus([ROOT / "corpus"], max_bytes=50 * 1024 * 1024).docs
    in_corpus = {doc.title: doc for doc in docs}
    chunks = {doc.doc_id: chunk_document(doc) for doc in docs}
    every = [chunk for parts in chunks.values() for chunk in parts]
    cases, transfer = [], []
    for line in source.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        laws = {article["law"] for article in row["articles"]}
        if not laws <= in_corpus.keys():
            transfer.append(row)
            continue
        evidence, doc_ids = [], []
        for article in row["articles"]:
            doc = in_corpus[article["law"]]
            found = next(c for c in chunks[doc.doc_id] if c.label == article["article"] and not c.head)
            evidence.append(opening(found, [c for c in every if c is not found]))
            doc_ids.append(doc.doc_id)
        cases.append(
            {
                "id": row["id"],
                "question": row["question"],
                "answerable": True,
                "evidence": evidence,
                "key_points": [],
                "doc": sorted(set(doc_ids)) if len(set(doc_ids)) > 1 else doc_ids[0],
                "type": "stard",
                "status": "answered",
                "split": split_of(row["id"]),
            }
        )
    return cases, transfer


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")


if __name__ == "__main__":
    civil, others = build(Path(sys.argv[1]))
    _write(CIVIL_SET, civil)
    _write(TRANSFER_SET, others)
    print(
        f"{CIVIL_SET.name}: {len(civil)} questions "
        f"({sum(c['split'] == 'tune' for c in civil)} tune, {sum(c['split'] == 'test' for c in civil)} test); "
        f"{TRANSFER_SET.name}: {len(others)} questions"
    )
