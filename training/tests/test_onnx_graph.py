"""The exported graph at its cheapest: EfficientNet-Lite0's static "SAME" padding goes into the Conv nodes, so the
graph onnxruntime runs has no Pad node and no layout reorders around one, with the outputs of the Pad + Conv graph."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from onnx import TensorProto, helper

from dogbreed_training.efficientnet import EfficientNetLite0, onnx_conv_pads, pad_nodes_on_export
from dogbreed_training.export import PARITY_TOLERANCE, export_onnx, onnx_output_diffs
from dogbreed_training.imagenet_dogs import write_model_dir
from dogbreed_training.onnx_graph import REORDER_OPS, drop_dead_constants, op_counts, optimized_model, pads_feeding_conv
from dogbreed_training.weights import installed_weights

SIZE = 64  # odd and even feature sizes on the way down (64 → 32 → 16 → 8 → 4 → 2): both kinds of SAME padding
WEIGHTS = installed_weights("efficientnet_lite0")


def run(path: Path, x: np.ndarray) -> np.ndarray:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]


def reorders(model: onnx.ModelProto) -> int:
    counts = op_counts(model)
    return sum(counts[op] for op in REORDER_OPS)


def test_conv_pads_are_onnx_order_of_f_pad() -> None:
    # F.pad (left, right, top, bottom) → ONNX [top, left, bottom, right]
    assert onnx_conv_pads((0, 1, 0, 1)) == [0, 0, 1, 1]
    assert onnx_conv_pads((1, 2, 3, 4)) == [3, 1, 4, 2]


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict:
    torch.manual_seed(0)
    model = EfficientNetLite0(num_classes=7, image_size=SIZE).eval()
    tmp = tmp_path_factory.mktemp("exports")
    folded, plain = tmp / "folded.onnx", tmp / "plain.onnx"
    export_onnx(model, folded, SIZE)
    with pad_nodes_on_export():
        export_onnx(model, plain, SIZE)
    return {"model": model, "folded": folded, "plain": plain}


def test_folded_export_has_no_pad_in_front_of_a_convolution(exports: dict) -> None:
    plain, folded = onnx.load(str(exports["plain"])), onnx.load(str(exports["folded"]))
    assert len(pads_feeding_conv(plain)) == 17  # every padded convolution of EfficientNet-Lite0
    assert pads_feeding_conv(folded) == [] and op_counts(folded)["Pad"] == 0
    assert op_counts(folded)["Conv"] == op_counts(plain)["Conv"] == 49
    padded = [
        n
        for n in folded.graph.node
        if n.op_type == "Conv"
        and any(helper.get_attribute_value(a) != [0, 0, 0, 0] for a in n.attribute if a.name == "pads")
    ]
    assert len(padded) == 17


def test_onnxruntime_runs_the_folded_graph_without_pads_or_their_reorders(exports: dict) -> None:
    plain, folded = optimized_model(exports["plain"]), optimized_model(exports["folded"])
    assert op_counts(plain)["Pad"] == 17 and op_counts(folded)["Pad"] == 0
    # Where onnxruntime uses its blocked layout (AVX2 and up) the plain graph leaves it around every Pad; the folded
    # one at most at the graph's edges (into the first convolution, out of the last).
    assert reorders(folded) <= 2
    assert reorders(folded) < reorders(plain) or reorders(plain) == 0


def test_folded_outputs_equal_the_pad_graph_and_pytorch(exports: dict) -> None:
    x = np.random.default_rng(0).standard_normal((3, 3, SIZE, SIZE)).astype(np.float32)
    folded, plain = run(exports["folded"], x), run(exports["plain"], x)
    assert np.abs(folded - plain).max() <= 1e-6  # measured: 0.0 (bit-identical) on AVX-512 and AVX2
    diffs = onnx_output_diffs(exports["model"], exports["folded"], SIZE)
    assert diffs is not None and max(diffs.values()) < PARITY_TOLERANCE


def test_drop_dead_constants_keeps_what_is_read() -> None:
    one = helper.make_tensor("one", TensorProto.FLOAT, [1], [1.0])
    nodes = [
        helper.make_node("Constant", [], ["c_used"], value=one),
        helper.make_node("Constant", [], ["c_dead"], value=one),
        helper.make_node("Add", ["x", "c_used"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
        initializer=[helper.make_tensor("unused", TensorProto.FLOAT, [1], [2.0])],
    )
    model = helper.make_model(graph)
    clean = drop_dead_constants(model)
    assert [n.output[0] for n in clean.graph.node] == ["c_used", "y"] and len(clean.graph.initializer) == 0
    assert len(model.graph.node) == 3  # the input is left as it was


@pytest.mark.skipif(WEIGHTS is None, reason="EfficientNet-Lite0 weights not installed (tools/setup.sh --python-only)")
def test_default_model_ships_folded(tmp_path: Path) -> None:
    """The default model (imagenet_dogs) goes through the same export: no Pad in the graph onnxruntime runs, and
    its parity check (both outputs) holds on that graph."""
    assert WEIGHTS is not None
    meta = write_model_dir(tmp_path, WEIGHTS)
    optimized = optimized_model(tmp_path / "model.onnx")
    assert op_counts(optimized)["Pad"] == 0 and reorders(optimized) <= 2
    assert meta["metrics"]["onnx_max_abs_diff"] < PARITY_TOLERANCE
