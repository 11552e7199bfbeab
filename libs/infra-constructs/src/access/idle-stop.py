#!/usr/bin/env python3
"""Stops this SageMaker notebook instance after IDLE_MINUTES idle minutes (installed by the lifecycle config).

The check asks the local Jupyter server for the last activity; when nothing is busy and the latest activity (or
the instance start, whichever is later) is older than the idle time, it runs `aws sagemaker stop-notebook-instance`
with the instance's own name. Standard library only (the notebook has no internet), Python >= 3.7. Environment
variables override the paths and the idle time, for tests; the lifecycle configuration writes the idle time into
the IDLE_MINUTES default.
"""

import datetime
import json
import os
import ssl
import subprocess
import sys
import urllib.request

IDLE_MINUTES = int(os.environ.get("IDLE_STOP_MINUTES", "60"))
JUPYTER_URL = os.environ.get("IDLE_STOP_JUPYTER_URL", "https://localhost:8443")
METADATA = os.environ.get("IDLE_STOP_METADATA", "/opt/ml/metadata/resource-metadata.json")
STARTED_MARKER = os.environ.get("IDLE_STOP_STARTED_MARKER", "/var/lib/idle-stop/started")
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
        log(f"Jupyter API unreachable ({error}); using the start time")
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
        log(f"idle for {int(idle.total_seconds())} s, stopping after {IDLE_MINUTES} min")
        return 0
    name, region = own_name_and_region()
    command = [AWS_CLI, "sagemaker", "stop-notebook-instance", "--notebook-instance-name", name]
    if region:
        command += ["--region", region]
    log(f"idle for {int(idle.total_seconds())} s: stopping {name}")
    return subprocess.call(command)


if __name__ == "__main__":
    sys.exit(main())
