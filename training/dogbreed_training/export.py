"""ONNX export (dynamic batch axis), parity check against PyTorch, and metadata.json for the model server.

EfficientNet-Lite0's static "SAME" padding is exported inside its Conv nodes (efficientnet.py, `_PaddedConv`), not
as Pad nodes: the graph onnxruntime runs then has no Pad and none of the layout reorders around it, and the outputs
are bit-identical; the parity check runs on that folded graph. INT8 is the spec's choice, applied after the parity
check by quantize.py, whose accuracy guard judges the INT8 graph instead (its outputs differ from PyTorch's by design).
"""

from __future__ import annotations

import copy
import inspect
import platform
from datetime import datetime, timezone
from pathlib import Path

import torch
import torchvision
from torch import nn

from dogbreed_training.data import resize_shorter_side
from dogbreed_training.errors import ExportError
from dogbreed_training.weights import normalization

ONNX_OPSET = 13
INPUT_NAME = "input"
OUTPUT_NAME = "logits"
METADATA_SCHEMA_VERSION = 1
PARITY_TOLERANCE = 1e-4
# Parity beyond this means a broken export: the run fails rather than ship it (between the two: a warning).
PARITY_FAIL = 1e-3


def output_names(model: nn.Module) -> list[str]:
    """`logits`, plus `dog_probability` for a model wrapped by dog_output.with_dog_output (it returns both)."""
    return list(getattr(model, "output_names", (OUTPUT_NAME,)))


def export_onnx(model: nn.Module, path: Path, image_size: int, opset: int = ONNX_OPSET) -> None:
    """TorchScript-based exporter (torch 1.13 … 2.x); on torch versions whose default is the dynamo exporter
    it is asked for explicitly, so the graph and its names are the same everywhere."""
    cpu_model = copy.deepcopy(model).to("cpu").eval()
    dummy = torch.randn(1, 3, image_size, image_size)
    names = output_names(model)
    axes = {name: {0: "batch"} for name in [INPUT_NAME, *names]}
    kwargs = dict(
        input_names=[INPUT_NAME],
        output_names=names,
        dynamic_axes=axes,
        opset_version=opset,
        do_constant_folding=True,
    )
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with torch.no_grad():
            torch.onnx.export(cpu_model, (dummy,), str(path), **kwargs)
    except Exception as err:
        raise ExportError(f"ONNX export to {path} failed: {err}", err) from err


def onnx_output_diffs(
    model: nn.Module, path: Path, image_size: int, batch: int = 3, seed: int = 0
) -> dict[str, float] | None:
    """Max |PyTorch − onnxruntime| per output on the same random batch (batch > 1 also proves the dynamic axis);
    None when onnxruntime is not installed (it is optional in the training container)."""
    try:
        import onnxruntime as ort
    except ImportError:
        return None
    cpu_model = copy.deepcopy(model).to("cpu").eval()
    x = torch.randn(batch, 3, image_size, image_size, generator=torch.Generator().manual_seed(seed))
    names = output_names(model)
    with torch.no_grad():
        out = cpu_model(x)
    expected = [t.numpy() for t in (out if isinstance(out, tuple) else (out,))]
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    graph = [o.name for o in session.get_outputs()]
    if graph != names:
        raise ExportError(f"ONNX outputs {graph} differ from the model's {names}")
    diffs = {}
    for name, want, got in zip(names, expected, session.run(names, {INPUT_NAME: x.numpy()}), strict=True):
        if got.shape != want.shape:
            raise ExportError(f"ONNX output {name} shape {got.shape} differs from PyTorch's {want.shape}")
        diffs[name] = float(abs(got - want).max())
    return diffs


def onnx_max_abs_diff(model: nn.Module, path: Path, image_size: int, batch: int = 3, seed: int = 0) -> float | None:
    """The largest of onnx_output_diffs (every output: breed logits and, where present, the dog probability)."""
    diffs = onnx_output_diffs(model, path, image_size, batch, seed)
    return None if diffs is None else max(diffs.values())


def framework_versions() -> dict[str, str]:
    out = {"torch": torch.__version__, "torchvision": torchvision.__version__, "python": platform.python_version()}
    if torch.version.cuda:
        out["cuda"] = str(torch.version.cuda)
    for name in ("onnx", "onnxruntime"):
        try:
            out[name] = __import__(name).__version__
        except ImportError:
            pass
    return out


def default_model_version(backbone: str, mode: str, now: datetime) -> str:
    return f"{backbone}-{mode}-{now.strftime('%Y%m%dT%H%M%SZ')}"


def build_metadata(
    *,
    class_names: list[str],
    backbone: str,
    mode: str,
    image_size: int,
    metrics: dict[str, float],
    hyperparameters: dict,
    model_version: str | None = None,
    now: datetime | None = None,
    kind: str = "trained",
    description: str | None = None,
    dog: dict | None = None,
    precision: dict | None = None,
) -> dict:
    """metadata.json: everything the model server needs besides model.onnx (libs/platform-spec model-dir.ts).
    Mean/std are the backbone's (its pretrained weights' convention, pretrained-weights.json). `precision`: what
    quantize.apply_precision returned (what model.onnx computes in, and INT8's guard figures when it was tried)."""
    now = now or datetime.now(timezone.utc)
    mean, std = normalization(backbone)
    description = description or f"{backbone} fine-tuned on {len(class_names)} classes"
    return {
        "schemaVersion": METADATA_SCHEMA_VERSION,
        "modelVersion": model_version or default_model_version(backbone, mode, now),
        "createdAt": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "architecture": backbone,
        "kind": kind,
        "description": description,
        "trainingMode": mode,
        "classNames": list(class_names),
        "numClasses": len(class_names),
        "input": {
            "name": INPUT_NAME,
            "layout": "NCHW",
            "channels": 3,
            "height": image_size,
            "width": image_size,
            "dtype": "float32",
        },
        "output": {"name": OUTPUT_NAME, "kind": "logits", **({"dog": dict(dog)} if dog else {})},
        "preprocessing": {
            "policy": "resize-shorter-center-crop",
            "resizeShorterSide": resize_shorter_side(image_size),
            "mean": list(mean),
            "std": list(std),
            "colorSpace": "RGB",
        },
        "onnx": {"opset": ONNX_OPSET, "dynamicBatch": True},
        **({"precision": dict(precision)} if precision else {}),
        "framework": framework_versions(),
        "metrics": {k: float(v) for k, v in metrics.items()},
        "hyperparameters": hyperparameters,
    }
