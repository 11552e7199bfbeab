#!/usr/bin/env bash
# `npm run loadtest`: proves the local stack holds traffic. Runs k6's smoke, autoscale and concurrency scenarios
# against the stack already running on spec.localStack.port (npm start), or against one it starts there and stops
# afterwards; verifies what the stack did (instances 1 → maxInstances and back, concurrent executions = reserved
# concurrency, throttles) against the spec; prints the verdict table; writes dist/loadtest/report.html.
# Flags go to the load test: npm run loadtest -- --port 0 (always start a fresh stack on a free port) --out DIR
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { printf '\033[1;34m[loadtest]\033[0m %s\n' "$*" >&2; }

say "1/3 set-up: Python environment, pretrained weights and k6 (skipped when already installed)"
bash tools/setup.sh --python-only
source tools/env.sh
if [ ! -x "${DOGBREED_K6:-$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin/k6}" ]; then
  say "k6 is missing: installing it with tools/setup.sh"
  bash tools/setup.sh
fi

say "2/3 building model-server, invoker, launcher and local-stack with Nx (cached after the first run)"
npx nx run-many -t build -p model-server invoker launcher local-stack --output-style=static >&2

say "3/3 running the load test (about 4 minutes)"
exec tsx --tsconfig apps/loadtest/tsconfig.json apps/loadtest/src/cli/front-door.ts "$@"
