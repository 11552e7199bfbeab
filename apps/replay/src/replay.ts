/**
 * The replay loop: every request to both sides, one at a time, alternating which side goes first so neither gains
 * from a warm cache or a quiet moment; then the figures, the checks and the report. Sides are plain URLs here:
 * starting model servers is the CLI's job (./targets.ts).
 */
import type { ReplayThresholds } from '@dogbreed/platform-spec';
import { InterruptedError } from './errors.js';
import { invoke, type Outcome } from './invoke.js';
import {
  REPLAY_REPORT_SCHEMA_VERSION,
  ReplayReportSchema,
  type ReplayReport,
  type ReplaySide,
} from './report.js';
import type { ReplayRequest } from './requests.js';
import { summarise, type ReplayPair } from './stats.js';
import { replayChecks, verdictOf } from './verdict.js';

export interface ReplaySideInput extends Omit<ReplaySide, 'modelVersion'> {
  readonly url: string;
  readonly modelVersion?: string;
}

export interface ReplayOptions {
  readonly baseline: ReplaySideInput;
  readonly candidate: ReplaySideInput;
  readonly requests: readonly ReplayRequest[];
  readonly thresholds: ReplayThresholds;
  /** Per-request time limit (the spec's invoker endpointTimeoutMs: what a client would wait). */
  readonly timeoutMs: number;
  readonly inputs: ReplayReport['inputs'];
  /** Called after each request with (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
  readonly signal?: AbortSignal;
  /** @default new Date() */
  readonly now?: () => Date;
}

/** Both sides' outcomes for every request, in order; request `i` goes to the serving model first when `i` is even. */
export async function sendAll(
  opts: Pick<ReplayOptions, 'baseline' | 'candidate' | 'requests' | 'timeoutMs' | 'onProgress' | 'signal'>,
): Promise<ReplayPair[]> {
  const pairs: ReplayPair[] = [];
  for (const [i, req] of opts.requests.entries()) {
    if (opts.signal?.aborted)
      throw new InterruptedError(`interrupted after ${i} of ${opts.requests.length} requests`);
    let baseline: Outcome;
    let candidate: Outcome;
    if (i % 2 === 0) {
      baseline = await invoke(opts.baseline.url, req, opts.timeoutMs);
      candidate = await invoke(opts.candidate.url, req, opts.timeoutMs);
    } else {
      candidate = await invoke(opts.candidate.url, req, opts.timeoutMs);
      baseline = await invoke(opts.baseline.url, req, opts.timeoutMs);
    }
    pairs.push({
      id: req.id,
      source: req.source,
      ...(req.label !== undefined ? { label: req.label } : {}),
      baseline,
      candidate,
    });
    opts.onProgress?.(i + 1, opts.requests.length);
  }
  return pairs;
}

/** The first model version a side answered with (a URL's only source of it). */
function answeredVersion(pairs: readonly ReplayPair[], side: 'baseline' | 'candidate'): string | undefined {
  for (const p of pairs) {
    const o = p[side];
    if (o.ok) return o.modelVersion;
  }
  return undefined;
}

function reportSide(s: ReplaySideInput, version: string | undefined): ReplaySide {
  const modelVersion = s.modelVersion ?? version;
  return {
    target: s.target,
    kind: s.kind,
    ...(modelVersion ? { modelVersion } : {}),
    ...(s.classNames ? { classNames: s.classNames } : {}),
  };
}

/** Builds the report from the pairs (pure: the unit tests feed it made-up outcomes). */
export function buildReport(
  opts: Pick<ReplayOptions, 'baseline' | 'candidate' | 'thresholds' | 'inputs'> & {
    readonly createdAt: Date;
  },
  pairs: readonly ReplayPair[],
): ReplayReport {
  const figures = summarise(pairs, {
    ...(opts.baseline.classNames ? { baseline: opts.baseline.classNames } : {}),
    ...(opts.candidate.classNames ? { candidate: opts.candidate.classNames } : {}),
  });
  const checks = replayChecks(figures, opts.thresholds);
  return ReplayReportSchema.parse({
    schemaVersion: REPLAY_REPORT_SCHEMA_VERSION,
    createdAt: opts.createdAt.toISOString(),
    baseline: reportSide(opts.baseline, answeredVersion(pairs, 'baseline')),
    candidate: reportSide(opts.candidate, answeredVersion(pairs, 'candidate')),
    inputs: opts.inputs,
    thresholds: opts.thresholds,
    figures,
    checks,
    verdict: verdictOf(checks),
  });
}

export async function runReplay(opts: ReplayOptions): Promise<ReplayReport> {
  const pairs = await sendAll(opts);
  return buildReport({ ...opts, createdAt: (opts.now ?? (() => new Date()))() }, pairs);
}
