"""The only way the trainer writes files: rank 0 writes, any other rank that tries fails loudly."""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch
from torch import nn

from dogbreed_training import checkpoint, evaluate, export
from dogbreed_training.distributed import DistInfo
from dogbreed_training.errors import TrainingError


class RankWriteError(TrainingError):
    """A rank other than 0 tried to write (a bug: outputs would race)."""


class RankZeroWriter:
    def __init__(self, info: DistInfo) -> None:
        self.info = info
        self.written: list[Path] = []

    def _guard(self, path: Path) -> Path:
        if not self.info.is_main:
            raise RankWriteError(f"rank {self.info.rank} tried to write {path}; only rank 0 writes outputs")
        self.written.append(path)
        return path

    def json(self, path: Path, obj: object) -> Path:
        self._guard(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(obj, indent=2) + "\n")
        os.replace(tmp, path)
        return path

    def checkpoint(self, directory: Path, epoch: int, snapshot: dict) -> Path:
        self._guard(directory / checkpoint.checkpoint_name(epoch))
        return checkpoint.save_checkpoint(directory, epoch, snapshot)

    def onnx(self, model: nn.Module, path: Path, image_size: int) -> Path:
        self._guard(path)
        export.export_onnx(model, path, image_size)
        return path

    def confusion_png(self, confusion: torch.Tensor, class_names: list[str], path: Path) -> Path:
        self._guard(path)
        evaluate.confusion_png(confusion, class_names, path)
        return path
