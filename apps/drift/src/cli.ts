/**
 * `dogbreed-drift`: parses the flags, loads the spec (DOGBREED_SPEC_FILE / DOGBREED_SPEC_JSON apply), reads the
 * window's captures and the baseline, compares them (@dogbreed/model-quality), writes the report, publishes the
 * figures when asked, and exits 0 (no drift, or not enough data), 1 (drift past `rollout.drift`) or 2 (no verdict).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { S3Client } from '@aws-sdk/client-s3';
import {
  driftChecks,
  driftFigures,
  driftMetricNamespace,
  EvaluationBaselineInputSchema,
  summarize,
  summaryOfEvaluation,
  type PredictionSummary,
} from '@dogbreed/model-quality';
import { EVALUATION_FILE, loadPlatformSpec } from '@dogbreed/platform-spec';
import {
  lastHours,
  parseSource,
  parseWindow,
  readWindow,
  type CaptureSource,
  type TimeWindow,
} from './captures.js';
import { BaselineError, DriftError, EXIT_CODES, UsageError, type ExitCode } from './errors.js';
import { publishDrift } from './metrics.js';
import { headline, writeReport, type DriftReport } from './report.js';

/** The most capture files one run reads (SageMaker writes about one per instance per few minutes). */
export const MAX_CAPTURE_FILES = 20_000;

export const USAGE = `Usage: dogbreed-drift --captures <dir | s3://bucket/prefix> --endpoint NAME [--variant NAME]
         (--baseline <evaluation.json | model dir> | --baseline-window START/END)
         [--window START/END | --window-hours N] --out DIR [--publish-metrics]
  --captures         the data-capture root: the local stack's folder or SageMaker's DestinationS3Uri
  --endpoint         the endpoint's name (its capture folder), or the spec's key (single, multi);
                     --variant one variant (default: all of them)
  --baseline         the model's evaluation.json (or the model dir holding it): its test-split predictions
  --baseline-window  a reference capture window (ISO-8601 START/END) of the same endpoint instead
  --window           the window to check (ISO-8601 START/END); default the last --window-hours hours
  --window-hours     default rollout.drift.windowHours
  --publish-metrics  PutMetricData to <project.name>/Drift (EndpointName, VariantName)
Exit: 0 no drift or not enough data, 1 drift past rollout.drift, 2 no verdict.`;

export interface CliArgs {
  readonly captures: CaptureSource;
  readonly capturesText: string;
  readonly endpoint: string;
  readonly variant?: string;
  readonly baseline?: string;
  readonly baselineWindow?: TimeWindow;
  readonly window?: TimeWindow;
  readonly windowHours?: number;
  readonly out: string;
  readonly publishMetrics: boolean;
}

export function parseCli(argv: readonly string[]): CliArgs {
  let v: Record<string, string | boolean | undefined>;
  try {
    v = parseArgs({
      args: [...argv],
      options: {
        captures: { type: 'string' },
        endpoint: { type: 'string' },
        variant: { type: 'string' },
        baseline: { type: 'string' },
        'baseline-window': { type: 'string' },
        window: { type: 'string' },
        'window-hours': { type: 'string' },
        out: { type: 'string' },
        'publish-metrics': { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`, { cause: err });
  }
  const need = (k: string) => {
    const x = v[k];
    if (typeof x !== 'string' || x === '') throw new UsageError(`--${k} is required\n${USAGE}`);
    return x;
  };
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const baseline = str('baseline');
  const baselineWindow = str('baseline-window');
  if ((baseline === undefined) === (baselineWindow === undefined))
    throw new UsageError(`give exactly one of --baseline and --baseline-window\n${USAGE}`);
  if (str('window') && str('window-hours')) throw new UsageError('give --window or --window-hours, not both');
  const hours = str('window-hours');
  if (hours !== undefined && !/^[1-9]\d*$/.test(hours))
    throw new UsageError(`--window-hours ${hours}: expected a positive whole number of hours`);
  const capturesText = need('captures');
  return {
    captures: parseSource(capturesText),
    capturesText,
    endpoint: need('endpoint'),
    variant: str('variant'),
    baseline,
    baselineWindow: baselineWindow ? parseWindow(baselineWindow, '--baseline-window') : undefined,
    window: str('window') ? parseWindow(str('window') as string, '--window') : undefined,
    windowHours: hours === undefined ? undefined : Number(hours),
    out: need('out'),
    publishMetrics: v['publish-metrics'] === true,
  };
}

/** evaluation.json (or a model dir's) as a baseline summary. */
export function evaluationBaseline(path: string): { path: string; summary: PredictionSummary } {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, EVALUATION_FILE) : path;
  if (!existsSync(file))
    throw new BaselineError(
      `--baseline ${path}: no ${EVALUATION_FILE} (train or export the model first)`,
      file,
    );
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new BaselineError(`--baseline ${file} is not JSON: ${(err as Error).message}`, file, {
      cause: err,
    });
  }
  const parsed = EvaluationBaselineInputSchema.safeParse(json);
  if (!parsed.success)
    throw new BaselineError(
      `--baseline ${file} is not an evaluation.json: ${parsed.error.issues
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
      file,
    );
  try {
    return { path: file, summary: summaryOfEvaluation(parsed.data) };
  } catch (err) {
    throw new BaselineError(`--baseline ${file}: ${(err as Error).message}`, file, { cause: err });
  }
}

export interface CliDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
  /** Tests pass clients pointed at moto; by default the SDK's own credential and region chain. */
  readonly s3?: S3Client;
  readonly cloudwatch?: CloudWatchClient;
  readonly now?: () => Date;
}

async function run(argv: readonly string[], deps: CliDeps): Promise<{ code: ExitCode; report: DriftReport }> {
  const args = parseCli(argv);
  const spec = loadPlatformSpec(deps.env);
  const drift = spec.rollout.drift;
  // The spec's key (the workflow's matrix) or the endpoint's own name: captures are filed under the name.
  const endpoint =
    args.endpoint === 'single' || args.endpoint === 'multi'
      ? spec.endpoints[args.endpoint].name
      : args.endpoint;
  const region = deps.env['AWS_REGION'] ?? spec.project.region;
  const s3 = args.captures.kind === 's3' ? (deps.s3 ?? new S3Client({ region })) : undefined;
  const window =
    args.window ?? lastHours((deps.now ?? (() => new Date()))(), args.windowHours ?? drift.windowHours);
  const read = (w: TimeWindow) =>
    readWindow({
      source: args.captures,
      endpoint,
      variant: args.variant,
      window: w,
      s3,
      maxObjects: MAX_CAPTURE_FILES,
    });
  const current = await read(window);
  let baseline: { kind: 'evaluation' | 'window'; source: string; summary: PredictionSummary };
  if (args.baselineWindow) {
    const ref = await read(args.baselineWindow);
    baseline = {
      kind: 'window',
      source: `${args.baselineWindow.start.toISOString()}/${args.baselineWindow.end.toISOString()}`,
      summary: summarize(ref.observations),
    };
    if (baseline.summary.answers === 0)
      throw new BaselineError(
        `--baseline-window ${baseline.source} holds no captured answers`,
        baseline.source,
      );
  } else {
    const e = evaluationBaseline(args.baseline as string);
    baseline = { kind: 'evaluation', source: e.path, summary: e.summary };
  }
  const figures = driftFigures(baseline.summary, summarize(current.observations));
  const { verdict, checks } = driftChecks(figures, drift);
  let published: DriftReport['published'] = null;
  if (args.publishMetrics) {
    const namespace = driftMetricNamespace(spec.project.name);
    const metrics = await publishDrift({
      cloudwatch: deps.cloudwatch ?? new CloudWatchClient({ region }),
      namespace,
      endpoint,
      variant: args.variant,
      figures,
      verdict,
      at: window.end,
    });
    published = { namespace, metrics };
  }
  const report: DriftReport = {
    generatedAt: new Date().toISOString(),
    endpoint,
    variants: current.variants,
    captures: args.capturesText,
    window: { start: window.start.toISOString(), end: window.end.toISOString() },
    baseline: { kind: baseline.kind, source: baseline.source, answers: baseline.summary.answers },
    read: { files: current.files, outsideWindow: current.outsideWindow, badLines: current.badLines },
    figures,
    verdict,
    checks,
    published,
  };
  const paths = writeReport(args.out, report);
  deps.stdout(headline(report));
  deps.stdout(`report: ${paths.markdown} ${paths.html} ${paths.json}`);
  if (verdict === 'not-enough-data')
    deps.stdout(
      `not enough data: ${figures.answers} answers < rollout.drift.minRequests ${drift.minRequests}; no alarm`,
    );
  return { code: verdict === 'fail' ? EXIT_CODES.drift : EXIT_CODES.pass, report };
}

/** Runs the CLI; every failure becomes a clear line on stderr and exit code 2. */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<ExitCode> {
  try {
    return (await run(argv, deps)).code;
  } catch (err) {
    if (err instanceof DriftError) {
      deps.stderr(`drift: ${err.message}`);
      return err.exitCode;
    }
    // Anything else (a spec override that does not validate, an unwritable --out) is no verdict either.
    deps.stderr(`drift: ${(err as Error).name}: ${(err as Error).message}`);
    return EXIT_CODES.noVerdict;
  }
}
