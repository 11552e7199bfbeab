"""Writes a tiny but real ONNX classifier + a valid metadata.json into a model dir (test fixture).

The model averages each colour channel over a 8x8 pooled grid and maps channel means to class logits, so a
solid red image is class 0, green class 1, blue class 2 (with 3+ classes): predictions are checkable.
With --hidden H --layers L it adds an MLP over the pooled pixels to make inference cost tunable.

Usage: python make_tiny_model.py OUT_DIR [--classes a,b,c] [--size 32] [--hidden 0] [--layers 0] [--version v]
"""
import argparse
import json
import os
from datetime import datetime, timezone

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def build(classes: list[str], size: int, hidden: int, layers: int) -> onnx.ModelProto:
    n = len(classes)
    rng = np.random.default_rng(0)
    nodes = [
        helper.make_node("AveragePool", ["input"], ["pooled"], kernel_shape=[size // 8, size // 8], strides=[size // 8, size // 8]),
        helper.make_node("ReduceMean", ["pooled"], ["chan"], axes=[2, 3], keepdims=0),
    ]
    # Colour head: logits = chan @ W + b, W maps channel c to class c (mod n), scaled so softmax is confident.
    w = np.zeros((3, n), dtype=np.float32)
    for c in range(3):
        w[c, c % n] = 4.0
    inits = [numpy_helper.from_array(w, "w_color"), numpy_helper.from_array(np.zeros(n, np.float32), "b_color")]
    nodes.append(helper.make_node("Gemm", ["chan", "w_color", "b_color"], ["color_logits"]))
    last = "color_logits"
    if hidden > 0:
        nodes.append(helper.make_node("Flatten", ["pooled"], ["flat"], axis=1))
        prev, width = "flat", 3 * 64
        for i in range(layers + 1):
            wi = (rng.standard_normal((width, hidden)) * (1.0 / np.sqrt(width))).astype(np.float32)
            inits.append(numpy_helper.from_array(wi, f"w{i}"))
            nodes.append(helper.make_node("MatMul", [prev, f"w{i}"], [f"h{i}"]))
            nodes.append(helper.make_node("Relu", [f"h{i}"], [f"r{i}"]))
            prev, width = f"r{i}", hidden
        # Tiny-weight projection: the MLP costs time but barely moves the colour decision.
        inits.append(numpy_helper.from_array(np.full((hidden, n), 1e-4, np.float32), "w_out"))
        nodes.append(helper.make_node("MatMul", [prev, "w_out"], ["mlp_logits"]))
        nodes.append(helper.make_node("Add", ["color_logits", "mlp_logits"], ["sum_logits"]))
        last = "sum_logits"
    nodes.append(helper.make_node("Identity", [last], ["logits"]))
    graph = helper.make_graph(
        nodes,
        "tiny_color_classifier",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, size, size])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", n])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="dogbreed-tests")
    model.ir_version = 7
    onnx.checker.check_model(model)
    return model


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--classes", default="red_dog,green_dog,blue_dog")
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--hidden", type=int, default=0)
    ap.add_argument("--layers", type=int, default=0)
    ap.add_argument("--version", default="tiny-color-1")
    ap.add_argument("--mode", default="single", choices=["single", "multi"])
    a = ap.parse_args()
    if a.size % 8:
        raise SystemExit("--size must be a multiple of 8")
    classes = [c for c in a.classes.split(",") if c]
    os.makedirs(a.out, exist_ok=True)
    onnx.save(build(classes, a.size, a.hidden, a.layers), os.path.join(a.out, "model.onnx"))
    meta = {
        "schemaVersion": 1,
        "modelVersion": a.version,
        "createdAt": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "architecture": "tiny-color-classifier",
        "trainingMode": a.mode,
        "classNames": classes,
        "numClasses": len(classes),
        "input": {"name": "input", "layout": "NCHW", "channels": 3, "height": a.size, "width": a.size, "dtype": "float32"},
        "output": {"name": "logits", "kind": "logits"},
        "preprocessing": {
            "policy": "resize-shorter-center-crop",
            "resizeShorterSide": a.size,
            "mean": [0.0, 0.0, 0.0],
            "std": [1.0, 1.0, 1.0],
            "colorSpace": "RGB",
        },
        "onnx": {"opset": 13, "dynamicBatch": True},
        "framework": {"onnx": onnx.__version__, "generator": "make_tiny_model.py"},
        "metrics": {},
    }
    with open(os.path.join(a.out, "metadata.json"), "w") as f:
        json.dump(meta, f, indent=2)


if __name__ == "__main__":
    main()
