"""Customer-perception model vs the STC-3 reference predictors under k-fold cross-validation.

Usage: .venv/bin/python benchmarks/perception.py [STC3_JSON] [--folds 5]

Every dialogue is scored while held out: the model and the `popularity` baseline see only the
other folds. Prints mean NMD and RSNOD (lower is better) per predictor and the ratio of each to
`popularity`, all measured in this run.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from tiexin.perception.data import read_stc3
from tiexin.perception.evaluation import cross_validate

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "stc3" / "dev_cn.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    dialogues = read_stc3(args.data)
    started = time.perf_counter()
    scores = cross_validate(dialogues, folds=args.folds, seed=args.seed)
    elapsed = time.perf_counter() - started
    popularity = next(s for s in scores if s.predictor == "popularity")
    print(
        f"{args.folds}-fold CV on {len(dialogues)} dialogues of {args.data.name}, {elapsed:.0f} s"
    )
    print(f"{'predictor':<11} {'NMD':>7} {'RSNOD':>7} {'NMD/pop':>8} {'RSNOD/pop':>10}")
    for s in scores:
        print(
            f"{s.predictor:<11} {s.nmd:7.4f} {s.rsnod:7.4f} "
            f"{s.nmd / popularity.nmd:8.3f} {s.rsnod / popularity.rsnod:10.3f}"
        )


if __name__ == "__main__":
    main()
