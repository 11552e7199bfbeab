"""Flags, SageMaker environment fallbacks, spec defaults and the launch plan (pure functions)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import TRAINING_DIR, WORKSPACE

from dogbreed_training.config import parse_config, spec_defaults
from dogbreed_training.distributed import plan_launch, rank_env
from dogbreed_training.errors import ConfigError


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    for split in ("train", "valid", "test"):
        (tmp_path / "data" / split / "a").mkdir(parents=True)
    return tmp_path


def test_sagemaker_environment_fills_every_path(root: Path) -> None:
    env = {
        "SM_CHANNEL_TRAIN": str(root / "data"),
        "SM_MODEL_DIR": str(root / "model"),
        "SM_OUTPUT_DATA_DIR": str(root / "output"),
        "DOGBREED_SAGEMAKER_CHECKPOINT_DIR": str(root),  # stands for /opt/ml/checkpoints, which exists there
    }
    cfg = parse_config(["--epochs", "3", "--freeze-backbone", "False", "--batchSize", "8"], env)
    assert cfg.train_dir == root / "data" / "train"
    assert cfg.valid_dir == root / "data" / "valid"
    assert cfg.test_dir == root / "data" / "test"
    assert (cfg.model_dir, cfg.output_dir, cfg.checkpoint_dir) == (root / "model", root / "output", root)
    assert (cfg.epochs, cfg.freeze_backbone, cfg.batch_size) == (3, False, 8)


def test_training_channel_and_separate_split_channels(root: Path) -> None:
    env = {
        "SM_CHANNEL_TRAINING": str(root / "data" / "train"),
        "SM_CHANNEL_VALID": str(root / "data" / "valid"),
        "SM_MODEL_DIR": str(root / "m"),
        "SM_CHANNEL_PRETRAINED": str(root / "weights"),
    }
    cfg = parse_config([], env)
    assert cfg.train_dir == root / "data" / "train"
    assert cfg.valid_dir == root / "data" / "valid"
    assert cfg.test_dir is None
    assert cfg.pretrained_weights == root / "weights"
    assert cfg.checkpoint_dir == root / "output" / "checkpoints"  # no /opt/ml/checkpoints here


def test_flags_win_over_environment(root: Path) -> None:
    env = {"SM_CHANNEL_TRAIN": "/nonexistent", "SM_MODEL_DIR": "/nonexistent"}
    argv = ["--data-dir", str(root / "data"), "--model_dir", str(root / "m"), "--checkpoint-dir", str(root / "c")]
    cfg = parse_config(argv, env)
    assert (cfg.model_dir, cfg.checkpoint_dir) == (root / "m", root / "c")


def test_defaults_are_the_platform_specs(root: Path) -> None:
    cfg = parse_config(["--data-dir", str(root / "data"), "--model-dir", str(root / "m")], {})
    d = spec_defaults()
    assert (cfg.backbone, cfg.epochs, cfg.batch_size, cfg.lr) == (
        d["backbone"],
        d["epochs"],
        d["batchSize"],
        d["learningRate"],
    )
    assert (cfg.freeze_backbone, cfg.early_stopping_patience, cfg.image_size) == (
        d["freezeBackbone"],
        d["earlyStoppingPatience"],
        d["imageSize"],
    )


def test_model_dir_files_are_the_contracts() -> None:
    from dogbreed_training import config, trainer

    assert (config.MODEL_FILE, config.METADATA_FILE, config.EVALUATION_FILE) == (
        "model.onnx",
        "metadata.json",
        "evaluation.json",
    )
    assert trainer.MODEL_FILE is config.MODEL_FILE  # the trainer writes what the export names


@pytest.mark.skipif(shutil.which("node") is None, reason="Node is needed to read the TypeScript platform spec")
def test_spec_defaults_json_is_not_stale() -> None:
    tsx = WORKSPACE / "node_modules" / ".bin" / "tsx"
    script = TRAINING_DIR / "scripts" / "export-spec-defaults.ts"
    fresh = subprocess.run([str(tsx), str(script), "--stdout"], capture_output=True, text=True, timeout=120, check=True)
    on_disk = (TRAINING_DIR / "dogbreed_training" / "spec_defaults.json").read_text()
    assert json.loads(fresh.stdout) == json.loads(on_disk), "run: npx tsx training/scripts/export-spec-defaults.ts"


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        ([], {"SM_MODEL_DIR": "/tmp"}, "no dataset"),
        (["--data-dir", "/nonexistent/x"], {"SM_MODEL_DIR": "/tmp"}, "does not exist"),
    ],
)
def test_missing_inputs_fail_clearly(argv: list[str], env: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(argv, env)


def test_missing_validation_split_fails_clearly(tmp_path: Path) -> None:
    (tmp_path / "train" / "a").mkdir(parents=True)
    with pytest.raises(ConfigError, match="no validation split"):
        parse_config(["--data-dir", str(tmp_path), "--model-dir", str(tmp_path / "m")], {})


def test_bad_boolean_is_rejected(root: Path) -> None:
    with pytest.raises(SystemExit):
        parse_config(["--data-dir", str(root / "data"), "--model-dir", "m", "--freeze-backbone", "maybe"], {})


def test_plan_single_process() -> None:
    assert plan_launch({}, 0, 29500, 0).launcher == "single"
    assert plan_launch({}, 0, 29500, 1).world_size == 1


def test_plan_under_torchrun_joins_without_spawning() -> None:
    plan = plan_launch({"WORLD_SIZE": "4", "RANK": "2", "MASTER_ADDR": "h"}, 0, 29500, 1)
    assert (plan.launcher, plan.world_size, plan.nproc_local) == ("torchrun", 4, 0)


def test_plan_sagemaker_multi_instance_one_gpu_each() -> None:
    env = {"SM_HOSTS": '["algo-2","algo-1"]', "SM_CURRENT_HOST": "algo-2", "SM_NUM_GPUS": "1"}
    plan = plan_launch(env, 0, 7777, 1)
    assert (plan.launcher, plan.world_size, plan.nproc_local, plan.node_rank) == ("sagemaker", 2, 1, 1)
    assert rank_env(plan, 0) == {
        "RANK": "1",
        "LOCAL_RANK": "0",
        "WORLD_SIZE": "2",
        "LOCAL_WORLD_SIZE": "1",
        "MASTER_ADDR": "algo-1",
        "MASTER_PORT": "7777",
    }


def test_plan_sagemaker_cpu_hosts_and_multi_gpu_hosts() -> None:
    cpu = plan_launch({"SM_HOSTS": '["algo-1","algo-2"]', "SM_CURRENT_HOST": "algo-1", "SM_NUM_GPUS": "0"}, 0, 1, 0)
    assert (cpu.world_size, cpu.nproc_local, cpu.node_rank) == (2, 1, 0)
    gpu = plan_launch({"SM_HOSTS": '["algo-1","algo-2"]', "SM_CURRENT_HOST": "algo-2", "SM_NUM_GPUS": "4"}, 0, 1, 4)
    assert (gpu.world_size, gpu.nproc_local) == (8, 4)
    assert rank_env(gpu, 3)["RANK"] == "7"


def test_plan_sagemaker_unknown_current_host_fails() -> None:
    with pytest.raises(ConfigError, match="SM_CURRENT_HOST"):
        plan_launch({"SM_HOSTS": '["algo-1","algo-2"]', "SM_CURRENT_HOST": "algo-9"}, 0, 1, 0)


def test_plan_local_spawn() -> None:
    plan = plan_launch({}, 2, 29500, 0)
    assert (plan.launcher, plan.world_size, plan.nproc_local, plan.master_addr) == ("spawn", 2, 2, "127.0.0.1")
    assert plan.master_port > 0
