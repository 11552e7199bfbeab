/**
 * `dogbreed-replay`: parses the flags, loads the spec (DOGBREED_SPEC_FILE / DOGBREED_SPEC_JSON apply), reads the
 * requests, starts a model server per model dir, runs the replay and writes replay-report.json + .md (and appends
 * the Markdown to $GITHUB_STEP_SUMMARY). Wiring only; returns the exit code (0 pass, 1 fail, 2 no verdict).
 */
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPlatformSpec } from '@dogbreed/platform-spec';
import { Command, CommanderError } from 'commander';
import { EXIT_CODES, ReplayError, UsageError, type ExitCode } from './errors.js';
import { renderMarkdown } from './markdown.js';
import { runReplay, type ReplaySideInput } from './replay.js';
import { REPORT_JSON, REPORT_MARKDOWN } from './report.js';
import { captureRequests, imageRequests, type ReplayRequest } from './requests.js';
import { isUrl, readModelDir, serveModelDir, urlTarget, type Target } from './targets.js';

/** Prefix of the last stdout line: where the report is and what it says (the pipeline reads it). */
export const RESULT_KEY = 'REPLAY_REPORT';
const GITHUB_STEP_SUMMARY = 'GITHUB_STEP_SUMMARY';

export interface CliDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
  /** Aborted on SIGINT/SIGTERM. */
  readonly signal?: AbortSignal;
}

export interface ReplayArgs {
  readonly baseline: string;
  readonly candidate: string;
  readonly images?: string;
  readonly captures?: string;
  readonly limit?: number;
  readonly out: string;
  readonly modelServer: string;
}

/** The built model server beside this bundle (dist/apps/replay → dist/apps/model-server), else under the repo root. */
export function defaultModelServerMain(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const sibling = resolve(here, '..', 'model-server', 'main.js');
  if (existsSync(sibling)) return sibling;
  let dir = here;
  while (!existsSync(join(dir, 'nx.json'))) {
    const up = dirname(dir);
    if (up === dir) return resolve('dist/apps/model-server/main.js');
    dir = up;
  }
  return join(dir, 'dist', 'apps', 'model-server', 'main.js');
}

function buildProgram(): Command {
  return new Command('dogbreed-replay')
    .description(
      'Replay the same requests against the serving model and a candidate, and judge the candidate.',
    )
    .requiredOption('--baseline <dir|url>', 'the serving model: a model dir or http(s)://host:port')
    .requiredOption('--candidate <dir|url>', 'the candidate: a model dir or http(s)://host:port')
    .option('--images <dir>', 'ImageFolder split (<class>/<image>): labelled requests')
    .option('--captures <path>', 'SageMaker data-capture .jsonl file or directory (read recursively)')
    .option('--limit <n>', 'replay at most n requests (images first, then captures)')
    .option('--out <dir>', 'where replay-report.json and replay-report.md go', 'replay-report')
    .option('--model-server <main.js>', 'the built model server', defaultModelServerMain())
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
}

/** The usage text (`--help`). */
export function helpText(): string {
  return buildProgram().helpInformation();
}

export function parseArgs(argv: readonly string[]): ReplayArgs {
  const program = buildProgram();
  try {
    program.parse([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError)
      throw new UsageError(err.message.replace(/^error: /, ''), { cause: err });
    throw err;
  }
  const o = program.opts<{
    baseline: string;
    candidate: string;
    images?: string;
    captures?: string;
    limit?: string;
    out: string;
    modelServer: string;
  }>();
  if (!o.images && !o.captures) throw new UsageError('give --images <dir>, --captures <path>, or both');
  let limit: number | undefined;
  if (o.limit !== undefined) {
    limit = Number(o.limit);
    if (!Number.isInteger(limit) || limit < 1)
      throw new UsageError(`--limit must be a whole number ≥ 1, got ${o.limit}`);
  }
  return {
    baseline: o.baseline,
    candidate: o.candidate,
    ...(o.images ? { images: o.images } : {}),
    ...(o.captures ? { captures: o.captures } : {}),
    ...(limit !== undefined ? { limit } : {}),
    out: o.out,
    modelServer: o.modelServer,
  };
}

function sideInput(t: Target): ReplaySideInput {
  return {
    url: t.url,
    target: t.given,
    kind: t.kind,
    ...(t.metadata ? { modelVersion: t.metadata.modelVersion, classNames: t.metadata.classNames } : {}),
  };
}

async function replay(args: ReplayArgs, deps: CliDeps): Promise<ExitCode> {
  const spec = loadPlatformSpec(deps.env);
  const images = args.images ? imageRequests(args.images) : [];
  const captures = args.captures ? captureRequests(args.captures) : undefined;
  const all: ReplayRequest[] = [...images, ...(captures?.requests ?? [])];
  const requests = args.limit !== undefined ? all.slice(0, args.limit) : all;
  const imageCount = requests.filter((r) => r.source === 'image').length;

  // Both model dirs are checked before either server starts: a bad candidate should not cost a server start.
  for (const arg of [args.baseline, args.candidate]) if (!isUrl(arg)) readModelDir(arg);

  const targets: Target[] = [];
  try {
    const start = async (arg: string, role: string): Promise<Target> => {
      if (isUrl(arg)) return urlTarget(arg);
      deps.stderr(`replay: starting the ${role} model server for ${arg}`);
      const t = await serveModelDir({
        modelDir: arg,
        modelServerMain: args.modelServer,
        settings: spec.modelServer,
        role,
        ...(deps.signal ? { signal: deps.signal } : {}),
      });
      deps.stderr(`replay: ${role} model server pid ${t.pid} ready at ${t.url}`);
      return t;
    };
    const baseline = await start(args.baseline, 'serving');
    targets.push(baseline);
    const candidate = await start(args.candidate, 'candidate');
    targets.push(candidate);

    deps.stderr(`replay: ${requests.length} requests, each to both sides`);
    const step = Math.max(1, Math.ceil(requests.length / 50));
    const report = await runReplay({
      baseline: sideInput(baseline),
      candidate: sideInput(candidate),
      requests,
      thresholds: spec.rollout.replay,
      timeoutMs: spec.invoker.endpointTimeoutMs,
      inputs: {
        ...(args.images ? { images: args.images } : {}),
        ...(args.captures ? { captures: args.captures } : {}),
        ...(args.limit !== undefined ? { limit: args.limit } : {}),
        imageRequests: imageCount,
        captureRequests: requests.length - imageCount,
        capturesWithoutInput: captures?.withoutInput ?? 0,
      },
      onProgress: (done, total) => {
        if (done % step === 0 || done === total) deps.stderr(`replay: ${done}/${total}`);
      },
      ...(deps.signal ? { signal: deps.signal } : {}),
    });

    const markdown = renderMarkdown(report);
    mkdirSync(args.out, { recursive: true });
    const jsonPath = join(args.out, REPORT_JSON);
    writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(args.out, REPORT_MARKDOWN), markdown);
    const summary = deps.env[GITHUB_STEP_SUMMARY];
    if (summary) appendFileSync(summary, `${markdown}\n`);
    for (const c of report.checks)
      deps.stderr(`replay: ${c.name} ${c.value ?? '—'} ${c.comparator} ${c.limit}: ${c.result}`);
    deps.stdout(`${RESULT_KEY}=${jsonPath} verdict=${report.verdict}`);
    return report.verdict === 'pass' ? EXIT_CODES.pass : EXIT_CODES.fail;
  } finally {
    await Promise.all(targets.map((t) => t.stop()));
  }
}

export async function runCli(argv: readonly string[], deps: CliDeps): Promise<ExitCode> {
  if (argv.includes('--help') || argv.includes('-h')) {
    deps.stdout(helpText().trimEnd());
    return EXIT_CODES.pass;
  }
  try {
    return await replay(parseArgs(argv), deps);
  } catch (err) {
    if (err instanceof ReplayError) {
      deps.stderr(`replay: ${err.name}: ${err.message}`);
      return err.exitCode;
    }
    // Anything else (a spec override that does not validate, an unwritable --out) is no verdict either.
    const e = err as Error;
    deps.stderr(`replay: ${e.name ?? 'Error'}: ${e.message ?? String(err)}`);
    return EXIT_CODES.noVerdict;
  }
}
