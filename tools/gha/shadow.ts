/**
 * deploy-endpoints' shadow phase (`spec.rollout.shadow`), before any traffic shift: which endpoints run their candidate
 * as a shadow variant, then, once the shadow has collected live requests for `durationSeconds`, the verdict on both
 * variants' data captures (`shadowVerdict` of @dogbreed/model-quality, the code the local stack runs).
 *
 *   plan    --model-single URI --model-multi URI
 *           outputs `shadow` (true when some endpoint's candidate differs from what it serves and the phase is on),
 *           `shadow-context` (cdk context: serving models + shadow candidates) and `serving-context` (serving only,
 *           to remove the shadow). No shadow on a first deploy: nothing serves yet to compare with.
 *   verdict --since ISO --out DIR
 *           waits until `since + durationSeconds`, reads the captures of each shadowed endpoint's two variants
 *           written since then, and writes the verdict (job summary tables, DIR/shadow-verdict.json); outputs
 *           `verdict` (pass|fail) and `failed` (the failed checks, one line).
 *
 * env: AWS credentials and region (the deployEndpoints role), DOGBREED_SPEC_FILE / DOGBREED_SPEC_JSON
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as core from '@actions/core';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import {
  observationsOfJsonl,
  shadowVerdict,
  type CaptureObservation,
  type ShadowVerdict,
} from '@dogbreed/model-quality';
import {
  dataCaptureFolder,
  loadPlatformSpec,
  MODEL_DATA_CONTEXT,
  S3_PREFIXES,
  SHADOW_MODEL_DATA_CONTEXT,
  shadowVariantName,
  ssmParameterNames,
  TrainingMode,
  type PlatformSpec,
} from '@dogbreed/platform-spec';
import { readFlags } from './args.js';
import { ShadowPhaseError } from './errors.js';
import { optionalParameter } from './ssm.js';

const MODES = TrainingMode.options;
type Models = Readonly<Record<TrainingMode, string>>;

/** What the shadow phase does per endpoint: nothing serves yet, the same model, or a candidate beside the serving one. */
export interface ShadowPlan {
  readonly shadow: boolean;
  /** Endpoints whose candidate runs as a shadow. */
  readonly modes: readonly TrainingMode[];
  /** `--context` flags for `infra:deploy`: the serving models with the candidates as shadows. */
  readonly shadowContext: string;
  /** `--context` flags that serve the serving models alone (the shadow removed). */
  readonly servingContext: string;
  readonly reason: string;
}

const context = (pairs: readonly (readonly [string, string])[]) =>
  pairs.map(([k, v]) => `--context ${k}=${v}`).join(' ');

/** The plan (pure): `serving` is what the last deploy recorded (SSM), undefined on a first deploy. */
export function planShadow(
  spec: Pick<PlatformSpec, 'rollout'>,
  candidates: Models,
  serving: Partial<Record<TrainingMode, string>>,
): ShadowPlan {
  const modes = MODES.filter((m) => serving[m] !== undefined && serving[m] !== candidates[m]);
  const servingOf = (m: TrainingMode) => serving[m] ?? candidates[m];
  const servingContext = context(MODES.map((m) => [MODEL_DATA_CONTEXT[m], servingOf(m)] as const));
  const shadowContext = context([
    ...MODES.map((m) => [MODEL_DATA_CONTEXT[m], servingOf(m)] as const),
    ...modes.map((m) => [SHADOW_MODEL_DATA_CONTEXT[m], candidates[m]] as const),
  ]);
  const none = (reason: string): ShadowPlan => ({
    shadow: false,
    modes: [],
    shadowContext: '',
    servingContext,
    reason,
  });
  if (!spec.rollout.shadow.enabled) return none('rollout.shadow.enabled is false: no shadow phase');
  if (MODES.every((m) => serving[m] === undefined))
    return none('nothing is deployed yet (first deploy): no serving model to shadow');
  if (modes.length === 0) return none('every endpoint already serves its approved model: nothing to shadow');
  return {
    shadow: true,
    modes,
    shadowContext,
    servingContext,
    reason: `${modes.join(' and ')}: the candidate runs as a shadow beside the serving model`,
  };
}

/** The capture folders of one variant that can hold records written since `since` (one per hour, to `until`). */
export function captureHourPrefixes(endpoint: string, variant: string, since: Date, until: Date): string[] {
  const prefixes: string[] = [];
  const hour = new Date(since);
  hour.setUTCMinutes(0, 0, 0);
  // Bounded: one prefix per hour of the window (the shadow phase lasts minutes; at most a day is read).
  for (let i = 0; i < 25 && hour.getTime() <= until.getTime(); i += 1) {
    prefixes.push(`${S3_PREFIXES.dataCapture}${dataCaptureFolder(endpoint, variant, hour)}/`);
    hour.setUTCHours(hour.getUTCHours() + 1);
  }
  return prefixes;
}

/** Keys S3 returns per ListObjectsV2 page, and the most capture files one variant's window may hold. */
const PAGE = 1000;
const MAX_FILES = 5000;

/** The observations of one variant's captures written in [since, until]: listed by hour, read, filtered by time. */
export async function readVariantCaptures(
  s3: S3Client,
  options: { bucket: string; endpoint: string; variant: string; since: Date; until: Date },
): Promise<{ observations: CaptureObservation[]; files: number; badLines: number }> {
  const observations: CaptureObservation[] = [];
  let files = 0;
  let badLines = 0;
  for (const prefix of captureHourPrefixes(options.endpoint, options.variant, options.since, options.until)) {
    let token: string | undefined;
    for (let page = 0; page < MAX_FILES / PAGE; page += 1) {
      const listed = await s3.send(
        new ListObjectsV2Command({
          Bucket: options.bucket,
          Prefix: prefix,
          MaxKeys: PAGE,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const key of (listed.Contents ?? []).map((c) => c.Key ?? '').filter((k) => k.endsWith('.jsonl'))) {
        if (files >= MAX_FILES)
          throw new ShadowPhaseError(
            `more than ${MAX_FILES} capture files under ${prefix}: shorten the phase`,
          );
        const out = await s3.send(new GetObjectCommand({ Bucket: options.bucket, Key: key }));
        const read = observationsOfJsonl((await out.Body?.transformToString('utf8')) ?? '');
        files += 1;
        badLines += read.badLines.length;
        for (const o of read.observations) {
          const t = Date.parse(o.time);
          if (t >= options.since.getTime() && t <= options.until.getTime()) observations.push(o);
        }
      }
      token = listed.IsTruncated ? listed.NextContinuationToken : undefined;
      if (!token) break;
    }
  }
  return { observations, files, badLines };
}

const pct = (x: number | null | undefined) =>
  x === null || x === undefined ? 'n/a' : `${(x * 100).toFixed(1)} %`;
const num = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : x.toFixed(3));

/** The verdict as Markdown tables: the checks, then the figures (pure, for the job summary). */
export function verdictMarkdown(endpoint: string, v: ShadowVerdict): string {
  const f = v.figures;
  const rows = [
    `### Shadow verdict: ${endpoint}: ${v.verdict.toUpperCase()}`,
    '',
    '| Check | Figure | Bound | Result |',
    '| --- | --- | --- | --- |',
    ...v.checks.map(
      (c) =>
        `| ${c.description} (${c.name}) | ${num(c.value)} | ${c.comparator} ${num(c.limit)} | ${c.result} |`,
    ),
    '',
    '| Figure | Serving | Candidate |',
    '| --- | --- | --- |',
    `| pairs compared | ${f.compared} | ${f.compared} |`,
    `| errors on paired requests | ${f.servingErrors} | ${f.candidateErrors} |`,
    `| not-a-dog rate | ${pct(f.notADog?.serving)} | ${pct(f.notADog?.candidate)} |`,
    `| p95 model latency (ms) | ${num(f.latency?.serving.p95Ms)} | ${num(f.latency?.candidate.p95Ms)} |`,
    '',
    `Top-1 agreement ${pct(f.agreement)}, mean |Δ confidence| ${num(f.meanConfidenceShift)}; unpaired captures: ` +
      `${v.unpaired.serving} serving (not sampled for the shadow), ${v.unpaired.candidate} candidate.`,
    '',
  ];
  return rows.join('\n');
}

/** The failed checks of the verdicts, one line (the job's failure message). */
export function failedChecks(verdicts: Readonly<Record<string, ShadowVerdict>>): string {
  return Object.entries(verdicts)
    .flatMap(([endpoint, v]) =>
      v.checks
        .filter((c) => c.result === 'fail')
        .map((c) => `${endpoint}: ${c.name} (${num(c.value)}, needs ${c.comparator} ${num(c.limit)})`),
    )
    .join('; ');
}

async function plan(flags: Record<string, string | undefined>, spec: PlatformSpec, ssm: SSMClient) {
  const candidates = { single: flags['model-single'] ?? '', multi: flags['model-multi'] ?? '' };
  for (const m of MODES)
    if (!candidates[m]) throw new ShadowPhaseError(`--model-${m} URI is required (the approved model)`);
  const names = ssmParameterNames(spec);
  const serving = {
    single: await optionalParameter(ssm, names.deployedModelSingle),
    multi: await optionalParameter(ssm, names.deployedModelMulti),
  };
  const p = planShadow(spec, candidates, serving);
  core.setOutput('shadow', String(p.shadow));
  core.setOutput('modes', p.modes.join(' '));
  core.setOutput('shadow-context', p.shadowContext);
  core.setOutput('serving-context', p.servingContext);
  core.info(p.reason);
}

async function verdict(
  flags: Record<string, string | undefined>,
  spec: PlatformSpec,
  clients: { s3: S3Client; ssm: SSMClient },
) {
  const since = new Date(flags.since ?? '');
  if (Number.isNaN(since.getTime()))
    throw new ShadowPhaseError(`--since must be an ISO time (got ${flags.since})`);
  const modes = (flags.modes ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((m) => TrainingMode.parse(m));
  if (modes.length === 0)
    throw new ShadowPhaseError('--modes names no endpoint to judge (the plan shadowed none)');
  const shadow = spec.rollout.shadow;
  // The wait, the verdict and then the promotion's blue/green update all run in the job's one session.
  const budget = spec.ci.roles.deployEndpoints.maxSessionSeconds;
  const update = Math.max(...modes.map((m) => spec.endpoints[m].deployment.maxExecutionSeconds));
  if (shadow.durationSeconds + update > budget)
    throw new ShadowPhaseError(
      `rollout.shadow.durationSeconds (${shadow.durationSeconds} s) plus the update's maxExecutionSeconds (${update} s) ` +
        `exceed the deploy-endpoints session (${budget} s): shorten the shadow phase`,
    );
  const until = new Date(since.getTime() + shadow.durationSeconds * 1000);
  const waitMs = until.getTime() - Date.now();
  if (waitMs > 0) {
    core.info(`collecting live pairs until ${until.toISOString()} (${Math.round(waitMs / 1000)} s)`);
    await sleep(waitMs);
  }
  const bucket = await optionalParameter(clients.ssm, ssmParameterNames(spec).modelBucket);
  if (!bucket)
    throw new ShadowPhaseError('the model bucket parameter is not set: deploy the data stack first');
  const verdicts: Record<string, ShadowVerdict> = {};
  let md = '';
  for (const mode of modes) {
    const ep = spec.endpoints[mode];
    const read = (variant: string) =>
      readVariantCaptures(clients.s3, { bucket, endpoint: ep.name, variant, since, until: new Date() });
    const serving = await read(ep.variantName);
    const candidate = await read(shadowVariantName(ep.variantName));
    const v = shadowVerdict(serving.observations, candidate.observations, shadow);
    verdicts[ep.name] = v;
    md += verdictMarkdown(ep.name, v);
    core.info(
      `${ep.name}: ${serving.files} serving and ${candidate.files} candidate capture files ` +
        `(${serving.badLines + candidate.badLines} unreadable lines), verdict ${v.verdict}`,
    );
  }
  const out = resolve(flags.out ?? 'shadow-verdict');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'shadow-verdict.json'),
    `${JSON.stringify({ since: since.toISOString(), until: until.toISOString(), thresholds: shadow, verdicts }, null, 2)}\n`,
  );
  const pass = Object.values(verdicts).every((v) => v.verdict === 'pass');
  core.setOutput('verdict', pass ? 'pass' : 'fail');
  core.setOutput('failed', failedChecks(verdicts));
  if (process.env['GITHUB_STEP_SUMMARY']) await core.summary.addRaw(md, true).write();
}

export async function main(argv = process.argv.slice(2), env = process.env): Promise<void> {
  const [command, ...rest] = argv;
  const flags = readFlags(
    rest,
    ['model-single', 'model-multi', 'since', 'modes', 'out'],
    'shadow.ts plan --model-single URI --model-multi URI | verdict --since ISO --modes "single multi" --out DIR',
  );
  const spec = loadPlatformSpec(env);
  const region = spec.project.region;
  const ssm = new SSMClient({ region });
  if (command === 'plan') return plan(flags, spec, ssm);
  // AWS_ENDPOINT_URL (moto in the tests) needs path-style S3 addressing.
  const s3 = new S3Client({ region, forcePathStyle: Boolean(env['AWS_ENDPOINT_URL']) });
  if (command === 'verdict') return verdict(flags, spec, { s3, ssm });
  throw new ShadowPhaseError(`unknown command ${command ?? '(none)'}: plan or verdict`);
}

if (process.argv[1]?.endsWith('shadow.ts')) {
  main().catch((err: unknown) => core.setFailed((err as Error).message));
}
