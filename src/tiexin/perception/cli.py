"""`tiexin perception ...`: train, apply and cross-validate the customer-perception model."""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from tiexin.bootstrap import open_storage
from tiexin.config import Settings
from tiexin.domain.errors import InputError, TiexinError
from tiexin.perception.data import (
    LabelledDialogue,
    prediction_record,
    read_dialogues_jsonl,
    read_stc3,
)
from tiexin.perception.evaluation import cross_validate, needed_for_cross_validation
from tiexin.perception.model import MIN_TRAINING_DIALOGUES, PerceptionModel, train_model
from tiexin.services.perception_labels import enough_labelled_dialogues
from tiexin.terminal import make_console, print_error

perception_app = typer.Typer(
    help="Customer-perception model: satisfaction over -2..2 from the dialogue.",
    no_args_is_help=True,
)
console = make_console()
errors = make_console(stderr=True)


class DataFormat(enum.StrEnum):
    """Where labelled dialogues come from: an STC-3 file, or the calls inspectors labelled."""

    STC3 = "stc3"
    TIEXIN = "tiexin"


FormatOption = Annotated[
    DataFormat,
    typer.Option(
        "--format",
        help="stc3: the --data file; tiexin: the calls labelled in the configured database.",
    ),
]
DataOption = Annotated[
    Path | None, typer.Option("--data", help="Labelled dialogues (STC-3 JSON; --format stc3).")
]


def _labelled(
    data_format: DataFormat, data: Path | None, needed: int, purpose: str
) -> list[LabelledDialogue]:
    """The labelled dialogues of --format: the STC-3 file, or the database's labelled calls."""
    if data_format is DataFormat.TIEXIN:
        if data is not None:
            raise InputError("--data is for --format stc3; --format tiexin reads the database")
        return enough_labelled_dialogues(open_storage(Settings()), needed, purpose)
    if data is None:
        raise InputError("--format stc3 needs --data FILE")
    return read_stc3(data)


def _fail(exc: Exception) -> typer.Exit:
    print_error(errors, exc)
    return typer.Exit(2)


@perception_app.command()
def train(
    data_format: FormatOption,
    model: Annotated[Path, typer.Option("--model", help="Model file to write (.npz).")],
    data: DataOption = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the held-out split.")] = 0,
) -> None:
    """Train a model on labelled dialogues and write it to --model."""
    try:
        dialogues = _labelled(data_format, data, MIN_TRAINING_DIALOGUES, "training")
        with console.status(f"Training on {len(dialogues)} dialogues"):
            trained = train_model(dialogues, seed=seed)
        trained.save(model)
    except (TiexinError, OSError) as exc:
        raise _fail(exc) from None
    console.print(f"Trained on {trained.trained_on} dialogues (C={trained.c:g}); wrote {model}")


@perception_app.command()
def predict(
    model: Annotated[Path, typer.Option("--model", help="Model file from `train`.")],
    input_path: Annotated[Path, typer.Option("--input", help="Dialogues, one JSON per line.")],
    output: Annotated[Path, typer.Option("--output", help="Predictions to write (JSON Lines).")],
) -> None:
    """Predict each input dialogue's satisfaction distribution."""
    try:
        loaded = PerceptionModel.load(model)
        dialogues = read_dialogues_jsonl(input_path)
        distributions = loaded.predict([d.turns for d in dialogues])
        lines = (
            json.dumps(prediction_record(d.id, p), ensure_ascii=False) + "\n"
            for d, p in zip(dialogues, distributions, strict=True)
        )
        output.write_text("".join(lines), encoding="utf-8")
    except (TiexinError, OSError) as exc:
        raise _fail(exc) from None
    console.print(f"Wrote {len(dialogues)} predictions to {output}")


@perception_app.command()
def evaluate(
    data_format: FormatOption,
    data: DataOption = None,
    folds: Annotated[int, typer.Option("--folds", min=2, help="Cross-validation folds.")] = 5,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the fold split.")] = 0,
) -> None:
    """Cross-validate the model and the uniform and popularity baselines (NMD, RSNOD)."""
    try:
        needed = needed_for_cross_validation(folds)
        dialogues = _labelled(data_format, data, needed, f"{folds}-fold cross-validation")
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("Cross-validating", total=folds)
            scores = cross_validate(
                dialogues, folds=folds, seed=seed, on_fold=lambda _: progress.advance(task)
            )
    except (TiexinError, ValueError) as exc:
        raise _fail(exc) from None
    popularity = next(s for s in scores if s.predictor == "popularity")
    table = Table(
        title=f"{folds}-fold cross-validation on {len(dialogues)} dialogues (lower is better)"
    )
    for column in ("predictor", "NMD", "RSNOD", "NMD / popularity"):
        table.add_column(column)
    for score in scores:
        ratio = score.nmd / popularity.nmd
        table.add_row(score.predictor, f"{score.nmd:.4f}", f"{score.rsnod:.4f}", f"{ratio:.3f}")
    console.print(table)
