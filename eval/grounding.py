"""Is an answer grounded in what it cites? Every clause it quotes must be in a cited text, and every
number it states must be in a cited text: no invented numbers, dates, amounts or programmes."""

from __future__ import annotations

import re

_CLAUSE = re.compile(r"[^，。；：、！？\n“”「」（）()]+")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# Numbers stated as facts: digits or Chinese numerals with a unit, or digits next to Chinese text.
_NUMBER = re.compile(
    r"[一二三四五六七八九十百千两][一二三四五六七八九十百千万两]*(?=[年月日个项件倍元次])|\d+(?:\.\d+)?(?=\s*[年月日个项件倍元次%％万])"
    r"|(?<=[\u4e00-\u9fff])\d+(?:\.\d+)?"
)
_ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")
_SPACE = re.compile(r"[ \t\u3000]+")
# Words the composer adds around quotes: leads, list lead-ins, follow-up and version notes.
_COMPOSER_WORDS = (
    "以下",
    "根据",
    "此外",
    "项是",
    "该版本已被",
    "现行规定请以新版为准",
    "已被",
    "取代",
    "注意",
    "届时该内容见",
    "该版本尚未施行",
    "将于",
    "起施行",
    "在此之前适用",
    "修订的",
    "表述不变",
    "您提到的",
    "与条文不符",
)
# The question's own words an answer repeats in 「」 (您提到的「五十年」与条文不符): the user's, not a claim.
_USER_WORDS = re.compile(r"「[^」\n]*」")
_LIST_NUMBER = re.compile(r"^\d+\.\s*", re.M)


def ungrounded(answer: str, cited_texts: list[str], *, min_han: int = 4) -> list[str]:
    """The clauses and numbers of an answer that no cited text holds.

    A clause is checked when it has at least ``min_han`` Chinese characters and names no document
    (citation leads do); around a composer word such as ``以下`` each side is checked on its own. Words in
    「」 are the question's, repeated (您提到的「五十年」与条文不符), and are not checked.
    """
    sources = _SPACE.sub("", "".join(cited_texts))
    missing = []
    for raw_line in _LIST_NUMBER.sub("", answer).splitlines():
        line = _SPACE.sub("", _ENGLISH_WORD.sub(" ", _without_citation_leads(raw_line.strip())))
        line = _USER_WORDS.sub("「」", line)
        for clause in _CLAUSE.findall(line):
            if len(_HAN.findall(clause)) < min_han or "《" in clause or "》" in clause:
                continue
            parts = [clause]
            for word in _COMPOSER_WORDS:
                parts = [piece for part in parts for piece in part.split(word)]
            if any(len(_HAN.findall(part)) >= min_han and part not in sources for part in parts):
                missing.append(clause)
        missing.extend(n for n in _NUMBER.findall(line) if n not in sources)
    return missing


_SECTION_PATH = re.compile(r"[（(][^）)]*[›《][^）)]*[）)]")
# An answer's lead names its source: "根据《…》第四十二条（2020年修正）：", "此外，根据《…》（section），".
_LEAD = re.compile(r"^(?:此外，)?根据《[^》]*》[^（(：:，]{0,12}(?:[（(][^）)]*[）)])?[：:，]")
_SOURCE_LINE = re.compile(r"^Source:.*$")


def _without_citation_leads(line: str) -> str:
    """A line without the parts that name sources: the lead, section paths in parentheses, a source line."""
    return _SOURCE_LINE.sub("", _LEAD.sub("", _SECTION_PATH.sub("", line)))
