"""Query understanding without an LLM: normalisation, English glossary, numbers, colloquial synonyms,
document and article references, version intent, list intent and follow-ups. All vocabulary is data."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path

import cn2an

from bot.figures import Figure, asserted_figures, stand_in
from index.cleaning import NUMERALS, normalize_text
from index.segment import Segmenter, read_word_list

_NUM = NUMERALS
_ARTICLE_REF = re.compile(rf"第[{_NUM}]+条(?:之[{_NUM}]+)?")
_LABEL_REF = re.compile(rf"第[{_NUM}]+(?:条(?:之[{_NUM}]+)?|部分|章|节)")
_ARABIC_ARTICLE = re.compile(r"第\s*(\d+)\s*条")  # 第1261条: an article number of any length
_ARABIC_COUNT = re.compile(r"(?<![\d.])(\d{1,3})(?=\s*(?:条|年|日|个月|月|倍|项|款|天|周年|个|类|种))")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:年|版|的|修订|修正)")
_ITEM_REF = re.compile(rf"第\s*([{_NUM}\d]+)\s*(?:项|个|点|条措施|方面|部分)")
_YES_NO = re.compile(r"可不可以|([能会是要算行对有可该])[不没]\1")  # 能不能, 有没有: how a yes/no question is asked
_ENGLISH = re.compile(r"[A-Za-z]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_MAX_DENSE_CHARS = 200
_LIST_CUES = re.compile(
    r"有哪些|哪几|哪些|包括什么|包含什么|包括哪|几个方面|几方面|什么情形|什么情况|哪种情况|哪几种|列举|都有什么|有什么内容|"
    r"主要目标|重点任务|what are|which|list"
)
# Questions about how a document is organised (its parts, its framework); 一部分 alone is not one.
_STRUCTURE_CUES = re.compile(rf"第[{_NUM}]+部分|[几{_NUM}]个部分|哪[几些]个?部分|各部分|框架|结构|章节|几个方面")
_COUNT_CUES = re.compile(  # counts of items, not durations ("几个月" asks how long)
    r"几个(?!月|工作日)|多少个(?!月|工作日)|几项|几方面|几部分|几种|how many(?! (?:years|months|days|weeks))"
)
# Questions about what the law says (法律上怎么规定, 违法吗, 算侵权吗), whatever document they name.
_LAW_CUES = re.compile(r"法律|法规|条例|司法解释|法条|哪部法|法上|依法|违法|合法|侵权|legal|law")
_OLD_VERSION_CUES = re.compile(r"旧版|老版|原来的|以前的|之前的|修改前|修订前|修正前|过去的|原版")
# Questions about a revision not yet in force: the new law, the law after the revision, from next year on.
# ("新" counts only right before a document's name: 新商标法, 新的专利法实施细则; not 创新方法.)
_NEW_VERSION_CUES = re.compile(
    r"新版|新修[订改正]|修[订改正]后|明年|即将施行|将要施行|尚未施行|还没有?施行|施行后|生效后"
)
_NEW_BEFORE_NAME = re.compile(r"新的?《?$")
_FOLLOWUP_START = re.compile(r"^(那|那么|还有|另外|同样|如果是|换成|要是|再问|然后|and |what about|how about)")
_FOLLOWUP_ANYWHERE = re.compile(
    r"呢[？?]?$|它|这个|那个|这些|那些|上述|前面|刚才|该项|这一项|这条|那条|其中|"
    r"\bthis\b|\bthat\b|\bit\b"
)


@dataclass(slots=True)
class Query:
    """A question as the retriever and answerer see it.

    Attributes:
        original: the question as typed.
        text: normalised Chinese text for retrieval (Simplified, numbers as the documents write them,
            English terms followed by their Chinese equivalents).
        dense_text: the text to embed (original wording plus translated terms, and the earlier turn for follow-ups).
        tokens: lexical tokens of the question itself.
        expansion_tokens: tokens from the synonym table, weighted lower.
        synonyms: each question token that fired a synonym entry, with the documents' words it stands for.
        context_tokens: tokens of the earlier turn a follow-up leans on, weighted lower.
        language: ``zh`` or ``en``.
        doc_titles: titles of documents the question names.
        hinted_titles: titles of documents the question only hints at (武汉 hints at the Wuhan plan).
        labels: article, part, chapter or section labels the question names (``第四十二条``, ``第一部分``).
        years: four-digit years the question names (version intent).
        wants_old_version: the question asks about an earlier version.
        wants_new_version: the question asks about a revision not yet in force (新商标法, 修订后, 明年起).
        day: the day the question is asked on: which version of a law is in force is decided for it.
        wants_list: the question asks for a list (有哪些 / 哪几个方面).
        wants_count: the question asks how many.
        asks_structure: the question asks how a document is organised (its parts, its framework).
        asks_law: the question asks what the law says (法律上怎么规定, 违法吗).
        item_ref: an ordinal reference to an item of the previous answer (``第三项``).
        is_followup: the question leans on the conversation so far.
        asserted: figures the question states as facts to check (``保护期是五十年，对吗``); they are not searched
            for (``tokens`` and ``dense_text`` hold what they are about instead: 期限, 数额), the answer checks them
            against the provision.
    """

    original: str
    text: str
    dense_text: str
    tokens: list[str]
    expansion_tokens: list[str] = field(default_factory=list)
    synonyms: dict[str, list[str]] = field(default_factory=dict)
    context_tokens: list[str] = field(default_factory=list)
    language: str = "zh"
    doc_titles: list[str] = field(default_factory=list)
    hinted_titles: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    years: list[str] = field(default_factory=list)
    wants_old_version: bool = False
    wants_new_version: bool = False
    day: date = field(default_factory=date.today)
    wants_list: bool = False
    wants_count: bool = False
    asks_structure: bool = False
    asks_law: bool = False
    item_ref: int | None = None
    is_followup: bool = False
    asserted: list[Figure] = field(default_factory=list)


def _read_table(name: str) -> list[list[str]]:
    """Rows of a tab-separated data file; ``#`` starts a comment line."""
    text = resources.files("bot.data").joinpath(name).read_text(encoding="utf-8")
    return [
        [cell.strip() for cell in line.split("\t")]
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    ]


@cache
def _subjects() -> tuple[str, ...]:
    return tuple(read_word_list(Path(str(resources.files("bot.data").joinpath("subjects.txt")))))


def is_subject(token: str) -> bool:
    """Whether a question word names a subject of IP questions (专利, 实用新型, 商标…; ``bot/data/subjects.txt``)."""
    return any(token in subject or subject in token for subject in _subjects())


def subject_words(tokens: list[str]) -> list[str]:
    """The subjects a question's words name, as the subject list writes them: a word that is a subject, or the
    longest subjects inside a compound word (商标注册 → 商标; 外观设计专利权 → 外观设计专利权 when listed)."""
    subjects = _subjects()
    named: dict[str, None] = {}
    for token in tokens:
        inside = [s for s in subjects if s in token]
        named.update(dict.fromkeys(s for s in inside if not any(s != other and s in other for other in inside)))
    return list(named)


def numeral_value(numeral: str) -> int | None:
    """``三`` / ``十二`` / ``3`` -> the number, or None when it is not a numeral."""
    try:
        return int(numeral) if numeral.isdigit() else int(cn2an.cn2an(numeral, "smart"))
    except (ValueError, KeyError):
        return None


def chinese_number(value: int) -> str:
    """``42`` -> ``四十二`` as the documents write counts and article numbers."""
    return str(cn2an.an2cn(str(value), "low"))


class QueryAnalyzer:
    """Turns a question (and the previous turn, for follow-ups) into a ``Query``.

    Args:
        segmenter: the tokeniser shared with the lexical index.
        titles: titles of the indexed documents, to recognise references to them.
    """

    def __init__(self, segmenter: Segmenter, titles: list[str]) -> None:
        self._segmenter = segmenter
        glossary = sorted(_read_table("glossary_en_zh.tsv"), key=lambda row: -len(row[0]))
        self._glossary = [(re.compile(rf"\b{re.escape(en)}\b"), zh) for en, zh in glossary]
        self._synonyms = sorted(((row[0], row[1]) for row in _read_table("synonyms.tsv")), key=lambda r: -len(r[0]))
        self._aliases = self._build_aliases(titles)
        self._titles = [(title, title.removeprefix("中华人民共和国").strip("《》")) for title in titles]
        for alias, _, _ in self._aliases:
            segmenter.add_word(alias)

    @staticmethod
    def _build_aliases(titles: list[str]) -> list[tuple[str, str, bool]]:
        """(alias, title, is_hint), longest alias first."""
        known = set(titles)
        aliases: dict[str, tuple[str, bool]] = {}
        for title in titles:
            aliases[title] = (title, False)
            aliases.setdefault(title.removeprefix("中华人民共和国"), (title, False))
        for row in _read_table("doc_aliases.tsv"):
            if row[1] in known:
                aliases.setdefault(row[0], (row[1], len(row) > 2 and row[2] == "hint"))
        return sorted(((a, t, h) for a, (t, h) in aliases.items()), key=lambda row: -len(row[0]))

    def document_titles(self, text: str) -> tuple[list[str], list[str], str]:
        """Titles of the documents ``text`` names and of those it only hints at, and the text without the names.

        Each alias span is used once, longest first. The names are taken out of the text that is searched:
        a document's name says where to look (a boost), not what to look for — left in, it would match the
        passages that repeat the name, such as a preamble.
        """
        named: list[str] = []
        hinted: list[str] = []
        remaining = content = text
        for alias, title, hint in self._aliases:
            if alias in remaining:
                remaining = remaining.replace(alias, "\0")
                if not hint:
                    content = content.replace(alias, " ")
                found = hinted if hint else named
                if title not in found:
                    found.append(title)
        return named, [title for title in hinted if title not in named], content

    def _names_new(self, text: str) -> bool:
        """Whether a document's name follows 新 (新商标法): the question asks about its new version."""
        return any(
            _NEW_BEFORE_NAME.search(text[: found.start()])
            for alias, _, hint in self._aliases
            if not hint
            for found in re.finditer(re.escape(alias), text)
        )

    def known_law_name(self, name: str) -> bool:
        """Whether a document name in a question is one of the indexed documents.

        Known: part of an indexed title (``专利法``, ``武汉市知识产权“十四五”规划``), or a name that contains an
        indexed title without its ``中华人民共和国`` prefix (``新专利法``).
        """
        return any(name in title or short in name for title, short in self._titles)

    def _translate(self, text: str) -> tuple[str, str]:
        """English -> the documents' Chinese terms (glossary), and the English words the glossary did not know."""
        lowered = text.lower()
        terms: list[str] = []
        for pattern, zh in self._glossary:
            if pattern.search(lowered):
                lowered = pattern.sub(" ", lowered)
                terms.extend(zh.split())
        return " ".join(terms), lowered

    def analyze(self, question: str, previous: Query | None = None, *, day: date | None = None) -> Query:
        """Analyse a question asked on ``day`` (default: today); ``previous`` is the last turn's query when the
        session has one."""
        normalized = normalize_text(question).strip()
        english = len(_ENGLISH.findall(normalized)) > 2 * len(_HAN.findall(normalized))
        text = _ARABIC_ARTICLE.sub(lambda m: f"第{chinese_number(int(m.group(1)))}条", normalized)
        text = _ARABIC_COUNT.sub(lambda m: chinese_number(int(m.group(1))), text)
        translated = ""
        if english:
            translated, leftover = self._translate(text)
            text = f"{translated} {leftover}"
        named, hinted, content = self.document_titles(text)
        asserted = asserted_figures(text) if not english else []
        for figure in asserted:  # what the question claims is checked against the answer, not searched for
            content = content.replace(figure.text, f" {stand_in(figure)} ")
        dense_text = f"{normalized} {translated}" if english else content
        tokens = self._segmenter.tokens(_YES_NO.sub(" ", content))
        expansions: list[str] = []
        synonyms: dict[str, list[str]] = {}
        for colloquial, terms in self._synonyms:
            if colloquial in content:
                words = [t for t in self._segmenter.tokens(terms) if t not in tokens]
                expansions.extend(words)
                for token in tokens:
                    if colloquial in token or token in colloquial:
                        synonyms.setdefault(token, []).extend(words)
        item_match = _ITEM_REF.search(text)
        query = Query(
            original=question,
            text=text,
            dense_text=dense_text,
            tokens=tokens,
            expansion_tokens=expansions,
            synonyms=synonyms,
            language="en" if english else "zh",
            doc_titles=named,
            hinted_titles=hinted,
            labels=_LABEL_REF.findall(text),
            years=_YEAR.findall(text),
            wants_old_version=bool(_OLD_VERSION_CUES.search(text)),
            wants_new_version=bool(_NEW_VERSION_CUES.search(text)) or self._names_new(text),
            day=day or date.today(),
            wants_list=bool(_LIST_CUES.search(normalized.lower())),
            wants_count=bool(_COUNT_CUES.search(normalized.lower())),
            asks_structure=bool(_STRUCTURE_CUES.search(normalized)),
            asks_law=bool(_LAW_CUES.search(normalized.lower())),
            item_ref=numeral_value(item_match.group(1)) if item_match and not query_has_article(text) else None,
            asserted=asserted,
        )
        if previous is not None and self._leans_on_previous(query, normalized):
            self._merge_previous(query, previous)
        return query

    def _leans_on_previous(self, query: Query, normalized: str) -> bool:
        """A follow-up: it refers back (那/呢/它/其中…) or is short and names no subject or document of its own."""
        if query.item_ref is not None:
            return True
        short = len(_HAN.findall(normalized)) <= 14 if query.language == "zh" else len(normalized.split()) <= 6
        cue = bool(_FOLLOWUP_START.search(normalized.lower()) or _FOLLOWUP_ANYWHERE.search(normalized.lower()))
        own_subject = bool(query.doc_titles) or any(self._is_subject(t) for t in query.tokens)
        return (cue and (short or not own_subject)) or (short and not own_subject) or len(query.tokens) <= 1

    @staticmethod
    def _is_subject(token: str) -> bool:
        return is_subject(token)

    def _merge_previous(self, query: Query, previous: Query) -> None:
        """Carry the earlier turn's subject into a follow-up: its words at a lower weight, its documents."""
        query.is_followup = True
        # A chain of follow-ups ("那实用新型呢？" then "那商标呢？") keeps the first question's topic;
        # a follow-up that names a new subject replaces the earlier subject's words.
        earlier = dict.fromkeys([*previous.tokens, *previous.expansion_tokens, *previous.context_tokens])
        new_subject = any(self._is_subject(t) for t in query.tokens)
        query.context_tokens = [
            t for t in earlier if t not in query.tokens and not (new_subject and self._is_subject(t))
        ]
        # Bounded: a long chain of follow-ups must not grow the text to embed without end.
        query.dense_text = f"{query.dense_text} {previous.dense_text}"[:_MAX_DENSE_CHARS]
        if not query.doc_titles:
            query.doc_titles = list(previous.doc_titles)
            query.hinted_titles = query.hinted_titles or list(previous.hinted_titles)


def query_has_article(text: str) -> bool:
    """Whether the text names a law article (``第四十二条``), which is not a list-item reference."""
    return bool(_ARTICLE_REF.search(text))
