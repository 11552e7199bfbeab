import { aws_ssm as ssm } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/** One SSM parameter to publish. */
export interface ParameterEntry {
  readonly name: string;
  readonly value: string;
  readonly description: string;
}

/**
 * Writes SSM String parameters (names from `ssmParameterNames(spec)`), so the launcher and CI read IDs and ARNs
 * instead of copying them. An entry left undefined (a resource the spec switched off) is not written. Returns the
 * parameters keyed like the input.
 */
export function publishParameters<K extends string>(
  scope: Construct,
  id: string,
  entries: { readonly [P in K]?: ParameterEntry | undefined },
): Partial<Record<K, ssm.StringParameter>> {
  const group = new Construct(scope, id);
  const out: Partial<Record<K, ssm.StringParameter>> = {};
  for (const key of Object.keys(entries) as K[]) {
    const entry = entries[key];
    if (!entry) continue;
    out[key] = new ssm.StringParameter(group, key, {
      parameterName: entry.name,
      stringValue: entry.value,
      description: entry.description,
    });
  }
  return out;
}
