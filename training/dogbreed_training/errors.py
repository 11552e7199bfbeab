"""Typed errors of the training package. Each carries a clear message; `cause` keeps the original error."""

from __future__ import annotations

import sys


class TrainingError(Exception):
    """Base class: every error the package raises on purpose."""

    def __init__(self, message: str, cause: BaseException | None = None) -> None:
        super().__init__(message)
        self.name = type(self).__name__
        self.cause = cause
        if cause is not None:
            self.__cause__ = cause


class ConfigError(TrainingError):
    """A flag, hyperparameter or environment variable is missing or invalid."""


class DatasetError(TrainingError):
    """The dataset layout is unusable (missing split, no images, classes that differ between splits)."""


class CheckpointError(TrainingError):
    """A checkpoint cannot be read, or belongs to a different run (other classes or backbone)."""


class WeightsError(TrainingError):
    """Pretrained weights cannot be found or do not fit the backbone."""


class ExportError(TrainingError):
    """ONNX export failed or its outputs differ from PyTorch's."""


class FetchError(TrainingError):
    """The dataset archive cannot be downloaded, verified or extracted."""


class PrecisionError(ExportError):
    """The spec's export precision settings are malformed, or a model dir cannot be quantized."""


def report(err: TrainingError, exit_code: int = 2) -> int:
    """How every command of the package ends on one of its own errors: `ERROR <Name>: message` on stderr, and the
    exit code to return (2 unless the command documents another)."""
    print(f"ERROR {err.name}: {err}", file=sys.stderr, flush=True)
    return exit_code
