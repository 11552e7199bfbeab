"""How well a model dir's `dog_probability` output tells dogs from non-dogs, on real photos, through onnxruntime (the
ONNX the model server runs, with the eval transform the server reproduces): dogs from an ImageFolder dataset (every
split; default ../shared/data/dogs-mini) and real non-dog photos that scikit-image ships (`skimage.data`: a cat, a
person, a coffee cup, a rocket, coins, microscopy…; drawings, silhouettes and synthetic images are left out).

Prints precision/recall of "is a dog" and "not a dog" at a sweep of thresholds, the per-photo probabilities of the
non-dogs, and the threshold chosen by the rule in `choose_threshold`. `--compare-model-dir` also checks that two model
dirs give the same breed logits on the dataset's test split (e.g. the model before and after the dog output).

Usage: python -m dogbreed_training.dog_detector_eval --model-dir DIR [--dogs DIR] [--min-recall 0.99]
[--threshold T] [--exclude-breed 010.dingo] [--compare-model-dir DIR] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
from PIL import Image

from dogbreed_training.config import METADATA_FILE, MODEL_FILE
from dogbreed_training.data import eval_transform, is_image_file, load_rgb

# skimage.data's real photographs (shipped in the wheel, no download): name → what it shows.
NON_DOG_PHOTOS = {
    "chelsea": "Chelsea the cat",
    "astronaut": "astronaut Eileen Collins, portrait",
    "coffee": "a cup of coffee",
    "rocket": "a rocket on its launch pad",
    "motorcycle": "a motorcycle (stereo pair, left image)",
    "camera": "a cameraman on a lawn (grey)",
    "coins": "Greek coins (grey)",
    "clock": "a clock, motion-blurred (grey)",
    "text": "a photo of printed text (grey)",
    "page": "a scanned book page (grey)",
    "moon": "the Moon's surface (grey)",
    "brick": "a brick wall (grey)",
    "grass": "grass (grey)",
    "gravel": "gravel (grey)",
    "hubble_deep_field": "the Hubble deep field",
    "retina": "a human retina (fundus photo)",
    "immunohistochemistry": "stained tissue under a microscope",
    "cell": "a cell under a microscope (grey)",
    "microaneurysms": "a retina crop with microaneurysms (grey)",
}
THRESHOLDS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
BATCH = 16


def default_dogs_dir() -> Path:
    shared = Path(os.environ.get("DOGBREED_SHARED_DIR", Path(__file__).resolve().parents[2].parent / "shared"))
    return shared / "data" / "dogs-mini"


def non_dog_photo(name: str) -> Image.Image:
    from skimage import data

    arr = data.stereo_motorcycle()[0] if name == "motorcycle" else getattr(data, name)()
    arr = np.asarray(arr)
    if arr.dtype != np.uint8:
        arr = (np.clip(arr.astype(np.float64), 0.0, 1.0) * 255).round().astype(np.uint8)
    return Image.fromarray(arr).convert("RGB")


def non_dog_photos(names: Iterable[str] = NON_DOG_PHOTOS) -> list[tuple[str, Image.Image]]:
    return [(name, non_dog_photo(name)) for name in names]


def dog_photos(root: Path, splits: Iterable[str] = ("train", "valid", "test")) -> list[tuple[str, str]]:
    """(path, breed folder) of every image in the given splits."""
    out = []
    for split in splits:
        for path in sorted((root / split).rglob("*")):
            if is_image_file(path):
                out.append((str(path), path.parent.name))
    return out


class OnnxModel:
    """A model dir run as the server runs it: metadata's preprocessing, onnxruntime on CPU."""

    def __init__(self, model_dir: Path) -> None:
        import onnxruntime as ort

        self.meta = json.loads((model_dir / METADATA_FILE).read_text())
        pre, size = self.meta["preprocessing"], self.meta["input"]["height"]
        self.transform: Callable = eval_transform(size, pre["mean"], pre["std"])
        self.session = ort.InferenceSession(str(model_dir / MODEL_FILE), providers=["CPUExecutionProvider"])
        self.logits_name = self.meta["output"]["name"]
        dog = self.meta["output"].get("dog")
        self.dog_name = dog["name"] if dog else None

    def run(self, images: list[Image.Image]) -> dict[str, np.ndarray]:
        """{output name: array} for the images, in batches."""
        names = [self.logits_name, *([self.dog_name] if self.dog_name else [])]
        parts: dict[str, list[np.ndarray]] = {n: [] for n in names}
        for i in range(0, len(images), BATCH):
            x = np.stack([self.transform(im).numpy() for im in images[i : i + BATCH]])
            for name, out in zip(names, self.session.run(names, {self.meta["input"]["name"]: x}), strict=True):
                parts[name].append(out)
        return {n: np.concatenate(v) for n, v in parts.items()}

    def dog_probability(self, images: list[Image.Image]) -> np.ndarray:
        if self.dog_name is None:
            raise SystemExit(f"the model has no dog output (metadata output.dog is absent): {self.meta['output']}")
        return self.run(images)[self.dog_name][:, 0]


def rates(dog_p: np.ndarray, non_p: np.ndarray, t: float) -> dict[str, float]:
    """Precision/recall of both verdicts at threshold t (isDog = p >= t, as the server decides)."""
    tp, fn = int((dog_p >= t).sum()), int((dog_p < t).sum())
    fp, tn = int((non_p >= t).sum()), int((non_p < t).sum())

    def div(a: int, b: int) -> float:
        return a / b if b else float("nan")

    return {
        "threshold": t,
        "dog_precision": div(tp, tp + fp),
        "dog_recall": div(tp, tp + fn),
        "notdog_precision": div(tn, tn + fn),
        "notdog_recall": div(tn, tn + fp),
        "tp": tp,
        "fn": fn,
        "fp": fp,
        "tn": tn,
    }


def choose_threshold(dog_p: np.ndarray, non_p: np.ndarray, min_recall: float = 0.99) -> dict:
    """The highest threshold (rounded down to 0.01) that keeps recall on dogs >= min_recall: the large dog set
    sets it; the small non-dog set only checks that it still refuses every non-dog. When it cannot (a non-dog
    scores above it), the threshold maximising Youden's J (dog recall + not-dog recall − 1) is taken instead."""
    ordered = np.sort(dog_p)
    misses = int(math.floor((1.0 - min_recall) * len(ordered) + 1e-9))
    highest = float(ordered[misses])  # p >= highest keeps len - misses dogs
    chosen = math.floor(highest * 100) / 100
    max_non = float(non_p.max())
    if chosen > max_non:
        rule = f"highest threshold (to 0.01) with dog recall >= {min_recall:.0%}; every non-dog is below it"
    else:
        grid = np.round(np.arange(0.01, 1.0, 0.01), 2)
        j = [rates(dog_p, non_p, float(t)) for t in grid]
        best = max(j, key=lambda r: (r["dog_recall"] + r["notdog_recall"], -r["threshold"]))
        chosen = float(best["threshold"])
        rule = f"Youden's J (a non-dog scores {max_non:.3f}, above the {min_recall:.0%}-recall threshold)"
    return {
        "threshold": chosen,
        "rule": rule,
        "recall_bound": highest,
        "max_non_dog": max_non,
        **rates(dog_p, non_p, chosen),
    }


def compare_breed_logits(a: OnnxModel, b: OnnxModel, images: list[Image.Image]) -> dict:
    la, lb = a.run(images)[a.logits_name], b.run(images)[b.logits_name]
    return {
        "images": len(images),
        "max_abs_diff": float(np.abs(la - lb).max()),
        "same_argmax": int((la.argmax(1) == lb.argmax(1)).sum()),
    }


def top1(model: OnnxModel, images: list[Image.Image], breeds: list[str]) -> dict:
    """Top-1 against the folder names, matched to the model's class names by name (`003.beagle` = `beagle`)."""

    def norm(s: str) -> str:
        return s.split(".", 1)[-1].replace("_", " ").replace("-", " ").lower()

    names = [norm(n) for n in model.meta["classNames"]]
    predicted = model.run(images)[model.logits_name].argmax(1)
    hits = sum(names[p] == norm(b) for p, b in zip(predicted, breeds, strict=True))
    return {"correct": int(hits), "images": len(images)}


def fmt(x: float) -> str:
    return "—" if x != x else f"{x * 100:.1f} %"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model-dir", type=Path, required=True)
    ap.add_argument("--dogs", type=Path, default=default_dogs_dir(), help="ImageFolder of dog photos")
    ap.add_argument("--min-recall", type=float, default=0.99)
    ap.add_argument("--threshold", type=float, action="append", default=[], help="also report rates at this value")
    ap.add_argument("--exclude-breed", action="append", default=[], help="breed folder left out of the dog set")
    ap.add_argument("--compare-model-dir", type=Path, help="check the breed logits equal this model's on test/")
    ap.add_argument("--json", type=Path, help="write every figure and per-photo probability here")
    a = ap.parse_args(argv)
    if not (a.dogs / "train").is_dir():
        print(f"no dog photos at {a.dogs} (ImageFolder with train/)", file=sys.stderr)
        return 2
    model = OnnxModel(a.model_dir)
    dogs = [(p, b) for p, b in dog_photos(a.dogs) if b not in a.exclude_breed]
    dog_p = model.dog_probability([load_rgb(Path(p)) for p, _ in dogs])
    non = non_dog_photos()
    non_p = model.dog_probability([im for _, im in non])
    report: dict = {
        "model": str(a.model_dir),
        "dogSource": model.meta["output"]["dog"]["source"],
        "dogs": {"root": str(a.dogs), "images": len(dogs), "excluded": a.exclude_breed},
        "nonDogs": {
            n: {"what": NON_DOG_PHOTOS[n], "probability": float(p)} for (n, _), p in zip(non, non_p, strict=True)
        },
        "sweep": [rates(dog_p, non_p, t) for t in sorted({*THRESHOLDS, *a.threshold})],
        "chosen": choose_threshold(dog_p, non_p, a.min_recall),
    }
    per_breed: dict[str, list[float]] = {}
    for (_, breed), p in zip(dogs, dog_p, strict=True):
        per_breed.setdefault(breed, []).append(float(p))
    report["perBreed"] = {
        b: {"images": len(v), "min": min(v), "median": float(np.median(v)), "below_0.5": sum(x < 0.5 for x in v)}
        for b, v in sorted(per_breed.items())
    }
    report["dogProbabilities"] = {
        "p1": float(np.percentile(dog_p, 1)),
        "median": float(np.median(dog_p)),
        "perPhoto": {Path(p).name: float(x) for (p, _), x in zip(dogs, dog_p, strict=True)},
    }

    print(f"model {a.model_dir}: dog output from {report['dogSource']}")
    print(f"{len(dogs)} dog photos ({a.dogs}), {len(non)} non-dog photos (skimage.data)")
    print("| threshold | dog precision | dog recall | not-dog precision | not-dog recall |")
    print("| --- | --- | --- | --- | --- |")
    for r in report["sweep"]:
        row = [fmt(r["dog_precision"]), fmt(r["dog_recall"]), fmt(r["notdog_precision"]), fmt(r["notdog_recall"])]
        print(f"| {r['threshold']} | " + " | ".join(row) + " |")
    for b, s in report["perBreed"].items():
        print(f"breed {b}: n={s['images']} min={s['min']:.3f} median={s['median']:.3f} below_0.5={s['below_0.5']}")
    for n, s in sorted(report["nonDogs"].items(), key=lambda kv: -kv[1]["probability"]):
        print(f"non-dog {n} ({s['what']}): {s['probability']:.4f}")
    c = report["chosen"]
    print(
        f"CHOSEN threshold={c['threshold']} ({c['rule']}): dog precision {fmt(c['dog_precision'])} recall "
        f"{fmt(c['dog_recall'])}; not-dog precision {fmt(c['notdog_precision'])} recall {fmt(c['notdog_recall'])}"
    )
    test = [(p, b) for p, b in dog_photos(a.dogs, ("test",))]
    test_images = [load_rgb(Path(p)) for p, _ in test]
    report["testTop1"] = top1(model, test_images, [b for _, b in test])
    print(f"breed top-1 on test/: {report['testTop1']['correct']}/{report['testTop1']['images']}")
    if a.compare_model_dir:
        other = OnnxModel(a.compare_model_dir)
        report["breedLogitsVs"] = {"model": str(a.compare_model_dir), **compare_breed_logits(model, other, test_images)}
        report["breedLogitsVs"]["otherTestTop1"] = top1(other, test_images, [b for _, b in test])
        print(f"breed logits vs {a.compare_model_dir} on test/: {report['breedLogitsVs']}")
    if a.json:
        a.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
