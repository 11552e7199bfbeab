"""Turns a tiny model dir (make_tiny_model.py) into a faulty rollout candidate (test fixture).

Two faults a real export can have, neither a switch in the model server:

- ``data-dependent-output``: the graph ends with a post-processing step that keeps only the classes whose logit is
  at least the mean logit. The server's warm-up feeds zeros, where every logit is equal, so all classes are kept
  and the model loads and answers /ping; on a real image fewer classes come out than metadata.json lists, and the
  server answers every /invocations with 500 INFERENCE_FAILED.
- ``slow``: a convolutional branch over the input (``--channels`` wide, ``--convs`` deep) whose contribution to the
  logits is negligible: the same answers, at a higher inference cost.

Usage: python make_faulty_model.py MODEL_DIR --fault data-dependent-output|slow [--channels 32] [--convs 4]
"""

import argparse
import os

import numpy as np
import onnx
from onnx import helper, numpy_helper


def data_dependent_output(model: onnx.ModelProto) -> None:
    g = model.graph
    last = g.output[0].name
    # Rename the graph's current output and append the filter that produces the real output from it.
    for node in g.node:
        node.output[:] = [f"{last}_raw" if o == last else o for o in node.output]
    g.node.extend(
        [
            # Mean over the batch, then over the classes: a 1-D mask over the classes.
            helper.make_node("ReduceMean", [f"{last}_raw"], ["class_mean"], axes=[0], keepdims=0),
            helper.make_node("ReduceMean", ["class_mean"], ["overall_mean"], axes=[0], keepdims=1),
            helper.make_node("GreaterOrEqual", ["class_mean", "overall_mean"], ["keep"]),
            helper.make_node("Compress", [f"{last}_raw", "keep"], [last], axis=1),
        ]
    )
    # The class dimension is no longer fixed.
    g.output[0].type.tensor_type.shape.dim[1].dim_param = "kept_classes"


def slow(model: onnx.ModelProto, size: int, channels: int, convs: int) -> None:
    g = model.graph
    last = g.output[0].name
    n = g.output[0].type.tensor_type.shape.dim[1].dim_value
    rng = np.random.default_rng(1)
    for node in g.node:
        node.output[:] = [f"{last}_fast" if o == last else o for o in node.output]
    prev, width = g.input[0].name, 3
    for i in range(convs):
        w = (rng.standard_normal((channels, width, 3, 3)) * np.sqrt(2.0 / (width * 9))).astype(np.float32)
        g.initializer.append(numpy_helper.from_array(w, f"slow_w{i}"))
        g.node.append(helper.make_node("Conv", [prev, f"slow_w{i}"], [f"slow_c{i}"], pads=[1, 1, 1, 1]))
        g.node.append(helper.make_node("Relu", [f"slow_c{i}"], [f"slow_r{i}"]))
        prev, width = f"slow_r{i}", channels
    g.node.append(helper.make_node("ReduceMean", [prev], ["slow_pooled"], axes=[2, 3], keepdims=0))
    # A tiny projection: the branch costs time but does not change the decision.
    g.initializer.append(numpy_helper.from_array(np.full((channels, n), 1e-6, np.float32), "slow_out_w"))
    g.node.append(helper.make_node("MatMul", ["slow_pooled", "slow_out_w"], ["slow_logits"]))
    g.node.append(helper.make_node("Add", [f"{last}_fast", "slow_logits"], [last]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--fault", required=True, choices=["data-dependent-output", "slow"])
    ap.add_argument("--channels", type=int, default=32)
    ap.add_argument("--convs", type=int, default=4)
    a = ap.parse_args()
    path = os.path.join(a.dir, "model.onnx")
    model = onnx.load(path)
    if a.fault == "data-dependent-output":
        data_dependent_output(model)
    else:
        size = model.graph.input[0].type.tensor_type.shape.dim[2].dim_value
        slow(model, size, a.channels, a.convs)
    onnx.checker.check_model(model)
    onnx.save(model, path)


if __name__ == "__main__":
    main()
