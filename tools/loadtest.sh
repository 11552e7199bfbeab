#!/usr/bin/env bash
# `npm run loadtest`: proves the local stack holds traffic. Runs k6's smoke, autoscale and concurrency scenarios
# against the stack already running on spec.localStack.port (npm start), or against one it starts there and stops
# afterwards; verifies what the stack did (instances 1 → maxInstances and back, concurrent executions = reserved
# concurrency, throttles) against the spec; prints the verdict table; writes dist/loadtest/report.html.
# Flags go to the load test: npm run loadtest -- --port 0 (always start a fresh stack on a free port) --out DIR
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
STEP_TAG=loadtest
source tools/prepare-stack.sh
prepare_stack
if [ ! -x "${DOGBREED_K6:-$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin/k6}" ]; then
  say "k6 is missing: installing it with tools/setup.sh"
  bash tools/setup.sh
fi

say "3/3 running the load test (about 4 minutes)"
exec tsx --tsconfig apps/loadtest/tsconfig.json apps/loadtest/src/cli/front-door.ts "$@"
