/**
 * `loadtest-rollout`: the two halves of a rollout check, run by whoever drives the endpoint update (the local stack's
 * rollout e2e, or a person against a running stack). `run` offers RATE req/s through InvokeEndpoint for DURATION s
 * with k6 and keeps every request's sample; `verify` judges them against the update window the caller observed and
 * writes `<out>/rollout-checks.json`. Exit 1 when a check fails.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import type { PlatformSpec } from '@dogbreed/platform-spec';
import { readK6Summary } from '../runner/k6-summary';
import { runK6 } from '../runner/k6';
import { runSpec } from '../runner/run';
import { blueBucketMs, readRolloutSamples, verifyRollout } from '../verify/rollout';
import { parseJsonOverride, positive } from './args';

const SAMPLES = 'rollout-samples.jsonl';
const SUMMARY = 'rollout.json';

const program = new Command('loadtest-rollout');

program
  .command('run')
  .description('k6 rollout scenario against a running local stack')
  .requiredOption('--base-url <url>', 'the local stack URL')
  .requiredOption('--payload <file>', 'the image every request sends')
  .requiredOption('--rate <n>', 'requests per second', positive('--rate'))
  .requiredOption('--duration <s>', 'seconds of load', positive('--duration'))
  .option('--time-scale <n>', "the stack's time scale", positive('--time-scale'), 60)
  .option('--spec-json <json>', 'platform spec overrides (the same as the stack got)')
  .addOption(new Option('--endpoint <which>').choices(['single', 'multi']).default('single'))
  .requiredOption('--out <dir>', 'where the samples and the k6 summary go')
  .action(
    async (o: {
      baseUrl: string;
      payload: string;
      rate: number;
      duration: number;
      timeScale: number;
      specJson?: string;
      endpoint: 'single' | 'multi';
      out: string;
    }) => {
      const spec = runSpec({
        mode: 'local',
        timeScale: o.timeScale,
        specOverride: parseJsonOverride(o.specJson),
      });
      mkdirSync(o.out, { recursive: true });
      const r = await runK6({
        scenario: 'rollout',
        spec,
        mode: 'local',
        baseUrl: o.baseUrl,
        payload: o.payload,
        outDir: o.out,
        timeScale: o.timeScale,
        vars: { ENDPOINT: o.endpoint, RATE: String(o.rate), DURATION_S: String(o.duration) },
        // The scenario's duration, its 60 s graceful stop and k6's start-up.
        timeoutMs: (o.duration + 90) * 1000,
        summaryName: SUMMARY,
        samplesPath: join(o.out, SAMPLES),
        log: (l) => process.stderr.write(`${l}\n`),
      });
      process.stdout.write(
        `rollout k6: ${r.requests} requests, ${r.ok} × 200, ${r.unexpected} other, ${r.droppedIterations} dropped\n`,
      );
    },
  );

/** The green share after the first traffic shift of the endpoint's deployment. */
function firstStepPercent(spec: PlatformSpec, endpoint: 'single' | 'multi'): number {
  const d = spec.endpoints[endpoint].deployment;
  if (d.mode === 'canary') return d.canaryPercent;
  if (d.mode === 'linear') return d.linearStepPercent;
  return 100;
}

const epochMs = (name: string) => (raw: string) => {
  const v = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (Number.isNaN(v)) throw new Error(`${name} must be epoch ms or an ISO time, got ${raw}`);
  return v;
};

program
  .command('verify')
  .description("judge a `run`'s samples against the update the caller observed")
  .requiredOption('--out <dir>', 'the directory `run` wrote')
  .requiredOption('--blue-model <version>', 'modelVersion of the serving model')
  .requiredOption('--candidate-model <version>', 'modelVersion of the candidate')
  .addOption(
    new Option('--expect <outcome>', 'how the update must end')
      .choices(['promoted', 'rolled-back'])
      .makeOptionMandatory(),
  )
  .requiredOption('--update-started <time>', 'when UpdateEndpoint was sent', epochMs('--update-started'))
  .requiredOption('--decided <time>', 'the first DescribeEndpoint no longer Updating', epochMs('--decided'))
  .requiredOption('--rate <n>', 'the rate `run` offered', positive('--rate'))
  .option('--time-scale <n>', "the stack's time scale", positive('--time-scale'), 60)
  .option('--spec-json <json>', 'platform spec overrides (the same as the stack got)')
  .addOption(new Option('--endpoint <which>').choices(['single', 'multi']).default('single'))
  .action(
    (o: {
      out: string;
      blueModel: string;
      candidateModel: string;
      expect: 'promoted' | 'rolled-back';
      updateStarted: number;
      decided: number;
      rate: number;
      timeScale: number;
      specJson?: string;
      endpoint: 'single' | 'multi';
    }) => {
      const spec = runSpec({
        mode: 'local',
        timeScale: o.timeScale,
        specOverride: parseJsonOverride(o.specJson),
      });
      const summary = readK6Summary(join(o.out, SUMMARY));
      const step = firstStepPercent(spec, o.endpoint);
      const checks = verifyRollout(readRolloutSamples(join(o.out, SAMPLES)), {
        blueModel: o.blueModel,
        candidateModel: o.candidateModel,
        outcome: o.expect,
        firstStepPercent: step,
        updateStartedAt: o.updateStarted,
        decidedAt: o.decided,
        iterations: summary.metrics['iterations']?.values['count'] ?? 0,
        droppedIterations: summary.metrics['dropped_iterations']?.values['count'] ?? 0,
        bucketMs: blueBucketMs(o.rate, step),
      });
      writeFileSync(join(o.out, 'rollout-checks.json'), JSON.stringify(checks, null, 1));
      for (const c of checks) process.stdout.write(`${c.pass ? 'PASS' : 'FAIL'} ${c.message}\n`);
      if (!checks.every((c) => c.pass)) process.exitCode = 1;
    },
  );

program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`loadtest rollout: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
