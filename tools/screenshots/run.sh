#!/usr/bin/env bash
# `npm run screenshots`: builds what the load test starts, then makes the README's pictures (tools/screenshots/main.ts).
# Takes about five minutes (a full local load test); `npm run screenshots -- --skip-loadtest` re-shoots the reports only.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
source tools/env.sh
npx nx run-many -t build -p model-server invoker launcher local-stack --output-style=static >&2
exec tsx --tsconfig tools/tsconfig.json tools/screenshots/main.ts "$@"
