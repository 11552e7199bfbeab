"""Backbones with a new classification head; pretrained weights from a local file (no internet needed)."""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from torch import nn
from torchvision import models

from dogbreed_training.efficientnet import EfficientNetLite0
from dogbreed_training.errors import WeightsError
from dogbreed_training.weights import load_registry, verify

# Parameter-name prefix of each backbone's head (replaced for N classes, always trained).
HEAD_PREFIX = {"efficientnet_lite0": "_fc.", "resnet50": "fc.", "mobilenet_v3_large": "classifier.", "tiny_cnn": "fc."}
# The module that maps pooled features to logits (the feature cache runs everything before it once).
HEAD_ATTR = {"efficientnet_lite0": "_fc", "resnet50": "fc", "mobilenet_v3_large": "classifier", "tiny_cnn": "fc"}
WEIGHT_SUFFIXES = (".pth", ".pt", ".bin")


class TinyCNN(nn.Module):
    """A small real CNN (3 conv blocks) for tests and CPU demos; same head convention as ResNet (`fc`)."""

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()

        def block(cin: int, cout: int) -> nn.Sequential:
            return nn.Sequential(
                nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2)
            )

        self.features = nn.Sequential(block(3, 16), block(16, 32), block(32, 64), nn.AdaptiveAvgPool2d(1))
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.features(x), 1))


def _base(backbone: str, image_size: int) -> nn.Module:
    if backbone == "efficientnet_lite0":
        return EfficientNetLite0(image_size=image_size)
    if backbone == "resnet50":
        return models.resnet50(weights=None)
    if backbone == "mobilenet_v3_large":
        return models.mobilenet_v3_large(weights=None)
    if backbone == "tiny_cnn":
        return TinyCNN()
    raise WeightsError(f"unknown backbone {backbone!r}; expected one of {', '.join(HEAD_PREFIX)}")


def _replace_head(model: nn.Module, backbone: str, num_classes: int) -> None:
    if backbone == "efficientnet_lite0":
        model._fc = nn.Linear(model._fc.in_features, num_classes)
    elif backbone in ("resnet50", "tiny_cnn"):
        model.fc = nn.Linear(model.fc.in_features, num_classes)
    else:
        last = model.classifier[-1]
        model.classifier[-1] = nn.Linear(last.in_features, num_classes)


def find_weights_file(path: Path) -> Path:
    """A file as is; a directory (an input channel) must hold exactly one .pth/.pt/.bin file."""
    if path.is_file():
        return path
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in WEIGHT_SUFFIXES)
        if len(found) == 1:
            return found[0]
        what = "no" if not found else f"{len(found)}"
        raise WeightsError(f"{path} holds {what} weight files ({', '.join(WEIGHT_SUFFIXES)}); expected exactly one")
    raise WeightsError(f"pretrained weights {path} do not exist")


def read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    file = find_weights_file(path)
    try:
        obj = torch.load(file, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises many types for a bad file
        raise WeightsError(f"cannot read pretrained weights {file}: {err}", err) from err
    for key in ("state_dict", "model_state", "model"):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            obj = obj[key]
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise WeightsError(f"{file} is not a state_dict (a mapping of parameter names to tensors)")
    return {k.removeprefix("module."): v for k, v in obj.items()}


def load_backbone_weights(model: nn.Module, backbone: str, state: dict[str, torch.Tensor]) -> int:
    """Loads every non-head tensor; the head is new. Fails when the file does not fit the backbone."""
    head = HEAD_PREFIX[backbone]
    body = {k: v for k, v in state.items() if not k.startswith(head)}
    result = model.load_state_dict(body, strict=False)
    missing = [k for k in result.missing_keys if not k.startswith(head)]
    if missing or result.unexpected_keys:
        raise WeightsError(
            f"pretrained weights do not fit {backbone}: {len(missing)} missing "
            f"(e.g. {missing[:3]}), {len(result.unexpected_keys)} unexpected (e.g. {result.unexpected_keys[:3]})"
        )
    return len(body)


def check_pinned(backbone: str, file: Path) -> bool:
    """A file named like the backbone's pinned weights (pretrained-weights.json) must have their hash."""
    pinned = load_registry().get(backbone)
    if pinned is None or file.name != pinned.file:
        return False
    verify(pinned, file)
    return True


def build_model(
    backbone: str,
    num_classes: int,
    weights: Path | None = None,
    freeze_backbone: bool = False,
    log=print,
    image_size: int = 224,
) -> nn.Module:
    if freeze_backbone and weights is None:
        raise WeightsError(
            f"--freeze-backbone true needs pretrained weights: a frozen randomly initialised {backbone} learns "
            "nothing useful. Install them (tools/setup.sh --python-only), pass --pretrained-weights FILE or the "
            "SageMaker `pretrained` channel, or train the whole network with --freeze-backbone false"
        )
    model = _base(backbone, image_size)
    if weights is not None:
        file = find_weights_file(weights)
        checked = " (sha256 checked)" if check_pinned(backbone, file) else ""
        n = load_backbone_weights(model, backbone, read_state_dict(file))
        log(f"loaded {n} pretrained tensors for {backbone} from {file}{checked}")
    else:
        print(
            f"WARNING: no pretrained weights given (--pretrained-weights / SM_CHANNEL_PRETRAINED): "
            f"{backbone} TRAINS FROM SCRATCH",
            file=sys.stderr,
            flush=True,
        )
    _replace_head(model, backbone, num_classes)
    if freeze_backbone:
        head = HEAD_PREFIX[backbone]
        for name, p in model.named_parameters():
            p.requires_grad = name.startswith(head)
    return model


def set_train_mode(model: nn.Module, backbone: str, freeze_backbone: bool) -> None:
    """train(); with a frozen backbone its BatchNorm layers stay in eval mode so their statistics do not drift."""
    model.train()
    if not freeze_backbone:
        return
    head = HEAD_PREFIX[backbone].rstrip(".")
    for name, m in model.named_modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm) and not name.startswith(head):
            m.eval()


def trainable_parameters(model: nn.Module) -> list[nn.Parameter]:
    return [p for p in model.parameters() if p.requires_grad]


def body_features(model: nn.Module, backbone: str, x: torch.Tensor) -> torch.Tensor:
    """Pooled features: the model with its head swapped for identity (in eval mode, dropout is identity too)."""
    name = HEAD_ATTR[backbone]
    head = getattr(model, name)
    setattr(model, name, nn.Identity())
    try:
        return model(x)
    finally:
        setattr(model, name, head)


def head_logits(model: nn.Module, backbone: str, features: torch.Tensor, head: nn.Module | None = None) -> torch.Tensor:
    """The head on cached features; EfficientNet's dropout before `_fc` stays part of it (active in train mode).
    `head` stands in for the model's own head module: its DDP wrapper, so that DDP averages the head's gradients
    across ranks while the parts outside the module (the dropout) stay as defined here."""
    module = head if head is not None else getattr(model, HEAD_ATTR[backbone])
    if backbone == "efficientnet_lite0":
        return module(model._dropout(features))
    return module(features)
