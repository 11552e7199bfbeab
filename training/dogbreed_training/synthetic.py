"""Synthetic ImageFolder dataset of coloured shapes (train/ valid/ test/), for tests, benchmarks and demos.

Each class is one shape in one colour on a noisy background, at a random position, size and shade, so a model has
to learn something but even a small CNN gets well above chance in a few epochs.
Usage: python -m dogbreed_training.synthetic --out DIR [--classes 4] [--train-per-class 24] [--size 64]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from PIL import Image, ImageDraw

SHAPES = ("circle", "square", "triangle", "cross", "ring", "bar")
COLOURS = ((220, 40, 40), (40, 170, 60), (40, 80, 220), (230, 200, 40), (170, 60, 200), (40, 190, 200))
COLOUR_NAMES = ("red", "green", "blue", "yellow", "purple", "cyan")
MAX_CLASSES = len(SHAPES)


def class_names(n: int) -> list[str]:
    """Folder names like the classic dog set's `001.Affenpinscher`: sorted order is class order."""
    return [f"{i + 1:03d}.{COLOUR_NAMES[i]}_{SHAPES[i]}" for i in range(n)]


def draw_sample(cls: int, size: int, rng: random.Random) -> Image.Image:
    bg = tuple(rng.randint(90, 160) for _ in range(3))
    img = Image.new("RGB", (size, size), bg)
    d = ImageDraw.Draw(img)
    for _ in range(size // 4):  # background speckle
        x, y = rng.randrange(size), rng.randrange(size)
        d.point((x, y), fill=tuple(rng.randint(60, 200) for _ in range(3)))
    r = rng.uniform(0.22, 0.38) * size
    cx, cy = rng.uniform(r, size - r), rng.uniform(r, size - r)
    shade = rng.uniform(0.75, 1.0)
    colour = tuple(int(c * shade) for c in COLOURS[cls])
    box = [cx - r, cy - r, cx + r, cy + r]
    shape = SHAPES[cls]
    if shape == "circle":
        d.ellipse(box, fill=colour)
    elif shape == "square":
        d.rectangle(box, fill=colour)
    elif shape == "triangle":
        d.polygon([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], fill=colour)
    elif shape == "cross":
        w = r / 3
        d.rectangle([cx - r, cy - w, cx + r, cy + w], fill=colour)
        d.rectangle([cx - w, cy - r, cx + w, cy + r], fill=colour)
    elif shape == "ring":
        d.ellipse(box, outline=colour, width=max(2, int(r / 3)))
    else:
        d.rectangle([cx - r, cy - r / 4, cx + r, cy + r / 4], fill=colour)
    return img


def make_dataset(
    out: Path, classes: int = 4, per_split: dict[str, int] | None = None, size: int = 64, seed: int = 0
) -> list[str]:
    """Writes out/{train,valid,test}/<class>/<n>.png; returns the class names."""
    if not 1 <= classes <= MAX_CLASSES:
        raise ValueError(f"classes must be 1..{MAX_CLASSES}, got {classes}")
    per_split = per_split or {"train": 24, "valid": 8, "test": 8}
    names = class_names(classes)
    rng = random.Random(seed)
    for split, count in per_split.items():
        for c, name in enumerate(names):
            folder = out / split / name
            folder.mkdir(parents=True, exist_ok=True)
            for i in range(count):
                draw_sample(c, size, rng).save(folder / f"{split}_{i:04d}.png")
    return names


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--classes", type=int, default=4)
    ap.add_argument("--train-per-class", type=int, default=24)
    ap.add_argument("--valid-per-class", type=int, default=8)
    ap.add_argument("--test-per-class", type=int, default=8)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    per = {"train": a.train_per_class, "valid": a.valid_per_class, "test": a.test_per_class}
    names = make_dataset(a.out, a.classes, per, a.size, a.seed)
    print(f"wrote {sum(per.values()) * len(names)} images of {len(names)} classes to {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
