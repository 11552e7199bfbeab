import { aws_ssm as ssm } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * Writes SSM String parameters (names from `ssmParameterNames(spec)`), so the launcher and CI read IDs and ARNs
 * instead of copying them. Returns the parameters keyed like the input.
 */
export function publishParameters<K extends string>(
  scope: Construct,
  id: string,
  entries: Record<K, { readonly name: string; readonly value: string; readonly description: string }>,
): Record<K, ssm.StringParameter> {
  const group = new Construct(scope, id);
  const out = {} as Record<K, ssm.StringParameter>;
  for (const key of Object.keys(entries) as K[]) {
    const { name, value, description } = entries[key];
    out[key] = new ssm.StringParameter(group, key, { parameterName: name, stringValue: value, description });
  }
  return out;
}
