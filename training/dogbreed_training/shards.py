"""The pre-resize shard cache: every training image decoded and resized once, kept as uint8 arrays in shard files, so
that fine-tuning epochs skip JPEG decoding (the loader's bottleneck on a GPU) and only crop, flip and convert.

Layout under the cache dir: one folder per key (`cache_key`: the sample list with each file's size and mtime, the
stored shorter side and the format version), written to a private temporary folder and renamed into place, so a
reader never sees half a cache and two writers (ranks of two hosts on one filesystem) cannot mix theirs:

    <cache dir>/<key>/index.npy        int64 [N, 4]: shard, offset, height, width (height 0: undecodable image)
    <cache dir>/<key>/shard-00000.npy  uint8, the HWC pixels of consecutive images, flattened
    <cache dir>/<key>/meta.json        what the key stands for (human-readable)

What it changes in augmentation: `RandomResizedCrop` picks the same relative region of the same (EXIF-upright)
photo, but samples it from the image resized to a shorter side of `stored_side(image_size)` (1.5 × the crop size)
instead of the full-resolution file: a second resampling. An image already that small or smaller is stored as it is
(never upscaled), so it is pixel for pixel what the decoder gives; at 224 px the dogs-mini photos (shorter side 320)
are stored unchanged. The smallest crops of `RandomResizedCrop(scale=(0.5, 1))` on a square image are 0.61 × its
side (205 px at 336), so only that extreme corner is upscaled slightly; 4:3 photos never are. Validation and test
still decode the files: their resize + centre crop must match the model server bit for bit.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision.transforms import functional as TF

from dogbreed_training.data import IMAGE_ERRORS, load_rgb
from dogbreed_training.errors import DatasetError

FORMAT_VERSION = 1
# Stored shorter side per crop pixel: large enough that RandomResizedCrop(scale 0.5-1) rarely upsamples (see above).
STORED_SIDE_RATIO = 1.5
# Bytes of pixels per shard file: few files, each small enough to write in one go.
SHARD_BYTES = 256 * 1024 * 1024
CACHE_DIR_ENV = "DOGBREED_SHARD_CACHE_DIR"
INDEX_FILE = "index.npy"
META_FILE = "meta.json"


class ShardCacheError(DatasetError):
    """The shard cache is unusable (unreadable, or does not match the sample list)."""


def stored_side(image_size: int) -> int:
    return int(round(image_size * STORED_SIDE_RATIO))


def default_cache_dir(env: Mapping[str, str]) -> Path:
    """The env override, else the machine's temp dir: local disk on SageMaker, never an uploaded output folder."""
    return Path(env.get(CACHE_DIR_ENV) or Path(tempfile.gettempdir()) / "dogbreed-shard-cache")


def cache_key(samples: Sequence[tuple[Path, int]], side: int) -> str:
    """Changes when a file is added, removed, relabelled or rewritten, or the stored size changes."""
    h = hashlib.sha256(f"v{FORMAT_VERSION} side={side}\n".encode())
    for path, label in samples:
        st = path.stat()
        h.update(f"{path.resolve()}\t{label}\t{st.st_size}\t{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:24]


def shrink(image: Image.Image, side: int) -> Image.Image:
    """Shorter side down to `side` with torchvision's Resize (PIL bilinear, antialiased); smaller images unchanged."""
    if min(image.size) <= side:
        return image
    return TF.resize(image, side)


class _Decode(Dataset):
    """Loader workers decode and shrink in parallel; None for a file that fails to decode. A tensor, not an
    array, so that the pixels reach the writer through shared memory instead of being pickled through a pipe."""

    def __init__(self, samples: Sequence[tuple[Path, int]], side: int) -> None:
        self.samples, self.side = list(samples), side

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, i: int) -> torch.Tensor | None:
        try:
            return torch.from_numpy(np.array(shrink(load_rgb(self.samples[i][0]), self.side), dtype=np.uint8))
        except IMAGE_ERRORS:
            return None


def _as_list(items: list) -> list:
    return items


def _write(folder: Path, samples: Sequence[tuple[Path, int]], side: int, num_workers: int) -> None:
    loader = DataLoader(_Decode(samples, side), batch_size=16, num_workers=num_workers, collate_fn=_as_list)
    index = np.zeros((len(samples), 4), dtype=np.int64)
    pending: list[np.ndarray] = []
    shard = offset = i = 0

    def flush() -> None:
        nonlocal shard, offset
        if pending:
            np.save(folder / f"shard-{shard:05d}.npy", np.concatenate([a.reshape(-1) for a in pending]))
            pending.clear()
            shard, offset = shard + 1, 0

    for batch in loader:
        for item in batch:
            if item is not None:
                # A copy: a worker's shared-memory tensor holds a file descriptor until it is freed.
                pixels = item.numpy().copy()
                if offset + pixels.size > SHARD_BYTES:
                    flush()
                index[i] = (shard, offset, pixels.shape[0], pixels.shape[1])
                pending.append(pixels)
                offset += pixels.size
            i += 1
    flush()
    np.save(folder / INDEX_FILE, index)


@dataclass(frozen=True)
class ShardBuild:
    folder: Path
    built: bool  # False: an existing cache was reused
    seconds: float


def build_shards(samples: Sequence[tuple[Path, int]], image_size: int, cache_dir: Path, num_workers: int) -> ShardBuild:
    """The cache folder for `samples`, written now unless a complete one with the same key exists."""
    start = time.perf_counter()
    side = stored_side(image_size)
    folder = cache_dir / cache_key(samples, side)
    if (folder / INDEX_FILE).is_file():
        return ShardBuild(folder, False, time.perf_counter() - start)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=cache_dir))
    try:
        _write(tmp, samples, side, num_workers)
        meta = {"formatVersion": FORMAT_VERSION, "storedSide": side, "images": len(samples)}
        meta["firstFile"] = str(samples[0][0]) if samples else None
        (tmp / META_FILE).write_text(json.dumps(meta, indent=2) + "\n")
        try:
            os.rename(tmp, folder)
        except OSError:
            # Another writer finished the same key first: its cache is as good as ours.
            if not (folder / INDEX_FILE).is_file():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return ShardBuild(folder, True, time.perf_counter() - start)


class ShardImageDataset(Dataset):
    """`SafeImageDataset` on cached pixels: same samples, same (crop/flip) transform, no decoding. Shard files are
    memory-mapped on first use in each loader worker, so workers share the page cache instead of copies."""

    def __init__(self, samples: Sequence[tuple[Path, int]], folder: Path, transform: Callable) -> None:
        self.samples = list(samples)
        self.folder = folder
        self.transform = transform
        try:
            self.index = np.load(folder / INDEX_FILE)
        except (OSError, ValueError) as err:
            raise ShardCacheError(f"unreadable shard cache index in {folder}: {err}", err) from err
        if self.index.shape != (len(self.samples), 4):
            raise ShardCacheError(
                f"shard cache {folder} holds {self.index.shape[0]} images, the dataset {len(self.samples)}"
            )
        self._maps: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.samples)

    def _shard(self, n: int) -> np.ndarray:
        if n not in self._maps:
            self._maps[n] = np.load(self.folder / f"shard-{n:05d}.npy", mmap_mode="r")
        return self._maps[n]

    def pixels(self, i: int) -> np.ndarray | None:
        """HWC uint8 of sample i as stored, None when it did not decode at build time."""
        shard, offset, h, w = (int(v) for v in self.index[i])
        if h == 0:
            return None
        return np.asarray(self._shard(shard)[offset : offset + h * w * 3]).reshape(h, w, 3)

    def __getitem__(self, i: int):
        pixels = self.pixels(i)
        if pixels is None:
            return None
        return self.transform(Image.fromarray(pixels)), self.samples[i][1]

    def __getstate__(self) -> dict:
        # Memory maps do not travel to spawned workers; each worker maps the files again.
        return {**self.__dict__, "_maps": {}}
