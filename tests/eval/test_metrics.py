"""Evaluation metrics on hand-made results, so each definition is pinned down."""

from __future__ import annotations

from eval.dataset import Case
from eval.grounding import ungrounded
from eval.metrics import CaseResult, summarize

TERM = "发明专利权的期限为二十年"


def result(
    case: Case, status: str, answer: str, texts: list[str], versions: list[str | None] | None = None
) -> CaseResult:
    return CaseResult(case, status, answer, texts, ["专利法"] * len(texts), versions or [None] * len(texts), 10.0)


def test_ranks_recall_abstention_and_versions() -> None:
    law = Case("a", "发明专利多少年", True, [TERM], ["二十年"], version="2020年修正")
    missed = Case("b", "外观设计多少年", True, ["外观设计专利权的期限为十五年"], ["十五年"])
    subsidy = Case("c", "奖励多少钱", False, status="no_answer")
    results = [
        result(law, "answered", f"根据…：{TERM}。", ["别的条文", TERM], ["2020年修正", "2020年修正"]),
        result(missed, "answered", "无关的回答", ["别的条文"]),
        result(subsidy, "no_answer", "抱歉……", []),
    ]
    metrics = summarize(results)
    assert (metrics["hit@1"], metrics["hit@3"], metrics["mrr"]) == (0.0, 0.5, 0.25)
    assert metrics["key_point_recall"] == 0.5
    assert (metrics["no_answer_precision"], metrics["no_answer_recall"], metrics["no_answer_accuracy"]) == (1, 1, 1)
    assert metrics["false_refusal_rate"] == 0.0
    assert metrics["version_correctness"] == 1.0


def test_wrong_version_and_false_refusal() -> None:
    case = Case("a", "q", True, [TERM], ["二十年"], version="2023年修订")
    wrong = result(case, "answered", TERM, [TERM], ["2010年版"])
    refused = result(Case("b", "q", True, ["x"], ["y"]), "refused", "抱歉", [])
    metrics = summarize([wrong, refused])
    assert metrics["version_correctness"] == 0.0
    assert metrics["false_refusal_rate"] == 0.5


def test_another_law_repeating_the_evidence_is_not_a_wrong_version() -> None:
    case = Case("a", "q", True, ["不具有追溯力"], ["追溯力"], version="2020年修正")
    cited = CaseResult(
        case,
        "answered",
        "不具有追溯力",
        ["…不具有追溯力。", "…不具有追溯力。"],
        ["中华人民共和国专利法", "中华人民共和国商标法"],
        ["2020年修正", "2019年修正"],
        case_titles={"中华人民共和国专利法"},
    )
    assert cited.version_correct is True


def test_grounding_catches_invented_numbers_and_clauses() -> None:
    cited = [f"第四十二条 {TERM}，实用新型专利权的期限为十年。"]
    assert ungrounded(f"根据《中华人民共和国专利法》第四十二条（2020年修正）：{TERM}。", cited) == []
    assert ungrounded("根据《中华人民共和国专利法》第四十二条（2020年修正）：发明专利权的期限为三十年。", cited) == [
        "发明专利权的期限为三十年",
        "三十",
    ]
    assert ungrounded("此外，武汉对每件专利奖励5万元。", cited) == ["武汉对每件专利奖励5万元", "5"]
