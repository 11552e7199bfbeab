#!/usr/bin/env bash
# `npm test`: checks formatting, installs what the tests need (idempotent), then every project's lint, typecheck,
# build and test (two at a time), then the end-to-end suites that start the whole local stack (one at a time: they
# measure scaling and concurrency and need the machine to themselves).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Formatting first: it takes seconds and names every file that differs (`npm run format` fixes them).
npm run --silent format:check
bash tools/setup.sh
source tools/env.sh
npx nx run-many -t lint typecheck build test --output-style=static "$@"
npx nx run-many -t e2e --parallel=1 --output-style=static "$@"
