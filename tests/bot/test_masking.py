"""Personal data masking (rules in bot/data/masking.toml): what is masked, what is left alone, and that the
pipeline masks a question before anything else sees it."""

from __future__ import annotations

import pytest

from bot.masking import Masker
from bot.pipeline import Pipeline

MASKER = Masker.from_data()


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("手机13812345678可以吗", "手机[手机号]可以吗"),
        ("电话 138-1234-5678 或 +86 139 1234 5678", "电话 [手机号] 或 [手机号]"),
        ("１３８１２３４５６７８", "[手机号]"),  # full-width digits
        ("座机(027)87654321、027-8765432", "座机[电话号码]、[电话号码]"),
        ("身份证42010619900307123X", "身份证[身份证号]"),
        ("身份证号420106199003071234。", "身份证号[身份证号]。"),
        ("卡号6222021234567890", "卡号[银行卡号]"),
        ("卡号 6222 0212 3456 7890 123", "卡号 [银行卡号]"),
        ("邮箱 zhang.san@example.com.cn 联系", "邮箱 [邮箱] 联系"),
        ("ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ", "[邮箱]"),
    ],
)
def test_personal_data_is_masked(text: str, masked: str) -> None:
    assert MASKER.mask(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "专利法第42条规定发明专利权的期限是20年吗？",
        "申请号202010123456.7的专利",  # a patent application number (12 digits and a check digit)
        "2021年至2025年，武汉市知识产权“十四五”规划",
        "罚款五十万元以下，或者违法所得5倍以下",
        "1381234567",  # ten digits: not a mobile number
    ],
)
def test_what_is_not_personal_is_left_alone(text: str) -> None:
    assert MASKER.mask(text) == text


def test_the_pipeline_masks_a_question_before_it_is_analysed(pipeline: Pipeline) -> None:
    answer = pipeline.answer("我的手机号是13812345678，发明专利权的期限是多少年？")
    turn = pipeline.sessions.get(answer.session_id).last
    assert turn is not None and turn.question == "我的手机号是[手机号]，发明专利权的期限是多少年？"
    assert "13812345678" not in repr(turn.query) and "13812345678" not in answer.rewritten_query
