# Sourced by the front-door scripts (tools/start.sh, tools/loadtest.sh): the bundles the local stack runs, built by Nx
# (cached after the first run), and meanwhile the Python environment the default model's export needs and the
# pretrained weights (tools/setup.sh --start, idempotent; the test-only Python packages are left to `npm test`).
# The two overlap because the build is CPU and the set-up mostly waits on PyPI; the set-up runs in the foreground
# (it may ask for a sudo password to install Debian's PyTorch), the build in the background with its output in
# .local-stack/logs/build.log, shown only when it fails.
# `say` prints a step in the caller's colour and tag (STEP_TAG).
say() { printf '\033[1;34m[%s]\033[0m %s\n' "${STEP_TAG:-dogbreed}" "$*" >&2; }

prepare_stack() {
  source tools/env.sh
  local build_log=".local-stack/logs/build.log"
  mkdir -p "$(dirname "$build_log")"
  say "1/3 building model-server, invoker, launcher and local-stack with Nx in the background (cached after the first run; log: $build_log)"
  NX_DAEMON=false npx nx run-many -t build -p model-server invoker launcher local-stack --output-style=static \
    >"$build_log" 2>&1 &
  local build_pid=$!
  say "2/3 Python environment for the default model and the pretrained weights (skipped when already installed)"
  if ! bash tools/setup.sh --start; then
    kill "$build_pid" 2>/dev/null || true
    wait "$build_pid" 2>/dev/null || true
    return 1
  fi
  if ! wait "$build_pid"; then
    tail -n 40 "$build_log" >&2
    say "the Nx build failed (the last lines above; all of it in $build_log)"
    return 1
  fi
}
