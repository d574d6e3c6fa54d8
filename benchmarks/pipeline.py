"""Pipeline overhead: end-to-end analysis vs plain faster-whisper on the same recordings.

Usage: .venv/bin/python benchmarks/pipeline.py [CALLS_DIR]

Both sides run in this process, one after the other, on the same files with the same model and
decoding options (int8, beam search only, VAD, forced language, word timestamps, domain prompt,
each stereo channel separately). The ratio is the pipeline's overhead: decoding, the second
passes over English calls' opening and closing turns, speaker separation for mono calls,
features, sentiment, scoring, masking and storage in SQLite. Also printed: the real-time factor
and the peak memory of the process.
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

from tiexin.adapters.asr.whisper import domain_prompt
from tiexin.adapters.storage import SqlUnitOfWork, make_engine, make_session_factory, migrate
from tiexin.config import Settings
from tiexin.pipeline.factory import pipeline_config
from tiexin.runners.local import LocalRunner
from tiexin.services.analyze import analyze_jobs, pending_jobs
from tiexin.services.ingest import ingest_folder

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CALLS = REPO.parent / "shared" / "data" / "calls"


def _languages(calls_dir: Path) -> dict[str, str]:
    truths = (json.loads(p.read_text(encoding="utf-8")) for p in calls_dir.glob("*.json"))
    return {t["call_id"]: t["language"] for t in truths}


def _channels_16k(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        layout = "stereo" if stream.codec_context.channels == 2 else "mono"
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=16000)
        chunks = [
            out.to_ndarray() for f in container.decode(stream) for out in resampler.resample(f)
        ]
        chunks += [out.to_ndarray() for out in resampler.resample(None)]
    return np.concatenate(chunks, axis=1).astype(np.float32)


def plain_whisper(files: list[Path], languages: dict[str, str], settings: Settings) -> float:
    from faster_whisper import WhisperModel

    config = pipeline_config(settings)
    model = WhisperModel(
        str(config.model_dir), device="cpu", compute_type="int8", cpu_threads=config.asr_threads
    )
    start = time.perf_counter()
    for path in files:
        language = languages.get(path.stem, "zh")
        for channel in _channels_16k(path):
            segments, _ = model.transcribe(
                channel,
                language=language,
                beam_size=config.beam_size,
                temperature=0.0,  # beam search only, as the pipeline decodes
                vad_filter=True,
                condition_on_previous_text=False,
                word_timestamps=True,
                initial_prompt=domain_prompt(config.vocabulary, language),
            )
            list(segments)
    return time.perf_counter() - start


def full_pipeline(
    calls_dir: Path, languages: dict[str, str], settings: Settings, work: Path
) -> float:
    metadata = work / "calls.csv"
    lines = (calls_dir / "calls.csv").read_text(encoding="utf-8").splitlines()
    rows = [lines[0] + ",language"] + [
        f"{line},{languages[line.split(',')[0]]}" for line in lines[1:]
    ]
    metadata.write_text("\n".join(rows) + "\n", encoding="utf-8")
    engine = make_engine(settings.resolved_database_url())
    migrate(engine)
    session_factory = make_session_factory(engine)

    def uow_factory() -> SqlUnitOfWork:
        return SqlUnitOfWork(session_factory)

    start = time.perf_counter()
    ingest_folder(uow_factory, calls_dir, metadata_csv=metadata)
    jobs = pending_jobs(uow_factory, settings)
    report = analyze_jobs(uow_factory, LocalRunner(pipeline_config(settings)), jobs)
    elapsed = time.perf_counter() - start
    assert not report.failed, report.failed
    return elapsed


def main() -> None:
    calls_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CALLS
    files = sorted(calls_dir.glob("*.wav"))
    languages = _languages(calls_dir)
    audio_s = sum(_channels_16k(p).shape[1] / 16000 for p in files)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=REPO / "var", database_url=f"sqlite:///{tmp}/bench.db")
        full_pipeline(
            calls_dir,
            languages,
            settings.model_copy(update={"database_url": f"sqlite:///{tmp}/warm.db"}),
            Path(tmp),
        )
        baseline = plain_whisper(files, languages, settings)
        pipeline = full_pipeline(calls_dir, languages, settings, Path(tmp))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"calls: {len(files)}, audio: {audio_s:.1f} s")
    print(f"plain faster-whisper: {baseline:.1f} s (RTF {baseline / audio_s:.3f})")
    print(f"tiexin pipeline:      {pipeline:.1f} s (RTF {pipeline / audio_s:.3f})")
    print(f"overhead ratio (pipeline / plain whisper): {pipeline / baseline:.3f}  (target <= 1.15)")
    print(f"peak memory (max RSS): {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
