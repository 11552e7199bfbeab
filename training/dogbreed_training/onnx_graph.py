"""What an ONNX graph is made of, as exported and as onnxruntime runs it: op counts, Pad nodes in front of
convolutions, and the graph onnxruntime's optimizer turns the model into (the layout reorders it adds appear only
there). The export's tests and the export benchmark read a model through these; the export itself needs none of it.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import onnx

CONV_OPS = frozenset({"Conv", "ConvInteger", "QLinearConv", "FusedConv", "NchwcConv"})
# onnxruntime's NCHWc transformer (CPU, AVX2/AVX-512) brackets every op that cannot stay in its blocked layout
# with these two: around a Pad between convolutions they copy the whole activation twice.
REORDER_OPS = frozenset({"ReorderInput", "ReorderOutput"})


def op_counts(model: onnx.ModelProto) -> Counter[str]:
    """How many nodes of each op type the main graph holds."""
    return Counter(node.op_type for node in model.graph.node)


def pads_feeding_conv(model: onnx.ModelProto) -> list[str]:
    """Names (or outputs, for unnamed nodes) of the Pad nodes whose output some convolution reads."""
    conv_inputs = {name for node in model.graph.node if node.op_type in CONV_OPS for name in node.input}
    return [
        node.name or node.output[0]
        for node in model.graph.node
        if node.op_type == "Pad" and node.output[0] in conv_inputs
    ]


def optimized_model(path: Path, threads: int = 1) -> onnx.ModelProto:
    """The graph onnxruntime's CPU provider runs after all its optimizations (ORT_ENABLE_ALL: constant folding,
    fusions, the NCHWc layout transformer), read back from `optimized_model_filepath`."""
    import onnxruntime as ort

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "optimized.onnx"
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads
        options.optimized_model_filepath = str(out)
        options.log_severity_level = 3  # its warning that the file is hardware-specific: known, it is only read here
        ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        return onnx.load(str(out))


def drop_dead_constants(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy without the Constant nodes and initializers nothing reads (onnxruntime would drop them itself, with a
    warning each time it loads the model)."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    used = {name for node in out.graph.node for name in node.input} | {o.name for o in out.graph.output}
    keep = [n for n in out.graph.node if not (n.op_type == "Constant" and not any(o in used for o in n.output))]
    del out.graph.node[:]
    out.graph.node.extend(keep)
    inits = [i for i in out.graph.initializer if i.name in used]
    del out.graph.initializer[:]
    out.graph.initializer.extend(inits)
    return out
