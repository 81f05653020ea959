"""Masking of personal data (phone numbers, ID-card numbers, e-mail addresses, bank-card numbers) in what users
type. The rules are data (``bot/data/masking.toml``); the pipeline masks a question before it is analysed, so
nothing downstream — the answer's trace, the conversation memory, the log — ever holds the original."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources

# Full-width ASCII (０-９, Ａ-Ｚ, ＠, －…) read as its half-width form, so "１３８…" is masked like "138…".
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


@dataclass(frozen=True, slots=True)
class MaskingRule:
    """One kind of personal data: its name, what matches it, and what replaces a match."""

    name: str
    pattern: re.Pattern[str]
    placeholder: str


class Masker:
    """Replaces personal data in text by placeholders, rule by rule in the order given.

    Args:
        rules: the rules, applied in order.
    """

    def __init__(self, rules: list[MaskingRule]) -> None:
        self.rules = rules

    @classmethod
    def from_data(cls) -> Masker:
        """The rules of ``bot/data/masking.toml``."""
        data = tomllib.loads(resources.files("bot.data").joinpath("masking.toml").read_text(encoding="utf-8"))
        return cls(
            [MaskingRule(rule["name"], re.compile(rule["pattern"]), rule["placeholder"]) for rule in data["rule"]]
        )

    def mask(self, text: str) -> str:
        """``text`` with every match of every rule replaced by the rule's placeholder (the rest unchanged)."""
        for rule in self.rules:
            # Match on the half-width reading (same length, character for character), replace in the text itself.
            spans = [match.span() for match in rule.pattern.finditer(text.translate(_HALF_WIDTH))]
            for start, end in reversed(spans):
                text = text[:start] + rule.placeholder + text[end:]
        return text
