"""Whole runs through the two caches: a frozen backbone under DDP trains its head on gathered cached features (as
one process does), and fine-tuning reads its training images from the shard cache, built once and then reused."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import torch
from conftest import FAST_ARGS, METADATA_SCHEMA, run_train

from dogbreed_training.benchmark import _SHARDS
from dogbreed_training.model import TinyCNN

MODEL_FILES = ["confusion_matrix.png", "evaluation.json", "metadata.json", "model.onnx"]
# Frozen tiny_cnn: "pretrained" weights are a fixed random init (features of colours and edges are enough for the
# shapes), passed as a file because a frozen backbone without weights is refused.
FROZEN_ARGS = [a for a in FAST_ARGS if a not in ("--freeze-backbone", "false")] + ["--freeze-backbone", "true"]


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.manual_seed(7)
    path = tmp_path_factory.mktemp("weights") / "tiny.pt"
    torch.save(TinyCNN().state_dict(), path)
    return path


def _frozen_run(shapes_dir: Path, work: Path, weights: Path, procs: int) -> tuple[str, dict, dict]:
    args = ["--data-dir", str(shapes_dir), "--model-dir", str(work / "model"), "--output-dir", str(work / "out")]
    args += [*FROZEN_ARGS, "--pretrained-weights", str(weights), "--epochs", "8", "--lr", "0.05"]
    proc = run_train([*args, "--nproc-per-node", str(procs)])
    meta = json.loads((work / "model" / "metadata.json").read_text())
    evaluation = json.loads((work / "model" / "evaluation.json").read_text())
    assert sorted(p.name for p in (work / "model").iterdir()) == MODEL_FILES
    return proc.stdout, meta, evaluation


def test_frozen_ddp_trains_the_head_on_gathered_features(shapes_dir: Path, tmp_path: Path, tiny_weights: Path) -> None:
    single_out, single_meta, single_eval = _frozen_run(shapes_dir, tmp_path / "single", tiny_weights, 1)
    multi_out, multi_meta, multi_eval = _frozen_run(shapes_dir, tmp_path / "multi", tiny_weights, 2)
    # The feature path, not the image pipeline: 96 readable train images + 32 valid, extracted by both ranks.
    assert "feature cache: 128 images in" in single_out and "feature cache: 128 images in" in multi_out
    assert "extracted by 2 ranks, DDP on the head only" in multi_out
    assert "shard cache:" not in single_out + multi_out
    assert "world_size=2 launcher=spawn backend=gloo" in multi_out
    jsonschema.validate(multi_meta, json.loads(METADATA_SCHEMA.read_text()))
    assert (single_meta["trainingMode"], multi_meta["trainingMode"]) == ("single", "multi")
    assert multi_meta["hyperparameters"]["feature_cache"] is True and multi_meta["metrics"]["world_size"] == 2
    # The exported model is the whole network (backbone + head) in both modes.
    assert multi_meta["input"] == single_meta["input"] and multi_meta["numClasses"] == single_meta["numClasses"]
    # One metric line per epoch, from rank 0 alone.
    for out in (single_out, multi_out):
        epochs = [ln for ln in out.splitlines() if ln.startswith("epoch=")]
        assert len(epochs) == 8
    history = json.loads((tmp_path / "multi" / "out" / "history.json").read_text())
    assert [h["epoch"] for h in history] == list(range(1, 9))
    # Equivalent in kind: both learn the shapes from the same frozen features.
    assert single_eval["top1"] >= 0.6, single_out
    assert multi_eval["top1"] >= 0.6, multi_out
    assert abs(single_eval["top1"] - multi_eval["top1"]) <= 0.25
    assert "rank=1 files_written=0" in multi_out


def test_fine_tuning_builds_the_shard_cache_once(shapes_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "shards"
    common = ["--data-dir", str(shapes_dir), *FAST_ARGS, "--epochs", "1", "--shard-cache-dir", str(cache)]
    first = run_train([*common, "--model-dir", str(tmp_path / "m1"), "--output-dir", str(tmp_path / "o1")])
    built = re.search(r"shard cache: (\d+) training images pre-resized to shorter side 72 \(built in", first.stdout)
    assert built and built.group(1) == "96", first.stdout
    second = run_train([*common, "--model-dir", str(tmp_path / "m2"), "--output-dir", str(tmp_path / "o2")])
    assert "shard cache: 96 training images pre-resized to shorter side 72 (reused:" in second.stdout
    assert len([p for p in cache.iterdir() if not p.name.startswith(".")]) == 1
    # The benchmark reads the build time from the same line.
    assert _SHARDS.search(first.stdout) and not _SHARDS.search(second.stdout)
    off = run_train(
        [*common, "--shard-cache", "false", "--model-dir", str(tmp_path / "m3"), "--output-dir", str(tmp_path / "o3")]
    )
    assert "shard cache:" not in off.stdout
    meta = json.loads((tmp_path / "m2" / "metadata.json").read_text())
    assert meta["hyperparameters"]["shard_cache"] is True
