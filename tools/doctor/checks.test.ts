/**
 * The doctor's checks as pure functions: each input the account can be in (nothing there, too little, the wrong
 * thing, right) gives the status and the fix the set-up needs, with every name and number from the spec.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cfnExecutionPolicyNames, PLATFORM_SPEC, ssmParameterNames } from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/testing';
import { describe, expect, it } from 'vitest';
import { requiredBootstrapVersion, requiredByAwsCdkLib, requiredByCdkOut } from './bootstrap-version.js';
import {
  absent,
  bootstrapCommand,
  checkBootstrapVersion,
  checkCredentials,
  checkDataset,
  checkExecutionPolicy,
  checkLambdaConcurrency,
  checkOidcProvider,
  checkQuota,
  checkRegion,
  executionPolicyArns,
  exitCode,
  found,
  LAMBDA_MIN_UNRESERVED_CONCURRENCY,
  quotaNeeds,
  parseExecutionPolicies,
  readError,
  summarize,
  type CheckResult,
  type ScopedPolicies,
  type ServiceQuota,
  type Target,
} from './checks.js';
import { DoctorError } from './errors.js';
import { formatJson, formatText, readDoctorFlags } from './main.js';

const spec = PLATFORM_SPEC;
const target: Target = { account: '111122223333', partition: 'aws', region: spec.project.region };
const scoped = `arn:aws:iam::111122223333:policy/${spec.ci.bootstrap.executionPolicyName}`;
const scoped2 = `${scoped}-2`;
const GITHUB_PROVIDER = 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com';

describe('credentials and region', () => {
  it('fails without an identity, and on another account than spec project.account', () => {
    expect(checkCredentials(spec, readError('CredentialsProviderError: no credentials'))).toMatchObject({
      status: 'fail',
      fix: expect.stringMatching(/AWS_PROFILE|sso login/),
    });
    const pinned = specWith({ project: { account: '999999999999' } });
    expect(
      checkCredentials(pinned, found({ account: '111122223333', arn: 'arn:aws:iam::1:user/x' })),
    ).toMatchObject({ status: 'fail', message: expect.stringContaining('999999999999') });
    expect(
      checkCredentials(spec, found({ account: '111122223333', arn: 'arn:aws:iam::1:user/x' })).status,
    ).toBe('ok');
  });

  it('warns when the region checked is not the spec region', () => {
    expect(checkRegion(spec, spec.project.region).status).toBe('ok');
    expect(checkRegion(spec, 'eu-west-1')).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining(`--region ${spec.project.region}`),
    });
  });
});

describe('CDK bootstrap', () => {
  const input = (parameter: Parameters<typeof checkBootstrapVersion>[0]['parameter']) => ({
    spec,
    target,
    required: 6,
    parameter,
    scopedPolicies: found([scoped, scoped2]),
  });

  it('a missing or old bootstrap fails with the bootstrap command: the spec qualifier and both scoped policies', () => {
    const command = bootstrapCommand(spec, target);
    expect(command).toBe(
      `npx cdk bootstrap aws://111122223333/${spec.project.region} --qualifier ${spec.ci.bootstrap.qualifier} ` +
        `--cloudformation-execution-policies "${scoped},${scoped2}"`,
    );
    expect(executionPolicyArns(spec, target)).toEqual(
      cfnExecutionPolicyNames(spec).map((n) => `arn:aws:iam::111122223333:policy/${n}`),
    );
    expect(checkBootstrapVersion(input(absent()))).toMatchObject({
      status: 'fail',
      message: expect.stringContaining(`/cdk-bootstrap/${spec.ci.bootstrap.qualifier}/version`),
      fix: expect.stringContaining(command),
    });
    expect(checkBootstrapVersion(input(found('5')))).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('≥ 6'),
    });
    expect(checkBootstrapVersion(input(found('6'))).status).toBe('ok');
    // Both policies exist: the bootstrap, then the CI stack. One missing: the boundary stack first.
    const ci = `${spec.project.name}-ci`;
    const boundary = `${spec.project.name}-boundary`;
    expect(checkBootstrapVersion(input(absent())).fix).toBe(
      `as an administrator, bootstrap: ${command}; then deploy ${ci}: ` +
        `npx nx run infra:deploy --args="${ci} --require-approval broadening"`,
    );
    const fresh = checkBootstrapVersion({ ...input(absent()), scopedPolicies: found([scoped]) }).fix ?? '';
    expect(fresh).toMatch(
      new RegExp(
        `^as an administrator, deploy ${boundary} \\(it needs no bootstrap.*` +
          `infra:deploy --args="${boundary} --require-approval broadening"; then bootstrap: .*; then deploy ${ci}: `,
      ),
    );
    expect(fresh.indexOf(boundary)).toBeLessThan(fresh.indexOf(command));
    expect(fresh.indexOf(command)).toBeLessThan(fresh.indexOf(`--args="${ci}`));
    expect(checkBootstrapVersion(input(found('30'))).status).toBe('ok');
    expect(checkBootstrapVersion(input(readError('AccessDeniedException: no'))).fix).toMatch(
      /^grant the caller ssm:GetParameter/,
    );
    // Not a refusal (a network or emulator failure): no grant to ask for.
    expect(checkBootstrapVersion(input(readError('TimeoutError: socket hang up'))).fix).toMatch(
      /^see the error/,
    );
  });

  it('the execution policies: exactly both scoped ones (any order) are ok; anything else is a warning to re-bootstrap', () => {
    const toolkit = (executionPolicies: string[], status = 'UPDATE_COMPLETE') =>
      found({ status, executionPolicies });
    const both = found([scoped, scoped2]);
    const run = (policies: string[], policy: ScopedPolicies = both, status?: string) =>
      checkExecutionPolicy({ spec, target, toolkit: toolkit(policies, status), scopedPolicies: policy });

    expect(run([scoped, scoped2])).toMatchObject({
      status: 'ok',
      message: expect.stringContaining(`${scoped} and ${scoped2}`),
    });
    expect(run([scoped2, scoped]).status).toBe('ok');
    // Only one of the two, one twice, or a third beside them: not the scoped set.
    expect(run([scoped]).status).toBe('warn');
    expect(run([scoped2]).status).toBe('warn');
    expect(run([scoped, scoped]).status).toBe('warn');
    expect(run([scoped, scoped2, 'arn:aws:iam::aws:policy/AdministratorAccess']).status).toBe('warn');
    const admin = run(['arn:aws:iam::aws:policy/AdministratorAccess']);
    expect(admin).toMatchObject({ status: 'warn', fix: expect.stringContaining('re-bootstrap') });
    expect(admin.fix).toBe(`as an administrator, re-bootstrap: ${bootstrapCommand(spec, target)}`);
    expect(run([]).message).toContain('AdministratorAccess');
    // The boundary stack creates both policies: unless both exist, the fix deploys that stack first.
    const boundaryFirst = new RegExp(`deploy ${spec.project.name}-boundary .*then re-bootstrap`);
    expect(run([], absent()).fix).toMatch(boundaryFirst);
    expect(run([], found([scoped])).fix).toMatch(boundaryFirst);
    expect(run([], found([scoped2])).fix).toMatch(boundaryFirst);
    expect(run([], readError('AccessDenied: no')).fix).toMatch(boundaryFirst);
    expect(run([], both).fix).not.toMatch(boundaryFirst);
    expect(run([scoped, scoped2], both, 'ROLLBACK_COMPLETE')).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('describe-stack-events'),
    });
    expect(checkExecutionPolicy({ spec, target, toolkit: absent(), scopedPolicies: absent() })).toMatchObject(
      {
        status: 'fail',
        fix: expect.stringMatching(/boundary.*npx cdk bootstrap.*-ci /),
      },
    );
  });

  it("parses the CDKToolkit parameter as CloudFormation returns a CommaDelimitedList: 'a,b'", () => {
    expect(parseExecutionPolicies(`${scoped},${scoped2}`)).toEqual([scoped, scoped2]);
    expect(parseExecutionPolicies(` ${scoped} , ${scoped2} `)).toEqual([scoped, scoped2]);
    expect(parseExecutionPolicies('')).toEqual([]);
  });

  it('reads the required version from the CheckBootstrapVersion rule: one above the highest refused', () => {
    const template = (refused: string[]) => ({
      Rules: {
        CheckBootstrapVersion: {
          Assertions: [
            {
              Assert: { 'Fn::Not': [{ 'Fn::Contains': [refused, { Ref: 'BootstrapVersion' }] }] },
              AssertDescription: 'CDK bootstrap stack version N required.',
            },
          ],
        },
      },
    });
    expect(requiredBootstrapVersion(template(['1', '2', '3', '4', '5']))).toBe(6);
    expect(requiredBootstrapVersion(template(['1', '21']))).toBe(22);
    expect(requiredBootstrapVersion({ Resources: {} })).toBeUndefined();

    const dir = mkdtempSync(join(tmpdir(), 'doctor-cdkout-'));
    try {
      writeFileSync(join(dir, 'a.template.json'), JSON.stringify(template(['1', '2', '3', '4', '5'])));
      writeFileSync(
        join(dir, 'b.template.json'),
        JSON.stringify(template(['1', '2', '3', '4', '5', '6', '7'])),
      );
      writeFileSync(join(dir, 'a.assets.json'), '{}');
      expect(requiredByCdkOut(dir)).toBe(8);
      rmSync(join(dir, 'a.template.json'));
      rmSync(join(dir, 'b.template.json'));
      expect(() => requiredByCdkOut(dir)).toThrow(DoctorError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the installed aws-cdk-lib synthesizes the rule, with at least its documented minimum (6)', async () => {
    expect(await requiredByAwsCdkLib()).toBeGreaterThanOrEqual(6);
  });
});

describe('the GitHub OIDC provider', () => {
  const provider = (clientIds = ['sts.amazonaws.com']) => ({
    arn: GITHUB_PROVIDER,
    url: 'token.actions.githubusercontent.com',
    clientIds,
  });

  it('none: deploy the CI stack, which creates it', () => {
    expect(checkOidcProvider({ spec, providers: found([]), ciStackExists: false })).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining(`${spec.project.name}-ci`),
    });
  });

  it('one the CI stack did not create: name it in the spec, or the stack would create a second', () => {
    expect(checkOidcProvider({ spec, providers: found([provider()]), ciStackExists: false })).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining(`ci.existingOidcProviderArn to "${GITHUB_PROVIDER}"`),
    });
    const named = specWith({ ci: { existingOidcProviderArn: GITHUB_PROVIDER } });
    expect(
      checkOidcProvider({ spec: named, providers: found([provider()]), ciStackExists: false }).status,
    ).toBe('ok');
    expect(checkOidcProvider({ spec: named, providers: found([]), ciStackExists: false })).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('create-open-id-connect-provider'),
    });
  });

  it('needs the audience sts.amazonaws.com', () => {
    expect(checkOidcProvider({ spec, providers: found([provider()]), ciStackExists: true }).status).toBe(
      'ok',
    );
    expect(
      checkOidcProvider({ spec, providers: found([provider(['sigstore'])]), ciStackExists: true }),
    ).toMatchObject({
      status: 'fail',
      fix: `aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn ${GITHUB_PROVIDER} --client-id sts.amazonaws.com`,
    });
  });
});

describe('service quotas', () => {
  it('endpoints at max scale doubled for blue/green, both endpoints; training per mode, spot', () => {
    const max = spec.autoscaling.maxInstances;
    const needs = quotaNeeds(spec);
    const byName = Object.fromEntries(needs.map((n) => [n.quotaName, n.needed]));
    // The defaults: both endpoints on the same type, so one quota for both.
    expect(spec.endpoints.single.instanceType).toBe(spec.endpoints.multi.instanceType);
    expect(byName[`${spec.endpoints.single.instanceType} for endpoint usage`]).toBe(2 * 2 * max);
    expect(spec.training.spot).toBe(true);
    expect(byName[`${spec.training.singleInstanceType} for spot training job usage`]).toBe(1);
    expect(byName[`${spec.training.multiInstanceType} for spot training job usage`]).toBe(
      spec.training.multiInstanceCount,
    );
    expect(needs).toHaveLength(3);
  });

  it('follows the spec: instance types, a scheduled window above the maximum, on-demand training', () => {
    const changed = specWith({
      endpoints: { multi: { instanceType: 'ml.c5.xlarge' } },
      autoscaling: {
        maxInstances: 3,
        schedule: [{ name: 'peak', start: '0 8 * * *', end: '0 18 * * *', minInstances: 1, maxInstances: 5 }],
      },
      training: { spot: false, singleInstanceType: 'ml.g4dn.xlarge', multiInstanceCount: 3 },
    });
    expect(quotaNeeds(changed).map((n) => [n.quotaName, n.needed])).toEqual([
      ['ml.m5.large for endpoint usage', 10],
      ['ml.c5.xlarge for endpoint usage', 10],
      // Both modes on one type: the train job's matrix runs them at once.
      ['ml.g4dn.xlarge for training job usage', 4],
    ]);
  });

  it('a quota below the need fails with the increase request for its code; a name not listed warns', () => {
    const [need] = quotaNeeds(spec);
    if (!need) throw new Error('fixture: no need');
    const quotas = (value: number): ServiceQuota[] => [
      { quotaName: need.quotaName, quotaCode: 'L-ABCD1234', value },
    ];
    expect(checkQuota(need, found(quotas(need.needed)), 'us-east-1').status).toBe('ok');
    expect(checkQuota(need, found(quotas(need.needed - 1)), 'us-east-1')).toMatchObject({
      status: 'fail',
      fix: `aws service-quotas request-service-quota-increase --service-code sagemaker --quota-code L-ABCD1234 --desired-value ${need.needed} --region us-east-1`,
    });
    expect(checkQuota(need, found([]), 'us-east-1').status).toBe('warn');
    expect(checkQuota(need, readError('AccessDeniedException'), 'us-east-1').fix).toContain(
      'servicequotas:ListServiceQuotas',
    );
  });

  it('Lambda: the unreserved concurrency left after the invoker reservation must stay at 100 or more', () => {
    const reserve = spec.invoker.reservedConcurrency;
    const lambdaQuota = found([{ quotaName: 'Concurrent executions', quotaCode: 'L-B99A9384', value: 10 }]);
    // A new account: a limit of 10.
    const fresh = checkLambdaConcurrency(
      spec,
      found({ limit: 10, unreserved: 10, invokerReserved: 0 }),
      lambdaQuota,
      'us-east-1',
    );
    expect(fresh.status).toBe('fail');
    expect(fresh.message).toContain(`${10 - reserve} unreserved`);
    expect(fresh.fix).toBe(
      `aws service-quotas request-service-quota-increase --service-code lambda --quota-code L-B99A9384 --desired-value ${reserve + LAMBDA_MIN_UNRESERVED_CONCURRENCY} --region us-east-1`,
    );
    const edge = 100 + reserve;
    expect(
      checkLambdaConcurrency(
        spec,
        found({ limit: edge, unreserved: edge, invokerReserved: 0 }),
        lambdaQuota,
        'r',
      ).status,
    ).toBe('ok');
    // Once the serving stack exists its reservation is already out of `unreserved`: not counted twice.
    expect(
      checkLambdaConcurrency(
        spec,
        found({ limit: edge, unreserved: 100, invokerReserved: reserve }),
        lambdaQuota,
        'r',
      ).status,
    ).toBe('ok');
    expect(
      checkLambdaConcurrency(
        spec,
        found({ limit: edge - 1, unreserved: edge - 1, invokerReserved: 0 }),
        absent(),
        'r',
      ).fix,
    ).toContain('Concurrent executions');
  });
});

describe('the dataset', () => {
  const all = { train: true, valid: true, test: true };

  it('before deploy-infra (no bucket): a warning that says to upload after deploy-infra, and how', () => {
    expect(checkDataset({ spec, bucket: absent(), splits: absent() })).toMatchObject({
      status: 'warn',
      message: expect.stringContaining(ssmParameterNames(spec).dataBucket),
      fix: expect.stringMatching(/^after deploy-infra, upload the dataset with .*upload-dataset --dir DIR/),
    });
  });

  it('fails naming each empty split folder', () => {
    const r = checkDataset({
      spec,
      bucket: found('data'),
      splits: found({ ...all, valid: false, test: false }),
    });
    expect(r.status).toBe('fail');
    expect(r.message).toContain('datasets/valid/, datasets/test/');
    expect(r.message).not.toContain('datasets/train/,');
    expect(checkDataset({ spec, bucket: found('data'), splits: found(all) }).status).toBe('ok');
  });
});

describe('output', () => {
  const results: CheckResult[] = [
    { id: 'a', status: 'ok', message: 'fine' },
    { id: 'b', status: 'fail', message: 'broken', fix: 'do this' },
    { id: 'c', status: 'warn', message: 'hmm', fix: 'maybe that' },
    { id: 'd', status: 'skip', message: 'skipped: set X' },
  ];

  it('one line per check with its fix, a summary line; exit 1 only with a FAIL', () => {
    const lines = formatText(results).trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines.slice(0, 4).every((l) => /^(ok|FAIL|warn|skip) +\S/.test(l))).toBe(true);
    expect(lines).toContain('FAIL  b: broken → fix: do this');
    expect(lines).toContain('ok    a: fine');
    expect(lines.at(-1)).toBe('doctor: 1 ok, 1 warn, 1 FAIL, 1 skip: fix every FAIL before deploying');
    expect(summarize(results)).toEqual({ ok: 1, warn: 1, fail: 1, skip: 1 });
    expect(exitCode(results)).toBe(1);
    expect(exitCode(results.filter((r) => r.status !== 'fail'))).toBe(0);
    expect(JSON.parse(formatJson('us-east-1', results))).toMatchObject({
      region: 'us-east-1',
      checks: results,
      summary: { fail: 1 },
    });
  });

  it('flags: --json, --region, --cdk-out; anything else is a usage error', () => {
    expect(readDoctorFlags(['--json', '--region', 'eu-west-1'])).toEqual({ json: true, region: 'eu-west-1' });
    expect(readDoctorFlags([])).toEqual({ json: false });
    expect(() => readDoctorFlags(['--bogus'])).toThrow(/usage: npm run doctor/);
  });
});
