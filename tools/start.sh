#!/usr/bin/env bash
# `npm start`: the local stack (issue: local stack). Not built yet: say what it will run and fail plainly.
echo "npm start will run the local stack: both SageMaker-style endpoints as pools of model-server processes," >&2
echo "an InvokeEndpoint-compatible router with autoscaling, the invoker Lambda with reserved concurrency 7," >&2
echo "and a dashboard, all on 127.0.0.1. The local stack is not built yet (apps/local-stack)." >&2
exit 1
