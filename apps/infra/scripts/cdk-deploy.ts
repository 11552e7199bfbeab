/**
 * `nx run infra:deploy --args="STACK... [cdk deploy options]"`: runs `cdk deploy` with the command line built by
 * `planDeploy` (deploy-args.ts); a deploy of the serving stack first resolves and checks both model artifacts
 * (serving-artifacts.ts). Only wires: argv in, the CDK CLI out, its exit code back.
 *
 * usage (cwd apps/infra): tsx scripts/cdk-deploy.ts dogbreed-serving --exclusively [--context modelDataUrlSingle=s3://…]
 */
import { spawnSync } from 'node:child_process';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { loadPlatformSpec, TrainingMode } from '@dogbreed/platform-spec';
import { stackName, type InfraStacks } from '@dogbreed/infra-constructs';
import { DeployUsageError, planDeploy, withModelContext } from './deploy-args.js';
import { ModelArtifactError, resolveServingModels } from './serving-artifacts.js';

/** First-deploy order: the boundary every role carries, the CI roles, then what the pipeline deploys, access last. */
const ORDER: readonly (keyof InfraStacks)[] = [
  'boundary',
  'ci',
  'network',
  'data',
  'training',
  'serving',
  'access',
];

async function main(): Promise<number> {
  const spec = loadPlatformSpec();
  try {
    const plan = planDeploy(process.argv.slice(2), {
      stackOrder: ORDER.map((p) => stackName(spec, p)),
      servingStack: stackName(spec, 'serving'),
    });
    let argv = [...plan.argv];
    if (plan.deploysServing) {
      const region = spec.project.region;
      // AWS_ENDPOINT_URL (moto in the tests) needs path-style S3 addressing.
      const s3 = new S3Client({ region, forcePathStyle: Boolean(process.env['AWS_ENDPOINT_URL']) });
      const models = await resolveServingModels(
        { ssm: new SSMClient({ region }), s3 },
        { spec, given: plan.givenModels },
      );
      for (const mode of TrainingMode.options)
        process.stderr.write(
          `infra:deploy: ${mode} serves ${models[mode]}${plan.givenModels[mode] ? '' : ' (deployed last)'}\n`,
        );
      argv = withModelContext(plan, models);
    }
    process.stderr.write(`infra:deploy: cdk ${argv.join(' ')}\n`);
    const run = spawnSync('cdk', argv, { stdio: 'inherit' });
    if (run.error) throw run.error;
    return run.status ?? 1;
  } catch (err) {
    if (err instanceof DeployUsageError || err instanceof ModelArtifactError) {
      process.stderr.write(`infra:deploy: ${err.message}\n`);
      return err instanceof DeployUsageError ? 2 : 4;
    }
    throw err;
  }
}

process.exitCode = await main();
