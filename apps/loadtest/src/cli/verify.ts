import { Command, Option } from 'commander';
import { previousScenarioResults, runSpec, verifyAndReport } from '../runner/run';
import { parseJsonOverride } from './args';

/**
 * `nx run loadtest:verify`: after a run (e.g. the scheduled AWS k6 job), read what really happened and write the
 * report. AWS: --since/--until bound the window (ISO times or epoch ms). Exit 1 when a check fails.
 */
const program = new Command('loadtest-verify')
  .addOption(new Option('--mode <mode>').choices(['local', 'aws']).default('aws'))
  .option('--base-url <url>', 'local: the stack URL')
  .option('--since <time>', 'window start (ISO or epoch ms)')
  .option('--until <time>', 'window end (ISO or epoch ms; default now)')
  .option('--spec-json <json>', 'platform spec overrides')
  .addOption(new Option('--endpoint <which>').choices(['single', 'multi']).default('single'))
  .option(
    '--offered-concurrency <n>',
    'concurrent requests offered to the function (default: from the k6 summaries)',
  )
  .option('--expect-scale-in', 'require a scale-in', false)
  .option('--out <dir>', 'report directory (k6 summaries are read from <out>/k6)', 'dist/loadtest');

const time = (s: string | undefined) =>
  s === undefined ? undefined : /^\d+$/.test(s) ? Number(s) : Date.parse(s);

async function main(): Promise<void> {
  program.parse();
  const o = program.opts<{
    mode: 'local' | 'aws';
    baseUrl?: string;
    since?: string;
    until?: string;
    specJson?: string;
    endpoint: 'single' | 'multi';
    offeredConcurrency?: string;
    expectScaleIn: boolean;
    out: string;
  }>();
  const spec = runSpec({ mode: 'aws', timeScale: 1, specOverride: parseJsonOverride(o.specJson) });
  const start = time(o.since);
  if (start !== undefined && Number.isNaN(start)) throw new Error(`--since ${o.since} is not a time`);
  const scenarios = previousScenarioResults(o.out);
  const concurrency = scenarios.find((s) => s.name === 'concurrency');
  const offered = o.offeredConcurrency
    ? Number(o.offeredConcurrency)
    : concurrency
      ? spec.invoker.reservedConcurrency * 2
      : undefined;
  const { report, paths } = await verifyAndReport({
    spec,
    mode: o.mode,
    baseUrl: o.baseUrl,
    target: o.baseUrl ?? process.env['FUNCTION_URL'] ?? spec.invoker.functionName,
    endpoint: o.endpoint,
    window: start !== undefined ? { start, end: time(o.until) ?? Date.now() } : undefined,
    scenarios,
    offeredConcurrency: offered,
    expectScaleIn: o.expectScaleIn,
    outDir: o.out,
  });
  for (const c of report.checks) process.stdout.write(`${c.pass ? 'PASS' : 'FAIL'} ${c.message}\n`);
  process.stdout.write(`report: ${paths.html}\n`);
  if (!report.passed) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`loadtest verify: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
