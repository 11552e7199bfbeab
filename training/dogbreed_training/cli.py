"""Entry point: parse flags and environment, start or join the ranks, train, write the model dir."""

from __future__ import annotations

import os
import sys
from typing import Mapping, Sequence

import torch
import torch.multiprocessing as mp

from dogbreed_training.config import TrainConfig, parse_config
from dogbreed_training.data import load_datasets, unreadable_total
from dogbreed_training.distributed import (
    LaunchPlan,
    exit_finished_rank,
    init_distributed,
    plan_launch,
    rank_env,
    shutdown,
)
from dogbreed_training.errors import TrainingError, report
from dogbreed_training.trainer import Trainer


def run(cfg: TrainConfig, env: Mapping[str, str], launcher: str) -> None:
    """One rank's whole job."""
    info = init_distributed(env, launcher, cfg.device)
    try:
        if info.is_main:
            print(
                f"training: backbone={cfg.backbone} world_size={info.world_size} launcher={launcher} "
                f"backend={info.backend or 'none'} device={info.device} freeze_backbone={cfg.freeze_backbone}",
                flush=True,
            )
        data = load_datasets(cfg.train_dir, cfg.valid_dir, cfg.test_dir, cfg.image_size)
        if info.is_main:
            r = data.report
            print(
                f"data: classes={r['classes']} train={r['train']['images']} valid={r['valid']['images']} "
                f"test={r.get('test', {}).get('images', 0)} unreadable_skipped={unreadable_total(r)}",
                flush=True,
            )
        trainer = Trainer(cfg, info, data)
        trainer.finish(trainer.train())
    finally:
        shutdown(info)
    if info.world_size > 1:
        exit_finished_rank()


def _spawned(local_rank: int, cfg: TrainConfig, plan: LaunchPlan) -> None:
    os.environ.update(rank_env(plan, local_rank))
    try:
        run(cfg, dict(os.environ), plan.launcher)
    except TrainingError as err:
        print(f"ERROR [rank {os.environ['RANK']}] {err.name}: {err}", file=sys.stderr, flush=True)
        raise


def main(argv: Sequence[str] | None = None) -> int:
    env = dict(os.environ)
    try:
        cfg = parse_config(sys.argv[1:] if argv is None else argv, env)
        cuda = torch.cuda.device_count() if cfg.device != "cpu" else 0
        plan = plan_launch(env, cfg.nproc_per_node, cfg.dist_port, cuda)
        if plan.nproc_local > 0:
            print(
                f"launching {plan.nproc_local} local ranks ({plan.launcher}, world size {plan.world_size}, "
                f"master {plan.master_addr}:{plan.master_port})",
                flush=True,
            )
            mp.spawn(_spawned, args=(cfg, plan), nprocs=plan.nproc_local, join=True)
        else:
            run(cfg, env, plan.launcher)
        return 0
    except TrainingError as err:
        return report(err)
    except (mp.ProcessRaisedException, mp.ProcessExitedException) as err:
        print(f"ERROR: a training rank failed:\n{err}", file=sys.stderr, flush=True)
        return 1
