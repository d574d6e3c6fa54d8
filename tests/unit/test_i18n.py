"""UI text: both languages define the same keys; missing keys fall back visibly."""

from __future__ import annotations

import re

from tiexin.web.i18n import LANGUAGES, LOCALE_DIR, Translator, messages


def test_every_language_defines_the_same_keys() -> None:
    keys = {language: set(messages(language)) for language in LANGUAGES}
    zh, en = keys["zh"], keys["en"]
    assert not zh - en, f"missing in English: {sorted(zh - en)}"
    assert not en - zh, f"missing in Chinese: {sorted(en - zh)}"


def test_every_feature_file_exists_in_both_languages() -> None:
    files = {
        language: {p.name for p in (LOCALE_DIR / language).glob("*.yaml")} for language in LANGUAGES
    }
    assert files["zh"] == files["en"]


def test_placeholders_match_between_languages() -> None:
    placeholder = re.compile(r"\{(\w+)\}")
    zh, en = messages("zh"), messages("en")
    mismatched = [
        key for key in zh if set(placeholder.findall(zh[key])) != set(placeholder.findall(en[key]))
    ]
    assert not mismatched


def test_translator_defaults_to_chinese_and_formats_values() -> None:
    assert Translator("fr").language == "zh"
    assert Translator("en")("pager.position", page=2, pages=5) == "Page 2 of 5"
    assert Translator("zh")("no.such.key") == "no.such.key"
