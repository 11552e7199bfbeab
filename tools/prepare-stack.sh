# Sourced by the front-door scripts (tools/start.sh, tools/loadtest.sh): the Python environment and pretrained
# weights (tools/setup.sh --python-only, idempotent), tools/env.sh, then the bundles the local stack runs, built by Nx
# (cached after the first run). `say` prints a step in the caller's colour and tag (STEP_TAG).
say() { printf '\033[1;34m[%s]\033[0m %s\n' "${STEP_TAG:-dogbreed}" "$*" >&2; }

prepare_stack() {
  say "1/3 Python environment for training and the pretrained weights (skipped when already installed)"
  bash tools/setup.sh --python-only
  source tools/env.sh
  say "2/3 building model-server, invoker, launcher and local-stack with Nx (cached after the first run)"
  NX_DAEMON=false npx nx run-many -t build -p model-server invoker launcher local-stack --output-style=static >&2
}
