"""INT8 as a spec choice (`training.export` in the platform spec): static quantization of the exported float model
with onnxruntime, shipped only when an accuracy guard holds; otherwise the float model ships and the reason is said.

How: QDQ format, weights int8 per output channel, activations uint8 from a percentile calibration (99.999th
percentile of |x|, the usual guard against outliers widening the range) on a class-balanced sample of the training
split. Weights use the full 8 bits: 7-bit weights (`reduce_range`, which avoids the saturating int16 sums of
uint8 × int8 on CPUs without VNNI) cost twice the top-1 loss on dogs-mini (training/README.md, Export). Kept in
float: the first convolution (it reads the raw normalised image; three input channels make it cheap) and everything
after the global pooling (the breed classifier, the dog-probability head and its softmax), where the answer is made
and the cost is small.

The guard: top-1 on the test split may drop at most `maxTop1DropPoints` points from the float model's and the two
models must agree on the top-1 class of at least `minAgreement` of the images, both measured through onnxruntime
on the same preprocessed images. A pass replaces model.onnx; a failure leaves it and logs one line with the numbers.
Needs the onnx package and onnxruntime; without them INT8 is not attempted (float ships, and the log says so).

Usage on an existing model dir (rewrites model.onnx when INT8 passes, and metadata.json's `precision` block):
python -m dogbreed_training.quantize --model-dir DIR --data-dir DATA [--precision float32|int8]
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from dogbreed_training.config import METADATA_FILE, MODEL_FILE, find_split, spec_export_settings
from dogbreed_training.data import SafeImageDataset, collate_skipping, eval_transform, image_is_readable, scan_split
from dogbreed_training.errors import PrecisionError, TrainingError, report

PRECISIONS = ("float32", "int8")
CALIBRATION_PERCENTILE = 99.999
# Images per calibration run of the augmented model: onnxruntime keeps every intermediate tensor of a run until
# the histograms are updated, so this bounds memory (tens of MB per 224 px image for EfficientNet-Lite0).
CALIBRATION_CHUNK = 16
BATCH = 16
# Ops after which the network is the classifier head (pooled [N, C] features): kept in float.
POOLING_OPS = frozenset({"GlobalAveragePool", "GlobalMaxPool"})
CONV_OPS = frozenset({"Conv"})


@dataclass(frozen=True)
class Int8Guard:
    max_top1_drop_points: float
    min_agreement: float
    calibration_images: int


@dataclass(frozen=True)
class ExportPrecision:
    """`training.export` of the platform spec: what to ship and INT8's guard."""

    precision: str
    int8: Int8Guard

    @staticmethod
    def from_spec(section: dict) -> ExportPrecision:
        try:
            precision = section["precision"]
            int8 = section["int8"]
            guard = Int8Guard(
                max_top1_drop_points=float(int8["maxTop1DropPoints"]),
                min_agreement=float(int8["minAgreement"]),
                calibration_images=int(int8["calibrationImages"]),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise PrecisionError(f"spec training.export is malformed: {err!r}") from err
        if precision not in PRECISIONS:
            raise PrecisionError(f"spec training.export.precision must be one of {PRECISIONS}, got {precision!r}")
        return ExportPrecision(precision, guard)


@dataclass(frozen=True)
class GuardFigures:
    """Top-1 of the float and the INT8 model on the same images, and how often their top-1 classes agree."""

    float_top1: float
    int8_top1: float
    agreement: float
    images: int

    @property
    def drop_points(self) -> float:
        return (self.float_top1 - self.int8_top1) * 100.0


def guard_figures(float_logits: np.ndarray, int8_logits: np.ndarray, labels: np.ndarray) -> GuardFigures:
    if not (len(float_logits) == len(int8_logits) == len(labels)) or len(labels) == 0:
        raise PrecisionError(f"need as many logits as labels: {len(float_logits)}, {len(int8_logits)}, {len(labels)}")
    f, q = float_logits.argmax(axis=1), int8_logits.argmax(axis=1)
    return GuardFigures(
        float_top1=float((f == labels).mean()),
        int8_top1=float((q == labels).mean()),
        agreement=float((f == q).mean()),
        images=int(len(labels)),
    )


def int8_refusal(figures: GuardFigures, guard: Int8Guard) -> str | None:
    """None when INT8 may ship; else the one-line reason, with both numbers of the guard."""
    failed = []
    if figures.drop_points > guard.max_top1_drop_points + 1e-9:
        failed.append(f"top-1 drops {figures.drop_points:.1f} pt (> {guard.max_top1_drop_points} pt allowed)")
    if figures.agreement < guard.min_agreement - 1e-9:
        failed.append(f"agreement with float {figures.agreement:.1%} (< {guard.min_agreement:.1%} required)")
    if not failed:
        return None
    return (
        f"INT8 not shipped, float32 instead: {'; '.join(failed)} "
        f"[test top-1 float {figures.float_top1:.1%}, int8 {figures.int8_top1:.1%}, "
        f"agreement {figures.agreement:.1%}, {figures.images} images]"
    )


def calibration_sample(samples: Sequence[tuple[Path, int]], n: int) -> list[Path]:
    """Up to n images spread evenly over the classes (round robin through each class's files in order), so a
    small sample never misses a breed; deterministic, so a rerun quantizes identically."""
    by_class: dict[int, list[Path]] = {}
    for path, label in samples:
        by_class.setdefault(label, []).append(path)
    queues = [by_class[c] for c in sorted(by_class)]
    out: list[Path] = []
    for i in range(max((len(q) for q in queues), default=0)):
        for q in queues:
            if i < len(q) and len(out) < n:
                out.append(q[i])
    return out


def float_node_names(model) -> list[str]:  # onnx.ModelProto (imported lazily: onnx is optional)
    """Nodes to keep in float: convolutions that read a graph input directly, and every node downstream of a
    global pooling (the classifier heads and what follows them), the pooling included."""
    graph_inputs = {i.name for i in model.graph.input}
    consumers: dict[str, list] = {}
    for node in model.graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    keep: dict[str, None] = {}
    stack = [n for n in model.graph.node if n.op_type in POOLING_OPS]
    while stack:
        node = stack.pop()
        if node.name in keep:
            continue
        keep[node.name] = None
        for out in node.output:
            stack.extend(consumers.get(out, []))
    first = [n.name for n in model.graph.node if n.op_type in CONV_OPS and n.input and n.input[0] in graph_inputs]
    unnamed = [n.op_type for n in model.graph.node if not n.name and (n.name in keep or n.op_type in CONV_OPS)]
    if unnamed:
        raise PrecisionError(f"cannot keep unnamed nodes in float: {unnamed}")
    return [*first, *keep]


def preprocess(
    samples: Sequence[tuple[Path, int]], image_size: int, mean: Sequence[float], std: Sequence[float]
) -> tuple[np.ndarray, np.ndarray]:
    """The eval transform (what metadata.json tells the model server to do) → (float32 [N, 3, H, W], labels [N]).
    An image that fails to decode is left out, as the trainer leaves it out of its batch (the same dataset and
    collate function)."""
    batch = collate_skipping(list(SafeImageDataset(samples, eval_transform(image_size, mean, std))))
    if batch.images is None or batch.labels is None:
        raise PrecisionError(f"none of the {len(samples)} images could be decoded")
    return batch.images.numpy().astype(np.float32), batch.labels.numpy()


def _batches(x: np.ndarray, size: int) -> Iterator[np.ndarray]:
    for i in range(0, len(x), size):
        yield x[i : i + size]


def logits_of(path: Path, x: np.ndarray, input_name: str, output_name: str) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return np.concatenate([session.run([output_name], {input_name: b})[0] for b in _batches(x, BATCH)])


def quantize_int8(float_path: Path, out_path: Path, calibration: np.ndarray, input_name: str) -> None:
    """Static QDQ quantization of `float_path` into `out_path`, calibrated on the images `calibration` holds."""
    import onnx
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    from dogbreed_training.onnx_graph import drop_dead_constants

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.it = iter(calibration[i : i + 1] for i in range(len(calibration)))

        def get_next(self) -> dict | None:
            x = next(self.it, None)
            return None if x is None else {input_name: x}

    quantize_static(
        str(float_path),
        str(out_path),
        Reader(),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        reduce_range=False,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        calibrate_method=CalibrationMethod.Percentile,
        nodes_to_exclude=float_node_names(onnx.load(str(float_path))),
        extra_options={
            "CalibPercentile": CALIBRATION_PERCENTILE,
            "CalibMaxIntermediateOutputs": CALIBRATION_CHUNK,
        },
    )
    # The quantizer fuses each ReLU6 into its quantization range and leaves the Clip bounds behind.
    onnx.save(drop_dead_constants(onnx.load(str(out_path))), str(out_path))


@dataclass(frozen=True)
class PrecisionInputs:
    """What the guard needs besides the model: images to calibrate on and labelled images to judge on."""

    calibration: Sequence[tuple[Path, int]]
    test: Sequence[tuple[Path, int]]
    image_size: int
    mean: Sequence[float]
    std: Sequence[float]
    input_name: str
    output_name: str


def apply_precision(
    onnx_path: Path, spec: ExportPrecision, inputs: PrecisionInputs, log: Callable[[str], None] = print
) -> dict:
    """Ships what the spec asks for, when its guard allows: on an INT8 pass model.onnx is replaced by the INT8
    model. Returns metadata.json's `precision` block (what shipped, what was asked, the guard's figures)."""
    if spec.precision == "float32":
        return {"shipped": "float32", "requested": "float32"}
    block: dict = {"requested": "int8"}
    try:
        import onnx  # noqa: F401 (the quantizer needs both)
        import onnxruntime.quantization  # noqa: F401
    except ImportError as err:
        log(f"INT8 not shipped, float32 instead: the onnx package and onnxruntime are needed to quantize ({err})")
        return {**block, "shipped": "float32", "reason": f"quantization unavailable: {err}"}
    cal_paths = calibration_sample(inputs.calibration, spec.int8.calibration_images)
    int8_path = onnx_path.with_name(f".{onnx_path.stem}.int8{onnx_path.suffix}")
    try:
        calibration, _ = preprocess([(p, 0) for p in cal_paths], inputs.image_size, inputs.mean, inputs.std)
        quantize_int8(onnx_path, int8_path, calibration, inputs.input_name)
        x, labels = preprocess(inputs.test, inputs.image_size, inputs.mean, inputs.std)
        figures = guard_figures(
            logits_of(onnx_path, x, inputs.input_name, inputs.output_name),
            logits_of(int8_path, x, inputs.input_name, inputs.output_name),
            labels,
        )
        refusal = int8_refusal(figures, spec.int8)
        block["int8Guard"] = {
            "float32Top1": figures.float_top1,
            "int8Top1": figures.int8_top1,
            "top1DropPoints": figures.drop_points,
            "agreement": figures.agreement,
            "images": figures.images,
            "calibrationImages": len(calibration),
            "maxTop1DropPoints": spec.int8.max_top1_drop_points,
            "minAgreement": spec.int8.min_agreement,
            "passed": refusal is None,
        }
        if refusal is not None:
            log(refusal)
            return {**block, "shipped": "float32", "reason": refusal}
        os.replace(int8_path, onnx_path)
        log(
            f"INT8 shipped: test top-1 float {figures.float_top1:.1%}, int8 {figures.int8_top1:.1%} "
            f"(−{figures.drop_points:.1f} pt), agreement {figures.agreement:.1%} on {figures.images} images"
        )
        return {**block, "shipped": "int8"}
    finally:
        int8_path.unlink(missing_ok=True)


def apply_to_model_dir(model_dir: Path, data_dir: Path, spec: ExportPrecision, log: Callable[[str], None]) -> dict:
    """apply_precision on a model dir written by the trainer: calibrates on `data_dir`'s train split, judges on its
    test split (valid when there is none), and records the result in metadata.json."""
    meta_path = model_dir / METADATA_FILE
    meta = json.loads(meta_path.read_text())
    if meta.get("precision", {}).get("shipped") == "int8":
        raise PrecisionError(f"{model_dir / MODEL_FILE} is already INT8: quantize the float export, not this one")
    train, judge = find_split(data_dir, "train"), find_split(data_dir, "test") or find_split(data_dir, "valid")
    if train is None or judge is None:
        raise PrecisionError(f"{data_dir} needs a train/ split and a test/ (or valid/) split")
    names = meta["classNames"]
    inputs = PrecisionInputs(
        calibration=scan_split(train, names, image_is_readable).samples,
        test=scan_split(judge, names, image_is_readable).samples,
        image_size=int(meta["input"]["height"]),
        mean=meta["preprocessing"]["mean"],
        std=meta["preprocessing"]["std"],
        input_name=meta["input"]["name"],
        output_name=meta["output"]["name"],
    )
    block = apply_precision(model_dir / MODEL_FILE, spec, inputs, log)
    meta["precision"] = block
    tmp = meta_path.with_name(f".{meta_path.name}.tmp")
    tmp.write_text(json.dumps(meta, indent=2) + "\n")
    os.replace(tmp, meta_path)
    return block


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Apply the spec's export precision (INT8 behind its guard) to a model dir")
    ap.add_argument("--model-dir", type=Path, required=True)
    ap.add_argument("--data-dir", type=Path, required=True, help="dataset root with train/ and test/ (or valid/)")
    ap.add_argument("--precision", choices=PRECISIONS, help="default: the spec's training.export.precision")
    a = ap.parse_args(argv)
    try:
        spec = ExportPrecision.from_spec(spec_export_settings())
        if a.precision:
            spec = ExportPrecision(a.precision, spec.int8)
        block = apply_to_model_dir(a.model_dir, a.data_dir, spec, log=lambda line: print(line, flush=True))
        print(f"PRECISION shipped={block['shipped']} requested={block['requested']}", flush=True)
        return 0
    except TrainingError as err:
        return report(err)


if __name__ == "__main__":
    raise SystemExit(main())
