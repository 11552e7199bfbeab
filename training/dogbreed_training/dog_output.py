"""The "is it a dog?" output every exported model carries beside its breed logits: the backbone's pretrained ImageNet
classifier head, softmax over its 1000 classes, summed over ImageNet's dog classes 151–268 → `dog_probability`
([N, 1], float32), the second ONNX output (metadata `output.dog`, libs/platform-spec model-dir.ts).

Which features feed that head:
- frozen backbone (the spec's default) and the default imagenet-dogs model: the model's own features, which are the
  pretrained ones, so the output is exactly the pretrained ImageNet network's dog probability, at no extra cost (the
  export shares one backbone pass between both outputs);
- fine-tuned backbone: also the model's own (fine-tuned) features by default (`DOG_FEATURES_FINE_TUNED`); the README's
  _Is it a dog?_ section has the measurement behind that choice. `pretrained-copy` instead runs a frozen copy of the
  pretrained backbone (exact, at the cost of a second backbone pass per photo).

A model trained from scratch has no ImageNet head: it is exported without the output (the contract's field is
optional; the server then answers no `dog` field).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Literal

import torch
from torch import nn

from dogbreed_training.errors import WeightsError
from dogbreed_training.model import HEAD_ATTR, HEAD_PREFIX, _base, find_weights_file, read_state_dict

# ImageNet-1k's dog breeds: 151 Chihuahua … 268 Mexican hairless (wolves, foxes and dingo come after).
DOG_FIRST, DOG_LAST = 151, 268
IMAGENET_CLASSES = 1000
DOG_OUTPUT_NAME = "dog_probability"
DogFeatures = Literal["shared", "pretrained-copy"]
# What a fine-tuned backbone's dog output reads (see the module docstring and the README).
DOG_FEATURES_FINE_TUNED: DogFeatures = "shared"


class DogProbability(nn.Module):
    """ImageNet head on pooled features → P(dog) = Σ softmax over classes 151–268, shape [N, 1]."""

    def __init__(self, imagenet_head: nn.Module) -> None:
        super().__init__()
        self.head = imagenet_head
        for p in self.head.parameters():
            p.requires_grad = False

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        probs = torch.softmax(self.head(features).float(), dim=1)
        return probs[:, DOG_FIRST : DOG_LAST + 1].sum(dim=1, keepdim=True)


def _split(model: nn.Module, backbone: str) -> tuple[nn.Module, nn.Module]:
    """(body, head): a copy of the model with its head swapped for identity (in eval mode it returns the pooled
    features, EfficientNet's dropout being identity too), and a copy of the head."""
    attr = HEAD_ATTR[backbone]
    body = copy.deepcopy(model)
    head = copy.deepcopy(getattr(model, attr))
    setattr(body, attr, nn.Identity())
    return body.eval(), head.eval()


class BreedAndDog(nn.Module):
    """The exported graph: `logits` (the model's breed logits, unchanged) and `dog_probability`."""

    output_names = ("logits", DOG_OUTPUT_NAME)

    def __init__(self, model: nn.Module, backbone: str, dog: DogProbability, dog_body: nn.Module | None = None) -> None:
        super().__init__()
        self.body, self.head = _split(model, backbone)
        self.dog = dog.eval()
        self.dog_body = dog_body.eval() if dog_body is not None else None

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.body(x)
        dog_features = features if self.dog_body is None else self.dog_body(x)
        return self.head(features), self.dog(dog_features)


def imagenet_head(backbone: str, state: dict[str, torch.Tensor], image_size: int = 224) -> nn.Module | None:
    """The backbone's pretrained 1000-class head from a full state dict; None when the file has no such head (a
    backbone-only file, or a head of another size)."""
    prefix = HEAD_PREFIX[backbone]
    sub = {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
    if not sub:
        return None
    head = getattr(_base(backbone, image_size), HEAD_ATTR[backbone])
    try:
        head.load_state_dict(sub, strict=True)
    except RuntimeError:
        return None
    out = [m for m in head.modules() if isinstance(m, nn.Linear)][-1]
    return head.eval() if out.out_features == IMAGENET_CLASSES else None


def pretrained_body(backbone: str, state: dict[str, torch.Tensor], image_size: int) -> nn.Module:
    """A frozen copy of the pretrained backbone (head → identity), for a fine-tuned model's dog output."""
    full = _base(backbone, image_size)
    full.load_state_dict(state, strict=True)
    body, _ = _split(full, backbone)
    for p in body.parameters():
        p.requires_grad = False
    return body


def source_text(backbone: str, weights_name: str, features: str) -> str:
    return (
        f"{backbone} ImageNet-1k classifier head ({weights_name}), softmax over 1000 classes summed over dog "
        f"classes {DOG_FIRST}-{DOG_LAST}, on {features}"
    )


def with_dog_output(
    model: nn.Module,
    backbone: str,
    weights: Path | None,
    freeze_backbone: bool,
    image_size: int,
    fine_tuned: DogFeatures = DOG_FEATURES_FINE_TUNED,
) -> tuple[nn.Module, dict | None]:
    """(the module to export, metadata `output.dog` or None). Without pretrained weights holding an ImageNet head
    the model is returned as is (no dog output)."""
    if weights is None:
        return model, None
    file = find_weights_file(weights)
    state = read_state_dict(file)
    head = imagenet_head(backbone, state, image_size)
    if head is None:
        return model, None
    dog = DogProbability(head)
    if freeze_backbone:
        wrapped = BreedAndDog(model, backbone, dog)
        features = "the model's backbone (frozen: the pretrained features)"
    elif fine_tuned == "shared":
        wrapped = BreedAndDog(model, backbone, dog)
        features = "the model's fine-tuned backbone features"
    elif fine_tuned == "pretrained-copy":
        wrapped = BreedAndDog(model, backbone, dog, pretrained_body(backbone, state, image_size))
        features = "a frozen copy of the pretrained backbone (second backbone pass)"
    else:
        raise WeightsError(f"unknown dog feature mode {fine_tuned!r}")
    return wrapped, {"name": DOG_OUTPUT_NAME, "source": source_text(backbone, file.name, features)}
