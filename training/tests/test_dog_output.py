"""The "is it a dog?" output: both ONNX outputs and their shapes, the dog probability equal to the PyTorch
computation (softmax of the pretrained ImageNet head summed over classes 151–268), metadata `output.dog` valid against
the JSON Schema, and the default model on real photos (skimage's non-dogs low, dogs-mini's dogs high)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import onnxruntime as ort
import pytest
import torch
from conftest import METADATA_SCHEMA, shared_dogs

from dogbreed_training.dog_output import DOG_FIRST, DOG_LAST, DOG_OUTPUT_NAME, with_dog_output
from dogbreed_training.efficientnet import EfficientNetLite0
from dogbreed_training.export import build_metadata, export_onnx, onnx_output_diffs
from dogbreed_training.imagenet_dogs import write_model_dir
from dogbreed_training.model import TinyCNN, build_model, read_state_dict
from dogbreed_training.weights import installed_weights

WEIGHTS = installed_weights("efficientnet_lite0")
needs_weights = pytest.mark.skipif(
    WEIGHTS is None, reason="EfficientNet-Lite0 weights not installed (tools/setup.sh --python-only installs them)"
)
SIZE = 32


def imagenet_dog_probability(full: torch.nn.Module, x: torch.Tensor) -> np.ndarray:
    """The definition, written out independently of dog_output.py."""
    with torch.no_grad():
        probs = torch.softmax(full.eval()(x), dim=1)
    return probs[:, DOG_FIRST : DOG_LAST + 1].sum(dim=1, keepdim=True).numpy()


def run_onnx(path: Path, x: torch.Tensor) -> tuple[list[str], list[np.ndarray]]:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return names, session.run(names, {"input": x.numpy()})


@pytest.fixture()
def pretrained_tiny(tmp_path: Path) -> tuple[TinyCNN, Path]:
    """A "pretrained" tiny CNN with a 1000-class ImageNet-style head, saved as a weights file."""
    torch.manual_seed(0)
    source = TinyCNN(num_classes=1000).eval()
    with torch.no_grad():
        source.fc.weight.mul_(20)  # logits of a few units, so the dog probability is not a flat 118/1000
    torch.save(source.state_dict(), tmp_path / "tiny.pth")
    return source, tmp_path / "tiny.pth"


@pytest.mark.parametrize(
    ("freeze", "mode"), [(True, "shared"), (False, "shared"), (False, "pretrained-copy")], ids=["frozen", "ft", "copy"]
)
def test_exported_model_has_breed_logits_and_dog_probability(
    pretrained_tiny: tuple[TinyCNN, Path], tmp_path: Path, freeze: bool, mode: str
) -> None:
    source, weights = pretrained_tiny
    model = build_model("tiny_cnn", 4, weights, freeze_backbone=freeze, image_size=SIZE).eval()
    if not freeze:  # a fine-tuned backbone: its features are no longer the pretrained ones
        with torch.no_grad():
            model.features[0][0].weight.add_(0.3 * torch.randn_like(model.features[0][0].weight))
    exported, dog = with_dog_output(model, "tiny_cnn", weights, freeze, SIZE, fine_tuned=mode)
    assert dog is not None and dog["name"] == DOG_OUTPUT_NAME and "tiny.pth" in dog["source"]
    assert ("frozen copy" in dog["source"]) == (mode == "pretrained-copy")
    path = tmp_path / "model.onnx"
    export_onnx(exported, path, SIZE)
    x = torch.randn(3, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(1))
    names, (logits, dog_p) = run_onnx(path, x)
    assert names == ["logits", DOG_OUTPUT_NAME]
    assert logits.shape == (3, 4) and dog_p.shape == (3, 1) and dog_p.dtype == np.float32
    assert ((dog_p >= 0) & (dog_p <= 1)).all()
    with torch.no_grad():
        assert np.abs(logits - model(x).numpy()).max() < 1e-5  # the breed output is the model's, unchanged
    if freeze or mode == "pretrained-copy":  # pretrained features: exactly the pretrained network's dog probability
        expected = imagenet_dog_probability(source, x)
    else:  # the pretrained head on the model's own (fine-tuned) features
        with torch.no_grad():
            expected = torch.softmax(source.fc(torch.flatten(model.features(x), 1)), 1)[:, DOG_FIRST : DOG_LAST + 1]
        expected = expected.sum(1, keepdim=True).numpy()
        assert np.abs(expected - imagenet_dog_probability(source, x)).max() > 1e-4  # the features did move
    assert np.abs(dog_p - expected).max() < 1e-5
    diffs = onnx_output_diffs(exported, path, SIZE)
    assert diffs is not None and set(diffs) == {"logits", DOG_OUTPUT_NAME} and max(diffs.values()) < 1e-5
    meta = build_metadata(
        class_names=list("abcd"), backbone="tiny_cnn", mode="single", image_size=SIZE, metrics={}, hyperparameters={}
    )
    assert "dog" not in meta["output"]
    meta = build_metadata(
        class_names=list("abcd"),
        backbone="tiny_cnn",
        mode="single",
        image_size=SIZE,
        metrics={},
        hyperparameters={},
        dog=dog,
    )
    jsonschema.validate(meta, json.loads(METADATA_SCHEMA.read_text()))
    assert meta["output"] == {"name": "logits", "kind": "logits", "dog": dog}


def test_a_model_without_an_imagenet_head_is_exported_without_the_dog_output(tmp_path: Path) -> None:
    model = build_model("tiny_cnn", 4, None, image_size=SIZE)
    assert with_dog_output(model, "tiny_cnn", None, False, SIZE) == (model, None)  # trained from scratch
    torch.save({k: v for k, v in TinyCNN().state_dict().items() if not k.startswith("fc.")}, tmp_path / "body.pt")
    assert with_dog_output(model, "tiny_cnn", tmp_path / "body.pt", True, SIZE)[1] is None  # backbone-only file


def test_training_run_from_scratch_exports_logits_only(single_run: dict) -> None:
    meta = json.loads((single_run["model"] / "metadata.json").read_text())
    assert "dog" not in meta["output"]
    assert "exported without the dog_probability output" in single_run["stderr"]
    names, _ = run_onnx(single_run["model"] / "model.onnx", torch.zeros(1, 3, 48, 48))
    assert names == ["logits"]


@pytest.fixture(scope="module")
def default_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    assert WEIGHTS is not None
    model_dir = tmp_path_factory.mktemp("imagenet-dogs")
    return model_dir, write_model_dir(model_dir, WEIGHTS)


@needs_weights
def test_default_model_dog_probability_is_the_imagenet_networks(default_model: tuple[Path, dict]) -> None:
    model_dir, meta = default_model
    jsonschema.validate(meta, json.loads(METADATA_SCHEMA.read_text()))
    assert meta["output"]["dog"]["name"] == DOG_OUTPUT_NAME and "151-268" in meta["output"]["dog"]["source"]
    assert meta["metrics"]["onnx_max_abs_diff"] < 1e-4  # now over both outputs
    assert WEIGHTS is not None
    full = EfficientNetLite0()
    full.load_state_dict(read_state_dict(WEIGHTS))
    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(2))
    names, (logits, dog_p) = run_onnx(model_dir / "model.onnx", x)
    assert names == ["logits", DOG_OUTPUT_NAME] and logits.shape == (2, 118) and dog_p.shape == (2, 1)
    assert np.abs(dog_p - imagenet_dog_probability(full, x)).max() < 1e-5


@needs_weights
def test_default_model_on_real_photos(default_model: tuple[Path, dict]) -> None:
    pytest.importorskip("skimage")
    from dogbreed_training.data import is_image_file, load_rgb
    from dogbreed_training.dog_detector_eval import OnnxModel, non_dog_photos

    model = OnnxModel(default_model[0])
    cat_and_cup = model.dog_probability([im for _, im in non_dog_photos(["chelsea", "coffee", "astronaut"])])
    assert (cat_and_cup < 0.05).all(), cat_and_cup
    dogs = shared_dogs()
    if dogs is None:
        pytest.skip("real dog photos live in ../shared/data/dogs-mini (absent here)")
    folders = [dogs / "test" / breed for breed in ("003.beagle", "007.golden_retriever")]
    photos = [next(p for p in sorted(f.iterdir()) if is_image_file(p)) for f in folders]
    dog_p = model.dog_probability([load_rgb(p) for p in photos])
    assert (dog_p > 0.5).all(), dog_p
