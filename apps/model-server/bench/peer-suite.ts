/**
 * Our built server against the peer (bench/peer: FastAPI + uvicorn + onnxruntime + Pillow) on the default model
 * (EfficientNet-Lite0, ImageNet's dog breeds), with the same client on the same photos in the same run, each server
 * alone on the machine: a short sweep of each one's configurations (the best is kept), then per photo set (small,
 * phone) images/s and p50/p95 at concurrency 1, 4 and 16, and the ratios the issue steers by.
 */
import { toolPaths } from '@dogbreed/workspace';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { Connection, drive } from './client.js';
import { invocationRequests, startBenchServer } from './inputs.js';
import { ensurePeerVenv, startPeer, type PeerConfig } from './peer-process.js';
import { phonePhotos, smallPhotos, type PhotoSet } from './photo-sets.js';
import { percentile } from './stats.js';
import {
  bestOfRounds,
  bestOfSweep,
  compareSet,
  topOneAgreement,
  type LoadFigures,
  type SetComparison,
} from './versus.js';

export const PEER_LEVELS = [1, 4, 16] as const;
/** The sweep drives each configuration at the highest level only: where throughput, what is swept for, shows. */
const SWEEP_CONCURRENCY = 16;

const run = promisify(execFile);

export interface PeerSuiteOptions {
  readonly root: string;
  readonly benchDir: string;
  readonly cores: number;
  readonly topK: number;
  /** Requests per level per photo set (fewer if `maxSeconds` runs out first). */
  readonly requests: { readonly small: number; readonly phone: number };
  readonly maxSeconds: number;
  /** Requests per configuration in the sweep (on the small photos). */
  readonly sweepRequests: number;
  /** Times the sweep and the measurements are repeated, alternating the servers (the best of them is kept). */
  readonly rounds: number;
  readonly log: (line: string) => void;
}

/** Our settings: inference sessions × ORT intra-op threads (batching as the spec has it). */
export interface OursConfig {
  readonly sessions: number;
  readonly threads: number;
}

type Server = { readonly port: number; stop(): Promise<unknown> };
type Contender =
  | { readonly server: 'ours'; readonly config: OursConfig }
  | { readonly server: 'peer'; readonly config: PeerConfig };

export interface ServerRun {
  readonly set: PhotoSet['name'];
  readonly server: 'ours' | 'peer';
  readonly config: OursConfig | PeerConfig;
  /** 0, 1, …; -1 for the best of the rounds. */
  readonly round: number;
  readonly levels: LoadFigures[];
  /** The 1-minute load average when the run started (the highest of the rounds for the best). */
  readonly loadavgBefore: number;
}

export interface PeerSuiteReport {
  readonly model: { readonly dir: string; readonly architecture: string; readonly numClasses: number };
  readonly photoSets: { readonly name: string; readonly source: string; readonly count: number }[];
  readonly sweep: (Contender & {
    readonly round: number;
    /** At concurrency 16: what the configuration is chosen by. */
    readonly imagesPerSecond: number;
    /** At concurrency 1, for a latency-tuned reading (`latencyTuned`). */
    readonly p50AtConcurrency1Ms: number;
  })[];
  readonly chosen: { readonly ours: OursConfig; readonly peer: PeerConfig };
  /**
   * Each server's lowest p50 at concurrency 1 over every configuration of the sweep (small photos), and ours ÷ the
   * peer's: the p50 comparison for a peer tuned for latency rather than throughput (context, not the target).
   */
  readonly latencyTuned: {
    readonly ours: { readonly config: OursConfig; readonly p50AtConcurrency1Ms: number };
    readonly peer: { readonly config: PeerConfig; readonly p50AtConcurrency1Ms: number };
    readonly ratio: number;
  };
  readonly rounds: number;
  /** Every round's run. */
  readonly runs: ServerRun[];
  /** Per set and server, each level's best round (`bestOfRounds`): what the comparisons use. */
  readonly best: ServerRun[];
  readonly comparisons: SetComparison[];
  /** Top-1 of every photo at concurrency 1, ours against the peer's. */
  readonly topOneAgreement: Record<string, { readonly compared: number; readonly agreed: number }>;
}

/** The dog model the local stack serves by default, made once into dist/benchmarks with the training package. */
async function ensureDogModel(o: PeerSuiteOptions): Promise<string> {
  const dir = join(o.benchDir, 'model-server-model-efficientnet_lite0');
  if (existsSync(join(dir, 'model.onnx')) && existsSync(join(dir, 'metadata.json'))) return dir;
  o.log(`exporting the default model (EfficientNet-Lite0, ImageNet dog breeds) to ${dir} ...`);
  await run(
    toolPaths.python(),
    ['-m', 'dogbreed_training.imagenet_dogs', '--model-dir', dir, '--mode', 'single'],
    {
      cwd: join(o.root, 'training'),
      timeout: 600_000,
    },
  );
  return dir;
}

function start(c: Contender, modelDir: string, topK: number): Promise<Server> {
  if (c.server === 'peer') return startPeer({ ...c.config, modelDir, topK });
  return startBenchServer({
    modelDir,
    threads: c.config.threads,
    sessions: c.config.sessions,
    batching: false,
    bodies: [],
  }).then(({ server }) => server);
}

/** One level: `count` requests (or until `maxSeconds`) at `concurrency`; top-1 per image into `topOne` if given. */
async function level(
  port: number,
  requests: readonly Buffer[],
  concurrency: number,
  count: number,
  maxSeconds: number,
  topOne?: Map<number, number>,
): Promise<LoadFigures> {
  const connections = await Connection.openMany(port, concurrency);
  const latencies: number[] = [];
  const t0 = performance.now();
  await drive(connections, requests, { count, deadline: t0 + maxSeconds * 1000 }, (reply, ms, index) => {
    latencies.push(ms);
    if (topOne) {
      const top = (JSON.parse(reply.body.toString()) as { predictions: { index: number }[] }).predictions[0];
      if (top) topOne.set(index, top.index);
    }
  });
  const seconds = (performance.now() - t0) / 1000;
  return {
    concurrency,
    requests: latencies.length,
    imagesPerSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
  };
}

/** Starts `c`, warms it (JIT, allocators, ORT arenas), runs `body` against it, stops it whatever happens. */
async function withServer<T>(
  c: Contender,
  modelDir: string,
  o: PeerSuiteOptions,
  bodies: readonly Buffer[],
  body: (port: number, requests: readonly Buffer[]) => Promise<T>,
): Promise<T> {
  const server = await start(c, modelDir, o.topK);
  try {
    const requests = invocationRequests(server.port, bodies);
    await level(server.port, requests, 4, Math.min(32, requests.length * 2), o.maxSeconds);
    return await body(server.port, requests);
  } finally {
    await server.stop();
  }
}

const describe = (c: Contender) =>
  c.server === 'ours'
    ? `ours ${c.config.sessions} session(s) × ${c.config.threads} thread(s)`
    : `peer ${c.config.workers} worker(s) × ${c.config.threads} thread(s)`;

/** The configurations swept: ours as the spec sets it and one session using every core; the peer likewise. */
export function sweepCandidates(cores: number, specThreads: number, specSessions: number): Contender[] {
  const ours: OursConfig[] = [
    { sessions: specSessions, threads: specThreads },
    { sessions: 1, threads: cores },
  ];
  const peer: PeerConfig[] = [
    { workers: 1, threads: 1 },
    { workers: 1, threads: cores },
    { workers: cores, threads: 1 },
  ];
  const unique = <T>(xs: T[]) =>
    xs.filter((x, i) => xs.findIndex((y) => JSON.stringify(y) === JSON.stringify(x)) === i);
  return [
    ...unique(ours).map((config) => ({ server: 'ours' as const, config })),
    ...unique(peer).map((config) => ({ server: 'peer' as const, config })),
  ];
}

export async function runPeerSuite(
  o: PeerSuiteOptions,
  ours: { readonly threads: number; readonly sessions: number },
): Promise<PeerSuiteReport> {
  const modelDir = await ensureDogModel(o);
  const meta = JSON.parse(readFileSync(join(modelDir, 'metadata.json'), 'utf8')) as {
    architecture: string;
    numClasses: number;
  };
  await ensurePeerVenv(undefined, o.log);
  const small = await smallPhotos(o.benchDir);
  const phone = await phonePhotos(o.benchDir, small, 20, o.log);
  const sets = [small, phone].map((set) => ({ set, bodies: set.paths.map((p) => readFileSync(p)) }));
  const smallBodies = sets[0]?.bodies ?? [];
  o.log(
    `peer comparison: ${meta.architecture} (${meta.numClasses} classes); ${small.paths.length} ${small.source}; ${phone.source}`,
  );

  // Rounds alternate the contenders, so that each sees the same minutes of a shared machine; the best is kept.
  const sweep: PeerSuiteReport['sweep'] = [];
  for (let round = 0; round < o.rounds; round++) {
    for (const c of sweepCandidates(o.cores, ours.threads, ours.sessions)) {
      const [f, lone] = await withServer(c, modelDir, o, smallBodies, async (port, requests) => [
        await level(port, requests, SWEEP_CONCURRENCY, o.sweepRequests, o.maxSeconds),
        await level(port, requests, 1, Math.ceil(o.sweepRequests / 2), o.maxSeconds),
      ]);
      o.log(
        `  sweep: ${describe(c)}: ${f.imagesPerSecond.toFixed(1)} img/s at concurrency ${SWEEP_CONCURRENCY}, p50 ${lone.p50Ms.toFixed(1)} ms at 1`,
      );
      sweep.push({ ...c, round, imagesPerSecond: f.imagesPerSecond, p50AtConcurrency1Ms: lone.p50Ms });
    }
  }
  const chosen = {
    ours: bestOfSweep(sweep.filter((s) => s.server === 'ours')).config as OursConfig,
    peer: bestOfSweep(sweep.filter((s) => s.server === 'peer')).config as PeerConfig,
  };
  const quickest = <S extends 'ours' | 'peer'>(server: S) =>
    sweep
      .filter((x) => x.server === server)
      .reduce((a, b) => (b.p50AtConcurrency1Ms < a.p50AtConcurrency1Ms ? b : a));
  const latencyTuned = {
    ours: {
      config: quickest('ours').config as OursConfig,
      p50AtConcurrency1Ms: quickest('ours').p50AtConcurrency1Ms,
    },
    peer: {
      config: quickest('peer').config as PeerConfig,
      p50AtConcurrency1Ms: quickest('peer').p50AtConcurrency1Ms,
    },
    ratio: quickest('ours').p50AtConcurrency1Ms / quickest('peer').p50AtConcurrency1Ms,
  };
  const contenders: Contender[] = [
    { server: 'ours', config: chosen.ours },
    { server: 'peer', config: chosen.peer },
  ];

  const runs: ServerRun[] = [];
  const best: ServerRun[] = [];
  const topOne: Record<string, { compared: number; agreed: number }> = {};
  for (const { set, bodies } of sets) {
    const count = o.requests[set.name];
    const tops = { ours: new Map<number, number>(), peer: new Map<number, number>() };
    for (let round = 0; round < o.rounds; round++) {
      for (const c of contenders) {
        const loadavgBefore = loadavg()[0] ?? Number.NaN;
        const levels = await withServer(c, modelDir, o, bodies, async (port, requests) => {
          const out: LoadFigures[] = [];
          for (const concurrency of PEER_LEVELS) {
            // At concurrency 1 every photo is sent once at least (count ≥ photos): top-1 covers the whole set.
            const n = concurrency === 1 ? Math.max(count, requests.length) : count;
            const tops1 = concurrency === 1 && round === 0 ? tops[c.server] : undefined;
            out.push(await level(port, requests, concurrency, n, o.maxSeconds, tops1));
          }
          return out;
        });
        o.log(
          `  ${set.name}: ${describe(c)}: ${levels.map((l) => `c=${l.concurrency} ${l.imagesPerSecond.toFixed(1)} img/s p50 ${l.p50Ms.toFixed(1)} ms`).join(', ')}`,
        );
        runs.push({ set: set.name, server: c.server, config: c.config, round, levels, loadavgBefore });
      }
    }
    for (const c of contenders) {
      const mine = runs.filter((r) => r.set === set.name && r.server === c.server);
      best.push({
        set: set.name,
        server: c.server,
        config: c.config,
        round: -1,
        levels: bestOfRounds(mine.map((r) => r.levels)),
        loadavgBefore: Math.max(...mine.map((r) => r.loadavgBefore)),
      });
    }
    topOne[set.name] = topOneAgreement(tops.ours, tops.peer);
  }

  const comparisons = sets.map(({ set }) => {
    const of = (server: 'ours' | 'peer') =>
      best.find((r) => r.set === set.name && r.server === server)?.levels ?? [];
    return compareSet(set.name, of('ours'), of('peer'));
  });
  return {
    model: { dir: modelDir, architecture: meta.architecture, numClasses: meta.numClasses },
    photoSets: sets.map(({ set }) => ({ name: set.name, source: set.source, count: set.paths.length })),
    sweep,
    chosen,
    latencyTuned,
    rounds: o.rounds,
    runs,
    best,
    comparisons,
    topOneAgreement: topOne,
  };
}
