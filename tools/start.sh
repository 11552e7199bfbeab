#!/usr/bin/env bash
# `npm start`: the local stack — both SageMaker-style endpoints as pools of real model-server processes behind an
# InvokeEndpoint-compatible router with target-tracking autoscaling, the real invoker Lambda bundle with reserved
# concurrency, and a dashboard, all on 127.0.0.1. Works offline after `npm ci` (and one `tools/setup.sh`, which it runs).
# With no model in .local-stack/models/{single,multi} it serves the default: the pretrained ImageNet EfficientNet-Lite0
# reduced to its 118 dog breeds; a model you trained into those dirs is served instead.
# Flags go to the local stack: npm start -- --port 0 --time-scale 60 --models-dir DIR --no-train --spec-json JSON
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
STEP_TAG=start
source tools/prepare-stack.sh
prepare_stack

say "3/3 starting the local stack (Ctrl-C stops it and every process it started)"
exec node dist/apps/local-stack/main.js "$@"
