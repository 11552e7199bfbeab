/**
 * The replay job's verdict: runs the shadow replay (`node dist/apps/replay/main.js`, built by `nx run replay:build`)
 * on what replay-inputs.ts fetched, candidate beside the serving model, with the spec's `rollout.replay` thresholds.
 * The replay writes its report to `--out` and its Markdown to the job summary; this sets the step output
 * `verdict-<mode>` (one line, the approve job's ApprovalDescription) and fails the step when the candidate fails
 * (exit 1) or the replay refused its input (exit 2). On a first deploy there is no serving model: the comparison is
 * skipped, and the summary and the verdict say so.
 *
 * usage: tsx tools/gha/replay-gate.ts --inputs DIR/inputs.json --out DIR
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as core from '@actions/core';
import { z } from 'zod';
import { readFlags } from './args.js';
import { ReplayGateError } from './errors.js';
import { readReplayInputs, type ReplayInputs } from './replay-inputs.js';

/** The replay CLI's bundle (`nx run replay:build`). */
export const REPLAY_CLI = 'dist/apps/replay/main.js';
export const REPORT_JSON = 'replay-report.json';
/** The replay's exit codes: 0 pass, 1 thresholds failed, 2 bad input. */
export const REPLAY_EXIT = { pass: 0, fail: 1, badInput: 2 } as const;

/** The figures the verdict line quotes; the rest of the report is the replay's own business. */
const ReportDigest = z.looseObject({
  verdict: z.enum(['pass', 'fail']),
  figures: z.looseObject({
    compared: z.number(),
    agreement: z.looseObject({ rate: z.number().nullable() }).optional(),
    accuracy: z.looseObject({ drop: z.number() }).nullable().optional(),
    latency: z.looseObject({ p95Ratio: z.number() }).nullable().optional(),
  }),
  checks: z.array(z.looseObject({ name: z.string(), result: z.string() })).optional(),
});
export type ReportDigest = z.infer<typeof ReportDigest>;

/** The replay CLI's arguments (pure): only the inputs that were fetched. */
export function replayArgs(inputs: ReplayInputs, out: string): string[] {
  if (!inputs.baseline) throw new ReplayGateError('no serving model to replay against');
  return [
    REPLAY_CLI,
    '--baseline',
    inputs.baseline.dir,
    '--candidate',
    inputs.candidate.dir,
    ...(inputs.images ? ['--images', inputs.images.dir] : []),
    ...(inputs.captures ? ['--captures', inputs.captures.dir] : []),
    '--out',
    out,
  ];
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/** One line for the approval (pure): the verdict, the figures it rests on, the checks that failed. */
export function verdictLine(mode: string, report: ReportDigest): string {
  const f = report.figures;
  const parts = [`${f.compared} requests compared`];
  if (f.agreement?.rate !== null && f.agreement?.rate !== undefined)
    parts.push(`top-1 agreement ${pct(f.agreement.rate)}`);
  if (f.accuracy) parts.push(`accuracy drop ${pct(f.accuracy.drop)}`);
  if (f.latency) parts.push(`p95 latency ×${f.latency.p95Ratio.toFixed(2)}`);
  const failed = (report.checks ?? []).filter((c) => c.result === 'fail').map((c) => c.name);
  return `${mode} replay ${report.verdict === 'pass' ? 'passed' : 'failed'}: ${parts.join(', ')}${failed.length ? `; failed: ${failed.join(', ')}` : ''}`;
}

/** The skipped comparison's line (pure). */
export function skippedLine(inputs: ReplayInputs): string {
  return `${inputs.mode} replay skipped: ${inputs.noBaseline ?? 'no serving model'}`;
}

export function readDigest(out: string): ReportDigest {
  const file = join(out, REPORT_JSON);
  if (!existsSync(file)) throw new ReplayGateError(`the replay wrote no ${file}`);
  return ReportDigest.parse(JSON.parse(readFileSync(file, 'utf8')));
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const flags = readFlags(argv, ['inputs', 'out'], 'replay-gate.ts --inputs DIR/inputs.json --out DIR');
  if (!flags.inputs || !flags.out) throw new ReplayGateError('--inputs FILE and --out DIR are required');
  const inputs = readReplayInputs(flags.inputs);
  const output = `verdict-${inputs.mode}`;
  if (!inputs.baseline) {
    const line = skippedLine(inputs);
    core.setOutput(output, line);
    core.warning(line);
    await core.summary
      .addHeading(`Shadow replay (${inputs.mode}): skipped`, 3)
      .addRaw(
        `${line}. The candidate ${inputs.candidate.modelDataUrl} still needs the reviewers' approval.`,
        true,
      )
      .write();
    return;
  }
  const run = spawnSync(process.execPath, replayArgs(inputs, flags.out), { stdio: 'inherit' });
  if (run.error) throw run.error;
  if (run.status === REPLAY_EXIT.badInput || run.status === null)
    throw new ReplayGateError(`the replay refused its input (exit ${run.status}): see its output above`);
  const line = verdictLine(inputs.mode, readDigest(flags.out));
  core.setOutput(output, line);
  core.info(line);
  if (run.status !== REPLAY_EXIT.pass)
    throw new ReplayGateError(
      `${line}: the candidate is not approved (report: ${join(flags.out, REPORT_JSON)})`,
    );
}

if (process.argv[1]?.endsWith('replay-gate.ts')) {
  main().catch((err: unknown) => core.setFailed((err as Error).message));
}
