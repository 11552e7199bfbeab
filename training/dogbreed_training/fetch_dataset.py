"""Fetches the public 133-breed dog dataset archive (zip) and unpacks it into an ImageFolder root.

Usage: python -m dogbreed_training.fetch_dataset --out DIR [--url URL | --archive PATH] [--sha256 HEX]
Streams the download to a temporary file (never all in memory), checks the optional SHA-256, refuses archive
members that would land outside DIR, and finds the folder holding train/ valid/ test/. Idempotent: a DIR that
already holds a finished dataset (its marker file) is left as is.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from dogbreed_training.errors import FetchError, report

# The archive the original project used (Udacity's dog-project; ImageFolder train/ valid/ test/, 133 breeds).
DEFAULT_URL = "https://s3-us-west-1.amazonaws.com/udacity-aind/dog-project/dogImages.zip"
MARKER = ".dogbreed-dataset.json"
CHUNK = 1 << 20


def download(url: str, dest: Path, timeout: float = 60.0, log=print) -> str:
    """Streams `url` into `dest`; returns the SHA-256 of what was written."""
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp, open(dest, "wb") as out:
            total = int(resp.headers.get("Content-Length") or 0)
            done = 0
            next_report = 0.0
            while chunk := resp.read(CHUNK):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if total and done / total >= next_report:
                    log(f"downloaded {done / 1e6:.1f} of {total / 1e6:.1f} MB")
                    next_report += 0.1
            if total and done != total:
                raise FetchError(f"download of {url} ended early: {done} of {total} bytes")
    except (urllib.error.URLError, OSError) as err:
        raise FetchError(f"cannot download {url}: {err}", err) from err
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _inside(root: Path, name: str) -> bool:
    target = (root / name).resolve()
    return target == root.resolve() or root.resolve() in target.parents


def extract(archive: Path, dest: Path) -> None:
    """Unpacks a .zip or .tar(.gz); members with absolute paths or `..` that escape `dest` are refused."""
    dest.mkdir(parents=True, exist_ok=True)
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as z:
            bad = [n for n in z.namelist() if not _inside(dest, n)]
            if bad:
                raise FetchError(f"{archive} has members outside the target folder (refused): {bad[:3]}")
            z.extractall(dest)
    elif tarfile.is_tarfile(archive):
        with tarfile.open(archive) as t:
            members = t.getmembers()
            bad = [m.name for m in members if not _inside(dest, m.name) or m.issym() or m.islnk()]
            if bad:
                raise FetchError(f"{archive} has links or members outside the target folder (refused): {bad[:3]}")
            t.extractall(dest, members=members)
    else:
        raise FetchError(f"{archive} is neither a zip nor a tar archive")


def find_root(folder: Path) -> Path:
    """The folder that holds train/ and valid/ (archives often wrap them in one top folder)."""
    for candidate in [folder, *sorted(p for p in folder.rglob("*") if p.is_dir())]:
        if (candidate / "train").is_dir() and any((candidate / v).is_dir() for v in ("valid", "val", "validation")):
            return candidate
    raise FetchError(f"no folder with train/ and valid/ inside the archive unpacked at {folder}")


def fetch(out: Path, url: str | None = None, archive: Path | None = None, sha256: str | None = None, log=print) -> Path:
    marker = out / MARKER
    if marker.is_file():
        log(f"{out} already holds the dataset ({MARKER}); nothing to do")
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".fetch-") as tmp:
        tmpdir = Path(tmp)
        if archive is None:
            source = url or DEFAULT_URL
            archive_path = tmpdir / "archive"
            log(f"downloading {source}")
            digest = download(source, archive_path, log=log)
        else:
            source, archive_path = str(archive), archive
            if not archive.is_file():
                raise FetchError(f"archive {archive} does not exist")
            digest = sha256_file(archive)
        if sha256 and digest.lower() != sha256.lower():
            raise FetchError(f"SHA-256 of {source} is {digest}, expected {sha256}")
        unpacked = tmpdir / "unpacked"
        extract(archive_path, unpacked)
        root = find_root(unpacked)
        if out.exists() and any(out.iterdir()):
            raise FetchError(f"{out} exists and is not empty (and has no {MARKER}); choose an empty folder")
        out.mkdir(parents=True, exist_ok=True)
        for child in root.iterdir():
            if not child.name.startswith(("__MACOSX", ".")):
                shutil.move(str(child), out / child.name)
    marker.write_text(json.dumps({"source": source, "sha256": digest}, indent=2) + "\n")
    log(f"dataset ready at {out}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Download and unpack the dog-breed dataset archive.")
    ap.add_argument("--out", required=True, type=Path)
    src = ap.add_mutually_exclusive_group()
    src.add_argument("--url", help=f"archive URL (default {DEFAULT_URL})")
    src.add_argument("--archive", type=Path, help="a local archive instead of downloading")
    ap.add_argument("--sha256", help="expected SHA-256 of the archive")
    a = ap.parse_args(argv)
    try:
        fetch(a.out, a.url, a.archive, a.sha256)
    except FetchError as err:
        return report(err, exit_code=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
