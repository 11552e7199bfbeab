"""Two-process DDP runs (gloo on CPU): torch.multiprocessing spawn and real torchrun; resume from checkpoint."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from conftest import FAST_ARGS, METADATA_SCHEMA, TRAIN_PY, clean_env, run_cmd, run_train

from dogbreed_training.distributed import free_port
from dogbreed_training.synthetic import make_dataset

MODEL_FILES = ["confusion_matrix.png", "evaluation.json", "metadata.json", "model.onnx"]


def dirs(work: Path) -> list[str]:
    return ["--model-dir", str(work / "model"), "--output-dir", str(work / "out")]


def test_two_process_ddp_trains_and_only_rank0_writes(shapes_dir: Path, tmp_path: Path) -> None:
    proc = run_train(
        ["--data-dir", str(shapes_dir), *dirs(tmp_path), "--epochs", "6", *FAST_ARGS, "--nproc-per-node", "2"]
    )
    out = proc.stdout
    assert "world_size=2 launcher=spawn backend=gloo" in out
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == MODEL_FILES
    meta = json.loads((tmp_path / "model" / "metadata.json").read_text())
    jsonschema.validate(meta, json.loads(METADATA_SCHEMA.read_text()))
    assert meta["trainingMode"] == "multi"
    assert meta["metrics"]["world_size"] == 2
    evaluation = json.loads((tmp_path / "model" / "evaluation.json").read_text())
    assert evaluation["top1"] >= 0.75, out
    # Each rank reports what it wrote through the rank-0-only writer; a write from rank 1 would have failed the run.
    assert "rank=1 files_written=0" in out
    assert "rank=0 files_written=" in out and "rank=0 files_written=0" not in out
    # Metric lines come from rank 0 alone: one per epoch.
    assert sum(1 for ln in out.splitlines() if ln.startswith("epoch=")) == 6


def test_torchrun_launch(shapes_dir: Path, tmp_path: Path) -> None:
    # --redirects/--tee 1: torch 1.13's torchrun cannot parse their default "0" on Python 3.11 (Debian's build);
    # harmless on torch 2.x. Output lines are prefixed with the rank ("[default0]:").
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    cmd += ["--redirects", "1", "--tee", "1", str(TRAIN_PY), "--data-dir", str(shapes_dir), *dirs(tmp_path)]
    proc = run_cmd([*cmd, "--epochs", "1", *FAST_ARGS], env=clean_env(OMP_NUM_THREADS="1"))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "world_size=2 launcher=torchrun backend=gloo" in proc.stdout
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == MODEL_FILES
    meta = json.loads((tmp_path / "model" / "metadata.json").read_text())
    assert meta["trainingMode"] == "multi"
    assert "rank=1 files_written=0" in proc.stdout


@pytest.mark.parametrize("procs", [1, 2])
def test_resume_continues_at_the_next_epoch(shapes_dir: Path, tmp_path: Path, procs: int) -> None:
    common = ["--data-dir", str(shapes_dir), *dirs(tmp_path), *FAST_ARGS, "--nproc-per-node", str(procs)]
    first = run_train([*common, "--epochs", "2"])
    assert "starting at epoch 1" in first.stdout
    # An interrupted spot job restarts with the same arguments (here with a longer schedule): epochs 3 and 4 only.
    second = run_train([*common, "--epochs", "4"])
    assert "resumed from checkpoint epoch=2: continuing at epoch 3" in second.stdout
    epochs = [ln.split()[0] for ln in second.stdout.splitlines() if ln.startswith("epoch=")]
    assert epochs == ["epoch=3", "epoch=4"]
    history = json.loads((tmp_path / "out" / "history.json").read_text())
    assert [h["epoch"] for h in history] == [1, 2, 3, 4]
    meta = json.loads((tmp_path / "model" / "metadata.json").read_text())
    assert meta["metrics"]["epochs_completed"] == 4
    # Nothing left to do: a third start exports again without training.
    third = run_train([*common, "--epochs", "4"])
    assert not [ln for ln in third.stdout.splitlines() if ln.startswith("epoch=")]
    assert "continuing at epoch 5" in third.stdout


def test_checkpoint_of_other_classes_is_refused(shapes_dir: Path, tmp_path: Path) -> None:
    run_train(["--data-dir", str(shapes_dir), *dirs(tmp_path), *FAST_ARGS, "--epochs", "1"])
    other = tmp_path / "other-data"
    make_dataset(other, classes=3, per_split={"train": 4, "valid": 2}, size=48)
    cmd = [sys.executable, str(TRAIN_PY), "--data-dir", str(other), *dirs(tmp_path), *FAST_ARGS, "--epochs", "2"]
    proc = run_cmd(cmd)
    assert proc.returncode == 2
    assert "CheckpointError" in proc.stderr and "other classes" in proc.stderr


def test_sagemaker_multi_instance_env(shapes_dir: Path, tmp_path: Path) -> None:
    """Two "instances" on this machine, each with its own SageMaker dirs, as SageMaker starts them (plain
    `python train.py` per host, SM_HOSTS/SM_CURRENT_HOST). Only the first host's rank 0 writes anything."""
    hosts = ["127.0.0.1", "localhost"]  # sorted: 127.0.0.1 is the first host, the rendezvous master
    port = str(free_port())
    procs = []
    for host in hosts:
        d = tmp_path / host
        env = clean_env(
            SM_HOSTS=json.dumps(hosts),
            SM_CURRENT_HOST=host,
            SM_NUM_GPUS="0",
            SM_CHANNEL_TRAIN=str(shapes_dir),
            SM_MODEL_DIR=str(d / "model"),
            SM_OUTPUT_DATA_DIR=str(d / "output"),
        )
        cmd = [sys.executable, str(TRAIN_PY), "--epochs", "2", *FAST_ARGS, "--dist-port", port]
        cmd += ["--checkpoint-dir", str(d / "checkpoints")]
        procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    outs = []
    try:
        for p in procs:
            outs.append(p.communicate(timeout=240)[0])
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert [p.returncode for p in procs] == [0, 0], "\n".join(o[-2000:] for o in outs)
    assert "launching 1 local ranks (sagemaker, world size 2, master 127.0.0.1:" in outs[0]
    assert "world_size=2 launcher=sagemaker backend=gloo" in outs[0]
    first, second = tmp_path / hosts[0], tmp_path / hosts[1]
    assert sorted(p.name for p in (first / "model").iterdir()) == MODEL_FILES
    assert json.loads((first / "model" / "metadata.json").read_text())["trainingMode"] == "multi"
    assert len(list((first / "checkpoints").iterdir())) == 2
    assert not (second / "model").exists() and not (second / "output").exists()
    assert not (second / "checkpoints").exists()
    assert "rank=1 files_written=0" in outs[1]
