/**
 * Defect 1 of issue 16: `nx run infra:deploy --args="..."` appends the args to the target's command. Every command
 * line the workflows and docs/deploy.md give must become one `cdk deploy` the CLI accepts: no repeated
 * `--require-approval`, no `--all` beside stack names, the serving stack only with both model artifacts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from '@dogbreed/workspace';
import { describe, expect, it } from 'vitest';
import { DeployUsageError, planDeploy, withModelContext } from './deploy-args.js';

const cdkDeployArgs = (args: string[], o: typeof opts) => [...planDeploy(args, o).argv];

const order = [
  'dogbreed-boundary',
  'dogbreed-ci',
  'dogbreed-network',
  'dogbreed-data',
  'dogbreed-training',
  'dogbreed-serving',
  'dogbreed-access',
];
const opts = { stackOrder: order, servingStack: 'dogbreed-serving' };
const split = (s: string) => s.split(/\s+/).filter(Boolean);
const models =
  '--context modelDataUrlSingle=s3://b/training-output/single/j/output/model.tar.gz --context modelDataUrlMulti=s3://b/models/multi/model.tar.gz';

/** What yargs in the CDK CLI refuses: a flag twice, --all with stacks, nothing to deploy. */
function cdkWouldRefuse(argv: readonly string[]): string | undefined {
  if (argv.filter((a) => a === '--require-approval').length > 1)
    return '--require-approval can only be specified once';
  const positionals = argv
    .slice(1)
    .filter(
      (a, i, all) => !a.startsWith('-') && !['--require-approval', '--context'].includes(all[i - 1] ?? ''),
    );
  if (argv.includes('--all') && positionals.length > 0) return '--all with stack names';
  if (!argv.includes('--all') && positionals.length === 0)
    return 'You must either specify a list of Stacks or the --all argument';
  return undefined;
}

describe('cdkDeployArgs', () => {
  it.each([
    ['dogbreed-serving ' + models],
    ['dogbreed-network dogbreed-data dogbreed-training --exclusively'],
    ['dogbreed-boundary dogbreed-ci --require-approval broadening'],
    ['dogbreed-access --require-approval broadening'],
    ['dogbreed-serving --exclusively ' + models],
    ['--all ' + models],
  ])('%s → one cdk deploy the CLI accepts', (args) => {
    const argv = cdkDeployArgs(split(args), opts);
    expect(argv[0]).toBe('deploy');
    expect(cdkWouldRefuse(argv)).toBeUndefined();
    expect(argv.filter((a) => a === '--require-approval')).toHaveLength(1);
  });

  it('the serving stack takes the given model and the resolved one for the other mode', () => {
    const plan = planDeploy(split('dogbreed-serving --context modelDataUrlSingle=s3://b/new.tar.gz'), opts);
    expect(plan.deploysServing).toBe(true);
    expect(plan.givenModels).toEqual({ single: 's3://b/new.tar.gz' });
    const argv = withModelContext(plan, { single: 's3://b/new.tar.gz', multi: 's3://b/last.tar.gz' });
    expect(argv.filter((a) => a.startsWith('modelDataUrl'))).toEqual([
      'modelDataUrlSingle=s3://b/new.tar.gz',
      'modelDataUrlMulti=s3://b/last.tar.gz',
    ]);
    expect(planDeploy(split('--all'), opts).deploysServing).toBe(true);
    expect(planDeploy(split('dogbreed-data'), opts).deploysServing).toBe(false);
  });

  it('keeps the caller approval level and adds never otherwise', () => {
    expect(cdkDeployArgs(split('dogbreed-ci --require-approval broadening'), opts).join(' ')).toBe(
      'deploy dogbreed-ci --require-approval broadening',
    );
    expect(cdkDeployArgs(split('dogbreed-data --exclusively'), opts).join(' ')).toBe(
      'deploy dogbreed-data --exclusively --require-approval never',
    );
  });

  it.each([
    ['', /name the stacks/],
    ['--context modelDataUrlSingle', /KEY=VALUE/],
    ['--all dogbreed-ci', /either stack names or --all/],
    ['dogbreed-nope', /no stack dogbreed-nope/],
  ])('refuses "%s" with what to do instead', (args, message) => {
    expect(() => cdkDeployArgs(split(args), opts)).toThrow(DeployUsageError);
    expect(() => cdkDeployArgs(split(args), opts)).toThrow(message);
  });

  it('the old target command (cdk deploy --all --require-approval never + args) is what the CLI refused', () => {
    // The shape of defect 1, kept as a check of the refusal model above.
    expect(
      cdkWouldRefuse([
        'deploy',
        '--all',
        '--require-approval',
        'never',
        'dogbreed-serving',
        '--require-approval',
        'never',
      ]),
    ).toMatch(/once/);
  });

  it('the infra:deploy target adds no flag of its own (Nx appends the args to it)', () => {
    const project = JSON.parse(readFileSync(join(workspaceRoot(), 'apps/infra/project.json'), 'utf8')) as {
      targets: { deploy: { options: { command: string } } };
    };
    const command = project.targets.deploy.options.command;
    expect(command).not.toMatch(/--all|--require-approval/);
    expect(command).toMatch(/scripts\/cdk-deploy\.ts$/);
  });
});
