/**
 * Candidate policies from the command line: `name=JSON`, the JSON a partial `autoscaling` object deep-merged onto
 * the spec's and validated with the spec's own schema, so a candidate is exactly what the spec could deploy.
 */
import {
  AutoscalingSpecSchema,
  mergeSpec,
  type AutoscalingSpec,
  type SpecOverride,
} from '@dogbreed/platform-spec';
import { SimulatorError } from './errors.js';
import type { CandidatePolicy } from './simulate.js';

export function parsePolicyArg(arg: string, base: AutoscalingSpec): CandidatePolicy {
  const eq = arg.indexOf('=');
  const name = eq > 0 ? arg.slice(0, eq) : '';
  if (!/^[A-Za-z0-9._-]{1,40}$/.test(name)) {
    throw new SimulatorError(
      `--policy "${arg}" must be name=JSON with a name of letters, digits, . _ - (e.g. fast='{"targetValue":200}')`,
    );
  }
  let override: unknown;
  try {
    override = JSON.parse(arg.slice(eq + 1));
  } catch (err) {
    throw new SimulatorError(`--policy ${name}: not JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof override !== 'object' || override === null || Array.isArray(override)) {
    throw new SimulatorError(`--policy ${name}: must be a JSON object of autoscaling fields`);
  }
  const r = AutoscalingSpecSchema.safeParse(mergeSpec(base, override as SpecOverride));
  if (!r.success) {
    const issues = r.error.issues.map((i) => `autoscaling.${i.path.join('.')}: ${i.message}`).join('; ');
    throw new SimulatorError(`--policy ${name}: ${issues}`);
  }
  return { name, autoscaling: r.data };
}

export function candidatePolicies(
  args: readonly string[],
  spec: AutoscalingSpec,
  includeSpec: boolean,
): CandidatePolicy[] {
  const list = [
    ...(includeSpec ? [{ name: 'spec', autoscaling: spec }] : []),
    ...args.map((a) => parsePolicyArg(a, spec)),
  ];
  const names = new Set<string>();
  for (const p of list) {
    if (names.has(p.name)) throw new SimulatorError(`policy name "${p.name}" is used twice`);
    names.add(p.name);
  }
  if (list.length === 0)
    throw new SimulatorError('no policy to simulate: give --policy name=JSON or keep the spec policy');
  return list;
}
