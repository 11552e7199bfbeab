#!/usr/bin/env bash
# `npm test`: installs what the tests need (idempotent), then lint, typecheck, build and test of every project.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash tools/setup.sh
source tools/env.sh
npx nx run-many -t lint typecheck build test --output-style=static "$@"
