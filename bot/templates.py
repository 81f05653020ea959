"""The wording of answers, read from ``prompts/answer_templates.toml``."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

_DATED_ACTION = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日(\w{2})")


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
        """``2020年修正`` -> ``2020 amendment``; ``2025年6月27日公布，2025年10月15日施行`` ->
        ``promulgated 2025-06-27, effective 2025-10-15``."""
        if not label:
            return "current text"
        words = self._data["en"]["version_words"]
        if dated := _DATED_ACTION.findall(label):
            return ", ".join(
                f"{words.get(action, action)} {int(y):04d}-{int(m):02d}-{int(d):02d}" for y, m, d, action in dated
            )
        year, _, action = label.partition("年")
        return f"{year} {words.get(action, action)}"
