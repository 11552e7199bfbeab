/**
 * The development notebook's idle stop: a lifecycle OnStart script that installs a Python idle check and a cron
 * entry running it every 5 minutes. The check asks the local Jupyter server (`/api/sessions`, `/api/kernels`,
 * `/api/terminals`) for the last activity; when nothing is busy and the latest activity (or the instance start,
 * whichever is later) is older than the idle time, it runs
 * `aws sagemaker stop-notebook-instance` with the instance's own name from
 * `/opt/ml/metadata/resource-metadata.json`. Standard library only (the notebook has no internet), Python ≥ 3.7.
 */
import { readFileSync } from 'node:fs';
import { InfraPropsError } from '../errors.js';

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

/** The idle check, a Python program beside this file (ruff-checked with the rest of the Python). */
const IDLE_CHECK_SOURCE = new URL('./idle-stop.py', import.meta.url);

/** The line of the program that holds the idle time's default; the OnStart script writes the spec's value there. */
const IDLE_MINUTES_DEFAULT = /^IDLE_MINUTES = int\(os\.environ\.get\("IDLE_STOP_MINUTES", "\d+"\)\)$/m;

/** The idle check itself (Python). Environment variables override the paths and the idle time, for tests. */
export function idleCheckPython(idleStopMinutes: number): string {
  if (!Number.isInteger(idleStopMinutes) || idleStopMinutes < IDLE_CHECK_EVERY_MINUTES) {
    throw new InfraPropsError(
      `idleStopMinutes must be an integer ≥ ${IDLE_CHECK_EVERY_MINUTES}, got ${idleStopMinutes}`,
    );
  }
  const source = readFileSync(IDLE_CHECK_SOURCE, 'utf8');
  if (!IDLE_MINUTES_DEFAULT.test(source)) {
    throw new InfraPropsError(`${IDLE_CHECK_SOURCE.pathname}: no IDLE_MINUTES default line to set`);
  }
  return source.replace(
    IDLE_MINUTES_DEFAULT,
    `IDLE_MINUTES = int(os.environ.get("IDLE_STOP_MINUTES", "${idleStopMinutes}"))`,
  );
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
