"""Metric log lines in one stable, regex-friendly format, and early stopping on validation loss.

SageMaker scrapes the lines with the MetricDefinitions in `training/metric_definitions.json` (read by the launcher);
`python -m dogbreed_training.metrics` prints them. Values are plain fixed-point numbers so `([0-9.]+)` captures them.
"""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

METRIC_DEFINITIONS_FILE = Path(__file__).resolve().parent.parent / "metric_definitions.json"

_DECIMALS = {"loss": 4, "acc": 4, "top1": 4, "top5": 4, "lr": 8, "images_per_sec": 1, "seconds": 2}


def _fmt(key: str, value: float | int) -> str:
    if isinstance(value, bool) or isinstance(value, int):
        return str(int(value))
    if not math.isfinite(value):
        return "nan"
    decimals = next((d for suffix, d in _DECIMALS.items() if key.endswith(suffix)), 4)
    return f"{value:.{decimals}f}"


def format_metrics(values: dict[str, float | int]) -> str:
    """`epoch=3 train_loss=0.1234 ...` in the given key order."""
    return " ".join(f"{k}={_fmt(k, v)}" for k, v in values.items())


def metric_definitions() -> list[dict[str, str]]:
    return json.loads(METRIC_DEFINITIONS_FILE.read_text())


def scrape(definitions: list[dict[str, str]], line: str) -> dict[str, float]:
    """What SageMaker would extract from one log line (used by tests to prove the regexes)."""
    out: dict[str, float] = {}
    for d in definitions:
        m = re.search(d["Regex"], line)
        if m:
            out[d["Name"]] = float(m.group(1))
    return out


class EarlyStopping:
    """Stops after `patience` epochs without a lower validation loss."""

    def __init__(self, patience: int) -> None:
        self.patience = patience
        self.best = math.inf
        self.best_epoch = 0
        self.bad_epochs = 0

    def step(self, epoch: int, val_loss: float) -> bool:
        """Records an epoch; True when it is the best so far."""
        if val_loss < self.best:
            self.best, self.best_epoch, self.bad_epochs = val_loss, epoch, 0
            return True
        self.bad_epochs += 1
        return False

    @property
    def should_stop(self) -> bool:
        return self.bad_epochs >= self.patience

    def state_dict(self) -> dict:
        return {"best": self.best, "best_epoch": self.best_epoch, "bad_epochs": self.bad_epochs}

    def load_state_dict(self, state: dict) -> None:
        self.best, self.best_epoch, self.bad_epochs = state["best"], state["best_epoch"], state["bad_epochs"]


if __name__ == "__main__":
    json.dump(metric_definitions(), sys.stdout, indent=2)
    sys.stdout.write("\n")
