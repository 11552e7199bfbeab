"""Benchmark (not a test): training throughput of the real trainer beside a bare train step of the same model.

Usage: python -m dogbreed_training.benchmark [--device cpu|cuda] [--suites reference,trainer,frozen-cached,...]
       [--backbone efficientnet_lite0] [--image-size 224] [--batch-size 32] [--train-images 128] [--epochs 4]
       [--data-dir DATASET] [--out FILE.json]

Suites (each a separate measurement, all in one run, on generated JPEG photos of 400×320 px, or on the ImageFolder
dataset of `--data-dir`):
- `reference`: a bare fine-tuning step of the same model on tensors already on the device (AdamW, all parameters;
  on CUDA with the trainer's settings: bf16/fp16 autocast + channels_last, and also plain fp32 for context).
  What the GPU can do when nothing else is in the way.
- `trainer`: the real entry point (`train.py`) fine-tuning (`--freeze-backbone false`) the same model: decoding,
  augmentation, host→device copies and all; the figure is the median images_per_sec of the epochs after the first.
  It reads the pre-resized shard cache (the default); `trainer-decode` is the same with `--shard-cache false`
  (every epoch decodes the JPEGs).
- `loader`: the training DataLoader alone (crop + flip into uint8 batches, the trainer's worker count), decoding
  the files vs reading the shard cache: images/s per pass, the two alternating so that load drifts hit both.
- `frozen-cached` / `frozen-uncached`: the spec's default frozen backbone with and without the feature cache; the
  figure is the whole run's wall time and training images per second of wall time (cache building included).
- `ddp`: 1 process vs 2 DDP processes (gloo on CPU), fine-tuning.
Prints a table last and writes the figures and the machine to JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path

import torch
import torch.nn.functional as F

from dogbreed_training.config import default_num_workers
from dogbreed_training.data import load_datasets, make_loader
from dogbreed_training.model import build_model
from dogbreed_training.shards import ShardImageDataset, build_shards
from dogbreed_training.trainer import amp_dtype, make_grad_scaler
from dogbreed_training.weights import installed_weights

TRAIN_PY = Path(__file__).resolve().parent.parent / "train.py"
_LINE = re.compile(r"\bepoch=(\d+) .*\bimages_per_sec=([0-9.]+)")
_CACHE = re.compile(r"feature cache: (\d+) images in ([0-9.]+) s")
_SHARDS = re.compile(r"shard cache: (\d+) training images .*\(built in ([0-9.]+) s")
CLASSES = 8
PHOTO_SIZE = (400, 320)
DEFAULT_SUITES = "reference,trainer,frozen-cached,frozen-uncached"


def parse_throughput(log: str) -> list[float]:
    return [float(m.group(2)) for m in _LINE.finditer(log)]


def _photo(args: tuple[Path, int, int]) -> None:
    """A smooth random colour field with a class-dependent tint, saved as a JPEG (decode cost like a real photo)."""
    from PIL import Image

    path, cls, seed = args
    g = torch.Generator().manual_seed(seed)
    small = (torch.rand(3, 10, 12, generator=g) * 200).to(torch.uint8)
    small[cls % 3] = small[cls % 3] // 2 + 100
    img = Image.fromarray(small.permute(1, 2, 0).numpy()).resize(PHOTO_SIZE, Image.BICUBIC)
    img.save(path, quality=90)


def make_photos(root: Path, train: int, eval_per_split: int, workers: int) -> None:
    jobs = []
    for split, n in (("train", train), ("valid", eval_per_split), ("test", eval_per_split)):
        for i in range(n):
            cls = i % CLASSES
            folder = root / split / f"{cls:03d}.class_{cls}"
            folder.mkdir(parents=True, exist_ok=True)
            jobs.append((folder / f"{i:06d}.jpg", cls, hash((split, i)) & 0xFFFF))
    with Pool(max(1, workers)) as pool:
        pool.map(_photo, jobs, chunksize=64)


def reference_step(backbone: str, image_size: int, batch: int, device: torch.device, fast: bool, steps: int) -> float:
    """Images/s of a bare fine-tuning step on device-resident tensors (`fast`: the trainer's AMP + channels_last)."""
    torch.manual_seed(0)
    model = build_model(backbone, CLASSES, None, False, log=lambda _m: None, image_size=image_size).to(device)
    model.train()
    dtype = amp_dtype(device, fast)
    scaler = make_grad_scaler(dtype)
    x = torch.randn(batch, 3, image_size, image_size, device=device)
    y = torch.randint(0, CLASSES, (batch,), device=device)
    if fast and device.type == "cuda":
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)

    def step() -> None:
        ctx = torch.autocast(device_type="cuda", dtype=dtype) if dtype is not None else contextlib.nullcontext()
        with ctx:
            loss = F.cross_entropy(model(x).float(), y)
        opt.zero_grad(set_to_none=True)
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
        else:
            loss.backward()
            opt.step()

    for _ in range(max(2, steps // 5)):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return batch * steps / (time.perf_counter() - start)


def run_trainer(data: Path, work: Path, a: argparse.Namespace, extra: list[str], procs: int = 0) -> dict:
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
        "--device", a.device,
        "--early-stopping-patience", str(a.epochs + 1),
        "--export", "false",
        *(["--nproc-per-node", str(procs)] if procs else []),
        *(["--num-workers", str(a.num_workers)] if a.num_workers is not None else []),
        *extra,
    ]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=a.timeout)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"train.py failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    per_epoch = parse_throughput(proc.stdout)
    measured = per_epoch[1:] or per_epoch
    out: dict = {
        "imagesPerSec": round(statistics.median(measured), 1) if measured else 0.0,
        "perEpochImagesPerSec": per_epoch,
        "wallSeconds": round(wall, 1),
    }
    cache = _CACHE.search(proc.stdout)
    if cache:
        out["cacheImages"], out["cacheSeconds"] = int(cache.group(1)), float(cache.group(2))
    shards = _SHARDS.search(proc.stdout)
    if shards:
        out["shardImages"], out["shardSeconds"] = int(shards.group(1)), float(shards.group(2))
    return out


def loader_throughput(data: Path, cache_dir: Path, a: argparse.Namespace, workers: int, passes: int) -> dict:
    """Images/s of the training DataLoader alone (no model), decoding the files vs reading the shard cache."""
    bundle = load_datasets(data / "train", data / "valid", None, a.image_size)
    build = build_shards(bundle.train.samples, a.image_size, cache_dir, workers)
    shards = ShardImageDataset(bundle.train.samples, build.folder, bundle.train.transform)
    loaders = {
        "decode": make_loader(bundle.train, a.batch_size, workers, shuffle=True),
        "shards": make_loader(shards, a.batch_size, workers, shuffle=True),
    }
    rates: dict[str, list[float]] = {name: [] for name in loaders}
    for _ in range(passes):
        for name, loader in loaders.items():
            start = time.perf_counter()
            n = sum(len(batch) for batch in loader)
            rates[name].append(round(n / (time.perf_counter() - start), 1))
    out: dict = {"images": len(shards), "workers": workers, "shardBuildSeconds": round(build.seconds, 1)}
    for name, r in rates.items():
        # The first pass also starts the (persistent) workers.
        out[name] = {"imagesPerSec": statistics.median(r[1:] or r), "perPass": r}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("test-output/benchmark.json"))
    ap.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    ap.add_argument("--suites", default=DEFAULT_SUITES, help=f"comma-separated (default {DEFAULT_SUITES}; also ddp)")
    ap.add_argument("--backbone", default="efficientnet_lite0")
    ap.add_argument("--image-size", type=int, default=224)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--train-images", type=int, default=128)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--num-workers", type=int, help="trainer loader processes (default: the trainer's auto)")
    ap.add_argument("--reference-steps", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--data-dir", type=Path, help="an ImageFolder dataset (train/ valid/) instead of generated photos")
    ap.add_argument("--loader-passes", type=int, default=4, help="`loader` suite: passes over train/ per variant")
    a = ap.parse_args(argv)
    suites = [s.strip() for s in a.suites.split(",") if s.strip()]
    device = torch.device(a.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: no CUDA device")
    weights = installed_weights(a.backbone)
    rows: list[tuple[str, str, str]] = []
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="dogbreed-bench-") as tmp:
        shard_dir = ["--shard-cache-dir", str(Path(tmp) / "shards")]
        if a.data_dir is not None:
            data = a.data_dir
            a.train_images = sum(1 for p in (data / "train").rglob("*") if p.is_file())
        else:
            data = Path(tmp) / "data"
            started = time.perf_counter()
            make_photos(data, a.train_images, max(CLASSES, a.train_images // 8), os.cpu_count() or 1)
            print(f"generated {a.train_images} training photos in {time.perf_counter() - started:.1f} s", flush=True)
        if "reference" in suites:
            fast = reference_step(a.backbone, a.image_size, a.batch_size, device, True, a.reference_steps)
            precision = str(amp_dtype(device, True) or "fp32").replace("torch.", "")
            results["reference"] = {"imagesPerSec": round(fast, 1), "precision": precision}
            rows.append(("reference (bare step, trainer settings)", f"{fast:.1f}", precision))
            if device.type == "cuda":
                plain = reference_step(a.backbone, a.image_size, a.batch_size, device, False, a.reference_steps)
                results["referenceFp32"] = {"imagesPerSec": round(plain, 1)}
                rows.append(("reference (bare step, fp32 NCHW)", f"{plain:.1f}", "fp32"))
        fine_tune = ["--freeze-backbone", "false", "--pretrained-weights", "none", *shard_dir]
        for name, shards, label in (("trainer", "true", "shard cache"), ("trainer-decode", "false", "decoding")):
            if name not in suites:
                continue
            r = run_trainer(data, Path(tmp) / name, a, [*fine_tune, "--shard-cache", shards])
            results[name] = r
            share = f"shard cache built in {r['shardSeconds']} s" if "shardSeconds" in r else ""
            if "reference" in results:
                r["shareOfReference"] = round(r["imagesPerSec"] / results["reference"]["imagesPerSec"], 3)
                share = f"{100 * r['shareOfReference']:.0f} % of reference" + (f"; {share}" if share else "")
            rows.append((f"trainer, fine-tune, {label} (median epoch)", f"{r['imagesPerSec']:.1f}", share))
        if "loader" in suites:
            workers = a.num_workers if a.num_workers is not None else default_num_workers(a.device, os.cpu_count())
            r = loader_throughput(data, Path(tmp) / "loader-shards", a, workers, a.loader_passes)
            results["loader"] = r
            for name in ("decode", "shards"):
                rows.append((f"loader alone, {name} ({workers} workers)", f"{r[name]['imagesPerSec']:.1f}", ""))
        for name, cache in (("frozen-cached", "true"), ("frozen-uncached", "false")):
            if name not in suites:
                continue
            if weights is None:
                rows.append((name, "skipped", f"no installed {a.backbone} weights"))
                continue
            r = run_trainer(
                data, Path(tmp) / name, a, ["--freeze-backbone", "true", "--feature-cache", cache, *shard_dir]
            )
            r["trainImagesPerWallSecond"] = round(a.epochs * a.train_images / r["wallSeconds"], 1)
            results[name] = r
            note = f"wall {r['wallSeconds']} s for {a.epochs} epochs"
            if "cacheSeconds" in r:
                note += f" (cache {r['cacheSeconds']} s)"
            rows.append((f"trainer, {name}: epoch images/s", f"{r['imagesPerSec']:.1f}", note))
        if "ddp" in suites:
            for procs in (1, 2):
                r = run_trainer(data, Path(tmp) / f"ddp-{procs}", a, ["--freeze-backbone", "false", *shard_dir], procs)
                results[f"ddp{procs}"] = r
                rows.append((f"trainer, {procs} DDP process(es)", f"{r['imagesPerSec']:.1f}", ""))
    report = {
        "benchmark": "training-throughput",
        "backbone": a.backbone,
        "imageSize": a.image_size,
        "batchSize": a.batch_size,
        "trainImages": a.train_images,
        "photoSize": list(PHOTO_SIZE),
        "epochs": a.epochs,
        "device": a.device,
        "deviceName": torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor(),
        "cpuCount": os.cpu_count(),
        "machine": platform.machine(),
        "torch": torch.__version__,
        "results": results,
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {a.out}")
    width = max(len(r[0]) for r in rows) if rows else 10
    print(f"\n{a.backbone} {a.image_size}px batch {a.batch_size} on {report['deviceName'] or a.device} (images/s)")
    for label, value, note in rows:
        print(f"  {label:<{width}}  {value:>10}  {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
