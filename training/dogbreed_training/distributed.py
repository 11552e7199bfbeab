"""Process topology: one process, torchrun, SageMaker multi-instance, or processes spawned here.

`plan_launch(env, ...)` is pure: it decides from the environment whether this process is already one rank
(torchrun, or SageMaker's torch_distributed launcher, set RANK/WORLD_SIZE) or must spawn the local ranks itself
(SageMaker's plain multi-instance env: SM_HOSTS/SM_CURRENT_HOST/SM_NUM_GPUS; or --nproc-per-node locally).
"""

from __future__ import annotations

import json
import os
import socket
import sys
from dataclasses import dataclass
from datetime import timedelta
from typing import Mapping, NoReturn

import torch
import torch.distributed as dist

from dogbreed_training.errors import ConfigError

PROCESS_GROUP_TIMEOUT = timedelta(minutes=30)


@dataclass(frozen=True)
class LaunchPlan:
    """How to get from this process to `world_size` ranks."""

    launcher: str  # single | torchrun | sagemaker | spawn
    world_size: int
    nproc_local: int  # processes this host must spawn (0 = none: this process is the rank)
    node_rank: int
    master_addr: str
    master_port: int


@dataclass(frozen=True)
class DistInfo:
    rank: int
    local_rank: int
    world_size: int
    backend: str | None
    device: torch.device
    launcher: str

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def mode(self) -> str:
        return "multi" if self.world_size > 1 else "single"


def _int(env: Mapping[str, str], name: str) -> int:
    try:
        return int(env[name])
    except (KeyError, ValueError) as err:
        raise ConfigError(f"{name} must be an integer, got {env.get(name)!r}", err) from err


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def plan_launch(env: Mapping[str, str], nproc_per_node: int, dist_port: int, cuda_devices: int) -> LaunchPlan:
    if "WORLD_SIZE" in env and "RANK" in env:
        world = _int(env, "WORLD_SIZE")
        return LaunchPlan("torchrun" if world > 1 else "single", world, 0, 0, env.get("MASTER_ADDR", ""), 0)
    hosts: list[str] = []
    if env.get("SM_HOSTS"):
        try:
            hosts = json.loads(env["SM_HOSTS"])
        except json.JSONDecodeError as err:
            raise ConfigError(f"SM_HOSTS is not a JSON list: {env['SM_HOSTS']!r}", err) from err
    if len(hosts) > 1:
        current = env.get("SM_CURRENT_HOST", "")
        if current not in hosts:
            raise ConfigError(f"SM_CURRENT_HOST {current!r} is not among SM_HOSTS {hosts}")
        gpus = int(env.get("SM_NUM_GPUS", "0") or 0)
        nproc = nproc_per_node or max(gpus, 1)
        ordered = sorted(hosts)
        return LaunchPlan("sagemaker", len(hosts) * nproc, nproc, ordered.index(current), ordered[0], dist_port)
    nproc = nproc_per_node or max(cuda_devices, 1)
    if nproc > 1:
        return LaunchPlan("spawn", nproc, nproc, 0, "127.0.0.1", free_port())
    return LaunchPlan("single", 1, 0, 0, "", 0)


def rank_env(plan: LaunchPlan, local_rank: int) -> dict[str, str]:
    """The torchrun-style variables a spawned rank sets before joining the group."""
    return {
        "RANK": str(plan.node_rank * plan.nproc_local + local_rank),
        "LOCAL_RANK": str(local_rank),
        "WORLD_SIZE": str(plan.world_size),
        "LOCAL_WORLD_SIZE": str(plan.nproc_local),
        "MASTER_ADDR": plan.master_addr,
        "MASTER_PORT": str(plan.master_port),
    }


def pick_device(preference: str, local_rank: int) -> torch.device:
    if preference == "cpu" or (preference == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise ConfigError("--device cuda but no CUDA device is available")
    return torch.device("cuda", local_rank % torch.cuda.device_count())


def init_distributed(env: Mapping[str, str], launcher: str, device_preference: str) -> DistInfo:
    """Joins the process group when WORLD_SIZE > 1 (nccl on GPU, gloo on CPU); otherwise a one-rank DistInfo."""
    world = int(env.get("WORLD_SIZE", "1"))
    rank = int(env.get("RANK", "0"))
    local_rank = int(env.get("LOCAL_RANK", "0"))
    device = pick_device(device_preference, local_rank)
    if world <= 1:
        return DistInfo(0, 0, 1, None, device, launcher)
    backend = "nccl" if device.type == "cuda" else "gloo"
    if device.type == "cuda":
        torch.cuda.set_device(device)
    else:
        local_world = int(env.get("LOCAL_WORLD_SIZE", str(world)))
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // max(local_world, 1)))
    dist.init_process_group(backend=backend, init_method="env://", timeout=PROCESS_GROUP_TIMEOUT)
    return DistInfo(rank, local_rank, world, backend, device, launcher)


def all_reduce_sum(values: list[float], info: DistInfo) -> list[float]:
    if info.world_size <= 1:
        return values
    t = torch.tensor(values, dtype=torch.float64, device=info.device)
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return t.tolist()


def all_gather_rows(t: torch.Tensor, info: DistInfo) -> list[torch.Tensor]:
    """Every rank's `t` (on the CPU, in rank order); the row count (dim 0) may differ between ranks, the other
    dims may not. Padded to the longest for the collective (nccl needs equal shapes and device tensors)."""
    if info.world_size <= 1:
        return [t]
    n = torch.tensor([t.shape[0]], dtype=torch.long, device=info.device)
    sizes = [torch.zeros_like(n) for _ in range(info.world_size)]
    dist.all_gather(sizes, n)
    counts = [int(s) for s in sizes]
    padded = torch.zeros((max(counts), *t.shape[1:]), dtype=t.dtype, device=info.device)
    padded[: t.shape[0]] = t.to(info.device)
    out = [torch.empty_like(padded) for _ in range(info.world_size)]
    dist.all_gather(out, padded)
    return [o[:c].cpu() for o, c in zip(out, counts, strict=True)]


def broadcast_object(obj, info: DistInfo):
    """Rank 0's object on every rank (rank 0 reads the checkpoint; each host need not have the file)."""
    if info.world_size <= 1:
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def barrier(info: DistInfo) -> None:
    if info.world_size > 1:
        dist.barrier()


def shutdown(info: DistInfo) -> None:
    if info.world_size > 1 and dist.is_initialized():
        dist.destroy_process_group()


def exit_finished_rank() -> NoReturn:
    """Ends a rank of a multi-rank run that has finished (its files written, the last barrier passed): flushes its
    output and leaves the process without running destructors.

    torch 1.13 (Debian's build, which this package runs on) destroys DDP's reducer, and with it the gloo process
    group, while holding the GIL, and the group's destructor joins its worker threads. A worker that is just freeing
    the last tensor of a finished collective needs the GIL to drop that tensor's Python object, so the two wait for
    each other and the rank never exits (seen here in one of five runs of the two-rank resume test: ~ProcessGroupGloo in
    thread.join, the worker in PyEval_AcquireThread). Upstream: pytorch/pytorch#56297; the GIL is released in the
    destructor since pytorch/pytorch#154976. Nothing is left to do in the process, so skipping the teardown loses
    nothing.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
