"""Per-epoch checkpoints written atomically; the latest readable one is found on start (managed spot resumes)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import torch

from dogbreed_training.errors import CheckpointError

CHECKPOINT_FORMAT = 1
_NAME = re.compile(r"^checkpoint-epoch-(\d{4,})\.pt$")
KEEP = 2


def checkpoint_name(epoch: int) -> str:
    return f"checkpoint-epoch-{epoch:04d}.pt"


def list_checkpoints(directory: Path) -> list[tuple[int, Path]]:
    """(epoch, path), newest first."""
    if not directory.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in directory.iterdir() if (m := _NAME.match(p.name))]
    return sorted(found, reverse=True)


def save_checkpoint(directory: Path, epoch: int, snapshot: dict, keep: int = KEEP) -> Path:
    """Writes to a temporary name then renames (a spot interruption never leaves a half-written latest file)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / checkpoint_name(epoch)
    tmp = directory / f".{path.name}.tmp"
    torch.save({"format": CHECKPOINT_FORMAT, "epoch": epoch, **snapshot}, tmp)
    os.replace(tmp, path)
    for _, old in list_checkpoints(directory)[keep:]:
        old.unlink(missing_ok=True)
    return path


def load_latest(directory: Path, log=print) -> dict | None:
    """The newest checkpoint that loads; an unreadable one (cut off mid-upload) is reported and skipped."""
    for epoch, path in list_checkpoints(directory):
        try:
            # Our own files (written by rank 0 of this trainer): torch 1.13's weights-only reader cannot read the
            # floats in them, so the full reader is asked for explicitly (torch >= 2.6 defaults to weights-only).
            snap = torch.load(path, map_location="cpu", weights_only=False)
        except Exception as err:  # truncated or corrupt file
            log(f"WARNING: checkpoint {path} is unreadable ({err}); trying an older one")
            continue
        if not isinstance(snap, dict) or snap.get("format") != CHECKPOINT_FORMAT or snap.get("epoch") != epoch:
            log(f"WARNING: {path} is not a checkpoint of this trainer (format {CHECKPOINT_FORMAT}); skipping it")
            continue
        return snap
    return None


def check_compatible(snap: dict, class_names: list[str], backbone: str, image_size: int) -> None:
    if snap.get("class_names") != class_names:
        raise CheckpointError(
            "the checkpoint was trained on other classes than this dataset "
            f"({len(snap.get('class_names', []))} vs {len(class_names)}); use another --checkpoint-dir"
        )
    if snap.get("backbone") != backbone or snap.get("image_size") != image_size:
        raise CheckpointError(
            f"the checkpoint is {snap.get('backbone')} at {snap.get('image_size')}px but this run is "
            f"{backbone} at {image_size}px; use another --checkpoint-dir"
        )
