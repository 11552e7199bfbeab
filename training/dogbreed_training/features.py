"""The frozen-backbone feature cache: the backbone's pooled features of every image, computed once, so that each
epoch trains only the head on a [N, F] tensor (seconds on a CPU instead of a full forward pass per image).

What it does to augmentation: the features come from the deterministic eval transform (resize + centre crop), so
random crops, flips and colour jitter are gone. `--cache-mirror true` brings the horizontal flip back (a second view
per training image, picked at random for each image in each epoch) at twice the extraction cost. For a frozen
backbone on a few thousand photos this loses little (dogs-mini: 94 % top-1 either way); fine-tuning
(`--freeze-backbone false`) keeps the full augmented image pipeline.

Under DDP each rank extracts the features of its own shard of the images (a `ShardSampler`), `gather_cache` gives
every rank the whole cache, and only the head is wrapped in DDP (passed to `model.head_logits` as its `head`): the
frozen body takes no part in the optimisation, so there is nothing of it to synchronise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, ContextManager

import torch
from torch import nn
from torch.utils.data import DataLoader

from dogbreed_training.data import DevicePrep
from dogbreed_training.distributed import DistInfo, all_gather_rows, all_reduce_sum
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


def gather_cache(cache: FeatureCache, info: DistInfo) -> FeatureCache:
    """Under DDP each rank extracts a shard of the images; this puts every rank's shard on every rank, in rank order,
    so all ranks hold the same cache and index it with the same permutation."""
    if info.world_size <= 1:
        return cache
    # A rank whose shard was empty (or undecodable) does not know the feature width: take it from the others.
    width = max(int(w.max()) for w in all_gather_rows(torch.tensor([cache.features.shape[2]]), info))
    feats = cache.features if cache.images else torch.zeros(cache.views, 0, width)
    rows = all_gather_rows(feats.transpose(0, 1).contiguous(), info)  # [n, views, F] per rank
    labels = all_gather_rows(cache.labels, info)
    (skipped,) = all_reduce_sum([float(cache.skipped)], info)
    return FeatureCache(torch.cat(rows).transpose(0, 1).contiguous(), torch.cat(labels), int(skipped))
