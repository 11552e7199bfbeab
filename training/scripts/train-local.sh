#!/usr/bin/env bash
# `nx run training:train-local`: a short real training run on the synthetic shapes set (generated once), CPU only.
# The shard cache (decoded, pre-resized training images) stays beside the data and is reused by the next run.
# Extra arguments go to train.py, e.g. `-- --nproc-per-node 2` for a 2-process DDP run or `--backbone mobilenet_v3_large`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT="${TRAIN_LOCAL_DIR:-../tmp/train-local}"
PY="${DOGBREED_PYTHON:-../.venv/bin/python}"
[ -d "$OUT/data/train" ] || "$PY" -m dogbreed_training.synthetic --out "$OUT/data" --size 64
rm -rf "$OUT/model" "$OUT/output" "$OUT/checkpoints"
"$PY" train.py --data-dir "$OUT/data" --model-dir "$OUT/model" --output-dir "$OUT/output" \
  --checkpoint-dir "$OUT/checkpoints" --backbone tiny_cnn --image-size 64 --epochs 5 --batch-size 16 --lr 0.01 \
  --freeze-backbone false --num-workers 0 --device cpu --shard-cache-dir "$OUT/shard-cache" "$@"
"$PY" -m dogbreed_training.check_dataset "$OUT/data" >/dev/null
echo "model dir: $(cd "$OUT/model" && pwd)"
