"""The export benchmark's arithmetic (the benchmark itself is a command, not a test): medians and per-round ratios."""

from __future__ import annotations

import pytest

from dogbreed_training.export_benchmark import CPU_FLAGS, cpu_info, summarize


def test_ratios_are_medians_of_per_round_ratios() -> None:
    # Round 3 is slow for every model (machine load): per-round ratios ignore it, ratios of medians would not.
    times = {
        "plain": [10.0, 10.0, 40.0, 10.0],
        "folded": [7.0, 7.0, 28.0, 7.0],
        "int8": [3.5, 3.5, 14.0, 3.5],
    }
    out = summarize(times)
    assert out["plain"] == {"medianMs": 10.0, "p90Ms": pytest.approx(31.0)}
    assert out["folded"]["ratioToPlain"] == 0.7 and out["int8"]["ratioToPlain"] == 0.35
    assert out["int8"]["ratioToFolded"] == 0.5


def test_cpu_info_names_every_flag_it_looks_for() -> None:
    info = cpu_info()
    assert set(info["flags"]) == set(CPU_FLAGS) and len(info["loadAverage"]) == 3
