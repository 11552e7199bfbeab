"""Data scanning, weights, freezing, export parity, checkpoints, the rank-0 writer, early stopping."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch
from conftest import add_broken_files

from dogbreed_training import checkpoint
from dogbreed_training.artifacts import RankWriteError, RankZeroWriter
from dogbreed_training.benchmark import parse_throughput
from dogbreed_training.data import ShardSampler, collate_skipping, load_datasets, scan_split
from dogbreed_training.distributed import DistInfo
from dogbreed_training.errors import DatasetError, WeightsError
from dogbreed_training.export import PARITY_TOLERANCE, export_onnx, onnx_max_abs_diff
from dogbreed_training.metrics import EarlyStopping, format_metrics
from dogbreed_training.model import TinyCNN, build_model, set_train_mode
from dogbreed_training.synthetic import make_dataset


@pytest.fixture()
def small(tmp_path: Path) -> Path:
    make_dataset(tmp_path, classes=3, per_split={"train": 3, "valid": 2}, size=32)
    return tmp_path


def test_scan_skips_and_lists_broken_files(small: Path) -> None:
    names = sorted(p.name for p in (small / "train").iterdir())
    broken = add_broken_files(small, names[1])
    scan = scan_split(small / "train", names)
    assert len(scan.samples) == 9
    assert sorted(scan.unreadable) == sorted(str(p) for p in broken)
    assert scan.per_class == dict.fromkeys(names, 3)


def test_split_with_an_unknown_class_is_refused(small: Path) -> None:
    (small / "valid" / "999.stranger").mkdir()
    with pytest.raises(DatasetError, match="999.stranger"):
        load_datasets(small / "train", small / "valid", None, 32)


def test_no_test_split_evaluates_on_valid(small: Path) -> None:
    bundle = load_datasets(small / "train", small / "valid", small / "test", 32)
    assert bundle.test_is_valid and bundle.test is None


def test_collate_counts_undecodable_items() -> None:
    batch = collate_skipping([None, (torch.zeros(3, 4, 4), 1), None])
    assert (len(batch), batch.skipped, batch.labels.tolist()) == (1, 2, [1])
    empty = collate_skipping([None])
    assert (len(empty), empty.skipped, empty.images) == (0, 1, None)


def test_shard_sampler_covers_each_index_once() -> None:
    shards = [list(ShardSampler(11, r, 3)) for r in range(3)]
    assert sorted(i for s in shards for i in s) == list(range(11))
    assert [len(ShardSampler(11, r, 3)) for r in range(3)] == [len(s) for s in shards]


def test_pretrained_weights_load_into_the_backbone_and_the_head_is_new(tmp_path: Path) -> None:
    source = TinyCNN(num_classes=1000)  # a "pretrained" torchvision-style state dict with a 1000-class head
    channel = tmp_path / "pretrained"
    channel.mkdir()
    torch.save({"module." + k: v for k, v in source.state_dict().items()}, channel / "tiny.pth")
    model = build_model("tiny_cnn", 5, channel, freeze_backbone=True)
    assert torch.equal(model.features[0][0].weight, source.features[0][0].weight)
    assert model.fc.out_features == 5
    assert [n for n, p in model.named_parameters() if p.requires_grad] == ["fc.weight", "fc.bias"]
    set_train_mode(model, "tiny_cnn", freeze_backbone=True)
    assert not model.features[0][1].training and model.fc.training


def test_weights_of_another_architecture_are_refused(tmp_path: Path) -> None:
    torch.save({"conv.weight": torch.zeros(1)}, tmp_path / "w.pt")
    with pytest.raises(WeightsError, match="do not fit tiny_cnn"):
        build_model("tiny_cnn", 2, tmp_path / "w.pt")
    with pytest.raises(WeightsError, match="do not exist"):
        build_model("tiny_cnn", 2, tmp_path / "missing.pt")


@pytest.mark.parametrize("backbone", ["resnet50", "mobilenet_v3_large"])
def test_torchvision_backbones_export_to_onnx_within_tolerance(backbone: str, tmp_path: Path) -> None:
    torch.manual_seed(0)  # fixed weights: logits of about 10-20 for resnet50, diffs about 2e-5
    model = build_model(backbone, 7, None, freeze_backbone=False).eval()
    path = tmp_path / "model.onnx"
    export_onnx(model, path, image_size=64)
    diff = onnx_max_abs_diff(model, path, image_size=64, batch=3)  # batch 3 against a graph traced at batch 1
    assert diff is not None and diff < PARITY_TOLERANCE
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["input"]
    assert session.get_inputs()[0].shape[0] == "batch"
    (out,) = session.run(["logits"], {"input": np.zeros((2, 3, 64, 64), np.float32)})
    assert out.shape == (2, 7)


def test_latest_readable_checkpoint_wins(tmp_path: Path) -> None:
    for epoch in (1, 2, 3):
        checkpoint.save_checkpoint(tmp_path, epoch, {"note": f"e{epoch}"}, keep=3)
    (tmp_path / checkpoint.checkpoint_name(3)).write_bytes(b"cut off mid-upload")
    warnings: list[str] = []
    snap = checkpoint.load_latest(tmp_path, log=warnings.append)
    assert snap is not None and snap["epoch"] == 2 and snap["note"] == "e2"
    assert "unreadable" in warnings[0]
    assert checkpoint.load_latest(tmp_path / "empty") is None


def test_only_rank_zero_may_write(tmp_path: Path) -> None:
    rank1 = RankZeroWriter(DistInfo(1, 1, 2, "gloo", torch.device("cpu"), "torchrun"))
    with pytest.raises(RankWriteError, match="rank 1"):
        rank1.json(tmp_path / "x.json", {})
    assert not list(tmp_path.iterdir())
    rank0 = RankZeroWriter(DistInfo(0, 0, 2, "gloo", torch.device("cpu"), "torchrun"))
    rank0.json(tmp_path / "x.json", {"a": 1})
    assert rank0.written == [tmp_path / "x.json"]


def test_early_stopping_counts_epochs_without_improvement() -> None:
    stop = EarlyStopping(patience=2)
    assert stop.step(1, 1.0) and not stop.should_stop
    assert not stop.step(2, 1.1) and not stop.should_stop
    assert not stop.step(3, 1.0) and stop.should_stop
    restored = EarlyStopping(2)
    restored.load_state_dict(stop.state_dict())
    assert restored.should_stop and restored.best_epoch == 1


def test_metric_format_is_fixed_point() -> None:
    line = format_metrics({"epoch": 3, "train_loss": 1e-7, "val_acc": 0.5, "lr": 1e-5, "images_per_sec": 12.345})
    assert line == "epoch=3 train_loss=0.0000 val_acc=0.5000 lr=0.00001000 images_per_sec=12.3"
    assert parse_throughput(line + "\n" + line.replace("epoch=3", "epoch=4")) == [12.3, 12.3]
