"""What the export's choices cost and buy, on real photos (a benchmark: figures to a file, not a test).

A model fine-tuned on dogs-mini (the spec's frozen default: the pretrained EfficientNet-Lite0 with a head trained on
cached features, read from a training run's checkpoint, or trained here first) is exported three ways: (a) plain
(TF "SAME" padding as Pad nodes, what the exporter does by itself), (b) folded (the padding inside the Conv nodes:
what ships), (c) INT8 (quantize.py on (b), the spec's calibration size). For each: onnxruntime inference ms per
image at batch 1 on 1 and 2 intra-op threads (the models interleaved round by round, so machine load hits all three
alike; ratios are the figures to trust on a shared machine), and the op counts of the graph onnxruntime runs. For
INT8: top-1 on the test split against the float model, top-1 agreement, and the guard's verdict.

Usage: python -m dogbreed_training.export_benchmark [--data-dir DIR] [--checkpoint-dir DIR] [--rounds 50]
[--out ../dist/benchmarks/export.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from dogbreed_training import checkpoint
from dogbreed_training.config import spec_export_settings
from dogbreed_training.data import image_is_readable, list_classes, scan_split
from dogbreed_training.dog_detector_eval import default_dogs_dir
from dogbreed_training.dog_output import with_dog_output
from dogbreed_training.efficientnet import pad_nodes_on_export
from dogbreed_training.errors import TrainingError, WeightsError, report
from dogbreed_training.export import INPUT_NAME, OUTPUT_NAME, export_onnx, onnx_output_diffs
from dogbreed_training.model import build_model
from dogbreed_training.onnx_graph import REORDER_OPS, op_counts, optimized_model
from dogbreed_training.quantize import (
    ExportPrecision,
    calibration_sample,
    guard_figures,
    int8_refusal,
    logits_of,
    preprocess,
    quantize_int8,
)
from dogbreed_training.weights import installed_weights, normalization

BACKBONE = "efficientnet_lite0"
IMAGE_SIZE = 224
TRAINING_DIR = Path(__file__).resolve().parents[1]
DEFAULT_OUT = TRAINING_DIR.parent / "dist" / "benchmarks" / "export.json"
CPU_FLAGS = ("avx2", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "amx_int8")
WARMUP = 5


def cpu_info() -> dict:
    text = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    flags = next((ln.split(":", 1)[1].split() for ln in text.splitlines() if ln.startswith("flags")), [])
    model = next((ln.split(":", 1)[1].strip() for ln in text.splitlines() if ln.startswith("model name")), "")
    return {
        "model": model or platform.processor(),
        "cpus": os.cpu_count(),
        "flags": {f: f in flags for f in CPU_FLAGS},
        "loadAverage": list(os.getloadavg()),
    }


def train_checkpoints(data_dir: Path, work: Path) -> Path:
    """The spec's default run (frozen, cached features) on data_dir; only its checkpoints are needed."""
    cmd = [sys.executable, "-m", "dogbreed_training", "--data-dir", str(data_dir), "--model-dir", str(work / "model")]
    cmd += ["--output-dir", str(work / "out"), "--device", "cpu", "--export", "false"]
    proc = subprocess.run(cmd, cwd=TRAINING_DIR, capture_output=True, text=True)
    if proc.returncode != 0:
        raise TrainingError(f"training for the benchmark failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return work / "out" / "checkpoints"


def fine_tuned_model(checkpoint_dir: Path, class_names: list[str], weights: Path) -> torch.nn.Module:
    snap = checkpoint.load_latest(checkpoint_dir)
    if snap is None:
        raise TrainingError(f"no readable checkpoint in {checkpoint_dir}")
    checkpoint.check_compatible(snap, class_names, BACKBONE, IMAGE_SIZE)
    model = build_model(BACKBONE, len(class_names), weights, freeze_backbone=True, log=lambda _: None)
    model.load_state_dict(snap.get("best_model_state") or snap["model_state"])
    exported, _ = with_dog_output(model.eval(), BACKBONE, weights, True, IMAGE_SIZE)
    return exported.eval()


def graph_summary(path: Path) -> dict:
    counts = op_counts(optimized_model(path))
    return {
        "pad": counts["Pad"],
        "reorders": sum(counts[op] for op in REORDER_OPS),
        "convolutions": sum(n for op, n in counts.items() if "Conv" in op),
        "opsRun": sum(counts.values()),
    }


def time_models(paths: dict[str, Path], x: np.ndarray, threads: int, rounds: int) -> dict[str, list[float]]:
    """ms per batch-1 run of each model, interleaved: round r runs every model once, in an order rotated by r."""
    import onnxruntime as ort

    sessions = {}
    for name, path in paths.items():
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        sessions[name] = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    names = list(sessions)
    for name in names:
        for i in range(WARMUP):
            sessions[name].run([OUTPUT_NAME], {INPUT_NAME: x[i % len(x)][None]})
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        image = x[r % len(x)][None]
        for name in names[r % len(names) :] + names[: r % len(names)]:
            t0 = time.perf_counter()
            sessions[name].run([OUTPUT_NAME], {INPUT_NAME: image})
            times[name].append((time.perf_counter() - t0) * 1000)
    return times


def summarize(times: dict[str, list[float]]) -> dict:
    med = {name: statistics.median(v) for name, v in times.items()}
    out = {
        name: {"medianMs": round(med[name], 2), "p90Ms": round(float(np.percentile(v, 90)), 2)}
        for name, v in times.items()
    }
    # Ratios per round (same round, same load) are steadier than ratios of medians on a shared machine.
    for name in times:
        if name != "plain":
            out[name]["ratioToPlain"] = round(statistics.median(np.divide(times[name], times["plain"])), 3)
    if "int8" in times:
        out["int8"]["ratioToFolded"] = round(statistics.median(np.divide(times["int8"], times["folded"])), 3)
    return out


def run(data_dir: Path, checkpoint_dir: Path | None, rounds: int, work: Path, command: str) -> dict:
    weights = installed_weights(BACKBONE)
    if weights is None:
        raise WeightsError(f"the {BACKBONE} weights are not installed: run `bash tools/setup.sh --python-only`")
    names = list_classes(data_dir / "train")
    t0 = time.perf_counter()
    ckpt_dir = checkpoint_dir or train_checkpoints(data_dir, work)
    train_seconds = None if checkpoint_dir else round(time.perf_counter() - t0, 1)
    model = fine_tuned_model(ckpt_dir, names, weights)
    paths = {"plain": work / "plain.onnx", "folded": work / "folded.onnx", "int8": work / "int8.onnx"}
    with pad_nodes_on_export():
        export_onnx(model, paths["plain"], IMAGE_SIZE)
    export_onnx(model, paths["folded"], IMAGE_SIZE)
    spec = ExportPrecision.from_spec(spec_export_settings())
    train = scan_split(data_dir / "train", names, image_is_readable).samples
    test = scan_split(data_dir / "test", names, image_is_readable).samples
    mean, std = normalization(BACKBONE)
    calibration = calibration_sample(train, spec.int8.calibration_images)
    t0 = time.perf_counter()
    calibration_x, _ = preprocess([(p, 0) for p in calibration], IMAGE_SIZE, mean, std)
    quantize_int8(paths["folded"], paths["int8"], calibration_x, INPUT_NAME)
    quantize_seconds = round(time.perf_counter() - t0, 1)
    x, labels = preprocess(test, IMAGE_SIZE, mean, std)
    logits = {name: logits_of(path, x, INPUT_NAME, OUTPUT_NAME) for name, path in paths.items()}
    figures = guard_figures(logits["folded"], logits["int8"], labels)
    refusal = int8_refusal(figures, spec.int8)
    return {
        "command": command,
        "cpu": cpu_info(),
        "onnxruntime": __import__("onnxruntime").__version__,
        "model": {
            "backbone": BACKBONE,
            "imageSize": IMAGE_SIZE,
            "classes": len(names),
            "source": str(ckpt_dir) if checkpoint_dir else f"trained here: spec defaults on {data_dir}",
            "trainSeconds": train_seconds,
        },
        "graphs": {name: graph_summary(path) for name, path in paths.items()},
        "testTop1": {name: float((v.argmax(axis=1) == labels).mean()) for name, v in logits.items()},
        "parity": {
            "foldedVsPlainMaxAbs": float(np.abs(logits["folded"] - logits["plain"]).max()),
            "foldedVsPyTorch": onnx_output_diffs(model, paths["folded"], IMAGE_SIZE),
        },
        "latency": {
            f"threads{n}": summarize(time_models(paths, x, n, rounds)) for n in (1, 2) if n <= (os.cpu_count() or 1)
        },
        "int8": {
            "calibrationImages": len(calibration_x),
            "calibrationMethod": "percentile",
            "quantizeSeconds": quantize_seconds,
            "testImages": figures.images,
            "float32Top1": figures.float_top1,
            "int8Top1": figures.int8_top1,
            "top1DropPoints": round(figures.drop_points, 2),
            "agreement": figures.agreement,
            "guard": {"maxTop1DropPoints": spec.int8.max_top1_drop_points, "minAgreement": spec.int8.min_agreement},
            "passes": refusal is None,
            "verdict": refusal or "INT8 passes its guard",
        },
        "rounds": rounds,
        "loadAverageAfter": list(os.getloadavg()),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=default_dogs_dir(), help="ImageFolder with train/ and test/")
    ap.add_argument("--checkpoint-dir", type=Path, help="a finished run's checkpoints (default: train one here)")
    ap.add_argument("--rounds", type=int, default=50, help="timed runs per model and thread count")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    a = ap.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="export-benchmark-") as tmp:
            command = " ".join(
                ["python -m dogbreed_training.export_benchmark", *(sys.argv[1:] if argv is None else argv)]
            )
            result = run(a.data_dir, a.checkpoint_dir, a.rounds, Path(tmp), command)
    except TrainingError as err:
        return report(err)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=2) + "\n")
    for threads, figures in result["latency"].items():
        line = " ".join(f"{name}={f['medianMs']}ms" for name, f in figures.items())
        print(f"{threads}: {line} folded/plain={figures['folded']['ratioToPlain']}", flush=True)
    print(f"int8: {result['int8']['verdict']}", flush=True)
    print(f"wrote {a.out}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
