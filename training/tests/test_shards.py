"""The pre-resize shard cache (shards.py): what it stores, when it is reused, and that the training transform on its
pixels is the transform on the decoded file; and the DDP gathering of feature-cache shards (features.py)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.multiprocessing as mp
from conftest import add_broken_files
from PIL import Image

from dogbreed_training.config import parse_config
from dogbreed_training.data import SafeImageDataset, load_rgb, scan_split, train_pixels
from dogbreed_training.distributed import LaunchPlan, free_port, init_distributed, rank_env, shutdown
from dogbreed_training.features import FeatureCache, gather_cache
from dogbreed_training.shards import (
    CACHE_DIR_ENV,
    ShardCacheError,
    ShardImageDataset,
    build_shards,
    cache_key,
    shrink,
    stored_side,
)
from dogbreed_training.synthetic import make_dataset


@pytest.fixture()
def samples(tmp_path: Path) -> list[tuple[Path, int]]:
    names = make_dataset(tmp_path / "d", classes=2, per_split={"train": 3}, size=40, seed=5)
    add_broken_files(tmp_path / "d", names[1])
    big = tmp_path / "d" / "train" / names[0] / "big.jpg"
    Image.new("RGB", (300, 200), (10, 120, 240)).save(big)
    # No readability check: the broken files reach the cache, which must mark them rather than fail.
    return scan_split(tmp_path / "d" / "train", names, readable=None).samples


def test_stored_side_and_shrink() -> None:
    assert stored_side(224) == 336 and stored_side(48) == 72
    small = Image.new("RGB", (90, 60))
    assert shrink(small, 72) is small  # never upscaled, never resampled
    assert shrink(Image.new("RGB", (300, 200)), 72).size == (108, 72)
    assert shrink(Image.new("RGB", (200, 300)), 72).size == (72, 108)


def test_build_stores_each_image_once_and_marks_undecodable_ones(samples, tmp_path: Path) -> None:
    build = build_shards(samples, 48, tmp_path / "cache", num_workers=0)
    assert build.built
    ds = ShardImageDataset(samples, build.folder, train_pixels(48))
    assert len(ds) == len(samples) == 9
    for i, (path, _label) in enumerate(samples):
        pixels = ds.pixels(i)
        if path.name in ("garbage.jpg", "truncated.png"):
            assert pixels is None and ds[i] is None
        else:
            assert pixels is not None
            assert np.array_equal(pixels, np.asarray(shrink(load_rgb(path), 72)))
    big = next(i for i, (p, _) in enumerate(samples) if p.name == "big.jpg")
    assert ds.pixels(big).shape == (72, 108, 3)
    assert not [p for p in (tmp_path / "cache").iterdir() if p.name.startswith(".")]  # no temporary left behind


def test_cache_is_reused_until_a_file_or_the_size_changes(samples, tmp_path: Path) -> None:
    first = build_shards(samples, 48, tmp_path / "cache", num_workers=0)
    again = build_shards(samples, 48, tmp_path / "cache", num_workers=0)
    assert not again.built and again.folder == first.folder
    assert build_shards(samples, 64, tmp_path / "cache", num_workers=0).folder != first.folder
    path = samples[0][0]
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
    assert cache_key(samples, 72) != first.folder.name
    assert build_shards(samples, 48, tmp_path / "cache", num_workers=0).built


def test_training_transform_sees_the_same_pixels_as_from_the_file(samples, tmp_path: Path) -> None:
    """Images no larger than the stored side are stored unchanged: with the same random state the crop and flip of
    the cached pixels are those of the decoded file, bit for bit."""
    transform = train_pixels(48)
    decoded = SafeImageDataset(samples, transform)
    cached = ShardImageDataset(samples, build_shards(samples, 48, tmp_path / "c", 0).folder, transform)
    for i, (path, label) in enumerate(samples):
        if path.name in ("garbage.jpg", "truncated.png", "big.jpg"):
            continue
        torch.manual_seed(i)
        want = decoded[i]
        torch.manual_seed(i)
        got = cached[i]
        assert got[1] == want[1] == label
        assert got[0].dtype == torch.uint8 and got[0].shape == (3, 48, 48)
        assert torch.equal(got[0], want[0])


def test_a_cache_of_another_sample_list_is_refused(samples, tmp_path: Path) -> None:
    folder = build_shards(samples, 48, tmp_path / "cache", 0).folder
    with pytest.raises(ShardCacheError, match="holds 9 images, the dataset 8"):
        ShardImageDataset(samples[:-1], folder, train_pixels(48))


def test_config_defaults_and_override(tmp_path: Path) -> None:
    make_dataset(tmp_path / "d", classes=2, per_split={"train": 1, "valid": 1}, size=16)
    base = ["--data-dir", str(tmp_path / "d"), "--model-dir", str(tmp_path / "m")]
    cfg = parse_config(base, {CACHE_DIR_ENV: str(tmp_path / "env-cache")})
    assert cfg.shard_cache is True and cfg.shard_cache_dir == tmp_path / "env-cache"
    assert cfg.hyperparameters()["shard_cache"] is True
    cfg = parse_config([*base, "--shard-cache", "false", "--shard-cache-dir", str(tmp_path / "x")], {})
    assert cfg.shard_cache is False and cfg.shard_cache_dir == tmp_path / "x"


def _gather_rank(local_rank: int, port: int, out: str) -> None:
    env = rank_env(LaunchPlan("spawn", 2, 2, 0, "127.0.0.1", port), local_rank)
    os.environ.update(env)
    info = init_distributed(env, "spawn", "cpu")
    try:
        # Rank 0 extracted 3 images (2 views), rank 1 none: its placeholder has the wrong feature width.
        if info.rank == 0:
            feats = torch.arange(2 * 3 * 4, dtype=torch.float32).reshape(2, 3, 4)
            mine = FeatureCache(feats, torch.tensor([0, 1, 2]), skipped=1)
        else:
            mine = FeatureCache(torch.zeros(2, 0, 1), torch.zeros(0, dtype=torch.long), skipped=2)
        got = gather_cache(mine, info)
        torch.save({"features": got.features, "labels": got.labels, "skipped": got.skipped}, f"{out}-{info.rank}")
    finally:
        shutdown(info)


def test_gather_cache_gives_every_rank_all_shards(tmp_path: Path) -> None:
    out = str(tmp_path / "gathered")
    mp.spawn(_gather_rank, args=(free_port(), out), nprocs=2, join=True)
    want = torch.arange(2 * 3 * 4, dtype=torch.float32).reshape(2, 3, 4)
    for rank in (0, 1):
        got = torch.load(f"{out}-{rank}")
        assert torch.equal(got["features"], want)
        assert got["labels"].tolist() == [0, 1, 2] and got["skipped"] == 3
