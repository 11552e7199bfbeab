"""INT8 as a spec choice: the spec's settings, the guard's arithmetic and message, the calibration sample, which
nodes stay float, and the whole path on a small real CNN (quantized and shipped, or refused and float kept)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import onnx
import pytest
import torch
from conftest import METADATA_SCHEMA
from onnx import TensorProto, helper

from dogbreed_training import quantize
from dogbreed_training.config import spec_export_settings
from dogbreed_training.errors import PrecisionError
from dogbreed_training.export import build_metadata, export_onnx
from dogbreed_training.model import TinyCNN
from dogbreed_training.quantize import (
    ExportPrecision,
    GuardFigures,
    Int8Guard,
    apply_to_model_dir,
    calibration_sample,
    float_node_names,
    guard_figures,
    int8_refusal,
    preprocess,
)
from dogbreed_training.synthetic import make_dataset

GUARD = Int8Guard(max_top1_drop_points=0.5, min_agreement=0.99, calibration_images=8)
SIZE = 48


def test_spec_settings_parse_and_default_to_float32() -> None:
    spec = ExportPrecision.from_spec(spec_export_settings())
    assert spec.precision == "float32"
    assert spec.int8.max_top1_drop_points == 0.5 and spec.int8.min_agreement == 0.99
    assert spec.int8.calibration_images > 0


@pytest.mark.parametrize(
    "section",
    [{}, {"precision": "fp16", "int8": {"maxTop1DropPoints": 1, "minAgreement": 1, "calibrationImages": 1}}],
)
def test_malformed_spec_settings_are_refused(section: dict) -> None:
    with pytest.raises(PrecisionError, match="training.export"):
        ExportPrecision.from_spec(section)


def test_guard_figures_count_top1_and_agreement() -> None:
    f = np.array([[2, 1], [2, 1], [1, 2], [1, 2]], dtype=np.float32)
    q = np.array([[2, 1], [1, 2], [1, 2], [1, 2]], dtype=np.float32)
    figures = guard_figures(f, q, np.array([0, 0, 1, 0]))
    assert figures == GuardFigures(float_top1=0.75, int8_top1=0.5, agreement=0.75, images=4)
    assert figures.drop_points == pytest.approx(25.0)
    with pytest.raises(PrecisionError):
        guard_figures(f, q[:3], np.array([0, 0, 1, 0]))


def test_int8_passes_at_its_limits_and_fails_past_them_with_both_numbers() -> None:
    at_limits = GuardFigures(float_top1=0.9, int8_top1=0.895, agreement=0.99, images=200)
    assert int8_refusal(at_limits, GUARD) is None
    dropped = int8_refusal(GuardFigures(0.9417, 0.9333, 0.9917, 120), GUARD)
    assert dropped is not None and "\n" not in dropped
    assert "top-1 drops 0.8 pt (> 0.5 pt allowed)" in dropped and "agreement" not in dropped.split("[")[0]
    assert "float 94.2%, int8 93.3%" in dropped
    disagree = int8_refusal(GuardFigures(0.9, 0.9, 0.98, 100), GUARD)
    assert disagree is not None and "agreement with float 98.0% (< 99.0% required)" in disagree


def test_calibration_sample_is_spread_over_classes_and_deterministic() -> None:
    samples = [(Path(f"{c}/{i}.jpg"), c) for c in range(3) for i in range(4)]
    picked = calibration_sample(samples, 5)
    assert [p.as_posix() for p in picked] == ["0/0.jpg", "1/0.jpg", "2/0.jpg", "0/1.jpg", "1/1.jpg"]
    everything = calibration_sample(samples, 100)
    assert len(everything) == 12 and sorted(everything) == sorted(p for p, _ in samples)


def test_first_conv_and_everything_after_the_pooling_stay_float() -> None:
    def conv(name: str, x: str, y: str) -> onnx.NodeProto:
        return helper.make_node("Conv", [x, f"{name}_w"], [y], name=name)

    nodes = [
        conv("stem", "input", "a"),
        helper.make_node("Relu", ["a"], ["b"], name="relu"),
        conv("body", "b", "c"),
        helper.make_node("GlobalAveragePool", ["c"], ["p"], name="pool"),
        helper.make_node("Flatten", ["p"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "fc_w"], ["logits"], name="fc"),
        helper.make_node("Gemm", ["f", "dog_w"], ["d"], name="dog_fc"),
        helper.make_node("Softmax", ["d"], ["dog"], name="dog_softmax"),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in ("logits", "dog")],
    )
    kept = float_node_names(helper.make_model(graph))
    assert sorted(kept) == sorted(["stem", "pool", "flatten", "fc", "dog_fc", "dog_softmax"])


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small real CNN trained for nothing (random weights) exported as a model dir, and a dataset for it."""
    tmp = tmp_path_factory.mktemp("quantize")
    names = make_dataset(tmp / "data", classes=3, per_split={"train": 6, "valid": 2, "test": 6}, size=SIZE, seed=2)
    torch.manual_seed(0)
    model = TinyCNN(num_classes=3).eval()
    out = tmp / "model"
    export_onnx(model, out / "model.onnx", SIZE)
    meta = build_metadata(
        class_names=names, backbone="tiny_cnn", mode="single", image_size=SIZE, metrics={}, hyperparameters={}
    )
    (out / "metadata.json").write_text(json.dumps(meta))
    return out, tmp / "data"


def test_preprocess_leaves_out_undecodable_images_and_keeps_labels_aligned(
    model_dir: tuple[Path, Path], tmp_path: Path
) -> None:
    good = sorted((model_dir[1] / "test").rglob("*.png"))[:2]
    garbage = tmp_path / "garbage.jpg"
    garbage.write_bytes(b"this is not an image")
    x, labels = preprocess([(good[0], 4), (garbage, 5), (good[1], 6)], SIZE, (0.5,) * 3, (0.5,) * 3)
    assert x.shape == (2, 3, SIZE, SIZE) and x.dtype == np.float32 and labels.tolist() == [4, 6]
    with pytest.raises(PrecisionError, match="none of the 1 images"):
        preprocess([(garbage, 0)], SIZE, (0.5,) * 3, (0.5,) * 3)


def copy_dir(src: Path, dst: Path) -> Path:
    dst.mkdir()
    for f in src.iterdir():
        (dst / f.name).write_bytes(f.read_bytes())
    return dst


def test_int8_that_passes_its_guard_replaces_the_model(model_dir: tuple[Path, Path], tmp_path: Path) -> None:
    model, data = copy_dir(model_dir[0], tmp_path / "m"), model_dir[1]
    lenient = ExportPrecision("int8", Int8Guard(max_top1_drop_points=100, min_agreement=0, calibration_images=8))
    lines: list[str] = []
    block = apply_to_model_dir(model, data, lenient, lines.append)
    assert block["shipped"] == "int8" and block["int8Guard"]["passed"] is True
    assert block["int8Guard"]["calibrationImages"] == 8 and block["int8Guard"]["images"] == 18
    assert lines and lines[-1].startswith("INT8 shipped:")
    graph = onnx.load(str(model / "model.onnx"))
    ops = {n.op_type for n in graph.graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops
    assert [p.name for p in model.iterdir() if p.name.startswith(".")] == []  # no temporary file left
    meta = json.loads((model / "metadata.json").read_text())
    jsonschema.validate(meta, json.loads(METADATA_SCHEMA.read_text()))
    assert meta["precision"] == block
    with pytest.raises(PrecisionError, match="already INT8"):
        apply_to_model_dir(model, data, lenient, lines.append)


def test_int8_refused_by_its_guard_leaves_the_float_model(
    model_dir: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model, data = copy_dir(model_dir[0], tmp_path / "m"), model_dir[1]
    before = (model / "model.onnx").read_bytes()
    monkeypatch.setattr(quantize, "int8_refusal", lambda figures, guard: "INT8 not shipped, float32 instead: test")
    lines: list[str] = []
    block = apply_to_model_dir(model, data, ExportPrecision("int8", GUARD), lines.append)
    assert block["shipped"] == "float32" and block["requested"] == "int8" and block["int8Guard"]["passed"] is False
    assert block["reason"] == lines[-1] == "INT8 not shipped, float32 instead: test"
    assert (model / "model.onnx").read_bytes() == before
    assert [p.name for p in model.iterdir() if p.name.startswith(".")] == []


def test_float32_spec_leaves_the_model_alone(model_dir: tuple[Path, Path], tmp_path: Path) -> None:
    model, data = copy_dir(model_dir[0], tmp_path / "m"), model_dir[1]
    before = (model / "model.onnx").read_bytes()
    block = apply_to_model_dir(model, data, ExportPrecision("float32", GUARD), print)
    assert block == {"shipped": "float32", "requested": "float32"}
    assert (model / "model.onnx").read_bytes() == before
