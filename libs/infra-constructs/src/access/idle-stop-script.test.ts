/**
 * The idle check run for real: Python against a fake Jupyter API (an HTTP server answering /api/sessions,
 * /api/kernels, /api/terminals), with a fake `aws` CLI that records its arguments.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  IDLE_CHECK_EVERY_MINUTES,
  IDLE_STOP_PATHS,
  MAX_LIFECYCLE_SCRIPT_BASE64,
  idleCheckPython,
  idleStopOnStartScript,
} from './idle-stop-script.js';
import { InfraPropsError } from '../errors.js';

/** The system Python (notebook instances run the check with theirs; standard library only). */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const IDLE_MINUTES = 60;
const NAME = 'dogbreed-workspace';

let dir: string;
let server: Server;
let jupyter: { sessions: unknown[]; kernels: unknown[]; terminals: unknown[] };

const isoMinutesAgo = (m: number) =>
  new Date(Date.now() - m * 60_000).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'idle-stop-'));
  jupyter = { sessions: [], kernels: [], terminals: [] };
  server = createServer((req, res) => {
    const key = (req.url ?? '').replace('/api/', '') as keyof typeof jupyter;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(jupyter[key] ?? []));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  writeFileSync(join(dir, 'idle-stop.py'), idleCheckPython(IDLE_MINUTES));
  writeFileSync(
    join(dir, 'metadata.json'),
    JSON.stringify({
      ResourceName: NAME,
      ResourceArn: `arn:aws:sagemaker:eu-west-1:111111111111:notebook-instance/${NAME}`,
    }),
  );
  writeFileSync(join(dir, 'aws'), `#!/bin/sh\necho "$@" > "${join(dir, 'aws-called')}"\n`);
  chmodSync(join(dir, 'aws'), 0o755);
  writeFileSync(join(dir, 'started'), '');
});

afterEach(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the instance `startedMinutesAgo` and runs the check once; returns the aws CLI call, if any. */
async function runCheck(startedMinutesAgo: number, jupyterUp = true): Promise<string | undefined> {
  const started = (Date.now() - startedMinutesAgo * 60_000) / 1000;
  utimesSync(join(dir, 'started'), started, started);
  const port = (server.address() as AddressInfo).port;
  const env = {
    ...process.env,
    IDLE_STOP_JUPYTER_URL: jupyterUp ? `http://127.0.0.1:${port}` : 'http://127.0.0.1:9',
    IDLE_STOP_METADATA: join(dir, 'metadata.json'),
    IDLE_STOP_STARTED_MARKER: join(dir, 'started'),
    IDLE_STOP_AWS_CLI: join(dir, 'aws'),
  };
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(PYTHON, [join(dir, 'idle-stop.py')], { env, stdio: 'ignore' });
    child.on('exit', resolve);
  });
  expect(code).toBe(0);
  const called = join(dir, 'aws-called');
  return existsSync(called) ? readFileSync(called, 'utf8').trim() : undefined;
}

describe('idle check (python, run for real)', () => {
  it('stops the instance by its own name and region when every kernel is idle past the limit', async () => {
    jupyter.sessions = [
      { kernel: { execution_state: 'idle', last_activity: isoMinutesAgo(IDLE_MINUTES + 5) } },
    ];
    jupyter.kernels = [{ execution_state: 'idle', last_activity: isoMinutesAgo(IDLE_MINUTES + 5) }];
    expect(await runCheck(IDLE_MINUTES * 3)).toBe(
      `sagemaker stop-notebook-instance --notebook-instance-name ${NAME} --region eu-west-1`,
    );
  });

  it('does not stop when a kernel was active recently', async () => {
    jupyter.kernels = [
      { execution_state: 'idle', last_activity: isoMinutesAgo(IDLE_MINUTES + 30) },
      { execution_state: 'idle', last_activity: isoMinutesAgo(10) },
    ];
    expect(await runCheck(IDLE_MINUTES * 3)).toBeUndefined();
  });

  it('does not stop while a kernel is busy, however old its activity', async () => {
    jupyter.kernels = [{ execution_state: 'busy', last_activity: isoMinutesAgo(IDLE_MINUTES * 5) }];
    expect(await runCheck(IDLE_MINUTES * 10)).toBeUndefined();
  });

  it('counts terminal activity', async () => {
    jupyter.terminals = [{ name: '1', last_activity: isoMinutesAgo(2) }];
    expect(await runCheck(IDLE_MINUTES * 3)).toBeUndefined();
  });

  it('does not stop a freshly started instance with no kernels yet', async () => {
    expect(await runCheck(IDLE_MINUTES - 10)).toBeUndefined();
  });

  it('stops an instance nobody used since it started', async () => {
    expect(await runCheck(IDLE_MINUTES + 1)).toContain('stop-notebook-instance');
  });

  it('with Jupyter unreachable, counts from the start only', async () => {
    expect(await runCheck(IDLE_MINUTES - 10, false)).toBeUndefined();
    expect(await runCheck(IDLE_MINUTES + 10, false)).toContain('stop-notebook-instance');
  });
});

describe('OnStart script', () => {
  it('is valid bash and embeds valid Python', () => {
    const script = idleStopOnStartScript(IDLE_MINUTES);
    writeFileSync(join(dir, 'on-start.sh'), script);
    execFileSync('bash', ['-n', join(dir, 'on-start.sh')]);
    execFileSync(PYTHON, [
      '-c',
      'import ast,sys; ast.parse(open(sys.argv[1]).read())',
      join(dir, 'idle-stop.py'),
    ]);
    expect(script).toContain(`*/${IDLE_CHECK_EVERY_MINUTES} * * * * root`);
    expect(script).toContain("<<'IDLE_STOP_PY'");
  });

  it('writes the idle time into the program, whose default paths are the ones the script installs', () => {
    const python = idleCheckPython(IDLE_MINUTES + 7);
    expect(python).toContain(
      `IDLE_MINUTES = int(os.environ.get("IDLE_STOP_MINUTES", "${IDLE_MINUTES + 7}"))`,
    );
    expect(python).toContain(`"IDLE_STOP_METADATA", "${IDLE_STOP_PATHS.metadata}"`);
    expect(python).toContain(`"IDLE_STOP_STARTED_MARKER", "${IDLE_STOP_PATHS.startedMarker}"`);
    expect(idleStopOnStartScript(IDLE_MINUTES + 7)).toContain(python);
    expect(() => idleCheckPython(IDLE_CHECK_EVERY_MINUTES - 1)).toThrow(InfraPropsError);
  });

  it('fits SageMaker’s lifecycle script size', () => {
    expect(Buffer.from(idleStopOnStartScript(IDLE_MINUTES)).toString('base64').length).toBeLessThan(
      MAX_LIFECYCLE_SCRIPT_BASE64,
    );
  });

  it.each([0, 4, 7.5])('refuses an idle time of %s minutes', (minutes) => {
    expect(() => idleStopOnStartScript(minutes)).toThrow(/idleStopMinutes/);
  });
});
