"""Metadata: titles, kinds, version labels, promulgation and effective dates and history read from every corpus
file; the corpus/metadata.toml sidecar (exclusions, overrides, errors). Statuses by date: test_versions.py."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from index_helpers import CORPUS_DIR, LAW_FILES, MAX_BYTES, PLAN_FILE, PLAN_ID, law_id, related

from index.cleaning import clean_document
from index.corpus import discover, read_corpus
from index.errors import DocumentError
from index.metadata import kind_of, read_metadata
from index.schema import KIND_JUDICIAL, KIND_LAW, KIND_OTHER, KIND_PLAN, KIND_REGULATION, SourceDoc

# doc id (without "related/") -> (title, kind, version, promulgated, effective)
EXPECTED = {
    PLAN_ID: ("《武汉市知识产权“十四五”规划》政策解读", KIND_PLAN, None, None, None),
    "专利代理条例(2018-11-06)": ("专利代理条例", KIND_REGULATION, "2018年修订", "2018-11-06", "2019-03-01"),
    "专利法(2020-10-17)": ("中华人民共和国专利法", KIND_LAW, "2020年修正", "2020-10-17", None),
    "专利法实施细则(2010-01-09)": ("中华人民共和国专利法实施细则", KIND_REGULATION, "2010年版", "2010-01-09", None),
    "专利法实施细则(2023-12-11)": ("中华人民共和国专利法实施细则", KIND_REGULATION, "2023年修订", "2023-12-11", None),
    "中小企业促进法(2017-09-01)": ("中华人民共和国中小企业促进法", KIND_LAW, "2017年修订", "2017-09-01", "2018-01-01"),
    "促进科技成果转化法(2015-08-29)": ("中华人民共和国促进科技成果转化法", KIND_LAW, "2015年修正", "2015-08-29", None),
    "反不正当竞争法(2019-04-23)": ("中华人民共和国反不正当竞争法", KIND_LAW, "2019年修正", "2019-04-23", None),
    "反不正当竞争法(2025-06-27)": (
        "中华人民共和国反不正当竞争法",
        KIND_LAW,
        "2025年6月27日公布，2025年10月15日施行",
        "2025-06-27",
        "2025-10-15",
    ),
    "商标法(2019-04-23)": ("中华人民共和国商标法", KIND_LAW, "2019年修正", "2019-04-23", None),
    "商标法(2026-06-26)": (
        "中华人民共和国商标法",
        KIND_LAW,
        "2026年6月26日公布，2027年1月1日施行",
        "2026-06-26",
        "2027-01-01",
    ),
    "商标法实施条例(2014-04-29)": (
        "中华人民共和国商标法实施条例",
        KIND_REGULATION,
        "2014年修订",
        "2014-04-29",
        "2014-05-01",
    ),
    "国务院关于涉外知识产权纠纷处理的规定(2025-03-13)": (
        "国务院关于涉外知识产权纠纷处理的规定",
        KIND_REGULATION,
        "2025年版",
        "2025-03-13",
        "2025-05-01",
    ),
    "最高人民法院关于审理侵害知识产权民事案件适用惩罚性赔偿的解释(2021-03-02)": (
        "最高人民法院关于审理侵害知识产权民事案件适用惩罚性赔偿的解释",
        KIND_JUDICIAL,
        "2021年通过",
        "2021-03-02",
        "2021-03-03",
    ),
    "植物新品种保护条例(2014-07-29)": (
        "中华人民共和国植物新品种保护条例",
        KIND_REGULATION,
        "2014年版",
        "2014-07-29",
        None,
    ),
    "民法典(2020-05-28)": (
        "中华人民共和国民法典",
        KIND_LAW,
        "2020年5月28日通过，2021年1月1日施行",
        "2020-05-28",
        "2021-01-01",
    ),
    "电子商务法(2018-08-31)": (
        "中华人民共和国电子商务法",
        KIND_LAW,
        "2018年8月31日通过，2019年1月1日施行",
        "2018-08-31",
        "2019-01-01",
    ),
    "知识产权海关保护条例(2018-03-19)": (
        "中华人民共和国知识产权海关保护条例",
        KIND_REGULATION,
        "2018年版",
        "2018-03-19",
        None,
    ),
    "科学技术进步法(2021-12-24)": ("中华人民共和国科学技术进步法", KIND_LAW, "2021年修订", "2021-12-24", "2022-01-01"),
    "著作权法(2020-11-11)": ("中华人民共和国著作权法", KIND_LAW, "2020年修正", "2020-11-11", None),
    "著作权法实施条例(2013-01-30)": ("中华人民共和国著作权法实施条例", KIND_REGULATION, "2013年版", "2013-01-30", None),
    "集成电路布图设计保护条例(2001-04-02)": (
        "集成电路布图设计保护条例",
        KIND_REGULATION,
        "2001年4月2日公布，2001年10月1日施行",
        "2001-04-02",
        "2001-10-01",
    ),
}


def doc_id(name: str) -> str:
    return name if name == PLAN_ID else f"related/{name}"


def test_expected_table_covers_every_corpus_file() -> None:
    assert {PLAN_FILE.stem, *(path.stem for path in LAW_FILES)} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_title_kind_version_and_dates_of_every_corpus_file(docs: dict[str, SourceDoc], name: str) -> None:
    doc = docs[doc_id(name)]
    assert (doc.title, doc.kind, doc.version, doc.promulgated, doc.effective) == EXPECTED[name]


def test_patent_law_history(docs: dict[str, SourceDoc]) -> None:
    doc = docs[law_id("专利法")]
    assert [line[:10] for line in doc.history] == [
        "1984年3月12日",
        "1992年9月4日 ",
        "2000年8月25日",
        "2008年12月27",
        "2020年10月17",
    ]
    assert doc.history[-1].endswith("第四次修正")


@pytest.mark.parametrize("prefix", ["著作权法", "专利法", "商标法(2019"])
def test_amended_laws_do_not_report_the_original_effective_date(docs: dict[str, SourceDoc], prefix: str) -> None:
    """The text's own "本法自1985年4月1日起施行" dates the original law, not the amendment: not reported."""
    assert docs[law_id(prefix)].effective is None


def test_an_effective_line_beats_the_texts_own_article(docs: dict[str, SourceDoc]) -> None:
    assert docs[law_id("专利代理条例")].effective == "2019-03-01"  # history "2019年3月1日 施行"


def test_the_texts_own_effective_article_counts_when_it_is_not_older() -> None:
    text = "# 某某规定\n\n2025年3月13日 国务院令第1号公布\n\n第一条 测试。\n\n第二条 本规定自2025年5月1日起施行。\n"
    assert read_metadata(text, "某某规定(2025-03-13).md").effective == "2025-05-01"


def test_plan_has_no_history(docs: dict[str, SourceDoc]) -> None:
    plan = docs[PLAN_ID]
    assert (plan.history, plan.promulgated, plan.effective) == ([], None, None)


def test_promulgation_date_falls_back_to_the_latest_history_date() -> None:
    text = clean_document(related("专利法").read_text(encoding="utf-8"))
    meta = read_metadata(text, "patent-law.md")  # no date in the file name
    assert (meta.version, meta.promulgated) == ("2020年修正", "2020-10-17")


def test_an_effective_line_is_not_the_promulgation_date() -> None:
    text = "# 某某法\n\n2025年6月27日 公布\n\n2025年10月15日 施行\n\n第一条 测试。\n"
    meta = read_metadata(text, "law.md")
    assert (meta.promulgated, meta.effective) == ("2025-06-27", "2025-10-15")
    assert meta.version == "2025年6月27日公布，2025年10月15日施行"  # what the header says, no 修订/修正 guessed


def test_nothing_is_invented_for_an_undated_document() -> None:
    meta = read_metadata("# 某市专利资助办法\n\n第一条 为了鼓励发明创造，制定本办法。\n", "rules.md")
    assert (meta.title, meta.kind, meta.version, meta.promulgated, meta.history, meta.effective) == (
        "某市专利资助办法",
        KIND_REGULATION,
        None,
        None,
        [],
        None,
    )


def test_a_year_without_a_stated_amendment_gets_a_plain_label() -> None:
    text = "# 某某条例\n\n2001年6月15日 国务院令第306号公布\n\n第一条 测试。\n"
    meta = read_metadata(text, "某某条例(2010-01-09).md")
    assert (meta.version, meta.promulgated) == ("2010年版", "2010-01-09")


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("中华人民共和国专利法", KIND_LAW),
        ("中华人民共和国民法典", KIND_LAW),
        ("中华人民共和国专利法实施细则", KIND_REGULATION),
        ("专利代理条例", KIND_REGULATION),
        ("国务院关于涉外知识产权纠纷处理的规定", KIND_REGULATION),
        ("最高人民法院关于审理侵害知识产权民事案件适用惩罚性赔偿的解释", KIND_JUDICIAL),
        ("最高人民法院关于审理专利纠纷案件适用法律问题的若干规定", KIND_JUDICIAL),
        ("《武汉市知识产权“十四五”规划》政策解读", KIND_PLAN),
        ("武汉市知识产权“十四五”规划", "规划"),
        ("某市专利资助办法", KIND_REGULATION),
        ("第三季度工作会议纪要", KIND_OTHER),
    ],
)
def test_kind_follows_the_title_form(title: str, kind: str) -> None:
    assert kind_of(title) == kind


# --- the sidecar -----------------------------------------------------------------------------------------


def test_project_sidecar_excludes_sources_md() -> None:
    files, sidecar = discover([CORPUS_DIR])
    relatives = {file.relative for file in files}
    assert "SOURCES.md" not in relatives
    assert "metadata.toml" not in relatives
    assert relatives == {PLAN_FILE.name, *(f"related/{path.name}" for path in LAW_FILES)}
    assert set(sidecar) == relatives


def test_without_the_sidecar_sources_md_would_be_indexed(make_corpus: Callable[..., Path]) -> None:
    root = make_corpus(CORPUS_DIR / "SOURCES.md", PLAN_FILE)
    assert {file.relative for file in discover([root])[0]} == {"SOURCES.md", PLAN_FILE.name}


SIDECAR = f"""
["SOURCES.md"]
index = false

["{PLAN_FILE.name}"]
title = "武汉市知识产权“十四五”规划"
issuer = "武汉市人民政府"
number = "武政〔2021〕1号"

["related/{related("专利法").name}"]
kind = "{KIND_REGULATION}"
version = "第四次修正"
promulgated = 2020-10-17
effective = 2021-06-01
status = "测试用"

["related/{related("商标法(2019").name}"]
index = false
"""


@pytest.fixture()
def sidecar_corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    (root / "related").mkdir(parents=True)
    for path in (CORPUS_DIR / "SOURCES.md", PLAN_FILE):
        shutil.copy(path, root / path.name)
    for prefix in ("专利法", "商标法(2019", "著作权法"):
        shutil.copy(related(prefix), root / "related" / related(prefix).name)
    (root / "metadata.toml").write_text(SIDECAR, encoding="utf-8")
    return root


def test_sidecar_overrides_and_exclusions(sidecar_corpus: Path) -> None:
    result = read_corpus([sidecar_corpus], max_bytes=MAX_BYTES)
    assert result.errors == []
    docs = {doc.doc_id: doc for doc in result.docs}
    assert set(docs) == {PLAN_ID, law_id("专利法"), law_id("著作权法")}

    plan = docs[PLAN_ID]
    assert plan.title == "武汉市知识产权“十四五”规划"
    assert plan.kind == "规划"  # a new title without a kind: the kind follows the new title
    assert plan.extra == {"issuer": "武汉市人民政府", "number": "武政〔2021〕1号"}

    patent = docs[law_id("专利法")]
    assert (patent.title, patent.kind) == ("中华人民共和国专利法", KIND_REGULATION)
    assert (patent.version, patent.promulgated, patent.effective) == ("第四次修正", "2020-10-17", "2021-06-01")
    assert patent.extra == {"status": "测试用"}

    copyright_law = docs[law_id("著作权法")]  # no entry: what the document says
    assert (copyright_law.kind, copyright_law.version, copyright_law.extra) == (KIND_LAW, "2020年修正", {})


def test_sidecar_applies_to_a_single_file_source(sidecar_corpus: Path) -> None:
    files, sidecar = discover([sidecar_corpus / PLAN_FILE.name])
    assert [file.relative for file in files] == [PLAN_FILE.name]
    assert sidecar[PLAN_FILE.name]["issuer"] == "武汉市人民政府"


def test_broken_sidecar_is_a_document_error(sidecar_corpus: Path) -> None:
    (sidecar_corpus / "metadata.toml").write_text('["SOURCES.md"\nindex = nope\n', encoding="utf-8")
    with pytest.raises(DocumentError) as caught:
        read_corpus([sidecar_corpus], max_bytes=MAX_BYTES)
    assert caught.value.path.endswith("metadata.toml")
    assert "元数据文件格式错误" in caught.value.reason


@pytest.mark.parametrize(
    ("first_line", "title"),
    [
        ("# 中华人民共和国 专利法", "中华人民共和国专利法"),
        ("《武汉市知识产权“十四五”规划》 政策解读", "《武汉市知识产权“十四五”规划》政策解读"),
        ("## 专利代理条例", "专利代理条例"),
        ("# Patent Law of the People's  Republic of China", "Patent Law of the People's Republic of China"),
    ],
)
def test_title_is_the_first_line_without_typesetting_spaces(first_line: str, title: str) -> None:
    assert read_metadata(f"\n{first_line}\n\n第一条 测试。\n", "x.md").title == title
