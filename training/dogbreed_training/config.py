"""Run configuration: CLI flags (as SageMaker passes hyperparameters) with SageMaker-environment fallbacks.

Pure: `parse_config(argv, env)` reads nothing but its arguments, so tests reach every fallback directly.
Hyperparameter defaults and the model-dir file names come from `spec_defaults.json`, generated from the platform spec.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Mapping, Sequence

from dogbreed_training.errors import ConfigError
from dogbreed_training.shards import default_cache_dir
from dogbreed_training.weights import installed_weights

BACKBONES = ("efficientnet_lite0", "resnet50", "mobilenet_v3_large", "tiny_cnn")
# `--pretrained-weights none`: train from scratch even when the pinned weights are installed.
NO_WEIGHTS = "none"
SAGEMAKER_CHECKPOINT_DIR = "/opt/ml/checkpoints"
SPLIT_NAMES = {"train": ("train",), "valid": ("valid", "val", "validation"), "test": ("test",)}


def _spec_export() -> dict:
    """What scripts/export-spec-defaults.ts wrote from the platform spec."""
    return json.loads(Path(__file__).with_name("spec_defaults.json").read_text())


def spec_defaults() -> dict:
    """Training hyperparameter defaults of the platform spec."""
    return _spec_export()["hyperparameters"]


def spec_export_settings() -> dict:
    """How the platform spec wants the model exported (`training.export`: precision and INT8's guard)."""
    return _spec_export()["export"]


# The model-dir contract (libs/platform-spec model-dir.ts): the files the model server and the registry read.
_MODEL_DIR_FILES: dict[str, str] = _spec_export()["modelDir"]
MODEL_FILE = _MODEL_DIR_FILES["model"]
METADATA_FILE = _MODEL_DIR_FILES["metadata"]
EVALUATION_FILE = _MODEL_DIR_FILES["evaluation"]


@dataclass(frozen=True)
class TrainConfig:
    train_dir: Path
    valid_dir: Path
    test_dir: Path | None
    model_dir: Path
    output_dir: Path
    checkpoint_dir: Path
    backbone: str
    epochs: int
    batch_size: int
    lr: float
    freeze_backbone: bool
    pretrained_weights: Path | None
    image_size: int
    early_stopping_patience: int
    num_workers: int
    seed: int
    max_steps_per_epoch: int
    nproc_per_node: int
    device: str
    model_version: str | None
    dist_port: int
    feature_cache: bool = True
    amp: bool = True
    channels_last: bool = True
    cache_mirror: bool = False
    export: bool = True
    shard_cache: bool = True
    shard_cache_dir: Path | None = None

    def hyperparameters(self) -> dict[str, str | int | float | bool]:
        keep = (
            "backbone",
            "epochs",
            "batch_size",
            "lr",
            "freeze_backbone",
            "image_size",
            "early_stopping_patience",
            "seed",
            "max_steps_per_epoch",
            "feature_cache",
            "cache_mirror",
            "shard_cache",
        )
        d = asdict(self)
        out: dict[str, str | int | float | bool] = {k: d[k] for k in keep}
        out["pretrained"] = self.pretrained_weights is not None
        return out


def str2bool(value: str) -> bool:
    v = str(value).strip().lower()
    if v in ("true", "1", "yes", "y", "on"):
        return True
    if v in ("false", "0", "no", "n", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {value!r}")


def _positive_int(value: str) -> int:
    n = int(value)
    if n <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return n


def _non_negative_int(value: str) -> int:
    n = int(value)
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be zero or more, got {value}")
    return n


def _positive_float(value: str) -> float:
    f = float(value)
    if not f > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {value}")
    return f


def _aliases(name: str) -> list[str]:
    """`--batch-size`, `--batch_size` and `--batchSize` (the spec's spelling) all work."""
    parts = name.split("-")
    camel = parts[0] + "".join(p.capitalize() for p in parts[1:])
    return list(dict.fromkeys([f"--{name}", f"--{name.replace('-', '_')}", f"--{camel}"]))


def build_parser() -> argparse.ArgumentParser:
    d = spec_defaults()
    p = argparse.ArgumentParser(
        prog="train.py",
        description="Fine-tune a torchvision backbone on an ImageFolder dataset; export model.onnx + metadata.json.",
    )
    add = p.add_argument
    add(*_aliases("data-dir"), dest="data_dir", help="dataset root with train/ valid/ [test/] (env SM_CHANNEL_TRAIN)")
    add(*_aliases("valid-dir"), dest="valid_dir", help="validation split when separate (env SM_CHANNEL_VALID)")
    add(*_aliases("test-dir"), dest="test_dir", help="test split when separate (env SM_CHANNEL_TEST)")
    add(*_aliases("model-dir"), dest="model_dir", help="where model.onnx + metadata.json go (env SM_MODEL_DIR)")
    add(*_aliases("output-dir"), dest="output_dir", help="history and data report (env SM_OUTPUT_DATA_DIR)")
    add(*_aliases("checkpoint-dir"), dest="checkpoint_dir", help=f"default {SAGEMAKER_CHECKPOINT_DIR} when it exists")
    add("--backbone", choices=BACKBONES, default=d["backbone"])
    add("--epochs", type=_positive_int, default=d["epochs"])
    add(*_aliases("batch-size"), dest="batch_size", type=_positive_int, default=d["batchSize"], help="per process")
    add("--lr", "--learning-rate", "--learning_rate", "--learningRate", dest="lr", type=_positive_float)
    add(*_aliases("freeze-backbone"), dest="freeze_backbone", type=str2bool, default=d["freezeBackbone"])
    add(
        *_aliases("pretrained-weights"),
        dest="pretrained_weights",
        help="state_dict file or a directory holding one (env SM_CHANNEL_PRETRAINED); default: the backbone's pinned "
        f"weights when installed (pretrained-weights.json); `{NO_WEIGHTS}` trains from scratch",
    )
    add(*_aliases("image-size"), dest="image_size", type=_positive_int, default=d["imageSize"])
    add(
        *_aliases("early-stopping-patience"),
        dest="early_stopping_patience",
        type=_positive_int,
        default=d["earlyStoppingPatience"],
    )
    add(*_aliases("num-workers"), dest="num_workers", type=_non_negative_int, help="loader processes (default: auto)")
    add(
        *_aliases("feature-cache"),
        dest="feature_cache",
        type=str2bool,
        default=True,
        help="frozen backbone: compute its features once and train the head on them (no crop/jitter augmentation)",
    )
    add(
        *_aliases("cache-mirror"),
        dest="cache_mirror",
        type=str2bool,
        default=False,
        help="feature cache: also cache each training image's mirror image (flip augmentation; twice the cost)",
    )
    add(
        *_aliases("shard-cache"),
        dest="shard_cache",
        type=str2bool,
        default=True,
        help="image pipeline: decode and resize each training image once into cached shards (crop/flip per epoch)",
    )
    add(
        *_aliases("shard-cache-dir"),
        dest="shard_cache_dir",
        help="where the shard cache lives (env DOGBREED_SHARD_CACHE_DIR; default: <temp dir>/dogbreed-shard-cache)",
    )
    add("--export", type=str2bool, default=True, help="false: skip evaluation and the model dir (benchmarks)")
    add("--amp", type=str2bool, default=True, help="mixed precision on GPU (bf16 where supported, else fp16)")
    add(*_aliases("channels-last"), dest="channels_last", type=str2bool, default=True, help="NHWC on GPU")
    add("--seed", type=int, default=0)
    add(*_aliases("max-steps-per-epoch"), dest="max_steps_per_epoch", type=_non_negative_int, default=0)
    add(
        *_aliases("nproc-per-node"),
        dest="nproc_per_node",
        type=_non_negative_int,
        default=0,
        help="processes to spawn on this host when no launcher started us (0 = one per GPU, else 1)",
    )
    add("--device", choices=("auto", "cpu", "cuda"), default="auto")
    add(*_aliases("model-version"), dest="model_version")
    add(*_aliases("dist-port"), dest="dist_port", type=_positive_int, default=29500, help="SageMaker multi-host port")
    p.set_defaults(lr=d["learningRate"])
    return p


def find_split(root: Path, split: str) -> Path | None:
    for name in SPLIT_NAMES[split]:
        if (root / name).is_dir():
            return root / name
    return None


def _pick(flag: str | None, env: Mapping[str, str], *names: str) -> str | None:
    if flag:
        return flag
    for n in names:
        if env.get(n):
            return env[n]
    return None


def _resolve_weights(flag: str | None, env: Mapping[str, str], backbone: str) -> Path | None:
    """The flag, else the SageMaker channel, else the backbone's pinned weights when tools/setup.sh installed them."""
    if flag and flag.strip().lower() == NO_WEIGHTS:
        return None
    raw = _pick(flag, env, "SM_CHANNEL_PRETRAINED", "SM_CHANNEL_WEIGHTS")
    return Path(raw) if raw else installed_weights(backbone, env)


def default_num_workers(device: str, cpus: int | None) -> int:
    """Loader processes: on a GPU as many as the CPUs allow (decoding is the bottleneck), up to 16; else 2."""
    if device == "cpu" or cpus is None:
        return 2
    return max(2, min(16, cpus - 1))


def parse_config(argv: Sequence[str], env: Mapping[str, str]) -> TrainConfig:
    a = build_parser().parse_args(list(argv))
    data = _pick(a.data_dir, env, "SM_CHANNEL_TRAIN", "SM_CHANNEL_TRAINING")
    if not data:
        raise ConfigError("no dataset: pass --data-dir DIR or set SM_CHANNEL_TRAIN (or SM_CHANNEL_TRAINING)")
    root = Path(data)
    if not root.is_dir():
        raise ConfigError(f"dataset directory {root} does not exist")
    # Either one channel holding train/ valid/ test/, or one channel per split.
    train_dir = find_split(root, "train") or root
    valid_raw = _pick(a.valid_dir, env, "SM_CHANNEL_VALID", "SM_CHANNEL_VALIDATION")
    valid_dir = Path(valid_raw) if valid_raw else find_split(root, "valid")
    if valid_dir is None:
        raise ConfigError(
            f"no validation split: {root} has no valid/ (or val/, validation/) folder; "
            "pass --valid-dir or set SM_CHANNEL_VALID"
        )
    test_raw = _pick(a.test_dir, env, "SM_CHANNEL_TEST")
    test_dir = Path(test_raw) if test_raw else find_split(root, "test")

    model_raw = a.model_dir if a.model_dir and not a.model_dir.startswith("s3://") else None
    model_dir = _pick(model_raw, env, "SM_MODEL_DIR")
    if not model_dir:
        raise ConfigError("no model dir: pass --model-dir DIR or set SM_MODEL_DIR")
    output_dir = _pick(a.output_dir, env, "SM_OUTPUT_DATA_DIR") or str(Path(model_dir).parent / "output")
    checkpoint_dir = a.checkpoint_dir
    if not checkpoint_dir:
        sm_ckpt = Path(env.get("DOGBREED_SAGEMAKER_CHECKPOINT_DIR", SAGEMAKER_CHECKPOINT_DIR))
        checkpoint_dir = str(sm_ckpt) if sm_ckpt.is_dir() else str(Path(output_dir) / "checkpoints")
    return TrainConfig(
        train_dir=train_dir,
        valid_dir=valid_dir,
        test_dir=test_dir,
        model_dir=Path(model_dir),
        output_dir=Path(output_dir),
        checkpoint_dir=Path(checkpoint_dir),
        backbone=a.backbone,
        epochs=a.epochs,
        batch_size=a.batch_size,
        lr=a.lr,
        freeze_backbone=a.freeze_backbone,
        pretrained_weights=_resolve_weights(a.pretrained_weights, env, a.backbone),
        image_size=a.image_size,
        early_stopping_patience=a.early_stopping_patience,
        num_workers=a.num_workers if a.num_workers is not None else default_num_workers(a.device, os.cpu_count()),
        seed=a.seed,
        max_steps_per_epoch=a.max_steps_per_epoch,
        nproc_per_node=a.nproc_per_node,
        device=a.device,
        model_version=a.model_version,
        dist_port=a.dist_port,
        feature_cache=a.feature_cache,
        amp=a.amp,
        channels_last=a.channels_last,
        cache_mirror=a.cache_mirror,
        export=a.export,
        shard_cache=a.shard_cache,
        shard_cache_dir=Path(a.shard_cache_dir) if a.shard_cache_dir else default_cache_dir(env),
    )
