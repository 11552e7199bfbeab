# Sourced by tools/test.sh and tools/start.sh: the paths tools/setup.sh installs into, and Nx offline settings.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin:$ROOT/node_modules/.bin:$PATH"
export DOGBREED_PYTHON="${DOGBREED_PYTHON:-$ROOT/.venv/bin/python}"
export NX_DAEMON=false
export NX_NO_CLOUD=true
