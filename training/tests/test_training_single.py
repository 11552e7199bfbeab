"""One-process training on synthetic shapes: accuracy, model-dir artifacts, metric lines, broken images."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import numpy as np
import onnxruntime as ort
import torch
from conftest import FAST_ARGS, METADATA_SCHEMA, run_train
from PIL import Image

from dogbreed_training.data import eval_transform
from dogbreed_training.export import PARITY_FAIL, PARITY_TOLERANCE
from dogbreed_training.metrics import metric_definitions, scrape
from dogbreed_training.model import build_model
from dogbreed_training.synthetic import make_dataset
from dogbreed_training.weights import normalization

CHANCE = 1 / 4


def test_reaches_well_above_chance(single_run: dict) -> None:
    evaluation = json.loads((single_run["model"] / "evaluation.json").read_text())
    meta = json.loads((single_run["model"] / "metadata.json").read_text())
    assert evaluation["split"] == "test"
    assert evaluation["images"] == 32
    assert evaluation["top1"] >= 3 * CHANCE, single_run["stdout"]
    assert meta["metrics"]["val_acc"] >= 3 * CHANCE
    assert sum(sum(row) for row in evaluation["confusionMatrix"]) == 32
    assert set(evaluation["perClassAccuracy"]) == set(meta["classNames"])


def test_writes_the_model_dir_contract(single_run: dict) -> None:
    model = single_run["model"]
    assert sorted(p.name for p in model.iterdir()) == [
        "confusion_matrix.png",
        "evaluation.json",
        "metadata.json",
        "model.onnx",
    ]
    meta = json.loads((model / "metadata.json").read_text())
    jsonschema.validate(meta, json.loads(METADATA_SCHEMA.read_text()))
    assert meta["trainingMode"] == "single"
    assert meta["classNames"] == ["001.red_circle", "002.green_square", "003.blue_triangle", "004.yellow_cross"]
    assert meta["input"]["height"] == meta["input"]["width"] == 48
    assert meta["preprocessing"]["resizeShorterSide"] == 55  # round(48 * 256 / 224)
    assert meta["framework"]["torch"] == torch.__version__
    assert meta["hyperparameters"]["backbone"] == "tiny_cnn"
    with Image.open(model / "confusion_matrix.png") as png:
        assert png.format == "PNG" and png.width > 100


def test_onnx_is_the_best_checkpoint_and_matches_pytorch(single_run: dict, shapes_dir: Path) -> None:
    meta = json.loads((single_run["model"] / "metadata.json").read_text())
    snap = torch.load(single_run["out"] / "checkpoints" / "checkpoint-epoch-0006.pt", weights_only=False)
    model = build_model("tiny_cnn", 4)
    model.load_state_dict(snap["best_model_state"])
    model.eval()
    assert snap["early_stopping"]["best_epoch"] == meta["metrics"]["best_epoch"]
    images = sorted((shapes_dir / "test").rglob("*.png"))[::8]
    t = eval_transform(48, *normalization("tiny_cnn"))
    x = torch.stack([t(Image.open(p).convert("RGB")) for p in images])
    with torch.no_grad():
        expected = model(x).numpy()
    session = ort.InferenceSession(str(single_run["model"] / "model.onnx"), providers=["CPUExecutionProvider"])
    (got,) = session.run(["logits"], {"input": x.numpy()})
    assert np.abs(got - expected).max() < PARITY_TOLERANCE
    assert meta["metrics"]["onnx_max_abs_diff"] < PARITY_TOLERANCE


def test_metric_lines_are_scraped_by_the_metric_definitions(single_run: dict) -> None:
    lines = [ln for ln in single_run["stdout"].splitlines() if re.match(r"^(epoch|test_top1)=", ln)]
    defs = metric_definitions()
    epochs = [scrape(defs, ln) for ln in lines if ln.startswith("epoch=")]
    assert [e["epoch"] for e in epochs] == [1, 2, 3, 4, 5, 6]
    for e in epochs:
        assert {"train:loss", "train:acc", "val:loss", "val:acc", "train:images_per_sec"} <= set(e)
        assert 0 <= e["val:acc"] <= 1
    final = scrape(defs, next(ln for ln in lines if ln.startswith("test_top1=")))
    evaluation = json.loads((single_run["model"] / "evaluation.json").read_text())
    assert final["test:top1"] == round(evaluation["top1"], 4)
    assert "test:top5" in final and "val:acc" not in final


def test_broken_images_are_skipped_and_counted(single_run: dict) -> None:
    report = json.loads((single_run["out"] / "data_report.json").read_text())
    assert report["train"]["unreadable"] == 2
    assert {p.rsplit("/", 1)[1] for p in report["train"]["unreadableFiles"]} == {"garbage.jpg", "truncated.png"}
    assert report["train"]["images"] == 96
    meta = json.loads((single_run["model"] / "metadata.json").read_text())
    assert meta["metrics"]["skipped_images"] == 2
    assert "unreadable_skipped=2" in single_run["stdout"]


def test_says_loudly_that_it_trains_from_scratch(single_run: dict) -> None:
    assert "WARNING: no pretrained weights" in single_run["stderr"]
    assert "TRAINS FROM SCRATCH" in single_run["stderr"]


def test_history_and_checkpoints(single_run: dict) -> None:
    history = json.loads((single_run["out"] / "history.json").read_text())
    assert [h["epoch"] for h in history] == [1, 2, 3, 4, 5, 6]
    kept = sorted(p.name for p in (single_run["out"] / "checkpoints").iterdir())
    assert kept == ["checkpoint-epoch-0005.pt", "checkpoint-epoch-0006.pt"]


def test_early_stopping_on_validation_loss(tmp_path: Path) -> None:
    """Validation labels rotated by one class: the better the model learns train/, the worse val_loss gets."""
    names = make_dataset(tmp_path / "d", classes=4, per_split={"train": 16, "valid": 4}, size=48)
    valid = tmp_path / "d" / "valid"
    for n in names:
        (valid / n).rename(valid / f"tmp-{n}")
    for i, n in enumerate(names):
        (valid / f"tmp-{n}").rename(valid / names[(i + 1) % len(names)])
    args = ["--data-dir", str(tmp_path / "d"), "--model-dir", str(tmp_path / "m"), "--output-dir", str(tmp_path / "o")]
    proc = run_train([*args, *FAST_ARGS, "--epochs", "12", "--early-stopping-patience", "2"])
    epochs = [ln for ln in proc.stdout.splitlines() if ln.startswith("epoch=")]
    assert "early stopping: val_loss has not improved for 2 epochs" in proc.stdout
    assert len(epochs) < 12
    meta = json.loads((tmp_path / "m" / "metadata.json").read_text())
    assert meta["metrics"]["stopped_early"] == 1.0
    assert meta["metrics"]["epochs_completed"] == meta["metrics"]["best_epoch"] + 2
    assert json.loads((tmp_path / "m" / "evaluation.json").read_text())["split"] == "valid"


def test_default_backbone_frozen_with_local_pretrained_weights(shapes_dir: Path, tmp_path: Path) -> None:
    """The production configuration (resnet50, frozen backbone, weights from an input channel), kept short."""
    from torchvision import models

    channel = tmp_path / "pretrained"
    channel.mkdir()
    reference = models.resnet50(weights=None)  # stands for the ImageNet file: same keys and shapes
    torch.save(reference.state_dict(), channel / "resnet50.pth")
    args = ["--data-dir", str(shapes_dir), "--model-dir", str(tmp_path / "m"), "--output-dir", str(tmp_path / "o")]
    args += ["--backbone", "resnet50", "--freeze-backbone", "true", "--pretrained-weights", str(channel)]
    args += ["--image-size", "64", "--epochs", "1", "--max-steps-per-epoch", "2", "--batch-size", "8"]
    proc = run_train([*args, "--num-workers", "0", "--device", "cpu"])
    frozen = {k: v for k, v in reference.state_dict().items() if not k.startswith("fc.")}
    assert f"loaded {len(frozen)} pretrained tensors for resnet50" in proc.stdout
    assert "TRAINS FROM SCRATCH" not in proc.stderr
    snap = torch.load(tmp_path / "o" / "checkpoints" / "checkpoint-epoch-0001.pt", weights_only=False)
    body = {k: v for k, v in snap["model_state"].items() if not k.startswith("fc.")}
    assert all(torch.equal(body[k], frozen[k]) for k in frozen)  # weights and BatchNorm statistics untouched
    meta = json.loads((tmp_path / "m" / "metadata.json").read_text())
    assert meta["architecture"] == "resnet50" and meta["hyperparameters"]["pretrained"] is True
    # Random "pretrained" features give this head logits far larger than real ones, so float32 rounding is larger
    # too; the run's own gate applies here (the 1e-4 parity is shown on real-scale logits in the other tests).
    assert meta["metrics"]["onnx_max_abs_diff"] < PARITY_FAIL
