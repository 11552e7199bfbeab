"""The frozen-backbone feature cache: the backbone's pooled features of every image, computed once, so that each
epoch trains only the head on a [N, F] tensor (seconds on a CPU instead of a full forward pass per image).

What it does to augmentation: the features come from the deterministic eval transform (resize + centre crop), so
random crops, flips and colour jitter are gone. `--cache-mirror true` brings the horizontal flip back (a second view
per training image, picked at random for each image in each epoch) at twice the extraction cost. For a frozen
backbone on a few thousand photos this loses little (dogs-mini: 94 % top-1 either way); fine-tuning
(`--freeze-backbone false`) keeps the full augmented image pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, ContextManager

import torch
from torch import nn
from torch.utils.data import DataLoader

from dogbreed_training.data import DevicePrep
from dogbreed_training.model import body_features


@dataclass
class FeatureCache:
    features: torch.Tensor  # [views, N, F] float32 on the CPU
    labels: torch.Tensor  # [N]
    skipped: int

    @property
    def views(self) -> int:
        return int(self.features.shape[0])

    @property
    def images(self) -> int:
        return int(self.labels.numel())


@torch.no_grad()
def extract_features(
    model: nn.Module,
    backbone: str,
    loader: DataLoader,
    prep: DevicePrep,
    autocast: Callable[[], ContextManager],
    mirror: bool = False,
) -> FeatureCache:
    """Features of every decodable image of `loader` (uint8 batches), and of its mirror image when `mirror`."""
    was_training = model.training
    model.eval()
    views: list[list[torch.Tensor]] = [[] for _ in range(2 if mirror else 1)]
    labels: list[torch.Tensor] = []
    skipped = 0
    try:
        for batch in loader:
            skipped += batch.skipped
            if len(batch) == 0:
                continue
            x = prep(batch.images)
            inputs = [x, torch.flip(x, dims=[3])] if mirror else [x]
            for out, xi in zip(views, inputs, strict=True):
                with autocast():
                    out.append(body_features(model, backbone, xi).float().cpu())
            labels.append(batch.labels)
    finally:
        model.train(was_training)
    if not labels:
        return FeatureCache(torch.zeros(len(views), 0, 1), torch.zeros(0, dtype=torch.long), skipped)
    feats = torch.stack([torch.cat(v) for v in views])
    return FeatureCache(feats, torch.cat(labels), skipped)
