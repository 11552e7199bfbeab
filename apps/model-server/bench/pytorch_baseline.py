"""PyTorch eager baseline for the model-server benchmark: the same model and the same JPEGs, one request at a time.

Per image: PIL decode, Resize(shorter side) + CenterCrop + ToTensor + Normalize (the parameters of metadata.json),
then the model under torch.no_grad() with `--threads` intra-op threads. Prints one JSON object: images/s, p50/p95
latency (end to end per image) and the model-only mean.

Usage: python pytorch_baseline.py MODEL_DIR IMAGE_LIST_FILE --threads T --requests N [--warmup W]
"""
import argparse
import json
import os
import sys
import time

import torch
from PIL import Image
from torchvision import transforms

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_mobilenet_v3 import build  # noqa: E402


def percentile(values, p):
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("image_list")
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--requests", type=int, required=True)
    ap.add_argument("--warmup", type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    with open(os.path.join(a.model_dir, "metadata.json")) as f:
        meta = json.load(f)
    model = build(meta["numClasses"], meta["architecture"])
    model.load_state_dict(torch.load(os.path.join(a.model_dir, "weights.pt")))
    model.eval()
    pre = meta["preprocessing"]
    tf = transforms.Compose([
        transforms.Resize(pre["resizeShorterSide"]),
        transforms.CenterCrop((meta["input"]["height"], meta["input"]["width"])),
        transforms.ToTensor(),
        transforms.Normalize(pre["mean"], pre["std"]),
    ])
    with open(a.image_list) as f:
        paths = [line.strip() for line in f if line.strip()]
    blobs = [open(p, "rb").read() for p in paths]

    import io

    def one(blob):
        t0 = time.perf_counter()
        img = Image.open(io.BytesIO(blob)).convert("RGB")
        x = tf(img).unsqueeze(0)
        t1 = time.perf_counter()
        with torch.no_grad():
            logits = model(x)
        probs = torch.softmax(logits, dim=1)
        torch.topk(probs, 5)
        t2 = time.perf_counter()
        return (t2 - t0) * 1000, (t2 - t1) * 1000

    for i in range(a.warmup):
        one(blobs[i % len(blobs)])
    lat, model_ms = [], []
    start = time.perf_counter()
    for i in range(a.requests):
        total, m = one(blobs[i % len(blobs)])
        lat.append(total)
        model_ms.append(m)
    wall = time.perf_counter() - start
    print(json.dumps({
        "framework": f"torch {torch.__version__} eager, torch.no_grad",
        "threads": a.threads,
        "requests": a.requests,
        "imagesPerSecond": a.requests / wall,
        "p50Ms": percentile(lat, 50),
        "p95Ms": percentile(lat, 95),
        "modelMeanMs": sum(model_ms) / len(model_ms),
        "modelOnlyImagesPerSecond": 1000 / (sum(model_ms) / len(model_ms)),
    }))


if __name__ == "__main__":
    main()
