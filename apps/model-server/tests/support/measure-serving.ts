/**
 * An ad hoc measurement (not a test, not the benchmark): built model servers side by side on the dogs-mini test
 * photos and on phone-size copies of some of them (4032×3024 JPEGs), p50 latency at concurrency 1 and images per
 * second at concurrency 4 and 16. Builds are measured in turn within each round, so that the load other processes
 * put on a shared machine falls on all of them alike; compare their ratios, not the absolute figures.
 *
 *   npx tsx --tsconfig apps/model-server/tsconfig.json apps/model-server/tests/support/measure-serving.ts \
 *     --model-dir DIR [--build label=path/to/main.js]… [--rounds 2] [--env [label:]KEY=VALUE]…
 *
 * Without `--build` it measures dist/apps/model-server/main.js; the same build may be listed under several labels
 * with different `--env label:KEY=VALUE` settings (`--env KEY=VALUE` applies to all). Needs ../shared's dogs-mini.
 */
import { sharedDir } from '@dogbreed/workspace';
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { BUILT_SERVER, startServerProcess, waitForPing } from './server-process.js';

const PHONE = { width: 4032, height: 3024 };

interface Figures {
  readonly p50c1: number;
  /** The server's own `timingsMs.inference` at concurrency 1, median: the ORT run alone. */
  readonly inferenceMsC1: number;
  readonly ips4: number;
  readonly ips16: number;
  /** The server's CPU time per image at concurrency 16 (all its threads). */
  readonly cpuMs16: number;
}

/**
 * CPU milliseconds `pid` has used, from /proc/PID/stat (utime + stime, in USER_HZ = 100 ticks a second): it includes
 * threads that have exited, which libvips' short-lived threads do. NaN without /proc.
 */
function processCpuMs(pid: number): number {
  try {
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Latency of one `POST /invocations` and the `timingsMs.inference` it reports. */
function post(agent: Agent, port: number, body: Buffer): Promise<{ ms: number; inferenceMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path: '/invocations',
        method: 'POST',
        headers: { 'content-type': 'image/jpeg', 'content-length': body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const ms = performance.now() - t0;
          if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`));
          const answer = JSON.parse(Buffer.concat(chunks).toString()) as { timingsMs: { inference: number } };
          resolve({ ms, inferenceMs: answer.timingsMs.inference });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** `count` requests over `concurrency` keep-alive callers: latencies and images per second. */
async function drive(
  port: number,
  bodies: readonly Buffer[],
  concurrency: number,
  count: number,
): Promise<{ p50: number; ips: number; inferenceMs: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const ms: number[] = [];
  const inference: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const r = await post(agent, port, bodies[next++ % bodies.length] as Buffer);
        ms.push(r.ms);
        inference.push(r.inferenceMs);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  return { p50: median(ms), ips: count / seconds, inferenceMs: median(inference) };
}

async function measure(
  main: string,
  env: Record<string, string>,
  modelDir: string,
  sets: Record<string, Buffer[]>,
): Promise<Record<string, Figures>> {
  const server = await startServerProcess({ MODEL_DIR: modelDir, LOG_LEVEL: 'warn', ...env }, [
    process.execPath,
    main,
  ]);
  try {
    await waitForPing(server.url);
    const out: Record<string, Figures> = {};
    for (const [name, bodies] of Object.entries(sets)) {
      await drive(server.port, bodies, 2, 10);
      const c1 = await drive(server.port, bodies, 1, bodies.length);
      const c4 = await drive(server.port, bodies, 4, 2 * bodies.length);
      const cpu0 = processCpuMs(server.pid);
      const c16 = await drive(server.port, bodies, 16, 2 * bodies.length);
      const cpuMs16 = (processCpuMs(server.pid) - cpu0) / (2 * bodies.length);
      out[name] = { p50c1: c1.p50, inferenceMsC1: c1.inferenceMs, ips4: c4.ips, ips16: c16.ips, cpuMs16 };
    }
    return out;
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'model-dir': { type: 'string' },
      build: { type: 'string', multiple: true },
      rounds: { type: 'string', default: '2' },
      env: { type: 'string', multiple: true },
      phone: { type: 'string', default: '20' },
    },
  });
  const modelDir = values['model-dir'];
  const shared = sharedDir();
  if (!modelDir || !shared) throw new Error('needs --model-dir and ../shared (dogs-mini)');
  const builds = (values.build ?? [`current=${BUILT_SERVER}`]).map(
    (b) => b.split('=', 2) as [string, string],
  );
  const envFor = (label: string) =>
    Object.fromEntries(
      (values.env ?? []).flatMap((e) => {
        const m = /^(?:([\w.-]+):)?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(e);
        if (!m) throw new Error(`--env ${e}: expected [label:]KEY=VALUE`);
        return m[1] === undefined || m[1] === label ? [[m[2] as string, m[3] as string]] : [];
      }),
    );
  const photos = join(shared, 'data/dogs-mini/test');
  const small = readdirSync(photos)
    .sort()
    .flatMap((d) =>
      readdirSync(join(photos, d))
        .sort()
        .map((f) => readFileSync(join(photos, d, f))),
    );
  const phoneCount = Number(values.phone);
  const phone = await Promise.all(
    Array.from({ length: phoneCount }, (_, i) =>
      sharp(small[Math.floor((i * small.length) / phoneCount)])
        .resize(PHONE.width, PHONE.height, { fit: 'cover', kernel: 'cubic' })
        .jpeg({ quality: 90 })
        .toBuffer(),
    ),
  );
  const sets = { small, phone };
  const results: Record<string, Record<string, Figures[]>> = {};
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const [label, main] of builds) {
      const r = await measure(main, envFor(label), modelDir, sets);
      console.log(JSON.stringify({ round, label, ...r }));
      for (const [set, f] of Object.entries(r)) ((results[label] ??= {})[set] ??= []).push(f);
    }
  }
  const summary = Object.fromEntries(
    Object.entries(results).map(([label, bySet]) => [
      label,
      Object.fromEntries(
        Object.entries(bySet).map(([set, fs]) => [
          set,
          {
            p50c1Ms: +median(fs.map((f) => f.p50c1)).toFixed(1),
            inferenceMsC1: +median(fs.map((f) => f.inferenceMsC1)).toFixed(1),
            imagesPerSecC4: +median(fs.map((f) => f.ips4)).toFixed(1),
            imagesPerSecC16: +median(fs.map((f) => f.ips16)).toFixed(1),
            cpuMsPerImageC16: +median(fs.map((f) => f.cpuMs16)).toFixed(1),
          },
        ]),
      ),
    ]),
  );
  console.log(JSON.stringify({ summary, small: small.length, phone: phone.length }, null, 2));
}

await main();
