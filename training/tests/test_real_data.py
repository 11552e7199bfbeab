"""Optional: the whole pipeline on real JPEG dog photos from ../shared (skips cleanly when absent)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FAST_ARGS, run_train, shared_dogs

from dogbreed_training.data import is_image_file


@pytest.mark.skipif(shared_dogs() is None, reason="real photos live in ../shared/data/dogs-mini (absent here)")
def test_short_run_on_real_dog_photos(tmp_path: Path) -> None:
    dogs = shared_dogs()
    assert dogs is not None
    args = ["--data-dir", str(dogs), "--model-dir", str(tmp_path / "m"), "--output-dir", str(tmp_path / "o")]
    proc = run_train([*args, *FAST_ARGS, "--epochs", "1", "--max-steps-per-epoch", "3"])
    meta = json.loads((tmp_path / "m" / "metadata.json").read_text())
    breeds = sorted(p.name for p in (dogs / "train").iterdir() if p.is_dir())
    assert meta["classNames"] == breeds and meta["numClasses"] == 10
    evaluation = json.loads((tmp_path / "m" / "evaluation.json").read_text())
    assert evaluation["images"] == sum(1 for p in (dogs / "test").rglob("*") if is_image_file(p))
    assert "unreadable_skipped=0" in proc.stdout
