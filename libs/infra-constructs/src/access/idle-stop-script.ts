/**
 * The development notebook's idle stop: a lifecycle OnStart script that installs a Python idle check and a cron
 * entry running it every 5 minutes. The check asks the local Jupyter server (`/api/sessions`, `/api/kernels`,
 * `/api/terminals`) for the last activity; when nothing is busy and the latest activity (or the instance start,
 * whichever is later) is older than the idle time, it runs
 * `aws sagemaker stop-notebook-instance` with the instance's own name from
 * `/opt/ml/metadata/resource-metadata.json`. Standard library only (the notebook has no internet), Python ≥ 3.7.
 */

/** Where the OnStart script puts things on the instance. */
export const IDLE_STOP_PATHS = {
  script: '/usr/local/bin/idle-stop.py',
  cron: '/etc/cron.d/idle-stop',
  startedMarker: '/var/lib/idle-stop/started',
  log: '/var/log/idle-stop.log',
  metadata: '/opt/ml/metadata/resource-metadata.json',
} as const;

/** How often cron runs the check. */
export const IDLE_CHECK_EVERY_MINUTES = 5;

/** Largest OnStart content SageMaker accepts (base64 of the script). */
export const MAX_LIFECYCLE_SCRIPT_BASE64 = 16384;

/** The idle check itself (Python). Environment variables override the paths and the idle time, for tests. */
export function idleCheckPython(idleStopMinutes: number): string {
  if (!Number.isInteger(idleStopMinutes) || idleStopMinutes < IDLE_CHECK_EVERY_MINUTES) {
    throw new Error(
      `idleStopMinutes must be an integer ≥ ${IDLE_CHECK_EVERY_MINUTES}, got ${idleStopMinutes}`,
    );
  }
  return `#!/usr/bin/env python3
"""Stops this SageMaker notebook instance after ${idleStopMinutes} idle minutes (installed by the lifecycle config)."""
import datetime
import json
import os
import ssl
import subprocess
import sys
import urllib.request

IDLE_MINUTES = int(os.environ.get("IDLE_STOP_MINUTES", "${idleStopMinutes}"))
JUPYTER_URL = os.environ.get("IDLE_STOP_JUPYTER_URL", "https://localhost:8443")
METADATA = os.environ.get("IDLE_STOP_METADATA", "${IDLE_STOP_PATHS.metadata}")
STARTED_MARKER = os.environ.get("IDLE_STOP_STARTED_MARKER", "${IDLE_STOP_PATHS.startedMarker}")
AWS_CLI = os.environ.get("IDLE_STOP_AWS_CLI", "aws")


def log(message):
    print(datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ") + " idle-stop: " + message, flush=True)


def jupyter(path):
    context = None
    if JUPYTER_URL.startswith("https"):
        # The notebook's Jupyter server listens on localhost with a self-signed certificate.
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    with urllib.request.urlopen(JUPYTER_URL + path, context=context, timeout=10) as response:
        return json.loads(response.read().decode("utf-8"))


def parse_time(text):
    """Jupyter's timestamps: 2024-01-02T03:04:05.123456Z (UTC)."""
    text = text.replace("Z", "").split("+")[0]
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f" if "." in text else "%Y-%m-%dT%H:%M:%S")


def started_at():
    try:
        return datetime.datetime.utcfromtimestamp(os.path.getmtime(STARTED_MARKER))
    except OSError:
        return datetime.datetime.utcnow()


def last_activity():
    """The latest activity (UTC), or None while a kernel is busy."""
    latest = started_at()
    try:
        kernels = [s.get("kernel") or {} for s in jupyter("/api/sessions")] + jupyter("/api/kernels")
        terminals = jupyter("/api/terminals")
    except Exception as error:  # Jupyter not up (yet): only the start time counts.
        log("Jupyter API unreachable (%s); using the start time" % error)
        return latest
    for kernel in kernels:
        if kernel.get("execution_state") == "busy":
            return None
        if kernel.get("last_activity"):
            latest = max(latest, parse_time(kernel["last_activity"]))
    for terminal in terminals:
        if terminal.get("last_activity"):
            latest = max(latest, parse_time(terminal["last_activity"]))
    return latest


def own_name_and_region():
    with open(METADATA) as f:
        metadata = json.load(f)
    arn = metadata.get("ResourceArn", "")
    region = arn.split(":")[3] if arn.count(":") >= 5 else None
    return metadata["ResourceName"], region


def main():
    latest = last_activity()
    if latest is None:
        log("a kernel is busy: not idle")
        return 0
    idle = datetime.datetime.utcnow() - latest
    if idle < datetime.timedelta(minutes=IDLE_MINUTES):
        log("idle for %d s, stopping after %d min" % (idle.total_seconds(), IDLE_MINUTES))
        return 0
    name, region = own_name_and_region()
    command = [AWS_CLI, "sagemaker", "stop-notebook-instance", "--notebook-instance-name", name]
    if region:
        command += ["--region", region]
    log("idle for %d s: stopping %s" % (idle.total_seconds(), name))
    return subprocess.call(command)


if __name__ == "__main__":
    sys.exit(main())
`;
}

/** The lifecycle configuration's OnStart script (bash, runs as root on every start). */
export function idleStopOnStartScript(idleStopMinutes: number): string {
  const python = idleCheckPython(idleStopMinutes);
  const p = IDLE_STOP_PATHS;
  return `#!/bin/bash
# Installs the idle stop: every ${IDLE_CHECK_EVERY_MINUTES} min, stop this notebook instance once it has been idle ${idleStopMinutes} min.
set -euo pipefail
mkdir -p "$(dirname ${p.startedMarker})"
touch ${p.startedMarker}
cat > ${p.script} <<'IDLE_STOP_PY'
${python}IDLE_STOP_PY
chmod 0755 ${p.script}
PY=/usr/bin/python3
if [ -x /home/ec2-user/anaconda3/envs/JupyterSystemEnv/bin/python ]; then PY=/home/ec2-user/anaconda3/envs/JupyterSystemEnv/bin/python; fi
cat > ${p.cron} <<CRON
PATH=/usr/local/bin:/usr/bin:/bin:/home/ec2-user/anaconda3/bin
*/${IDLE_CHECK_EVERY_MINUTES} * * * * root $PY ${p.script} >> ${p.log} 2>&1
CRON
chmod 0644 ${p.cron}
`;
}
