"""The training loop: DDP when world size > 1 (of the head alone on cached features when the backbone is frozen),
the shard cache for the image pipeline, per-epoch checkpoints, resume, early stopping, final artifacts."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

from dogbreed_training import checkpoint as ckpt
from dogbreed_training.artifacts import RankZeroWriter
from dogbreed_training.config import EVALUATION_FILE, METADATA_FILE, MODEL_FILE, TrainConfig, spec_export_settings
from dogbreed_training.data import (
    Batch,
    DataBundle,
    DevicePrep,
    SafeImageDataset,
    ShardSampler,
    eval_pixels,
    make_loader,
    train_sampler,
    unreadable_total,
)
from dogbreed_training.distributed import DistInfo, all_reduce_sum, barrier, broadcast_object
from dogbreed_training.dog_output import with_dog_output
from dogbreed_training.errors import ExportError
from dogbreed_training.evaluate import evaluate
from dogbreed_training.export import (
    INPUT_NAME,
    OUTPUT_NAME,
    PARITY_FAIL,
    PARITY_TOLERANCE,
    build_metadata,
    onnx_max_abs_diff,
)
from dogbreed_training.features import FeatureCache, extract_features, gather_cache
from dogbreed_training.metrics import EarlyStopping, format_metrics
from dogbreed_training.model import HEAD_ATTR, HEAD_PREFIX, build_model, head_logits, set_train_mode
from dogbreed_training.quantize import ExportPrecision, PrecisionInputs, apply_precision
from dogbreed_training.shards import ShardImageDataset, build_shards, default_cache_dir, stored_side
from dogbreed_training.weights import normalization

CONFUSION_FILE = "confusion_matrix.png"
# With pretrained weights, fine-tuning moves the backbone ten times slower than the new head.
BACKBONE_LR_FACTOR = 0.1


def amp_dtype(device: torch.device, enabled: bool) -> torch.dtype | None:
    """bf16 where the GPU supports it (Ampere and later: no loss scaling needed), else fp16 (T4); None on CPU."""
    if not enabled or device.type != "cuda":
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def make_grad_scaler(dtype: torch.dtype | None):
    """fp16 needs loss scaling; torch 2.x moved GradScaler to torch.amp, 1.13 has it in torch.cuda.amp."""
    if dtype != torch.float16:
        return None
    scaler_cls = getattr(torch.amp, "GradScaler", None)
    return scaler_cls("cuda") if scaler_cls is not None else torch.cuda.amp.GradScaler()


@dataclass
class EpochStats:
    loss: float
    acc: float
    images: int
    skipped: int
    seconds: float


@dataclass
class TrainSummary:
    epochs_completed: int
    stopped_early: bool
    best_epoch: int
    history: list[dict] = field(default_factory=list)


class Trainer:
    def __init__(self, cfg: TrainConfig, info: DistInfo, data: DataBundle) -> None:
        self.cfg, self.info, self.data = cfg, info, data
        self.device = info.device
        self.writer = RankZeroWriter(info)
        torch.manual_seed(cfg.seed)
        self.raw = build_model(
            cfg.backbone,
            len(data.class_names),
            cfg.pretrained_weights,
            cfg.freeze_backbone,
            log=self.log,
            image_size=cfg.image_size,
        ).to(self.device)
        cuda = self.device.type == "cuda"
        self.channels_last = cuda and cfg.channels_last
        if self.channels_last:
            self.raw = self.raw.to(memory_format=torch.channels_last)
        mean, std = normalization(cfg.backbone)
        self.prep = DevicePrep(mean, std, self.device, channels_last=self.channels_last)
        self.amp = amp_dtype(self.device, cfg.amp)
        self.scaler = make_grad_scaler(self.amp)
        # Frozen backbone: its features never change, so compute them once (under DDP each rank a shard, then
        # every rank holds all of them) and train only the head.
        self.use_cache = cfg.freeze_backbone and cfg.feature_cache
        # The image pipeline (fine-tuning, or --feature-cache false) reads pre-resized shards instead of JPEGs.
        self.use_shards = cfg.shard_cache and not self.use_cache
        self.train_cache: FeatureCache | None = None
        self.valid_cache: FeatureCache | None = None
        self.head_ddp: torch.nn.Module | None = None
        self.model: torch.nn.Module = self.raw
        if info.world_size > 1:
            ids = [self.device.index] if self.device.type == "cuda" else None
            if self.use_cache:
                # Only the head sees gradients; wrapping the whole network would also broadcast the frozen body's
                # BatchNorm buffers on every step for nothing.
                self.head_ddp = DistributedDataParallel(getattr(self.raw, HEAD_ATTR[cfg.backbone]), device_ids=ids)
            else:
                self.model = DistributedDataParallel(self.raw, device_ids=ids)
        head = HEAD_PREFIX[cfg.backbone]
        head_params = [p for n, p in self.raw.named_parameters() if p.requires_grad and n.startswith(head)]
        body_params = [p for n, p in self.raw.named_parameters() if p.requires_grad and not n.startswith(head)]
        body_lr = cfg.lr * (BACKBONE_LR_FACTOR if cfg.pretrained_weights is not None else 1.0)
        groups = [{"params": head_params, "lr": cfg.lr}]
        if body_params:
            groups.append({"params": body_params, "lr": body_lr})
        self.optimizer = torch.optim.AdamW(groups, weight_decay=1e-4)
        self.scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(self.optimizer, T_max=cfg.epochs)
        self.stopper = EarlyStopping(cfg.early_stopping_patience)
        self.history: list[dict] = []
        self.best_state: dict | None = None
        self.start_epoch = 1
        pin = self.device.type == "cuda"
        self.sampler = train_sampler(data.train, info.rank, info.world_size, cfg.seed)
        self.train_loader = make_loader(
            data.train, cfg.batch_size, cfg.num_workers, self.sampler, seed=cfg.seed, pin_memory=pin
        )
        val_sampler = ShardSampler(len(data.valid), info.rank, info.world_size)
        self.valid_loader = make_loader(data.valid, cfg.batch_size, cfg.num_workers, val_sampler, pin_memory=pin)

    # -- logging: rank 0 speaks for the job; other ranks only report problems
    def log(self, message: str) -> None:
        if self.info.is_main:
            print(message, flush=True)

    def warn(self, message: str) -> None:
        print(f"WARNING [rank {self.info.rank}]: {message}", file=sys.stderr, flush=True)

    def autocast(self):
        if self.amp is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type="cuda", dtype=self.amp)

    def _step(self, loss: torch.Tensor) -> None:
        self.optimizer.zero_grad(set_to_none=True)
        if self.scaler is not None:
            self.scaler.scale(loss).backward()
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            loss.backward()
            self.optimizer.step()

    # -- one optimisation step
    def _run_batch(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor, int]:
        """Loss sum and correct count stay on the device (no sync per step); the epoch adds them up once."""
        if len(batch) == 0:
            # Every image of this local batch failed to decode. DDP needs every rank in every step, so run a
            # zero-weight step on a blank image instead of skipping it (the images are already counted).
            size = self.cfg.image_size
            with self.autocast():
                out = self.model(self.prep(torch.zeros(1, 3, size, size, dtype=torch.uint8)))
                loss = out.float().sum() * 0.0
            self._step(loss)
            zero = torch.zeros((), device=self.device)
            return zero, torch.zeros((), device=self.device, dtype=torch.long), 0
        x = self.prep(batch.images, train=True)
        y = batch.labels.to(self.device, non_blocking=True)
        with self.autocast():
            out = self.model(x)
            loss = F.cross_entropy(out.float(), y)
        self._step(loss)
        n = len(batch)
        return loss.detach() * n, (out.argmax(dim=1) == y).sum(), n

    def _build_caches(self) -> None:
        """Features of train/ (as seen by the eval transform, and its mirror image with --cache-mirror) and valid/;
        under DDP each rank extracts every world-th image and the shards are gathered on every rank."""
        size, workers, info = self.cfg.image_size, self.cfg.num_workers, self.info
        pin = self.device.type == "cuda"
        start = time.perf_counter()
        train_eval = SafeImageDataset(self.data.train.samples, eval_pixels(size))
        shard = ShardSampler(len(train_eval), info.rank, info.world_size)
        loader = make_loader(train_eval, self.cfg.batch_size, workers, shard, pin_memory=pin)
        train = extract_features(
            self.raw, self.cfg.backbone, loader, self.prep, self.autocast, mirror=self.cfg.cache_mirror
        )
        shard = ShardSampler(len(self.data.valid), info.rank, info.world_size)
        loader = make_loader(self.data.valid, self.cfg.batch_size, workers, shard, pin_memory=pin)
        valid = extract_features(self.raw, self.cfg.backbone, loader, self.prep, self.autocast)
        self.train_cache, self.valid_cache = gather_cache(train, info), gather_cache(valid, info)
        seconds = time.perf_counter() - start
        n = self.train_cache.images + self.valid_cache.images
        self.log(
            f"feature cache: {n} images in {seconds:.1f} s "
            f"({n / seconds:.1f} images/s); the head trains on cached features without crop/colour augmentation"
            + (" (mirror images cached too)" if self.train_cache.views > 1 else "")
            + (f"; extracted by {info.world_size} ranks, DDP on the head only" if info.world_size > 1 else "")
        )

    def _build_shards(self) -> None:
        """Decode + resize train/ once into the shard cache (each host's local rank 0 writes; the other ranks wait
        and then read the same files) and point the training loader at it."""
        cfg, info = self.cfg, self.info
        cache_dir = cfg.shard_cache_dir or default_cache_dir(os.environ)
        samples = self.data.train.samples
        build = None
        if info.local_rank == 0:
            build = build_shards(samples, cfg.image_size, cache_dir, cfg.num_workers)
        barrier(info)
        if build is None:
            build = build_shards(samples, cfg.image_size, cache_dir, cfg.num_workers)
        dataset = ShardImageDataset(samples, build.folder, self.data.train.transform)
        what = f"built in {build.seconds:.1f} s" if build.built else "reused"
        self.log(
            f"shard cache: {len(dataset)} training images pre-resized to shorter side "
            f"{stored_side(cfg.image_size)} ({what}: {build.folder}); epochs crop and flip without decoding"
        )
        pin = self.device.type == "cuda"
        self.train_loader = make_loader(
            dataset, cfg.batch_size, cfg.num_workers, self.sampler, seed=cfg.seed, pin_memory=pin
        )

    def _run_cached_epoch(self, epoch: int) -> EpochStats:
        cache = self.train_cache
        assert cache is not None
        set_train_mode(self.raw, self.cfg.backbone, freeze_backbone=True)
        start = time.perf_counter()
        gen = torch.Generator().manual_seed(self.cfg.seed * 1000 + epoch)
        # The same permutation on every rank (same seed); each rank takes every world-th entry of it, padded like
        # DistributedSampler so that all ranks run the same number of steps (DDP needs every rank in every step).
        order = torch.randperm(cache.images, generator=gen)
        view = torch.randint(cache.views, (cache.images,), generator=gen)
        world = self.info.world_size
        if world > 1:
            total = -(-cache.images // world) * world
            order = order[torch.arange(total) % cache.images][self.info.rank :: world]
        steps = self.cfg.max_steps_per_epoch or None
        loss_sum = torch.zeros((), device=self.device)
        correct = torch.zeros((), device=self.device, dtype=torch.long)
        n = 0
        for step, lo in enumerate(range(0, len(order), self.cfg.batch_size)):
            if steps is not None and step >= steps:
                break
            idx = order[lo : lo + self.cfg.batch_size]
            f = cache.features[view[idx], idx].to(self.device, non_blocking=True)
            y = cache.labels[idx].to(self.device, non_blocking=True)
            out = head_logits(self.raw, self.cfg.backbone, f, self.head_ddp)
            loss = F.cross_entropy(out, y)
            self._step(loss)
            loss_sum += loss.detach() * len(idx)
            correct += (out.argmax(dim=1) == y).sum()
            n += len(idx)
        seconds = time.perf_counter() - start
        total_loss, total_correct, total_n = all_reduce_sum([float(loss_sum), float(correct), float(n)], self.info)
        (seconds,) = all_reduce_sum([seconds], self.info)
        seconds /= world
        return EpochStats(total_loss / max(total_n, 1), total_correct / max(total_n, 1), int(total_n), 0, seconds)

    @torch.no_grad()
    def _validate_cached(self) -> EpochStats:
        cache = self.valid_cache
        assert cache is not None
        self.raw.eval()
        start = time.perf_counter()
        # Every rank holds the whole validation cache and the same head: each computes the same exact figures.
        f, y = cache.features[0].to(self.device), cache.labels.to(self.device)
        out = head_logits(self.raw, self.cfg.backbone, f)
        loss = float(F.cross_entropy(out, y, reduction="sum"))
        correct = int((out.argmax(dim=1) == y).sum())
        n = cache.images
        return EpochStats(loss / max(n, 1), correct / max(n, 1), n, cache.skipped, time.perf_counter() - start)

    def _run_epoch(self, epoch: int) -> EpochStats:
        if self.use_cache:
            return self._run_cached_epoch(epoch)
        self.sampler.set_epoch(epoch)
        set_train_mode(self.raw, self.cfg.backbone, self.cfg.freeze_backbone)
        start = time.perf_counter()
        loss_t = torch.zeros((), device=self.device)
        correct_t = torch.zeros((), device=self.device, dtype=torch.long)
        n = skipped = 0.0
        for step, batch in enumerate(self.train_loader):
            if self.cfg.max_steps_per_epoch and step >= self.cfg.max_steps_per_epoch:
                break
            skipped += batch.skipped
            b_loss, b_correct, b_n = self._run_batch(batch)
            loss_t += b_loss
            correct_t += b_correct
            n += b_n
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        seconds = time.perf_counter() - start
        loss_sum, correct = float(loss_t), float(correct_t)
        loss_sum, correct, n, skipped = all_reduce_sum([loss_sum, correct, n, skipped], self.info)
        (seconds,) = all_reduce_sum([seconds], self.info)
        seconds /= self.info.world_size
        return EpochStats(loss_sum / max(n, 1), correct / max(n, 1), int(n), int(skipped), seconds)

    @torch.no_grad()
    def _validate(self) -> EpochStats:
        if self.use_cache:
            return self._validate_cached()
        self.raw.eval()
        start = time.perf_counter()
        loss_sum = correct = n = skipped = 0.0
        for batch in self.valid_loader:
            skipped += batch.skipped
            if len(batch) == 0:
                continue
            x, y = self.prep(batch.images), batch.labels.to(self.device)
            out = self.raw(x)
            loss_sum += float(F.cross_entropy(out, y, reduction="sum"))
            correct += int((out.argmax(dim=1) == y).sum())
            n += len(batch)
        loss_sum, correct, n, skipped = all_reduce_sum([loss_sum, correct, n, skipped], self.info)
        return EpochStats(loss_sum / max(n, 1), correct / max(n, 1), int(n), int(skipped), time.perf_counter() - start)

    # -- snapshots (keyed dicts; rank 0 writes, rank 0 reads and broadcasts)
    def _snapshot(self) -> dict:
        return {
            "model_state": self.raw.state_dict(),
            "optimizer_state": self.optimizer.state_dict(),
            "scheduler_state": self.scheduler.state_dict(),
            "early_stopping": self.stopper.state_dict(),
            "best_model_state": self.best_state,
            "history": self.history,
            "class_names": self.data.class_names,
            "backbone": self.cfg.backbone,
            "image_size": self.cfg.image_size,
        }

    def _save_snapshot(self, epoch: int) -> None:
        if self.info.is_main:
            path = self.writer.checkpoint(self.cfg.checkpoint_dir, epoch, self._snapshot())
            self.log(f"checkpoint saved: {path}")

    def _load_snapshot(self) -> None:
        snap = ckpt.load_latest(self.cfg.checkpoint_dir, log=self.warn) if self.info.is_main else None
        snap = broadcast_object(snap, self.info)
        if snap is None:
            self.log(f"no checkpoint in {self.cfg.checkpoint_dir}: starting at epoch 1")
            return
        ckpt.check_compatible(snap, self.data.class_names, self.cfg.backbone, self.cfg.image_size)
        self.raw.load_state_dict(snap["model_state"])
        self.optimizer.load_state_dict(snap["optimizer_state"])
        self.scheduler.load_state_dict(snap["scheduler_state"])
        self.stopper.load_state_dict(snap["early_stopping"])
        self.best_state = snap["best_model_state"]
        self.history = list(snap["history"])
        self.start_epoch = snap["epoch"] + 1
        self.log(f"resumed from checkpoint epoch={snap['epoch']}: continuing at epoch {self.start_epoch}")

    def train(self) -> TrainSummary:
        self._load_snapshot()
        stopped = self.stopper.should_stop
        if self.use_cache and not stopped and self.start_epoch <= self.cfg.epochs:
            self._build_caches()
        if self.use_shards and not stopped and self.start_epoch <= self.cfg.epochs:
            self._build_shards()
        for epoch in range(self.start_epoch, self.cfg.epochs + 1):
            if stopped:
                break
            t = self._run_epoch(epoch)
            v = self._validate()
            lr = self.optimizer.param_groups[0]["lr"]
            if self.stopper.step(epoch, v.loss):
                self.best_state = {k: x.detach().to("cpu", copy=True) for k, x in self.raw.state_dict().items()}
            self.scheduler.step()
            row = {
                "epoch": epoch,
                "train_loss": t.loss,
                "train_acc": t.acc,
                "val_loss": v.loss,
                "val_acc": v.acc,
                "lr": lr,
                "images_per_sec": t.images / t.seconds if t.seconds > 0 else 0.0,
                "epoch_seconds": t.seconds,
                "skipped": t.skipped + v.skipped,
            }
            self.history.append(row)
            self.log(format_metrics(row))
            self._save_snapshot(epoch)
            stopped = self.stopper.should_stop
            if stopped:
                self.log(
                    f"early stopping: val_loss has not improved for {self.stopper.patience} epochs "
                    f"(best epoch {self.stopper.best_epoch})"
                )
        if self.best_state is not None:
            self.raw.load_state_dict(self.best_state)
        completed = self.history[-1]["epoch"] if self.history else 0
        return TrainSummary(completed, stopped, self.stopper.best_epoch, self.history)

    # -- final outputs (rank 0), then every rank meets at a barrier
    def finish(self, summary: TrainSummary) -> None:
        if self.info.is_main and self.cfg.export:
            if self.device.type == "cpu" and self.info.world_size > 1:
                # The other ranks only wait at the barrier below, so rank 0's evaluation and export may use every
                # core of the host instead of its 1/N share (init_distributed).
                torch.set_num_threads(os.cpu_count() or 1)
            self._write_outputs(summary)
        elif self.info.is_main:
            self.writer.json(self.cfg.output_dir / "history.json", self.history)
            self.log("--export false: no evaluation, model.onnx or metadata.json (benchmark runs)")
        barrier(self.info)
        print(f"rank={self.info.rank} files_written={len(self.writer.written)}", flush=True)

    def _write_outputs(self, summary: TrainSummary) -> None:
        cfg, names = self.cfg, self.data.class_names
        split = "valid" if self.data.test_is_valid else "test"
        if self.data.test_is_valid:
            self.warn("no test/ split: evaluation.json reports the validation split")
        dataset = self.data.valid if self.data.test_is_valid else self.data.test
        loader = make_loader(dataset, cfg.batch_size, cfg.num_workers)
        ev = evaluate(self.raw, loader, self.device, len(names), prepare=self.prep)
        self.log(format_metrics({"test_top1": ev.top1, "test_top5": ev.top5, "test_images": ev.images}))
        exported, dog = with_dog_output(
            self.raw, cfg.backbone, cfg.pretrained_weights, cfg.freeze_backbone, cfg.image_size
        )
        if dog is None:
            self.warn("no pretrained ImageNet head: the model is exported without the dog_probability output")
        onnx_path = self.writer.onnx(exported, cfg.model_dir / MODEL_FILE, cfg.image_size)
        diff = onnx_max_abs_diff(exported, onnx_path, cfg.image_size)
        if diff is None:
            self.warn("onnxruntime is not installed: ONNX parity not checked")
        elif diff > PARITY_FAIL:
            raise ExportError(f"ONNX outputs differ from PyTorch by {diff:.2e} (> {PARITY_FAIL}); not shipping it")
        elif diff > PARITY_TOLERANCE:
            self.warn(f"ONNX outputs differ from PyTorch by {diff:.2e} (> {PARITY_TOLERANCE})")
        # After the parity check (it holds for the float graph only): INT8 when the spec asks and its guard allows.
        mean, std = normalization(cfg.backbone)
        precision = apply_precision(
            onnx_path,
            ExportPrecision.from_spec(spec_export_settings()),
            PrecisionInputs(
                self.data.train.samples, dataset.samples, cfg.image_size, mean, std, INPUT_NAME, OUTPUT_NAME
            ),
            log=self.log,
        )
        best = next((h for h in self.history if h["epoch"] == summary.best_epoch), None)
        metrics: dict[str, float] = {
            "epochs_completed": summary.epochs_completed,
            "best_epoch": summary.best_epoch,
            "stopped_early": float(summary.stopped_early),
            "test_top1": ev.top1,
            "test_top5": ev.top5,
            "world_size": self.info.world_size,
        }
        if best:
            metrics.update(val_loss=best["val_loss"], val_acc=best["val_acc"], train_acc=best["train_acc"])
            metrics["images_per_sec"] = sum(h["images_per_sec"] for h in self.history) / len(self.history)
        if diff is not None:
            metrics["onnx_max_abs_diff"] = diff
        skipped = sum(h["skipped"] for h in self.history) + ev.skipped
        metrics["skipped_images"] = skipped + unreadable_total(self.data.report)
        meta = build_metadata(
            class_names=names,
            backbone=cfg.backbone,
            mode=self.info.mode,
            image_size=cfg.image_size,
            metrics=metrics,
            hyperparameters={**cfg.hyperparameters(), "world_size": self.info.world_size},
            model_version=cfg.model_version,
            dog=dog,
            precision=precision,
        )
        self.writer.json(cfg.model_dir / METADATA_FILE, meta)
        evaluation = ev.to_json(names, split)
        evaluation["onnxMaxAbsDiff"] = diff
        evaluation["modelVersion"] = meta["modelVersion"]
        self.writer.json(cfg.model_dir / EVALUATION_FILE, evaluation)
        self.writer.confusion_png(ev.confusion, names, cfg.model_dir / CONFUSION_FILE)
        self.writer.json(cfg.output_dir / "history.json", self.history)
        self.writer.json(cfg.output_dir / "data_report.json", self.data.report)
        self.log(f"model dir {cfg.model_dir}: {MODEL_FILE} {METADATA_FILE} {EVALUATION_FILE} {CONFUSION_FILE}")
