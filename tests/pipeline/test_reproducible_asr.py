"""A call's transcript does not depend on what the process decoded before it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.pipeline.conftest import job_for_truth
from tiexin.domain.calls import CallAnalysis
from tiexin.pipeline.jobs import PipelineConfig
from tiexin.runners.local import LocalRunner

pytestmark = pytest.mark.slow

# A short call where faster-whisper's defaults fall back from beam search to sampling (a segment's
# average log probability is too low), decoded after eight other calls in `analysed`.
CALL = "VIP20250306-0137"


def test_a_call_is_transcribed_alike_whatever_came_before(
    ground_truth: dict[str, dict[str, Any]],
    calls_dir: Path,
    config: PipelineConfig,
    analysed: dict[str, CallAnalysis],
) -> None:
    (fresh,) = LocalRunner(config).run([job_for_truth(ground_truth[CALL], calls_dir)])
    assert isinstance(fresh, CallAnalysis), fresh
    assert fresh.original_texts == analysed[CALL].original_texts
    assert fresh.evaluation == analysed[CALL].evaluation
