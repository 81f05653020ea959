"""Chunking: exact slices of the cleaned text for the whole corpus; one chunk per law article with its chapter
path; over-long articles split at item boundaries with the article head repeated; the plan's heading paths and
enumeration groups; no enumerated item cut in half."""

from __future__ import annotations

import itertools
import re

import pytest
from index_helpers import PLAN_FILE, PLAN_ID, law_id

from index.chunking import SECTION_SEPARATOR, chunk_document, is_law_like
from index.schema import Chunk, SourceDoc

NUM = "一二三四五六七八九十百千零〇两"
ARTICLE = re.compile(rf"^第[{NUM}]+条(?:之[{NUM}]+)?")
ITEM = re.compile(rf"^[（(][{NUM}\d]+[）)]")
PLAN_ITEM = re.compile(rf"^[{NUM}]是")
DEFAULT_MAX = 600


@pytest.fixture(scope="module")
def chunks(docs: dict[str, SourceDoc]) -> dict[str, list[Chunk]]:
    return {doc_id: chunk_document(doc, max_chars=DEFAULT_MAX) for doc_id, doc in docs.items()}


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    spans, position = [], 0
    for block in text.split("\n\n"):
        if block.strip():
            start = text.index(block.strip(), position)
            spans.append((start, start + len(block.strip())))
        position += len(block) + 2
    return spans


def containing(chunks: list[Chunk], start: int, end: int) -> list[Chunk]:
    return [c for c in chunks if c.start <= start and end <= c.end]


def by_label(chunks: list[Chunk], label: str) -> list[Chunk]:
    return [c for c in chunks if c.label == label]


# --- invariants over the whole corpus, at the default size and under pressure -----------------------------


@pytest.mark.parametrize("max_chars", [DEFAULT_MAX, 300, 120])
def test_every_chunk_is_an_exact_slice_in_order(docs: dict[str, SourceDoc], max_chars: int) -> None:
    for doc in docs.values():
        chunks = chunk_document(doc, max_chars=max_chars)
        assert chunks, doc.doc_id
        for ordinal, chunk in enumerate(chunks):
            assert doc.text[chunk.start : chunk.end] == chunk.text, chunk.chunk_id
            assert chunk.text.strip() == chunk.text and chunk.text, chunk.chunk_id
            assert (chunk.ordinal, chunk.chunk_id, chunk.doc_id) == (ordinal, f"{doc.doc_id}#{ordinal}", doc.doc_id)
            assert chunk.section
        assert all(a.end <= b.start for a, b in itertools.pairwise(chunks)), doc.doc_id


@pytest.mark.parametrize("max_chars", [DEFAULT_MAX, 300, 120])
def test_only_headings_are_left_out_of_chunks(docs: dict[str, SourceDoc], max_chars: int) -> None:
    """Every character of every paragraph is in a chunk, except headings (kept in the chunks' section paths)
    and the title line of a document without history lines (kept as the document's title)."""
    heading = re.compile(rf"^(#{{1,6}}\s|[{NUM}]+、)")
    for doc in docs.values():
        covered = [False] * len(doc.text)
        for chunk in chunk_document(doc, max_chars=max_chars):
            covered[chunk.start : chunk.end] = [True] * (chunk.end - chunk.start)
        for start, end in paragraph_spans(doc.text):
            if not all(covered[start:end]):
                assert not any(covered[start:end]), (doc.doc_id, doc.text[start:end])
                assert heading.match(doc.text[start:end]), (doc.doc_id, doc.text[start:end])


@pytest.mark.parametrize("max_chars", [DEFAULT_MAX, 300])
def test_no_law_item_is_cut_in_half(docs: dict[str, SourceDoc], max_chars: int) -> None:
    for doc in docs.values():
        chunks = chunk_document(doc, max_chars=max_chars)
        for start, end in paragraph_spans(doc.text):
            if ITEM.match(doc.text[start:end]):
                assert len(containing(chunks, start, end)) == 1, (doc.doc_id, doc.text[start:end])


def test_chunks_fit_the_size_unless_one_unit_is_longer(docs: dict[str, SourceDoc]) -> None:
    for doc in docs.values():
        for chunk in chunk_document(doc, max_chars=DEFAULT_MAX):
            assert len(chunk.head) + len(chunk.text) <= DEFAULT_MAX or "\n\n" not in chunk.text, chunk.chunk_id


def test_document_kinds_are_told_apart(docs: dict[str, SourceDoc]) -> None:
    assert [doc_id for doc_id, doc in docs.items() if not is_law_like(doc.text)] == [PLAN_ID]


# --- laws ----------------------------------------------------------------------------------------------------


def test_one_chunk_per_article_in_every_law(docs: dict[str, SourceDoc], chunks: dict[str, list[Chunk]]) -> None:
    for doc_id, doc in docs.items():
        if doc_id == PLAN_ID:
            continue
        articles = [m.group(0) for p in doc.text.split("\n\n") if (m := ARTICLE.match(p))]
        parts = [c for c in chunks[doc_id] if c.label and ARTICLE.match(c.label)]
        assert [c.label for c in parts if not c.head] == articles, doc_id
        for chunk in parts:
            if not chunk.head:
                assert chunk.text.startswith(chunk.label), chunk.chunk_id
                assert chunk.section.endswith(f"{SECTION_SEPARATOR}{chunk.label}") or chunk.section == chunk.label


@pytest.mark.parametrize(
    ("law", "article", "section", "opening"),
    [
        ("专利法", "第四十二条", "第五章 专利权的期限、终止和无效 › 第四十二条", "第四十二条 发明专利权的期限为二十年"),
        ("专利法", "第一条", "第一章 总则 › 第一条", "第一条 为了保护专利权人的合法权益"),
        ("专利法实施细则(2023", "第一条", "第一章 总则 › 第一条", "第一条 根据《中华人民共和国专利法》"),
        ("著作权法", "第二十四条", "第二章 著作权 › 第四节 权利的限制 › 第二十四条", "第二十四条 在下列情况下"),
        ("著作权法", "第三十八条", "第四章 与著作权有关的权利 › 第二节 表演 › 第三十八条", "第三十八条 使用他人作品"),
        ("著作权法", "第一条", "第一条", "第一条 为保护文学、艺术和科学作品作者的著作权"),  # the file has no 第一章
        ("商标法(2019", "第三条", "第一章 总则 › 第三条", "第三条 经商标局核准注册的商标为注册商标"),
        # The Civil Code: 编 › 分编 › 章 › 节 by the headings' own words, at whatever Markdown depth they stand.
        ("民法典", "第一条", "第一编 总则 › 第一章 基本规定 › 第一条", "第一条 为了保护民事主体的合法权益"),
        (
            "民法典",
            "第十三条",
            "第一编 总则 › 第二章 自然人 › 第一节 民事权利能力和民事行为能力 › 第十三条",
            "第十三条 自然人从出生时起到死亡时止",
        ),
        (
            "民法典",
            "第四百四十条",
            "第二编 物权 › 第四分编 担保物权 › 第十八章 质权 › 第二节 权利质权 › 第四百四十条",
            "第四百四十条 债务人或者第三人有权处分的下列权利可以出质",
        ),
        (
            "民法典",
            "第八百四十三条",
            "第三编 合同 › 第二分编 典型合同 › 第二十章 技术合同 › 第一节 一般规定 › 第八百四十三条",
            "第八百四十三条 技术合同是当事人就技术开发",
        ),
        (
            "民法典",
            "第九百七十九条",
            "第三编 合同 › 第三分编 准合同 › 第二十八章 无因管理 › 第九百七十九条",
            "第九百七十九条 管理人没有法定的或者约定的义务",
        ),
        (
            "民法典",
            "第一千一百八十五条",
            "第七编 侵权责任 › 第二章 损害赔偿 › 第一千一百八十五条",
            "第一千一百八十五条 故意侵害他人知识产权",
        ),
        ("民法典", "第一千二百六十条", "附则 › 第一千二百六十条", "第一千二百六十条 本法自2021年1月1日起施行"),
        (
            "电子商务法",
            "第四十二条",
            "第二章 电子商务经营者 › 第二节 电子商务平台经营者 › 第四十二条",
            "第四十二条 知识产权权利人认为其知识产权受到侵害的",
        ),
    ],
)
def test_article_section_paths(
    chunks: dict[str, list[Chunk]], law: str, article: str, section: str, opening: str
) -> None:
    chunk = by_label(chunks[law_id(law)], article)[0]
    assert chunk.section == section
    assert chunk.heading == section.split(SECTION_SEPARATOR)[:-1]
    assert chunk.text.startswith(opening)


def test_a_heading_starts_its_level_afresh(chunks: dict[str, list[Chunk]]) -> None:
    """A new 编 drops the 分编, 章 and 节 of the book before it; a new 章 drops the 节 of the chapter before it."""
    civil = chunks[law_id("民法典")]
    first_of_book_four = by_label(civil, "第九百九十条")[0]
    assert first_of_book_four.heading == ["第四编 人格权", "第一章 一般规定"]
    after_sections = by_label(civil, "第一百零二条")[0]  # 第四章 非法人组织, after 第三章's 节
    assert after_sections.heading == ["第一编 总则", "第四章 非法人组织"]


def test_article_keeps_all_its_paragraphs(chunks: dict[str, list[Chunk]]) -> None:
    chunk = by_label(chunks[law_id("专利法")], "第四十二条")[0]
    assert chunk.text.count("\n\n") == 2
    assert chunk.text.endswith("新药批准上市后总有效专利权期限不超过十四年。")


def test_title_and_history_chunk(docs: dict[str, SourceDoc], chunks: dict[str, list[Chunk]]) -> None:
    doc_id = law_id("专利法")
    first = chunks[doc_id][0]
    assert first.label == first.section == "标题和修改沿革"
    assert first.start == 0
    assert first.text.startswith("# 中华人民共和国专利法")
    assert all(line in first.text for line in docs[doc_id].history)


def test_preamble_of_a_judicial_interpretation(chunks: dict[str, list[Chunk]]) -> None:
    labels = [c.label for c in chunks[law_id("最高人民法院关于审理侵害知识产权民事案件适用惩罚性赔偿的解释")]]
    assert labels[:3] == ["标题和修改沿革", "序言", "第一条"]


@pytest.mark.parametrize(
    ("article", "head", "items"),
    [
        ("第十条", "第十条 著作权包括下列人身权和财产权：", 17),
        ("第二十四条", "第二十四条 在下列情况下使用作品，可以不经著作权人许可，不向其支付报酬，", 13),
    ],
)
def test_over_long_article_splits_at_item_boundaries(
    docs: dict[str, SourceDoc], chunks: dict[str, list[Chunk]], article: str, head: str, items: int
) -> None:
    doc_id = law_id("著作权法")
    text = docs[doc_id].text
    parts = by_label(chunks[doc_id], article)
    assert len(parts) >= 2

    # The parts are contiguous and together are the whole article.
    start = text.index(f"\n\n{article} ") + 2
    end = re.compile(rf"\n\n(?:#|第[{NUM}]+条)").search(text, start).start()
    assert (parts[0].start, parts[-1].end) == (start, end)
    assert all(text[a.end : b.start] == "\n\n" for a, b in itertools.pairwise(parts))

    # Parts after the first read whole: they carry the article's head; the first is the head itself.
    assert parts[0].head == "" and parts[0].text.startswith(head)
    for part in parts[1:]:
        assert part.head.startswith(head)
        assert parts[0].text.startswith(part.head.strip())
        assert ITEM.match(part.text), "a later part starts at an item"
        assert len(part.head) + len(part.text) <= DEFAULT_MAX

    # One group, announced by the first part; every item whole in exactly one part.
    group = f"{doc_id}#{article}"
    assert {part.group for part in parts} == {group}
    assert parts[0].announces == group
    assert all(part.announces is None for part in parts[1:])
    assert {part.section for part in parts} == {parts[0].section}
    found = [m for part in parts for m in re.finditer(rf"(?m)^[（(][{NUM}]+[）)]", part.text)]
    assert len(found) == items


# --- the plan ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plan(chunks: dict[str, list[Chunk]]) -> list[Chunk]:
    return chunks[PLAN_ID]


def test_plan_opening_reads_with_its_title(plan: list[Chunk]) -> None:
    assert plan[0].label == "引言"
    assert plan[0].text.startswith("《武汉市知识产权“十四五”规划》 政策解读\n\n近日")


@pytest.mark.parametrize(
    ("start", "section"),
    [
        ("“十三五”期间", "一、《规划》编制背景"),
        ("总的考虑：", "二、《规划》编制总体考虑 › 总的考虑"),
        ("具体起草考虑：一是", "二、《规划》编制总体考虑 › 具体起草考虑"),
        ("《规划》共分为四个部分：", "三、《规划》主要框架 › 《规划》共分为四个部分"),
        ("第一部分：", "三、《规划》主要框架 › 第一部分"),
        ("第三部分：", "三、《规划》主要框架 › 第三部分"),
        ("一是围绕高质量", "三、《规划》主要框架 › 第三部分 › 一是围绕高质量产出知识产权成果"),
        ("三是围绕高标准", "三、《规划》主要框架 › 第三部分 › 三是围绕高标准实施知识产权保护"),
        ("六是围绕高规格搭建", "三、《规划》主要框架 › 第三部分 › 六是围绕高规格搭建知识产权支撑"),
        ("第四部分：", "三、《规划》主要框架 › 第四部分"),
    ],
)
def test_plan_heading_paths(plan: list[Chunk], start: str, section: str) -> None:
    chunk = next(c for c in plan if c.text.startswith(start))
    assert chunk.section == section


def test_plan_six_tasks_share_the_group_announced_by_part_three(plan: list[Chunk]) -> None:
    part_three = next(c for c in plan if c.text.startswith("第三部分："))
    assert part_three.text.endswith("包括六个方面：")
    assert part_three.announces
    tasks = [c for c in plan if c.group == part_three.announces]
    assert [c.label[:2] for c in tasks] == ["一是", "二是", "三是", "四是", "五是", "六是"]
    assert [c.ordinal for c in tasks] == list(range(part_three.ordinal + 1, part_three.ordinal + 7))
    assert "保护工作体制机制" in tasks[2].text  # the repaired page break sits inside one task


def test_plan_four_parts_share_the_group_announced_by_the_framework_line(plan: list[Chunk]) -> None:
    lead = next(c for c in plan if c.text == "《规划》共分为四个部分：")
    parts = [c for c in plan if c.group == lead.announces]
    assert [c.label for c in parts] == ["第一部分", "第二部分", "第三部分", "第四部分"]


def test_plan_groups_are_announced(plan: list[Chunk]) -> None:
    announced = {c.announces for c in plan if c.announces}
    assert {c.group for c in plan if c.group} <= announced


def test_no_plan_item_is_cut_in_half(docs: dict[str, SourceDoc], plan: list[Chunk]) -> None:
    """Each ``一是…`` item, a paragraph of its own or inline (``具体起草考虑：一是…。二是…``), is in one chunk."""
    text = docs[PLAN_ID].text
    items = []
    for start, end in paragraph_spans(text):
        markers = [start + m.start() for m in re.finditer(rf"(?:^|(?<=[。：；]))[{NUM}]是", text[start:end])]
        items += list(zip(markers, [*markers[1:], end], strict=False))
    assert [text[a : a + 2] for a, _ in items] == ["一是", "二是", "一是", "二是", "三是", "四是", "五是", "六是"]
    for start, end in items:
        assert len(containing(plan, start, end)) == 1, text[start:end]


def test_long_plan_passage_splits_at_inline_items_first(docs: dict[str, SourceDoc]) -> None:
    chunks = chunk_document(docs[PLAN_ID], max_chars=300)
    lead = next(c for c in chunks if c.text.startswith("具体起草考虑：一是"))
    second = chunks[lead.ordinal + 1]
    assert second.text.startswith("二是坚持问题导向和目标导向相结合")
    assert second.label == "二是坚持问题导向和目标导向相结合"
    assert second.section == "二、《规划》编制总体考虑 › 具体起草考虑 › 二是坚持问题导向和目标导向相结合"
    assert lead.group == second.group


def test_plan_file_is_the_one_chunked(docs: dict[str, SourceDoc]) -> None:
    assert docs[PLAN_ID].path == PLAN_FILE.name
