"""The wording of answers, read from ``prompts/answer_templates.toml``."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


class Templates:
    """Named message templates in Chinese (``zh``) and English (``en``).

    Args:
        path: the TOML file of templates.
    """

    def __init__(self, path: Path) -> None:
        self._data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))

    def zh(self, key: str, **values: object) -> str:
        return str(self._data["zh"][key]).format(**values)

    def en(self, key: str, **values: object) -> str:
        return str(self._data["en"][key]).format(**values)

    def phrase(self, language: str, key: str, **values: object) -> str:
        """A template in the question's language (``zh`` or ``en``)."""
        return str(self._data[language][key]).format(**values)

    def en_version(self, label: str | None) -> str:
        """``2020年修正`` -> ``2020 amendment``."""
        if not label:
            return "current text"
        year, _, action = label.partition("年")
        return f"{year} {self._data['en']['version_words'].get(action, action)}"
