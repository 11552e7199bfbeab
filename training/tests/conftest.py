"""Shared fixtures: a synthetic coloured-shapes dataset (with broken files) and a helper that runs train.py."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from dogbreed_training.shards import CACHE_DIR_ENV
from dogbreed_training.synthetic import make_dataset

TRAINING_DIR = Path(__file__).resolve().parent.parent
WORKSPACE = TRAINING_DIR.parent
TRAIN_PY = TRAINING_DIR / "train.py"
METADATA_SCHEMA = WORKSPACE / "libs" / "platform-spec" / "schemas" / "model-metadata.schema.json"
# Small and fast on CPU; tiny_cnn learns the shapes from scratch (no weights are downloaded in tests).
FAST_ARGS = ["--backbone", "tiny_cnn", "--image-size", "48", "--batch-size", "16", "--lr", "0.01"]
FAST_ARGS += ["--freeze-backbone", "false", "--num-workers", "0", "--device", "cpu"]
# The training runs' shard caches go to a folder of this session, not the machine's shared temp dir. Named, not
# created: processes a test spawns import this module too, and the first build creates it.
SHARD_CACHE_DIR = Path(tempfile.gettempdir()) / f"dogbreed-test-shards-{os.getpid()}"


def clean_env(**extra: str) -> dict[str, str]:
    """The test process's environment without SageMaker / torchrun variables (they change where outputs go)."""
    drop = ("SM_", "RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env["PYTHONPATH"] = str(TRAINING_DIR)
    env[CACHE_DIR_ENV] = str(SHARD_CACHE_DIR)
    env.update(extra)
    return env


def run_cmd(cmd: list[str], env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        cmd, cwd=TRAINING_DIR, env=env or clean_env(), capture_output=True, text=True, timeout=timeout
    )
    return proc


def run_train(args: list[str], env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    proc = run_cmd([sys.executable, str(TRAIN_PY), *args], env=env, timeout=timeout)
    assert proc.returncode == 0, f"train.py failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def shared_dogs() -> Path | None:
    """Real photos beside the checkout (../shared/data/dogs-mini); None when absent (tests skip)."""
    shared = Path(os.environ.get("DOGBREED_SHARED_DIR", WORKSPACE.parent / "shared"))
    dogs = shared / "data" / "dogs-mini"
    return dogs if (dogs / "train").is_dir() else None


def add_broken_files(root: Path, class_name: str) -> list[Path]:
    """A file that is not an image at all and a truncated PNG, both with image names."""
    folder = root / "train" / class_name
    garbage = folder / "garbage.jpg"
    garbage.write_bytes(b"this is not an image")
    good = sorted(folder.glob("*.png"))[0].read_bytes()
    truncated = folder / "truncated.png"
    truncated.write_bytes(good[: len(good) // 2])
    return [garbage, truncated]


@pytest.fixture(scope="session", autouse=True)
def _remove_shard_cache():
    yield
    shutil.rmtree(SHARD_CACHE_DIR, ignore_errors=True)


@pytest.fixture(scope="session")
def shapes_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """4 classes × (24 train, 8 valid, 8 test) coloured shapes, plus two broken files in train/."""
    root = tmp_path_factory.mktemp("shapes")
    names = make_dataset(root, classes=4, per_split={"train": 24, "valid": 8, "test": 8}, size=48, seed=1)
    add_broken_files(root, names[0])
    return root


@pytest.fixture(scope="session")
def single_run(shapes_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One complete single-process run shared by the tests that inspect its outputs."""
    work = tmp_path_factory.mktemp("single")
    args = ["--data-dir", str(shapes_dir), "--model-dir", str(work / "model"), "--output-dir", str(work / "out")]
    proc = run_train([*args, "--epochs", "6", *FAST_ARGS])
    return {"work": work, "model": work / "model", "out": work / "out", "stdout": proc.stdout, "stderr": proc.stderr}
