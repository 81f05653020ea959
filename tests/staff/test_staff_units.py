"""Parts of the staff workspace that need no database or server: the subject check of curated-answer matching,
regression cases and their file, run comparison, daily figures, CSV cells, password hashes."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from api.staff.auth import hash_password, password_matches
from api.staff.curated import subjects_agree
from api.staff.eval_runs import compare, compare_summaries
from api.staff.exports import csv_lines
from api.staff.regression import CaseExists, append_case, key_points
from api.staff.stats import daily_figures
from index.schema import Chunk


@pytest.mark.parametrize(
    ("first", "second", "agree"),
    [
        ("发明专利权的期限是多少年？", "发明专利保护多少年？", True),
        ("发明专利权的期限是多少年？", "实用新型专利权的期限是多少年？", False),
        ("专利质押融资有什么支持政策？", "商标质押融资有什么支持政策？", False),
        ("计算机软件受著作权保护吗？", "软件有没有著作权？", True),
        ("在哪里办理知识产权质押登记？", "知识产权质押登记去哪里办？", True),
    ],
)
def test_curated_matching_needs_the_same_subjects(first: str, second: str, agree: bool) -> None:
    assert subjects_agree(first, second) is agree


def test_key_points_are_clauses_of_the_answer_found_in_the_evidence() -> None:
    text = "第四十二条 发明专利权的期限为二十年，实用新型专利权的期限为十年。"
    chunk = Chunk("d#1", "d", 1, text, 0, len(text), "第四十二条")
    answer = "根据《专利法》第四十二条：发明专利权的期限为二十年，自申请日起计算。"
    assert key_points(answer, [chunk]) == ["发明专利权的期限为二十年"]


def test_a_case_is_appended_once(tmp_path: Path) -> None:
    path = tmp_path / "sets" / "regression.jsonl"
    append_case(path, {"id": "review-1", "question": "问"})
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n"), encoding="utf-8")  # a file without a last newline
    append_case(path, {"id": "review-2", "question": "问"})
    with pytest.raises(CaseExists):
        append_case(path, {"id": "review-1", "question": "又问"})
    assert [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()] == [
        "review-1",
        "review-2",
    ]


def _result(case_id: str, passed: bool, rank: int | None, status: str = "answered") -> dict[str, object]:
    return {
        "case_id": case_id,
        "question": case_id,
        "status": status,
        "passed": passed,
        "answer": "",
        "metrics": {"evidence_rank": rank},
    }


def test_comparison_puts_regressions_first() -> None:
    before = [
        _result("a", True, 1),
        _result("b", True, 1),
        _result("c", False, None),
        _result("d", True, 2),
        _result("gone", True, 1),
    ]
    after = [
        _result("a", True, 1),
        _result("b", False, None),
        _result("c", True, 1),
        _result("d", True, 4),
        _result("new", True, 1),
    ]
    changes = [(row["case_id"], row["change"]) for row in compare(before, after)]
    assert changes == [
        ("b", "regressed"),
        ("d", "worse"),
        ("gone", "removed"),
        ("c", "fixed"),
        ("new", "added"),
        ("a", "same"),
    ]
    metrics = {
        row["metric"]: row
        for row in compare_summaries(
            {"overall": {"hit@1": 0.8, "latency_p95_ms": 100.0}}, {"overall": {"hit@1": 0.7, "latency_p95_ms": 90.0}}
        )
    }
    assert metrics["hit@1"]["worse"] and metrics["hit@1"]["delta"] == -0.1
    assert not metrics["latency_p95_ms"]["worse"]  # lower latency is better


def test_daily_figures_count_days_in_the_staff_time_zone() -> None:
    zone = ZoneInfo("Asia/Shanghai")
    rows = [  # 2026-12-01 17:00 UTC is 2026-12-02 01:00 in Wuhan
        {
            "created": datetime(2026, 12, 1, 17, 0, tzinfo=UTC),
            "status": "answered",
            "latency_ms": 10.0,
            "helpful": 1,
            "unhelpful": 0,
        },
        {
            "created": datetime(2026, 12, 2, 3, 0, tzinfo=UTC),
            "status": "no_answer",
            "latency_ms": 30.0,
            "helpful": 0,
            "unhelpful": 2,
        },
        {
            "created": datetime(2026, 11, 1, 3, 0, tzinfo=UTC),
            "status": "answered",
            "latency_ms": 5.0,
            "helpful": 0,
            "unhelpful": 0,
        },
    ]
    days = daily_figures(rows, days=3, today=date(2026, 12, 2), zone=zone)
    assert [d["date"] for d in days] == ["2026-11-30", "2026-12-01", "2026-12-02"]
    assert days[0]["questions"] == days[1]["questions"] == 0 and days[0]["p95_ms"] is None
    assert {k: days[2][k] for k in ("questions", "answered", "no_answer", "helpful", "unhelpful")} == {
        "questions": 2,
        "answered": 1,
        "no_answer": 1,
        "helpful": 1,
        "unhelpful": 2,
    }
    assert days[2]["p95_ms"] == 29.0


def test_csv_cells_never_start_a_formula() -> None:
    text = "".join(csv_lines(("question", "citations"), [{"question": "=1+1", "citations": [{"a": "b"}]}]))
    assert text.startswith("\ufeffquestion,citations") and "'=1+1" in text and '"[{""a"": ""b""}]"' in text


def test_passwords_are_argon2_hashes() -> None:
    hashed = hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$") and hashed != hash_password("correct horse battery")  # salted
    assert password_matches(hashed, "correct horse battery") and not password_matches(hashed, "wrong")
    assert not password_matches("not a hash", "x")
