"""Writing a synthetic world (catalogue, customers, usage, staff) as the files the imports read."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tiexin.care.world import generate_world
from tiexin.care.world_csv import world_files


def write_world(
    out: Path, *, customers: int, months: int, seed: int, as_of: date
) -> dict[str, Path]:
    """Generate the world and write its files into `out`; returns file name -> path."""
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name, chunks in world_files(generate_world(customers, months, seed, as_of)).items():
        path = out / name
        with path.open("w", encoding="utf-8", newline="") as handle:
            for chunk in chunks:
                handle.write(chunk)
        written[name] = path
    return written
