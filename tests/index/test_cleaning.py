"""Cleaning: the plan's page-break damage is repaired, real paragraphs and headings are kept apart, text is
normalised (half-width letters and digits, Chinese punctuation kept, Simplified characters), and no law file
loses or gains a paragraph."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from index_helpers import LAW_FILES, PLAN_FILE, raw_blocks

from index.cleaning import clean_document, normalize_text, repair_page_breaks, to_simplified


@pytest.fixture(scope="module")
def plan_raw() -> str:
    return PLAN_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def plan_clean(plan_raw: str) -> str:
    return clean_document(plan_raw)


def paragraphs(text: str) -> list[str]:
    return [p for p in text.strip().split("\n\n") if p]


# --- page-break repair on the real plan -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "right", "joined"),
    [
        ("指明了方", "向。", "指明了方向。"),
        ("保护工", "作体制机制", "保护工作体制机制"),
        ("实现“再", "升级”", "实现“再升级”"),
        ("为总体", "方向，", "为总体方向，"),
    ],
)
def test_plan_page_breaks_are_repaired(plan_raw: str, plan_clean: str, left: str, right: str, joined: str) -> None:
    assert re.search(rf"{re.escape(left)}\n\s*\n{re.escape(right)}", plan_raw), "the source file has this break"
    assert joined in plan_clean
    assert not re.search(rf"{re.escape(left)}\s+{re.escape(right)}", plan_clean)


def test_plan_loses_exactly_its_four_breaks(plan_raw: str, plan_clean: str) -> None:
    assert len(paragraphs(plan_clean)) == len(raw_blocks(PLAN_FILE)) - 4


def test_plan_text_is_kept_character_for_character(plan_raw: str, plan_clean: str) -> None:
    """Repair only removes the breaks: no character is added, dropped or reordered."""
    assert re.sub(r"\s", "", plan_clean) == re.sub(r"\s", "", plan_raw)


@pytest.mark.parametrize(
    "paragraph",
    [
        "《武汉市知识产权“十四五”规划》 政策解读",
        "一、《规划》编制背景",
        "二、《规划》编制总体考虑",
        "三、《规划》主要框架",
        "《规划》共分为四个部分：",
        "第三部分：重点任务与重大工程。包括六个方面：",
    ],
)
def test_plan_headings_stay_paragraphs_of_their_own(plan_clean: str, paragraph: str) -> None:
    assert paragraph in paragraphs(plan_clean)


def test_every_plan_paragraph_is_a_heading_or_ends_a_sentence(plan_clean: str) -> None:
    for paragraph in paragraphs(plan_clean)[1:]:
        assert paragraph.endswith(("。", "：")) or re.match(r"^[一二三四五六七八九十]+、", paragraph), paragraph


# --- what is never joined ---------------------------------------------------------------------------------

OPEN_LINE = "本法所称的发明创造是指"  # a fragment that does not end a sentence: it would take the next line


@pytest.mark.parametrize(
    "block",
    [
        "## 第一章 总则",
        "### 第一节 著作权人及其权利",
        "第一条 为了保护专利权人的合法权益，鼓励发明创造，制定本法。",
        "第四十二条之一 本条为测试。",
        "（一）发表权，即决定作品是否公之于众的权利；",
        "(二) 署名权，即表明作者身份，在作品上署名的权利；",
        "一、《规划》编制背景",
        "第一部分：发展现状与面临形势。主要是回顾我市“十三五”时期知识产权工作情况。",
        "2020年10月17日 第十三届全国人民代表大会常务委员会第二十二次会议第四次修正",
        "1. 知识产权创造数量质量实现“双提升”。",
    ],
)
def test_a_new_unit_is_never_joined_to_an_open_line(block: str) -> None:
    cleaned = repair_page_breaks(f"标题\n\n{OPEN_LINE}\n\n{block}")
    assert paragraphs(cleaned) == ["标题", OPEN_LINE, block]


@pytest.mark.parametrize(
    ("heading", "following"),
    [
        ("## 第一章 总则", "为了保护专利权人的合法权益"),
        ("第二章 著作权", "著作权人包括作者"),
        ("一、《规划》编制背景", "“十三五”期间，全市知识产权部门认真贯彻落实"),
        ("1984年3月12日 第六届全国人民代表大会常务委员会第四次会议通过", "为了保护专利权人的合法权益"),
        ("2019年3月1日 施行", "为了规范专利代理行为"),
    ],
)
def test_headings_and_dated_history_lines_do_not_take_the_next_line(heading: str, following: str) -> None:
    cleaned = repair_page_breaks(f"标题\n\n{heading}\n\n{following}")
    assert paragraphs(cleaned) == ["标题", heading, following]


def test_the_title_line_is_not_joined_to_the_first_paragraph() -> None:
    cleaned = repair_page_breaks("\n\n《武汉市知识产权“十四五”规划》 政策解读\n\n近日，市人民政府研究批复")
    assert paragraphs(cleaned) == ["《武汉市知识产权“十四五”规划》 政策解读", "近日，市人民政府研究批复"]


def test_a_comment_separates_parts_that_are_never_joined() -> None:
    raw = "# 中华人民共和国专利法\n\n2020年10月17日 第四次修正 草稿\n\n<!-- INFO END -->\n\n本法正文"
    assert paragraphs(clean_document(raw)) == ["# 中华人民共和国专利法", "2020年10月17日 第四次修正 草稿", "本法正文"]


def test_split_lines_inside_a_paragraph_are_joined_without_spaces() -> None:
    raw = "标题\n\n知识产权运用能力效益\n实现“再\n\n\n升级”；知识产权服务\n聚集区“多点并进”格局形成。\n\n下一段。"
    assert paragraphs(repair_page_breaks(raw)) == [
        "标题",
        "知识产权运用能力效益实现“再升级”；知识产权服务聚集区“多点并进”格局形成。",
        "下一段。",
    ]


def test_a_line_ending_a_sentence_ends_its_paragraph() -> None:
    raw = "标题\n\n知识产权运用能力效益实现“再升级”；\n知识产权服务聚集区“多点并进”格局形成。\n下一段。"
    assert paragraphs(repair_page_breaks(raw)) == [
        "标题",
        "知识产权运用能力效益实现“再升级”；",
        "知识产权服务聚集区“多点并进”格局形成。",
        "下一段。",
    ]


def test_split_english_words_are_joined_with_one_space() -> None:
    raw = "Title\n\nThe term of an invention\n\npatent is twenty   years.\n\nNext paragraph."
    assert paragraphs(repair_page_breaks(raw)) == [
        "Title",
        "The term of an invention patent is twenty years.",
        "Next paragraph.",
    ]


def test_line_endings_are_normalised() -> None:
    unix = "标题\n\n知识产权\n\n保护。\n"
    assert clean_document(unix.replace("\n", "\r\n")) == clean_document(unix) == "标题\n\n知识产权保护。\n"


# --- normalisation ------------------------------------------------------------------------------------------


def test_full_width_letters_and_digits_become_half_width() -> None:
    assert normalize_text("ＩＰＣ分类号Ｇ０６Ｆ，２０２５年ｅｔｃ") == "IPC分类号G06F，2025年etc"


def test_ideographic_space_becomes_a_space() -> None:
    assert normalize_text("第一章\u3000总则") == "第一章 总则"


def test_chinese_punctuation_is_kept() -> None:
    punctuation = "，。、；：？！“”‘’《》（）【】…—％＋"
    assert normalize_text(punctuation) == punctuation


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("專利權的期限為二十年", "专利权的期限为二十年"),
        ("知識產權保護", "知识产权保护"),
        ("著作權法實施條例", "著作权法实施条例"),
        ("註冊商標專用權", "注册商标专用权"),
    ],
)
def test_traditional_becomes_simplified(traditional: str, simplified: str) -> None:
    assert to_simplified(traditional) == simplified
    assert normalize_text(traditional) == simplified


def test_simplified_text_is_unchanged(plan_raw: str) -> None:
    assert to_simplified(plan_raw) == plan_raw


# --- the laws have no page-break damage: cleaning keeps every paragraph ------------------------------------


@pytest.mark.parametrize("path", LAW_FILES, ids=[path.stem for path in LAW_FILES])
def test_law_paragraph_count_is_unchanged(path: Path) -> None:
    raw = path.read_text(encoding="utf-8")
    source = [line for line in raw.splitlines() if line.strip() and not re.fullmatch(r"\s*<!--.*-->\s*", line)]
    cleaned = paragraphs(clean_document(raw))
    assert len(cleaned) == len(source)
    assert [p[:4] for p in cleaned] == [re.sub(r"\s+", " ", line.strip())[:4] for line in source]


@pytest.mark.parametrize("path", [PLAN_FILE, *LAW_FILES], ids=[PLAN_FILE.stem, *(p.stem for p in LAW_FILES)])
def test_cleaning_is_idempotent(path: Path) -> None:
    once = clean_document(path.read_text(encoding="utf-8"))
    assert clean_document(once) == once
