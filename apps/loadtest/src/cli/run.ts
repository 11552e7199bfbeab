import { Command, Option } from 'commander';
import type { Scenario } from '../runner/k6';
import { runLoadTest } from '../runner/run';
import { parseJsonOverride, positive } from './args';

/** `nx run loadtest:local` / `loadtest:aws`: run the scenarios, verify, write the report. Exit 1 on any failure. */
const program = new Command('loadtest')
  .addOption(
    new Option('--mode <mode>', 'local stack or deployed AWS stack')
      .choices(['local', 'aws'])
      .default('local'),
  )
  .option('--base-url <url>', 'use a running local stack instead of starting one')
  .option(
    '--function-url <url>',
    'AWS: the invoker function URL (SigV4-signed with the AWS_* credentials in env)',
  )
  .option(
    '--scenarios <list>',
    'comma-separated: smoke,autoscale,concurrency,soak',
    'smoke,autoscale,concurrency',
  )
  .option(
    '--time-scale <n>',
    'local: compress periods and cooldowns by this factor',
    positive('--time-scale'),
    1,
  )
  .option('--spec-json <json>', 'platform spec overrides for the stack and the scripts')
  .option('--models-dir <dir>', 'local: model dirs (DIR/single, DIR/multi)')
  .option('--no-train', 'local: never train a model when none exists')
  .addOption(
    new Option('--endpoint <which>', 'endpoint to drive').choices(['single', 'multi']).default('single'),
  )
  .option('--expect-scale-in', 'require a scale-in after the load drops', false)
  .option(
    '--concurrency-seconds <n>',
    'length of the concurrency scenario',
    positive('--concurrency-seconds'),
    10,
  )
  .option('--soak-seconds <n>', 'length of the soak scenario', positive('--soak-seconds'), 60)
  .option(
    '--warmup-seconds <n>',
    'real seconds a new instance needs to get InService',
    positive('--warmup-seconds'),
  )
  .option('--out <dir>', 'report directory', 'dist/loadtest');

async function main(): Promise<void> {
  program.parse();
  const o = program.opts<{
    mode: 'local' | 'aws';
    baseUrl?: string;
    functionUrl?: string;
    scenarios: string;
    timeScale: number;
    specJson?: string;
    modelsDir?: string;
    train: boolean;
    endpoint: 'single' | 'multi';
    expectScaleIn: boolean;
    concurrencySeconds: number;
    soakSeconds: number;
    warmupSeconds?: number;
    out: string;
  }>();
  const scenarios = o.scenarios.split(',').map((s) => s.trim()) as Scenario[];
  for (const s of scenarios)
    if (!['smoke', 'autoscale', 'concurrency', 'soak'].includes(s)) throw new Error(`unknown scenario ${s}`);
  const { report, paths } = await runLoadTest({
    mode: o.mode,
    baseUrl: o.baseUrl,
    functionUrl: o.functionUrl ?? process.env['FUNCTION_URL'],
    scenarios,
    specOverride: parseJsonOverride(o.specJson),
    timeScale: o.mode === 'aws' ? 1 : o.timeScale,
    modelsDir: o.modelsDir,
    noTrain: !o.train,
    outDir: o.out,
    endpoint: o.endpoint,
    expectScaleIn: o.expectScaleIn,
    concurrencySeconds: o.concurrencySeconds,
    soakSeconds: o.soakSeconds,
    warmupSeconds: o.warmupSeconds,
  });
  for (const c of report.checks) process.stdout.write(`${c.pass ? 'PASS' : 'FAIL'} ${c.message}\n`);
  process.stdout.write(`report: ${paths.html}\n`);
  if (!report.passed) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`loadtest: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
