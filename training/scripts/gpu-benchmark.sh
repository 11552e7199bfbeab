#!/usr/bin/env bash
# One prepared GPU run of the training benchmark (dogbreed_training.benchmark): on generated 400×320 JPEG photos,
# the real trainer's fine-tuning images/s as a share of a bare bf16 train step of the same model (reference), with
# the pre-resize shard cache (the default) and without it (decoding every epoch), for EfficientNet-Lite0 (the spec's
# default; plus the DataLoader alone with and without the shard cache, and frozen cached vs uncached when its weights
# are installed) and ResNet50. Needs python3 with torch + torchvision (+ onnxruntime for the export parity check);
# no internet, no dataset.
# Usage: bash training/scripts/gpu-benchmark.sh          (CUDA; figures to $OUT or training/test-output)
#        bash training/scripts/gpu-benchmark.sh quick    (CPU smoke test of this script, tiny sizes)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY="${PYTHON:-python3}"
OUT_DIR="${OUT:-test-output}"
mkdir -p "$OUT_DIR"
if [ "${1:-}" = quick ]; then
  COMMON=(--device cpu --image-size 64 --train-images 32 --epochs 2 --batch-size 8 --reference-steps 3)
else
  "$PY" -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'; print('GPU', torch.cuda.get_device_name(0), 'torch', torch.__version__)"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || true
  COMMON=(--device cuda --image-size 224 --train-images 8192 --epochs 3 --batch-size 256 --reference-steps 30)
fi
"$PY" -m dogbreed_training.benchmark "${COMMON[@]}" --backbone efficientnet_lite0 \
  --suites reference,trainer,trainer-decode,loader,frozen-cached,frozen-uncached --loader-passes 3 \
  --out "$OUT_DIR/benchmark-efficientnet_lite0.json" \
  > "$OUT_DIR/benchmark-efficientnet_lite0.log" 2>&1 || { tail -40 "$OUT_DIR/benchmark-efficientnet_lite0.log"; exit 1; }
"$PY" -m dogbreed_training.benchmark "${COMMON[@]}" --backbone resnet50 \
  --suites reference,trainer,trainer-decode --out "$OUT_DIR/benchmark-resnet50.json" \
  > "$OUT_DIR/benchmark-resnet50.log" 2>&1 || { tail -40 "$OUT_DIR/benchmark-resnet50.log"; exit 1; }
echo
for b in efficientnet_lite0 resnet50; do sed -n '/ (images\/s)$/,$p' "$OUT_DIR/benchmark-$b.log"; done
