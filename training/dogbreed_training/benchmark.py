"""Benchmark (not a test): training images/s with 1 process vs N DDP processes (gloo on CPU) on the synthetic set.

Usage: python -m dogbreed_training.benchmark [--out FILE.json] [--backbone mobilenet_v3_large] [--image-size 96]
       [--epochs 3] [--train-per-class 32] [--batch-size 16] [--procs 1,2]
Runs the real entry point (`train.py`) once per process count; the first epoch is warm-up, the figure is the median
of the later epochs' images_per_sec lines (all ranks together). Writes the figures and the machine to JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from dogbreed_training.synthetic import make_dataset

TRAIN_PY = Path(__file__).resolve().parent.parent / "train.py"
_LINE = re.compile(r"\bepoch=(\d+) .*\bimages_per_sec=([0-9.]+)")


def parse_throughput(log: str) -> list[float]:
    return [float(m.group(2)) for m in _LINE.finditer(log)]


def run_once(data: Path, work: Path, procs: int, a: argparse.Namespace) -> dict:
    cmd = [
        sys.executable,
        str(TRAIN_PY),
        "--data-dir", str(data),
        "--model-dir", str(work / "model"),
        "--output-dir", str(work / "output"),
        "--backbone", a.backbone,
        "--image-size", str(a.image_size),
        "--epochs", str(a.epochs),
        "--batch-size", str(a.batch_size),
        "--freeze-backbone", "false",
        "--num-workers", "0",
        "--device", "cpu",
        "--nproc-per-node", str(procs),
        "--early-stopping-patience", str(a.epochs + 1),
    ]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=a.timeout)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"training with {procs} process(es) failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    per_epoch = parse_throughput(proc.stdout)
    measured = per_epoch[1:] or per_epoch
    return {
        "processes": procs,
        "imagesPerSec": round(statistics.median(measured), 1),
        "perEpochImagesPerSec": per_epoch,
        "wallSeconds": round(wall, 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("test-output/benchmark.json"))
    ap.add_argument("--backbone", default="mobilenet_v3_large")
    ap.add_argument("--image-size", type=int, default=96)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--train-per-class", type=int, default=32)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--procs", default="1,2")
    ap.add_argument("--timeout", type=float, default=900)
    a = ap.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="dogbreed-bench-") as tmp:
        data = Path(tmp) / "data"
        make_dataset(data, 4, {"train": a.train_per_class, "valid": 8, "test": 8}, size=a.image_size)
        for procs in (int(p) for p in a.procs.split(",")):
            r = run_once(data, Path(tmp) / f"run-{procs}", procs, a)
            print(f"processes={procs} images_per_sec={r['imagesPerSec']} wall_seconds={r['wallSeconds']}", flush=True)
            results.append(r)
    report = {
        "benchmark": "ddp-training-throughput",
        "backbone": a.backbone,
        "imageSize": a.image_size,
        "batchSizePerProcess": a.batch_size,
        "trainImages": 4 * a.train_per_class,
        "epochs": a.epochs,
        "backend": "gloo",
        "device": "cpu",
        "cpuCount": os.cpu_count(),
        "machine": platform.machine(),
        "torch": torch.__version__,
        "results": results,
    }
    if len(results) > 1 and results[0]["imagesPerSec"] > 0:
        report["speedup"] = round(results[-1]["imagesPerSec"] / results[0]["imagesPerSec"], 2)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
