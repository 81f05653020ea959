"""Chinese word segmentation for the lexical index and for queries: jieba search mode, a domain
user dictionary and stop words, all from data files."""

from __future__ import annotations

import logging
import re
from importlib import resources
from pathlib import Path

import jieba

_WORD = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)


def _data_path(name: str) -> Path:
    return Path(str(resources.files("index.data").joinpath(name)))


def read_word_list(path: Path) -> set[str]:
    """Read a one-word-per-line data file; ``#`` starts a comment line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line.split()[0] for line in lines if line.strip() and not line.startswith("#")}


class Segmenter:
    """Tokenise text into lower-cased search tokens (jieba ``cut_for_search``), without stop words.

    Args:
        user_dict: a jieba user dictionary (``word [freq] [tag]`` per line); defaults to the IP-domain one.
        stopwords: a word list of tokens to drop; defaults to the packaged one.
    """

    def __init__(self, user_dict: Path | None = None, stopwords: Path | None = None) -> None:
        jieba.setLogLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer()
        self._jieba.load_userdict(str(user_dict or _data_path("user_dict.txt")))
        self.stopwords = read_word_list(stopwords or _data_path("stopwords.txt"))

    def add_word(self, word: str) -> None:
        """Make sure a multi-character term is kept whole (used for terms the query layer relies on)."""
        self._jieba.add_word(word)

    def _inner_words(self, word: str) -> list[str]:
        """Dictionary words of 4+ characters inside a long word, which jieba's search mode (2- and 3-character
        sub-words only) leaves out: ``布图设计`` inside ``集成电路布图设计``."""
        return [
            word[start : start + size]
            for size in range(4, len(word))
            for start in range(len(word) - size + 1)
            if self._jieba.FREQ.get(word[start : start + size])
        ]

    def tokens(self, text: str) -> list[str]:
        """Search tokens of ``text``: words and their sub-words, lower-cased, without punctuation or stop words."""
        tokens = []
        for raw in self._jieba.cut_for_search(text):
            token = raw.strip().lower()
            if token and _WORD.search(token) and token not in self.stopwords:
                tokens.append(token)
                if len(token) > 4:
                    tokens.extend(self._inner_words(token))
        return tokens
