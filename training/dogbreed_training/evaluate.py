"""Evaluation on a held-out split: top-1, top-5, per-class accuracy, confusion matrix (and its PNG), and the
prediction baseline the drift run compares served answers with (top-1 confidence histogram)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch
from PIL import Image, ImageDraw
from torch import nn
from torch.utils.data import DataLoader

# The top-1 confidence histogram's edges: ten equal bins over [0, 1], the last closed. `dogbreed-drift` bins served
# answers on the same edges (`CONFIDENCE_BIN_EDGES` in libs/model-quality) and refuses a baseline with other ones.
CONFIDENCE_BINS = 10
CONFIDENCE_EDGES = [i / CONFIDENCE_BINS for i in range(CONFIDENCE_BINS + 1)]


def confidence_histogram(probabilities: torch.Tensor) -> list[int]:
    """Counts of top-1 softmax probabilities per bin of CONFIDENCE_EDGES (1.0 in the last bin)."""
    bins = (probabilities * CONFIDENCE_BINS).floor().clamp(0, CONFIDENCE_BINS - 1).long()
    return torch.bincount(bins, minlength=CONFIDENCE_BINS).tolist()


@dataclass
class Evaluation:
    confusion: torch.Tensor  # [true, predicted] counts
    top1: float
    top5: float
    topk: int
    images: int
    skipped: int
    # Top-1 softmax probabilities per CONFIDENCE_EDGES bin: the served model answers softmax(logits) too.
    confidence_counts: list[int] = field(default_factory=lambda: [0] * CONFIDENCE_BINS)

    def per_class(self, class_names: list[str]) -> dict[str, float | None]:
        totals = self.confusion.sum(dim=1)
        out: dict[str, float | None] = {}
        for i, name in enumerate(class_names):
            n = int(totals[i])
            out[name] = round(float(self.confusion[i, i]) / n, 6) if n else None
        return out

    def to_json(self, class_names: list[str], split: str) -> dict:
        return {
            "split": split,
            "images": self.images,
            "skippedImages": self.skipped,
            "top1": round(self.top1, 6),
            "top5": round(self.top5, 6),
            "topK": self.topk,
            "perClassAccuracy": self.per_class(class_names),
            "classNames": class_names,
            "confusionMatrix": self.confusion.tolist(),
            # The drift baseline: the predicted class mix is the confusion matrix's column sums; the dog head is
            # added at export, so the not-a-dog rate is not measured here.
            "predictionBaseline": {
                "confidenceEdges": CONFIDENCE_EDGES,
                "confidenceCounts": self.confidence_counts,
            },
        }


def topk_correct(logits: torch.Tensor, labels: torch.Tensor, k: int) -> int:
    k = min(k, logits.shape[1])
    top = logits.topk(k, dim=1).indices
    return int((top == labels.unsqueeze(1)).any(dim=1).sum())


@torch.no_grad()
def evaluate(
    model: nn.Module,
    loader: DataLoader,
    device: torch.device,
    num_classes: int,
    prepare: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> Evaluation:
    """`prepare` turns a loader batch into the model input on `device` (the trainer's uint8 → normalised step)."""
    model.eval()
    confusion = torch.zeros(num_classes, num_classes, dtype=torch.long)
    top1 = top5 = n = skipped = 0
    confidence = [0] * CONFIDENCE_BINS
    k = min(5, num_classes)
    for batch in loader:
        skipped += batch.skipped
        if len(batch) == 0:
            continue
        x = prepare(batch.images) if prepare is not None else batch.images.to(device)
        logits = model(x).float().cpu()
        pred = logits.argmax(dim=1)
        for i, c in enumerate(confidence_histogram(logits.softmax(dim=1).max(dim=1).values)):
            confidence[i] += c
        for t, p in zip(batch.labels.tolist(), pred.tolist(), strict=True):
            confusion[t, p] += 1
        top1 += int((pred == batch.labels).sum())
        top5 += topk_correct(logits, batch.labels, k)
        n += len(batch)
    return Evaluation(confusion, top1 / n if n else 0.0, top5 / n if n else 0.0, k, n, skipped, confidence)


def confusion_png(confusion: torch.Tensor, class_names: list[str], path: Path, title: str = "") -> None:
    """Row-normalised heat map (rows: true class, columns: predicted); labels when they fit."""
    n = len(class_names)
    cell = max(4, min(40, 800 // max(n, 1)))
    label_w = 160 if cell >= 10 else 40
    top = 30
    title = title or f"confusion matrix ({n} classes; rows true, columns predicted)"
    size = (max(label_w + n * cell + 10, 7 * len(title) + 8), top + n * cell + 10)
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    draw.text((4, 8), title, fill="black")
    rows = confusion.sum(dim=1).clamp(min=1).float()
    norm = confusion.float() / rows.unsqueeze(1)
    for i in range(n):
        for j in range(n):
            v = float(norm[i, j])
            shade = int(255 * (1 - v))
            colour = (shade, shade, 255) if i == j else (255, shade, shade)
            x0, y0 = label_w + j * cell, top + i * cell
            draw.rectangle([x0, y0, x0 + cell - 1, y0 + cell - 1], fill=colour, outline=(220, 220, 220))
            if cell >= 24 and int(confusion[i, j]):
                draw.text((x0 + 3, y0 + cell // 2 - 5), str(int(confusion[i, j])), fill="black" if v < 0.5 else "white")
        if cell >= 10:
            draw.text((4, top + i * cell + max(0, cell // 2 - 5)), class_names[i][:24], fill="black")
        elif i % 10 == 0:
            draw.text((4, top + i * cell), str(i), fill="black")
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, format="PNG")
