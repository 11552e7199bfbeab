"""Builds the benchmark model: torchvision mobilenet_v3_large(num_classes=133) (or --arch resnet50), random init
(no download).

Writes OUT_DIR/model.onnx (opset 13, dynamic batch), OUT_DIR/metadata.json (the model-dir contract) and
OUT_DIR/weights.pt (the same weights, for the PyTorch eager baseline).

Usage: python export_mobilenet_v3.py OUT_DIR [--arch mobilenet_v3_large|resnet50] [--classes 133] [--size 224] [--resize 256]
"""
import argparse
import json
import os
from datetime import datetime, timezone

import torch
import torchvision

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


ARCHS = {"mobilenet_v3_large": torchvision.models.mobilenet_v3_large, "resnet50": torchvision.models.resnet50}


def build(num_classes: int, arch: str = "mobilenet_v3_large") -> torch.nn.Module:
    torch.manual_seed(0)
    return ARCHS[arch](num_classes=num_classes).eval()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--arch", default="mobilenet_v3_large", choices=sorted(ARCHS))
    ap.add_argument("--classes", type=int, default=133)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--resize", type=int, default=256)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    model = build(a.classes, a.arch)
    torch.save(model.state_dict(), os.path.join(a.out, "weights.pt"))
    dummy = torch.zeros(1, 3, a.size, a.size)
    torch.onnx.export(
        model,
        dummy,
        os.path.join(a.out, "model.onnx"),
        input_names=["input"],
        output_names=["logits"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
        opset_version=13,
        do_constant_folding=True,
    )
    meta = {
        "schemaVersion": 1,
        "modelVersion": f"{a.arch}-{a.classes}-bench",
        "createdAt": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "architecture": a.arch,
        "trainingMode": "single",
        "classNames": [f"breed_{i:03d}" for i in range(a.classes)],
        "numClasses": a.classes,
        "input": {"name": "input", "layout": "NCHW", "channels": 3, "height": a.size, "width": a.size, "dtype": "float32"},
        "output": {"name": "logits", "kind": "logits"},
        "preprocessing": {
            "policy": "resize-shorter-center-crop",
            "resizeShorterSide": a.resize,
            "mean": MEAN,
            "std": STD,
            "colorSpace": "RGB",
        },
        "onnx": {"opset": 13, "dynamicBatch": True},
        "framework": {"torch": torch.__version__, "torchvision": torchvision.__version__},
        "metrics": {},
    }
    with open(os.path.join(a.out, "metadata.json"), "w") as f:
        json.dump(meta, f, indent=2)


if __name__ == "__main__":
    main()
