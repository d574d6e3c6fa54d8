"""UI text in Simplified Chinese (default) and English.

Messages live in `locale/<language>/*.yaml` (one file per feature, flat `key: text`). A test
checks both languages define the same keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LOCALE_DIR = Path(__file__).parent / "locale"


@cache
def messages(language: str) -> Mapping[str, str]:
    merged: dict[str, str] = {}
    for file in sorted((LOCALE_DIR / language).glob("*.yaml")):
        loaded: Any = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        duplicated = merged.keys() & loaded.keys()
        if duplicated:
            raise ValueError(f"{file}: keys defined twice: {', '.join(sorted(duplicated))}")
        merged.update({str(key): str(value) for key, value in loaded.items()})
    return merged


class Translator:
    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self._messages = messages(self.language)

    def __call__(self, key: str, **values: Any) -> str:
        """The text for `key`, formatted with `values`; the key itself when it is missing."""
        text = self._messages.get(key) or messages(DEFAULT_LANGUAGE).get(key) or key
        return text.format(**values) if values else text
