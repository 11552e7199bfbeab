/**
 * `npm run loadtest` (tools/loadtest.sh builds first): the local load test on the stack running on the configured
 * port, or on one it starts there; prints the verdict table and where the report is. Exit 1 when anything failed.
 */
import { resolve } from 'node:path';
import { Command } from 'commander';
import { loadPlatformSpec } from '@dogbreed/platform-spec';
import { LoadTestUsageError } from '../errors';
import { renderTerminal } from '../report/render';
import { frontDoorPlan, probeRunningStack } from '../runner/front-door';
import { runLoadTest } from '../runner/run';

const program = new Command('loadtest')
  .description('the local load test: smoke, autoscale, concurrency; verdict and report')
  .option(
    '--port <n>',
    'the stack port (default spec.localStack.port; 0: always start a stack on a free port)',
  )
  .option('--models-dir <dir>', 'a started stack serves DIR/single and DIR/multi (npm start -- --models-dir)')
  .option('--out <dir>', 'report directory', 'dist/loadtest');

async function main(): Promise<void> {
  program.parse();
  const o = program.opts<{ port?: string; modelsDir?: string; out: string }>();
  const spec = loadPlatformSpec(process.env);
  const port = o.port === undefined ? spec.localStack.port : Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new LoadTestUsageError(`--port must be an integer 0..65535, got "${o.port}"`);
  const url = `http://${spec.localStack.host}:${port}`;
  const metrics = port === 0 ? undefined : await probeRunningStack(url);
  const plan = frontDoorPlan({ url, port, metrics, outDir: o.out, modelsDir: o.modelsDir });
  const say = (line: string) => process.stdout.write(`[loadtest] ${line}\n`);
  say(plan.summary);
  if (!metrics && port !== 0) say(`watch it on the dashboard: ${url}/ (once the stack is up)`);
  const { report, paths } = await runLoadTest({ ...plan.run, log: say });
  process.stdout.write(`\n${renderTerminal(report, { color: process.stdout.isTTY })}\n`);
  say(`report: ${resolve(paths.html)} (also ${paths.markdown}, ${paths.json})`);
  if (!report.passed) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`loadtest: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
