/** SSM parameters the pipeline's steps read, where a missing one is an answer (nothing deployed yet), not a failure. */
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';

/** The parameter's value, or undefined when it does not exist; any other error is thrown. */
export async function optionalParameter(ssm: SSMClient, name: string): Promise<string | undefined> {
  try {
    return (await ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
  } catch (err) {
    if ((err as { name?: string }).name === 'ParameterNotFound') return undefined;
    throw err;
  }
}
