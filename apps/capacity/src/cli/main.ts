/**
 * `dogbreed-capacity simulate` (`npx nx run capacity:simulate --args="..."`): replays traces through candidate
 * autoscaling policies and writes simulation.json / .md / .html to --out. Wiring only: reads files and flags,
 * the logic is in ../run.ts and ../simulate.ts.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import {
  capacityImpliedByTarget,
  DEFAULT_SAFETY_FACTOR,
  instancePrice,
  parseCapacityFile,
} from '@dogbreed/autoscaling';
import { loadPlatformSpec, type SpecOverride } from '@dogbreed/platform-spec';
import { Command, Option } from 'commander';
import { parseTraceCsv } from '../csv.js';
import { SimulatorError } from '../errors.js';
import { candidatePolicies } from '../policies.js';
import { renderMarkdown } from '../report/markdown.js';
import { writeSimulationReport } from '../report/write.js';
import { runSimulations } from '../run.js';
import { standardTrace, STANDARD_TRACE_NAMES, type StandardTraceName } from '../traces.js';

const collect = (v: string, prev: string[]) => [...prev, v];
/** `name=@file.json` → `name=<the file's JSON>` (inline JSON does not survive Nx's argument forwarding intact). */
const expandPolicyFile = (arg: string): string => {
  const m = /^([^=]+)=@(.+)$/.exec(arg);
  return m ? `${m[1]}=${readFileSync(m[2] as string, 'utf8')}` : arg;
};
const nonNegative = (name: string) => (raw: string) => {
  const v = Number(raw);
  if (!(v >= 0)) throw new SimulatorError(`${name} must be a number ≥ 0, got ${raw}`);
  return v;
};

interface SimulateOptions {
  trace: string[];
  csv: string[];
  capacityFile?: string;
  capacityRps?: number;
  startupSeconds?: number;
  metricDelaySeconds?: number;
  policy: string[];
  specPolicy: boolean;
  instanceType?: string;
  usdPerHour?: number;
  specJson?: string;
  title: string;
  out: string;
}

function simulateCommand(o: SimulateOptions): void {
  const specOverride = o.specJson ? (JSON.parse(o.specJson) as SpecOverride) : undefined;
  const spec = loadPlatformSpec(process.env, specOverride);
  const instanceType = o.instanceType ?? spec.endpoints.single.instanceType;
  const price =
    o.usdPerHour !== undefined
      ? { instanceType, usdPerHour: o.usdPerHour, source: '--usd-per-hour' }
      : (() => {
          const p = instancePrice(spec.capacityPlanning, instanceType);
          return {
            instanceType,
            usdPerHour: p.usdPerHour,
            source: `spec price table, ${p.region}, as of ${p.asOf}`,
          };
        })();
  const capacity = o.capacityFile
    ? (() => {
        const f = parseCapacityFile(readFileSync(o.capacityFile, 'utf8'), o.capacityFile);
        return {
          rps: f.peakRps,
          source: `measured by loadtest:probe ${f.measuredAt} at p95 < ${f.sloP95Ms} ms${f.lowerBound ? ', a lower bound' : ''}`,
        };
      })()
    : o.capacityRps !== undefined
      ? { rps: o.capacityRps, source: '--capacity-rps' }
      : {
          rps: capacityImpliedByTarget(spec.autoscaling.targetValue),
          source: `implied by the spec's target ${spec.autoscaling.targetValue} at safety factor ${DEFAULT_SAFETY_FACTOR}; measure it with loadtest:probe`,
        };
  const names = o.trace.length || o.csv.length ? o.trace : ['all'];
  const standard = names.flatMap((n) => (n === 'all' ? [...STANDARD_TRACE_NAMES] : [n]));
  for (const n of standard) {
    if (!(STANDARD_TRACE_NAMES as readonly string[]).includes(n)) {
      throw new SimulatorError(`--trace ${n}: one of ${STANDARD_TRACE_NAMES.join(', ')}, all`);
    }
  }
  const traces = [
    ...standard.map((n) => standardTrace(n as StandardTraceName, spec.autoscaling)),
    ...o.csv.map((file) => parseTraceCsv(readFileSync(file, 'utf8'), basename(file))),
  ];
  const report = runSimulations({
    traces,
    policies: candidatePolicies(o.policy.map(expandPolicyFile), spec.autoscaling, o.specPolicy),
    capacity,
    price,
    startupSeconds: o.startupSeconds ?? spec.capacityPlanning.instanceStartupSeconds,
    metricDelaySeconds: o.metricDelaySeconds ?? spec.capacityPlanning.metricDelaySeconds,
  });
  const paths = writeSimulationReport(report, o.out);
  process.stdout.write(renderMarkdown(report, o.title));
  process.stderr.write(`wrote ${paths.json}, ${paths.markdown}, ${paths.html}\n`);
}

const program = new Command('dogbreed-capacity').description(
  'capacity and cost what-ifs for the endpoints’ autoscaling',
);
program
  .command('simulate')
  .description('replay traffic traces through candidate autoscaling policies in virtual time')
  .option(
    '--trace <name>',
    `standard trace: ${STANDARD_TRACE_NAMES.join(', ')} or all (repeatable; default all)`,
    collect,
    [],
  )
  .option(
    '--csv <file>',
    'per-minute invocations, timestamp,value (a CloudWatch export; repeatable)',
    collect,
    [],
  )
  .option('--capacity-file <file>', 'capacity.json written by loadtest:probe')
  .option(
    '--capacity-rps <n>',
    'requests/s one instance sustains (instead of a capacity file)',
    nonNegative('--capacity-rps'),
  )
  .option(
    '--startup-seconds <n>',
    'decision → instance serving (default: spec capacityPlanning)',
    nonNegative('--startup-seconds'),
  )
  .option(
    '--metric-delay-seconds <n>',
    'period end → policy sees it (default: spec capacityPlanning)',
    nonNegative('--metric-delay-seconds'),
  )
  .option(
    '--policy <name=json>',
    'candidate: autoscaling fields over the spec’s, name=JSON or name=@file.json (repeatable)',
    collect,
    [],
  )
  .option('--no-spec-policy', 'leave the spec’s own policy out of the comparison')
  .option('--instance-type <type>', 'priced instance type (default: the single endpoint’s)')
  .option('--usd-per-hour <n>', 'price override, $ per instance-hour', nonNegative('--usd-per-hour'))
  .option('--spec-json <json>', 'platform spec overrides')
  .option('--title <text>', 'report heading', 'Capacity what-if')
  .addOption(new Option('--out <dir>', 'report directory').default('dist/capacity'))
  .action((o: SimulateOptions) => simulateCommand(o));

try {
  program.parse();
} catch (err) {
  process.stderr.write(`dogbreed-capacity: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
