"""The pinned ImageNet EfficientNet-Lite0: exact loading (against the reference implementation), the weights
registry and installer, the frozen-backbone rules, the feature cache, EXIF orientation and the default dog model."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from conftest import METADATA_SCHEMA, run_train
from PIL import Image

from dogbreed_training.config import parse_config
from dogbreed_training.data import load_rgb
from dogbreed_training.efficientnet import EfficientNetLite0, same_padding
from dogbreed_training.errors import WeightsError
from dogbreed_training.imagenet_dogs import DOG_FIRST, DOG_LAST, dog_class_names, write_model_dir
from dogbreed_training.model import build_model, read_state_dict
from dogbreed_training.onnx_graph import pads_feeding_conv
from dogbreed_training.synthetic import make_dataset
from dogbreed_training.weights import hash_matches, install, installed_weights, load_registry, normalization, verify

WEIGHTS = installed_weights("efficientnet_lite0")
needs_weights = pytest.mark.skipif(
    WEIGHTS is None, reason="EfficientNet-Lite0 weights not installed (tools/setup.sh --python-only installs them)"
)


def probe_batch() -> torch.Tensor:
    """A deterministic input with image-like structure (independent of any random generator's version)."""
    h = torch.linspace(-1, 1, 224)
    base = torch.stack([torch.sin(3 * h)[:, None] * torch.cos(2 * h)[None, :], h[:, None] * h[None, :]])
    rgb = torch.stack([base[0], base[1], base[0] * base[1]])
    return torch.stack([rgb, rgb.flip(2) * 0.7])


def test_registry_pins_every_backbone_it_lists() -> None:
    reg = load_registry()
    lite = reg["efficientnet_lite0"]
    assert lite.sha256 and lite.sha256.startswith(lite.sha256_prefix) and lite.sha256_prefix in lite.file
    assert lite.source["kind"] == "pypi" and len(lite.source["wheelSha256"]) == 64
    assert (lite.mean, lite.std) == ((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)) == normalization("efficientnet_lite0")
    resnet = reg["resnet50"]
    assert resnet.sha256 is None and resnet.sha256_prefix in resnet.file and resnet.source["url"].endswith(resnet.file)
    assert hash_matches(resnet, resnet.sha256_prefix + "0" * 56) and not hash_matches(resnet, "0" * 64)
    assert normalization("tiny_cnn") == ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))


def test_tf_same_padding() -> None:
    assert same_padding(224, 3, 2) == (0, 1)  # TF puts the odd pixel after
    assert same_padding(56, 5, 2) == (1, 2)
    assert same_padding(28, 5, 1) == (2, 2)
    assert same_padding(7, 3, 2) == (1, 1)


@needs_weights
def test_weights_load_exactly_as_the_reference_implementation() -> None:
    reference_pkg = pytest.importorskip("efficientnet_lite_pytorch")
    assert WEIGHTS is not None
    ours = EfficientNetLite0()
    ours.load_state_dict(read_state_dict(WEIGHTS), strict=True)
    ref = reference_pkg.EfficientNet.from_pretrained("efficientnet-lite0", weights_path=str(WEIGHTS))
    x = probe_batch()
    with torch.no_grad():
        diff = (ours.eval()(x) - ref.eval()(x)).abs().max().item()
    assert diff <= 1e-5
    assert sum(p.numel() for p in ours.parameters()) == 4_652_008


@needs_weights
def test_installer_keeps_a_good_file_and_refuses_a_bad_one(tmp_path: Path) -> None:
    assert WEIGHTS is not None
    messages: list[str] = []
    assert install("efficientnet_lite0", WEIGHTS.parent, log=messages.append) == WEIGHTS
    assert "present" in messages[0]  # idempotent: nothing fetched
    bad = tmp_path / WEIGHTS.name
    bad.write_bytes(b"not the weights")
    with pytest.raises(WeightsError, match="sha256"):
        verify(load_registry()["efficientnet_lite0"], bad)
    with pytest.raises(WeightsError, match="sha256"):
        build_model("efficientnet_lite0", 3, bad)


def test_frozen_backbone_without_weights_is_refused() -> None:
    with pytest.raises(WeightsError, match="--freeze-backbone true needs pretrained weights"):
        build_model("efficientnet_lite0", 3, None, freeze_backbone=True)


def test_default_weights_resolve_to_the_installed_file_unless_none(tmp_path: Path) -> None:
    (tmp_path / "train").mkdir()
    (tmp_path / "valid").mkdir()
    base = ["--data-dir", str(tmp_path), "--model-dir", str(tmp_path / "m")]
    cfg = parse_config(base, {})
    assert cfg.backbone == "efficientnet_lite0" and cfg.pretrained_weights == WEIGHTS
    assert parse_config([*base, "--pretrained-weights", "none"], {}).pretrained_weights is None
    env = {"DOGBREED_PRETRAINED_DIR": str(tmp_path / "nowhere")}
    assert parse_config(base, env).pretrained_weights is None
    assert parse_config(base, {"SM_CHANNEL_PRETRAINED": "/opt/ml/input/data/pretrained"}).pretrained_weights == Path(
        "/opt/ml/input/data/pretrained"
    )


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    img = Image.new("RGB", (60, 40), (200, 10, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to view": stored landscape, seen portrait
    path = tmp_path / "phone.jpg"
    img.save(path, exif=exif.tobytes())
    assert Image.open(path).size == (60, 40)
    assert load_rgb(path).size == (40, 60)


@needs_weights
def test_frozen_run_trains_the_head_on_cached_features(tmp_path: Path) -> None:
    make_dataset(tmp_path / "d", classes=3, per_split={"train": 8, "valid": 4, "test": 4}, size=64, seed=3)
    args = ["--data-dir", str(tmp_path / "d"), "--model-dir", str(tmp_path / "m"), "--output-dir", str(tmp_path / "o")]
    args += ["--image-size", "64", "--epochs", "3", "--batch-size", "8", "--num-workers", "0", "--device", "cpu"]
    proc = run_train(args)  # spec defaults: efficientnet_lite0, frozen, installed weights
    assert "(sha256 checked)" in proc.stdout and "TRAINS FROM SCRATCH" not in proc.stderr
    assert "feature cache: 36 images in" in proc.stdout
    assert len([ln for ln in proc.stdout.splitlines() if ln.startswith("epoch=")]) == 3
    meta = json.loads((tmp_path / "m" / "metadata.json").read_text())
    jsonschema.validate(meta, json.loads(METADATA_SCHEMA.read_text()))
    assert meta["architecture"] == "efficientnet_lite0" and meta["kind"] == "trained"
    assert meta["preprocessing"]["mean"] == [0.5, 0.5, 0.5] and meta["hyperparameters"]["feature_cache"] is True
    assert meta["metrics"]["onnx_max_abs_diff"] < 1e-4  # both outputs: breed logits and dog probability
    assert pads_feeding_conv(onnx.load(str(tmp_path / "m" / "model.onnx"))) == []  # SAME padding inside the Convs
    dog = meta["output"]["dog"]
    assert dog["name"] == "dog_probability" and "frozen: the pretrained features" in dog["source"]


@needs_weights
def test_default_dog_model_is_imagenet_restricted_to_dogs(tmp_path: Path) -> None:
    assert WEIGHTS is not None
    meta = write_model_dir(tmp_path, WEIGHTS, "multi")
    jsonschema.validate(meta, json.loads(METADATA_SCHEMA.read_text()))
    names = dog_class_names()
    assert len(names) == 118 == meta["numClasses"] and names[0] == "Chihuahua" and "beagle" in names
    assert meta["kind"] == "imagenet-dogs" and meta["trainingMode"] == "multi" and "ImageNet" in meta["description"]
    full = EfficientNetLite0()
    full.load_state_dict(read_state_dict(WEIGHTS))
    x = probe_batch()
    with torch.no_grad():
        expected = full.eval()(x)[:, DOG_FIRST : DOG_LAST + 1].numpy()
    session = ort.InferenceSession(str(tmp_path / "model.onnx"), providers=["CPUExecutionProvider"])
    (got,) = session.run(["logits"], {"input": x.numpy()})
    assert got.shape == (2, 118) and np.abs(got - expected).max() < 1e-4


def test_reference_package_is_test_only() -> None:
    """The package never imports the unmaintained reference implementation."""
    src = Path(__file__).resolve().parent.parent / "dogbreed_training"
    assert not any("efficientnet_lite_pytorch" in p.read_text() for p in src.glob("*.py"))
