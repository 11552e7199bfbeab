"""Dataset checker: images per class and split, unreadable files, classes that differ between splits.

Usage: python -m dogbreed_training.check_dataset DIR [--deep] [--json OUT] [--strict]
Exit 0 when training can use the dataset, 1 when it cannot (missing split, class mismatch, empty class), and with
--strict also when any file is unreadable. --deep decodes every image fully (slower; finds truncated files).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from PIL import Image

from dogbreed_training.config import SPLIT_NAMES
from dogbreed_training.data import IMAGE_ERRORS, image_is_readable, list_classes, scan_split


def _decodes(path: Path) -> bool:
    try:
        with Image.open(path) as im:
            im.convert("RGB")
        return True
    except IMAGE_ERRORS:
        return False


def check_dataset(root: Path, deep: bool = False) -> dict:
    """Pure report of `root` (ImageFolder with train/ valid/ test/); `problems` lists what blocks training."""
    splits: dict[str, dict] = {}
    problems: list[str] = []
    readable = _decodes if deep else image_is_readable
    for split, names in SPLIT_NAMES.items():
        folder = next((root / n for n in names if (root / n).is_dir()), None)
        if folder is None:
            if split != "test":
                problems.append(f"missing split {split}/ (accepted names: {', '.join(names)})")
            continue
        scan = scan_split(folder, list_classes(folder), readable=readable)
        splits[split] = {
            "dir": folder.name,
            "classes": len(scan.per_class),
            "images": len(scan.samples),
            "perClass": scan.per_class,
            "unreadable": [str(Path(u).relative_to(root)) for u in scan.unreadable],
        }
    mismatch: dict[str, dict[str, list[str]]] = {}
    if "train" in splits:
        train = set(splits["train"]["perClass"])
        empty = sorted(c for c, n in splits["train"]["perClass"].items() if n == 0)
        if not train:
            problems.append("train/ has no class folders")
        if empty:
            problems.append(f"classes without readable training images: {', '.join(empty)}")
        for split in ("valid", "test"):
            if split not in splits:
                continue
            other = set(splits[split]["perClass"])
            if other != train:
                mismatch[split] = {"notInTrain": sorted(other - train), "missingFromSplit": sorted(train - other)}
                if other - train:
                    problems.append(f"{split}/ has classes train/ lacks: {', '.join(sorted(other - train))}")
    unreadable_total = sum(len(s["unreadable"]) for s in splits.values())
    return {
        "root": str(root),
        "splits": splits,
        "classMismatch": mismatch,
        "unreadableTotal": unreadable_total,
        "problems": problems,
        "ok": not problems,
    }


def summary_lines(report: dict) -> list[str]:
    lines = [f"dataset {report['root']}"]
    for split, s in report["splits"].items():
        counts = s["perClass"].values()
        lo, hi = (min(counts), max(counts)) if counts else (0, 0)
        lines.append(
            f"  {split:<5} classes={s['classes']} images={s['images']} per_class_min={lo} per_class_max={hi} "
            f"unreadable={len(s['unreadable'])}"
        )
        lines.extend(f"    unreadable: {u}" for u in s["unreadable"][:20])
    for split, m in report["classMismatch"].items():
        lines.append(
            f"  {split} vs train: not in train {m['notInTrain']}, missing from {split} {m['missingFromSplit']}"
        )
    lines.extend(f"  PROBLEM: {p}" for p in report["problems"])
    lines.append("  OK: training can use this dataset" if report["ok"] else "  NOT OK")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Check an ImageFolder dog dataset (train/ valid/ test/).")
    ap.add_argument("root", type=Path)
    ap.add_argument("--deep", action="store_true", help="decode every image fully")
    ap.add_argument("--json", type=Path, help="write the full report here")
    ap.add_argument("--strict", action="store_true", help="unreadable files also fail the check")
    a = ap.parse_args(argv)
    if not a.root.is_dir():
        print(f"ERROR: {a.root} is not a directory", file=sys.stderr)
        return 1
    report = check_dataset(a.root, deep=a.deep)
    print("\n".join(summary_lines(report)))
    if a.json:
        a.json.write_text(json.dumps(report, indent=2) + "\n")
    failed = not report["ok"] or (a.strict and report["unreadableTotal"] > 0)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
