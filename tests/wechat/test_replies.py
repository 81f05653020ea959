"""Reply texts: compact citations and pages within WeChat's 2048-byte limit."""

from __future__ import annotations

import pytest

from api.wechat.replies import FEEDBACK_HINT, HELP, MORE_HINT, TEXT_LIMIT_BYTES, WELCOME, format_answer, paginate
from bot.schema import Answer, Citation


def citation(title: str, section: str) -> Citation:
    return Citation(
        doc_id="d", title=title, section=section, version=None, status="现行有效", in_force=True, text="…", score=1.0
    )


def answer(status: str = "answered", citations: list[Citation] | None = None) -> Answer:
    return Answer(
        answer_id="a" * 32,
        text="发明专利权的期限为二十年。",
        status=status,  # type: ignore[arg-type]
        citations=citations or [],
        session_id="wx:u",
        mode="extractive",
        latency_ms=1.0,
    )


def test_answer_lists_distinct_sources_compactly() -> None:
    cited = [
        citation("中华人民共和国专利法", "第五章 专利权的期限、终止和无效 › 第四十二条"),
        citation("中华人民共和国专利法", "第五章 专利权的期限、终止和无效 › 第四十二条"),
        citation("《武汉市知识产权“十四五”规划》政策解读", "引言"),
        citation("中华人民共和国专利法实施细则", "第五章 › 第七十八条"),
        citation("中华人民共和国商标法", "第一章 › 第三条"),
    ]
    text = format_answer(answer(citations=cited), max_sources=3)
    assert text == (
        "发明专利权的期限为二十年。\n\n来源：《中华人民共和国专利法》§第四十二条；"
        "《武汉市知识产权“十四五”规划》政策解读§引言；"
        "《中华人民共和国专利法实施细则》§第七十八条" + FEEDBACK_HINT
    )


@pytest.mark.parametrize("status", ["no_answer", "refused"])
def test_abstentions_are_sent_as_they_are(status: str) -> None:
    assert (
        format_answer(answer(status, [citation("中华人民共和国专利法", "第一条")]), max_sources=3)
        == "发明专利权的期限为二十年。"
    )


def test_short_text_is_one_page() -> None:
    assert paginate("  一句话。 ") == ["一句话。"]


def test_long_text_breaks_after_sentences_within_the_byte_limit() -> None:
    sentences = [f"第{i}句：专利权人有权许可他人实施其专利并收取使用费。" for i in range(120)]
    text = "".join(sentences)
    pages = paginate(text)
    assert len(pages) > 1
    assert all(len(page.encode()) <= TEXT_LIMIT_BYTES for page in pages)
    assert all(page.endswith(MORE_HINT) for page in pages[:-1]) and not pages[-1].endswith(MORE_HINT)
    bodies = [page.removesuffix(MORE_HINT) for page in pages]
    assert all(body.endswith("。") for body in bodies)
    assert "".join(bodies) == text


def test_a_sentence_longer_than_a_page_is_cut_between_characters() -> None:
    text = "专" * 1000 + "a" + "利" * 1000  # no sentence end; multi-byte characters straddle every boundary
    pages = paginate(text, 700)
    assert all(len(page.encode()) <= 700 for page in pages)
    assert "".join(page.removesuffix(MORE_HINT) for page in pages) == text


def test_fixed_texts_fit_one_message() -> None:
    assert len(WELCOME.encode()) <= TEXT_LIMIT_BYTES and len(HELP.encode()) <= TEXT_LIMIT_BYTES
