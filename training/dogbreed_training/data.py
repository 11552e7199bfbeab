"""ImageFolder data: scanning with unreadable files skipped and counted, transforms, samplers, loaders."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence

import torch
from PIL import Image, ImageOps
from torch.utils.data import DataLoader, Dataset, Sampler
from torch.utils.data.distributed import DistributedSampler
from torchvision import transforms

from dogbreed_training.errors import DatasetError

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff")
# The classic evaluation policy: resize the shorter side to 256 for a 224 crop (ratio kept for other sizes).
RESIZE_RATIO = 256 / 224
# Errors PIL raises for files that are not images, truncated or otherwise broken.
IMAGE_ERRORS = (OSError, ValueError, SyntaxError, Image.DecompressionBombError)


def resize_shorter_side(image_size: int) -> int:
    return int(round(image_size * RESIZE_RATIO))


def load_rgb(path: Path) -> Image.Image:
    """Decoded RGB with the EXIF orientation applied: a phone photo taken sideways is upright, as a person sees it
    (and as the model server's sharp `.rotate()` decodes it)."""
    with Image.open(path) as im:
        return ImageOps.exif_transpose(im).convert("RGB")


def train_pixels(image_size: int) -> Callable:
    """Geometry only, on the CPU: a random crop and flip → uint8 CHW. Colour jitter and normalisation run on the
    batch on the training device (`DevicePrep`), which keeps the loader workers cheap enough to feed a GPU."""
    return transforms.Compose(
        [
            transforms.RandomResizedCrop(image_size, scale=(0.5, 1.0)),
            transforms.RandomHorizontalFlip(),
            transforms.PILToTensor(),
        ]
    )


def eval_pixels(image_size: int) -> Callable:
    """Deterministic geometry → uint8 CHW: torchvision `Resize(shorter side)` (PIL bilinear, antialiased) then
    `CenterCrop`, exactly what metadata.json tells the model server to do (resize-shorter-center-crop)."""
    return transforms.Compose(
        [
            transforms.Resize(resize_shorter_side(image_size)),
            transforms.CenterCrop(image_size),
            transforms.PILToTensor(),
        ]
    )


def eval_transform(image_size: int, mean: Sequence[float], std: Sequence[float]) -> Callable:
    """The full eval transform on one image (geometry, x/255, (x - mean) / std): the reference for ONNX parity and
    for the model server's preprocessing."""
    return transforms.Compose(
        [eval_pixels(image_size), transforms.ConvertImageDtype(torch.float32), transforms.Normalize(mean, std)]
    )


class DevicePrep:
    """uint8 batch → normalised float on the device; in training also a per-image colour jitter (brightness,
    contrast, saturation ± `jitter`, like torchvision's ColorJitter(0.2, 0.2, 0.2) in a fixed order)."""

    def __init__(
        self,
        mean: Sequence[float],
        std: Sequence[float],
        device: torch.device,
        jitter: float = 0.2,
        channels_last: bool = False,
    ) -> None:
        self.device = device
        self.mean = torch.tensor(mean, device=device).view(1, 3, 1, 1)
        self.std = torch.tensor(std, device=device).view(1, 3, 1, 1)
        self.jitter = jitter
        self.channels_last = channels_last

    def _factors(self, n: int) -> torch.Tensor:
        return (1 + (torch.rand(n, 1, 1, 1) * 2 - 1) * self.jitter).to(self.device)

    def __call__(self, images: torch.Tensor, train: bool = False) -> torch.Tensor:
        x = images.to(self.device, non_blocking=True)
        x = x.float().div_(255) if x.dtype == torch.uint8 else x.float()
        if train and self.jitter > 0:
            n = x.shape[0]
            x = (x * self._factors(n)).clamp_(0, 1)
            gray = (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3]).mean(dim=(1, 2, 3), keepdim=True)
            c = self._factors(n)
            x = (x * c + gray * (1 - c)).clamp_(0, 1)
            gray = 0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3]
            s = self._factors(n)
            x = (x * s + gray * (1 - s)).clamp_(0, 1)
        x = (x - self.mean) / self.std
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x


def list_classes(split_dir: Path) -> list[str]:
    """Class folder names, sorted (ImageFolder's order: output index i is classes[i])."""
    if not split_dir.is_dir():
        raise DatasetError(f"split folder {split_dir} does not exist")
    return sorted(p.name for p in split_dir.iterdir() if p.is_dir() and not p.name.startswith("."))


def is_image_file(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMAGE_EXTENSIONS and not path.name.startswith(".")


def image_is_readable(path: Path) -> bool:
    """Cheap header check (PIL verify); full decoding happens when the image is used."""
    try:
        with Image.open(path) as im:
            im.verify()
        return True
    except IMAGE_ERRORS:
        return False


@dataclass
class SplitScan:
    split_dir: Path
    samples: list[tuple[Path, int]] = field(default_factory=list)
    per_class: dict[str, int] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)
    unknown_classes: list[str] = field(default_factory=list)
    missing_classes: list[str] = field(default_factory=list)

    def report(self) -> dict:
        return {
            "dir": str(self.split_dir),
            "images": len(self.samples),
            "perClass": self.per_class,
            "unreadable": len(self.unreadable),
            "unreadableFiles": self.unreadable,
            "unknownClasses": self.unknown_classes,
            "missingClasses": self.missing_classes,
        }


def scan_split(
    split_dir: Path, class_names: Sequence[str], readable: Callable[[Path], bool] | None = image_is_readable
) -> SplitScan:
    """Lists `split_dir/<class>/<image>` against the training classes; files `readable` refuses are left out and
    listed (None: no check)."""
    found = list_classes(split_dir)
    index = {c: i for i, c in enumerate(class_names)}
    scan = SplitScan(split_dir=split_dir)
    scan.unknown_classes = [c for c in found if c not in index]
    scan.missing_classes = [c for c in class_names if c not in found]
    for cls in class_names:
        count = 0
        folder = split_dir / cls
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if not is_image_file(path):
                    continue
                if readable is not None and not readable(path):
                    scan.unreadable.append(str(path))
                    continue
                scan.samples.append((path, index[cls]))
                count += 1
        scan.per_class[cls] = count
    return scan


class SafeImageDataset(Dataset):
    """Returns None for an image that fails to decode; `collate_skipping` drops and counts it."""

    def __init__(self, samples: Sequence[tuple[Path, int]], transform: Callable) -> None:
        self.samples = list(samples)
        self.transform = transform

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, i: int):
        path, label = self.samples[i]
        try:
            image = load_rgb(path)
        except IMAGE_ERRORS:
            return None
        return self.transform(image), label


@dataclass
class Batch:
    images: torch.Tensor | None
    labels: torch.Tensor | None
    skipped: int

    def __len__(self) -> int:
        return 0 if self.labels is None else int(self.labels.numel())


def collate_skipping(items: list) -> Batch:
    good = [it for it in items if it is not None]
    skipped = len(items) - len(good)
    if not good:
        return Batch(None, None, skipped)
    return Batch(torch.stack([g[0] for g in good]), torch.tensor([g[1] for g in good]), skipped)


class ShardSampler(Sampler):
    """Every `world`-th index from `rank`: each sample seen exactly once across ranks (no padding, unlike
    DistributedSampler), so summed evaluation metrics are exact."""

    def __init__(self, length: int, rank: int, world: int) -> None:
        self.length, self.rank, self.world = length, rank, world

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.rank, self.length, self.world))

    def __len__(self) -> int:
        return max(0, math.ceil((self.length - self.rank) / self.world))


@dataclass
class DataBundle:
    class_names: list[str]
    train: SafeImageDataset
    valid: SafeImageDataset
    test: SafeImageDataset | None
    test_is_valid: bool
    report: dict


def _known_classes_only(scan: SplitScan) -> SplitScan:
    """A class that train/ lacks would shift ImageFolder's indices silently: refuse it."""
    if scan.unknown_classes:
        raise DatasetError(
            f"{scan.split_dir} has classes that train/ lacks: {', '.join(scan.unknown_classes)} "
            "(run `python -m dogbreed_training.check_dataset` for the full comparison)"
        )
    return scan


def unreadable_total(report: dict) -> int:
    """Files left out at scan time, over all splits of a `DataBundle.report`."""
    return sum(report[s]["unreadable"] for s in ("train", "valid", "test") if s in report)


def load_datasets(train_dir: Path, valid_dir: Path, test_dir: Path | None, image_size: int) -> DataBundle:
    class_names = list_classes(train_dir)
    if not class_names:
        raise DatasetError(f"no class folders in {train_dir}: expected ImageFolder layout train/<class>/<image>")
    train = scan_split(train_dir, class_names)
    empty = [c for c, n in train.per_class.items() if n == 0]
    if empty:
        raise DatasetError(f"classes without readable training images in {train_dir}: {', '.join(empty)}")
    valid = _known_classes_only(scan_split(valid_dir, class_names))
    if not valid.samples:
        raise DatasetError(f"no readable images in the validation split {valid_dir}")
    test = None
    if test_dir is not None and test_dir.is_dir():
        test = _known_classes_only(scan_split(test_dir, class_names))
    report = {"classes": len(class_names), "train": train.report(), "valid": valid.report()}
    if test is not None:
        report["test"] = test.report()
    ev = eval_pixels(image_size)
    return DataBundle(
        class_names=class_names,
        train=SafeImageDataset(train.samples, train_pixels(image_size)),
        valid=SafeImageDataset(valid.samples, ev),
        test=SafeImageDataset(test.samples, ev) if test is not None and test.samples else None,
        test_is_valid=test is None or not test.samples,
        report=report,
    )


def make_loader(
    dataset: Dataset,
    batch_size: int,
    num_workers: int,
    sampler: Sampler | None = None,
    shuffle: bool = False,
    seed: int = 0,
    pin_memory: bool = False,
) -> DataLoader:
    generator = torch.Generator()
    generator.manual_seed(seed)
    # Workers that live across epochs and run ahead keep a GPU fed (no re-spawn per epoch, 4 batches in flight).
    extra = {"persistent_workers": True, "prefetch_factor": 4} if num_workers > 0 else {}
    return DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=sampler,
        shuffle=shuffle if sampler is None else False,
        num_workers=num_workers,
        collate_fn=collate_skipping,
        pin_memory=pin_memory,
        generator=generator,
        **extra,
    )


def train_sampler(dataset: Dataset, rank: int, world: int, seed: int) -> DistributedSampler:
    """A DistributedSampler even for one process: the same shuffling code path in single and multi mode."""
    return DistributedSampler(dataset, num_replicas=world, rank=rank, shuffle=True, seed=seed, drop_last=False)
