import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CAPACITY_FILE_NAME, CapacityPlanningError, instancePrice } from '@dogbreed/autoscaling';
import { Command, Option } from 'commander';
import { costAtCapacity, toCapacityFile } from '../capacity';
import type { Report } from '../report/model';
import { writeReport } from '../report/write';
import { runCapacityProbe } from '../runner/probe';
import { parseJsonOverride, positive } from './args';

/**
 * `nx run loadtest:probe`: per-instance capacity at the latency SLO, the target value it implies, and what an
 * inference costs at it; writes the capacity file `dogbreed-capacity simulate --capacity-file` reads.
 */
const program = new Command('loadtest-probe')
  .option('--base-url <url>', 'probe a running single-instance stack')
  .option('--spec-json <json>', 'platform spec overrides')
  .option('--models-dir <dir>', 'model dirs for the stack')
  .option('--no-train', 'never train a model when none exists')
  .option('--slo-p95-ms <n>', 'latency SLO', positive('--slo-p95-ms'), 500)
  .option('--start-rps <n>', 'first step', positive('--start-rps'), 2)
  .option('--max-rps <n>', 'last step', positive('--max-rps'), 200)
  .option('--factor <n>', 'step multiplier', positive('--factor'), 1.5)
  .option('--step-seconds <n>', 'length of each step', positive('--step-seconds'), 10)
  .addOption(new Option('--endpoint <which>').choices(['single', 'multi']).default('single'))
  .option('--out <dir>', 'report directory', 'dist/loadtest');

async function main(): Promise<void> {
  program.parse();
  const o = program.opts<{
    baseUrl?: string;
    specJson?: string;
    modelsDir?: string;
    train: boolean;
    sloP95Ms: number;
    startRps: number;
    maxRps: number;
    factor: number;
    stepSeconds: number;
    endpoint: 'single' | 'multi';
    out: string;
  }>();
  const { capacity, spec } = await runCapacityProbe({
    baseUrl: o.baseUrl,
    specOverride: parseJsonOverride(o.specJson),
    modelsDir: o.modelsDir,
    noTrain: !o.train,
    outDir: o.out,
    sloP95Ms: o.sloP95Ms,
    startRps: o.startRps,
    maxRps: o.maxRps,
    factor: o.factor,
    stepSeconds: o.stepSeconds,
    endpoint: o.endpoint,
  });
  const endpoint = spec.endpoints[o.endpoint];
  const file = toCapacityFile(capacity, {
    endpoint: endpoint.name,
    instanceType: endpoint.instanceType,
    measuredAt: new Date(),
  });
  writeFileSync(join(o.out, CAPACITY_FILE_NAME), JSON.stringify(file, null, 2) + '\n');
  const reportPath = join(o.out, 'report.json');
  if (existsSync(reportPath)) {
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as Report;
    await writeReport({ ...report, capacity }, o.out);
  }
  process.stdout.write(
    `peak ${capacity.peakRps} req/s per instance at p95 < ${capacity.sloP95Ms} ms → target value ${capacity.impliedTargetValue} (spec: ${capacity.specTargetValue})\n`,
  );
  try {
    process.stdout.write(
      `${costAtCapacity(capacity, instancePrice(spec.capacityPlanning, endpoint.instanceType))}\n`,
    );
  } catch (err) {
    if (!(err instanceof CapacityPlanningError)) throw err;
    process.stdout.write(`cost per inference unknown: ${err.message}\n`);
  }
  process.stdout.write(
    `capacity file: ${join(o.out, CAPACITY_FILE_NAME)} (dogbreed-capacity simulate --capacity-file)\n`,
  );
  if (capacity.peakRps === 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`loadtest probe: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
