import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  CiStage,
  ciSubjectClaim,
  GITHUB_HOSTED_JOB_MAX_SECONDS,
  GITHUB_OIDC_SUBJECT_CLAIM_KEYS,
  PLATFORM_SPEC,
} from '@dogbreed/platform-spec';
import { toolPaths, workspaceRoot } from '@dogbreed/workspace';

/**
 * The workflows' security properties, read from the YAML itself: OIDC only, the role of each job's own stage,
 * id-token only where AWS is touched, every third-party action pinned to a commit SHA, the load-test schedule.
 */
interface Step {
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  id?: string;
  env?: Record<string, string>;
}
interface Job {
  environment?: string | { name: string };
  container?: string | { image: string };
  'timeout-minutes'?: number;
  permissions?: Record<string, string> | string;
  steps?: Step[];
  needs?: string | string[];
  outputs?: Record<string, string>;
}
interface Workflow {
  on: Record<string, unknown>;
  env?: Record<string, string>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean };
}

const dir = join(workspaceRoot(), '.github', 'workflows');
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
const raw = Object.fromEntries(files.map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
const workflows = Object.fromEntries(files.map((f) => [f, parse(raw[f] ?? '') as Workflow]));
const CONFIGURE_AWS = 'aws-actions/configure-aws-credentials@';

const jobsOf = (w: Workflow) => Object.entries(w.jobs);
const touchesAws = (job: Job) => (job.steps ?? []).some((s) => s.uses?.startsWith(CONFIGURE_AWS));
const envName = (job: Job) =>
  (typeof job.environment === 'string' ? job.environment : job.environment?.name) ?? '';

/** The stage a job's spec step names (`tsx tools/gha/spec-outputs.ts --stage X`). */
function stageOf(job: Job): CiStage | undefined {
  const step = (job.steps ?? []).find((s) => s.run?.includes('tools/gha/spec-outputs.ts'));
  const m = step?.run?.match(/--stage\s+(\w+)/);
  return m ? CiStage.parse(m[1]) : undefined;
}

describe('workflows', () => {
  it('exist: ci, deploy, loadtest', () => {
    expect(files).toEqual(expect.arrayContaining(['ci.yml', 'deploy.yml', 'loadtest.yml']));
  });

  it('pass actionlint', async () => {
    const actionlint = toolPaths.actionlint();
    expect(existsSync(actionlint), `actionlint missing at ${actionlint}: run tools/setup.sh`).toBe(true);
    const { stdout } = await promisify(execFile)(
      actionlint,
      ['-color=false', ...files.map((f) => join(dir, f))],
      {
        cwd: workspaceRoot(),
      },
    ).catch((err: { stdout?: string }) => {
      throw new Error(`actionlint found problems:\n${err.stdout ?? String(err)}`);
    });
    expect(stdout).toBe('');
  });

  it('never use long-lived AWS keys', () => {
    for (const [file, text] of Object.entries(raw)) {
      expect(text, file).not.toMatch(
        /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|aws-access-key-id|aws-secret-access-key/,
      );
    }
  });

  it('pin every third-party action to a commit SHA with a version comment', () => {
    for (const [file, text] of Object.entries(raw)) {
      for (const line of text.split('\n').filter((l) => /^\s*(-\s*)?uses:/.test(l))) {
        const ref = line.replace(/^\s*(-\s*)?uses:\s*/, '');
        if (ref.startsWith('./')) continue;
        expect(ref, `${file}: ${line.trim()}`).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/);
      }
    }
  });

  it('default to read-only contents at the top level', () => {
    for (const [file, w] of Object.entries(workflows)) {
      expect(w.permissions, file).toMatchObject({ contents: 'read' });
      expect(
        w.permissions?.['id-token'],
        `${file}: id-token must be granted per job, not workflow-wide`,
      ).toBeUndefined();
    }
  });

  it('grant id-token: write exactly to the jobs that assume an AWS role', () => {
    for (const [file, w] of Object.entries(workflows)) {
      for (const [name, job] of jobsOf(w)) {
        const perms = typeof job.permissions === 'object' ? job.permissions : {};
        expect(perms['id-token'] === 'write', `${file}#${name}`).toBe(touchesAws(job));
      }
    }
  });

  it('make every AWS job assume the role of its own stage, whose trust matches the job', () => {
    let awsJobs = 0;
    for (const [file, w] of Object.entries(workflows)) {
      for (const [name, job] of jobsOf(w).filter(([, j]) => touchesAws(j))) {
        awsJobs++;
        const stage = stageOf(job);
        expect(
          stage,
          `${file}#${name} must derive its role from the spec (tools/gha/spec-outputs.ts --stage)`,
        ).toBeDefined();
        if (!stage) continue;
        const configure = (job.steps ?? []).find((s) => s.uses?.startsWith(CONFIGURE_AWS));
        expect(configure?.with?.['role-to-assume']).toBe('${{ steps.spec.outputs.role-arn }}');
        expect(configure?.with?.['aws-region']).toBe('${{ steps.spec.outputs.region }}');
        // STS refuses a session longer than the role's MaxSessionDuration: both are the spec's ci.roles.<stage>.maxSessionSeconds.
        expect(configure?.with?.['role-duration-seconds'], `${file}#${name}`).toBe(
          '${{ steps.spec.outputs.session-seconds }}',
        );
        // The OIDC `sub` GitHub will send for this job (the repository's subject template holds the keys
        // GITHUB_OIDC_SUBJECT_CLAIM_KEYS; `context` is the environment, or the ref without one) must be the one the
        // stage's role trusts.
        const { owner, repo, deployBranch } = PLATFORM_SPEC.ci.github;
        const claims: Record<string, string> = {
          repo: `repo:${owner}/${repo}`,
          context: envName(job) ? `environment:${envName(job)}` : `ref:refs/heads/${deployBranch}`,
          ref: `ref:refs/heads/${deployBranch}`,
        };
        const sub = GITHUB_OIDC_SUBJECT_CLAIM_KEYS.map((k) => claims[k]).join(':');
        expect(sub, `${file}#${name}`).toBe(ciSubjectClaim(PLATFORM_SPEC, stage));
      }
    }
    expect(awsJobs).toBeGreaterThanOrEqual(6);
  });

  it('pin actions whose version comments say what the SHA is (checked against the upstream repositories)', () => {
    // The SHA → release of each third-party pin, looked up in the action's repository (tags pointing at the commit).
    const verified: Record<string, string> = {
      'nrwl/nx-set-shas@afb73a62d26e41464e9254689e1fd6122ee683c1': 'v5.0.1',
      'grafana/setup-k6-action@db07bd9765aac508ef18982e52ab937fe633a065': 'v1.2.1',
      'actions/setup-go@40f1582b2485089dde7abd97c1529aa768e1baff': 'v5.6.0',
    };
    const pins = Object.values(raw).flatMap((text) => [
      ...text.matchAll(/uses: ([\w-]+\/[\w-]+@[0-9a-f]{40}) # (v[\d.]+)/g),
    ]);
    for (const [, pin = '', comment] of pins) if (verified[pin]) expect(comment, pin).toBe(verified[pin]);
    expect(pins.filter(([, pin = '']) => verified[pin])).toHaveLength(5);
  });

  it('keep AWS out of ci.yml so pull requests from forks get no role', () => {
    const ci = workflows['ci.yml'];
    expect(ci?.on).toHaveProperty('pull_request');
    expect(raw['ci.yml']).not.toMatch(/id-token|configure-aws-credentials/);
    expect(raw['ci.yml']).toMatch(/nrwl\/nx-set-shas@/);
    expect(raw['ci.yml']).toMatch(/nx affected -t lint typecheck build test/);
  });

  it('deploy in stages on push to main, never two at once', () => {
    const deploy = workflows['deploy.yml'];
    expect(deploy?.on).toMatchObject({ push: { branches: [PLATFORM_SPEC.ci.github.deployBranch] } });
    expect(deploy?.concurrency?.['cancel-in-progress']).toBe(false);
    const stages = jobsOf(deploy as Workflow).map(([, j]) => stageOf(j));
    // Every stage but the scheduled drift run, which has its own workflow.
    expect(new Set(stages)).toEqual(new Set(CiStage.options.filter((s) => s !== 'drift')));
    const drift = jobsOf(workflows['drift.yml'] as Workflow).map(([, j]) => stageOf(j));
    expect(new Set(drift)).toEqual(new Set(['drift']));
  });

  it('gate the deploy on the model registry: register → replay → approve (reviewers) → the newest Approved package', () => {
    const deploy = workflows['deploy.yml'] as Workflow;
    const job = (name: string) => deploy.jobs[name] as Job & { if?: string };
    const needs = (name: string) => [job(name).needs ?? []].flat();
    const runs = (name: string) => (job(name).steps ?? []).map((st) => st.run ?? '').join('\n');
    // train registers each model pending approval (in the group the launcher reads from the spec) and hands the
    // package on through the launcher's result file, read back with the schema it was written with.
    expect(runs('train')).toMatch(
      /--register --result-file (\S+)[\s\S]*model-artifact\.ts --mode "\$MODE" --result \1/,
    );
    expect(runs('train')).not.toMatch(/--register "|model-package-group|train\.log/);
    expect(JSON.stringify(job('train').outputs)).toMatch(/package-single.*package-multi/);
    // replay after train, approval after replay in the reviewers' environment, deploy after approval.
    expect(needs('replay')).toContain('train');
    expect(needs('approve-model')).toEqual(expect.arrayContaining(['train', 'replay']));
    expect(envName(job('approve-model'))).toBe(PLATFORM_SPEC.ci.roles.approveModel.environment);
    expect(stageOf(job('approve-model'))).toBe('approveModel');
    expect(runs('replay')).toMatch(/tools\/gha\/replay-gate\.ts/);
    const upload = (job('replay').steps ?? []).find((st) => st.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.if, 'the report is kept when the replay fails too').toBe('always()');
    expect(needs('deploy-endpoints')).toContain('approve-model');
    expect(job('deploy-endpoints').if).toMatch(/needs\.approve-model\.result == 'success'/);
    // deploy-endpoints takes the artifacts from the registry, never from the train job's outputs.
    const text = JSON.stringify(job('deploy-endpoints'));
    expect(text).not.toMatch(/needs\.train\.outputs\.model-/);
    expect(runs('deploy-endpoints')).toMatch(/tools\/gha\/approved-models\.ts/);
    const steps = job('deploy-endpoints').steps ?? [];
    const deployStep = steps.find((st) => st.name === 'Deploy the endpoints and the invoker');
    expect(deployStep?.run).toMatch(/infra:deploy/);
    expect(deployStep?.env).toMatchObject({
      MODEL_SINGLE: '${{ steps.approved.outputs.model-single }}',
      MODEL_MULTI: '${{ steps.approved.outputs.model-multi }}',
    });
  });

  it('gate the traffic shift on the live shadow: plan → shadow deploy → verdict → promote, or remove and fail', () => {
    const deploy = workflows['deploy.yml'] as Workflow;
    const steps = (deploy.jobs['deploy-endpoints'] as Job).steps ?? [];
    const at = (id: string) => steps.findIndex((st) => st.id === id);
    const promote = steps.findIndex((st) => st.name === 'Deploy the endpoints and the invoker');
    const remove = steps.findIndex((st) => st.name?.startsWith('Remove the shadow'));
    // In order, after the registry gate and before the traffic shift.
    expect(at('approved')).toBeGreaterThan(-1);
    expect([at('approved'), at('shadow'), at('shadow-deploy'), at('verdict'), remove, promote]).toEqual(
      [...[at('approved'), at('shadow'), at('shadow-deploy'), at('verdict'), remove, promote]].sort(
        (a, b) => a - b,
      ),
    );
    expect(steps[at('shadow')]?.run).toMatch(/tools\/gha\/shadow\.ts plan/);
    expect(steps[at('shadow-deploy')]?.if).toBe("steps.shadow.outputs.shadow == 'true'");
    expect(steps[at('shadow-deploy')]?.env?.['CONTEXT']).toBe('${{ steps.shadow.outputs.shadow-context }}');
    expect(steps[at('verdict')]?.run).toMatch(/tools\/gha\/shadow\.ts verdict/);
    // Removal deploys the serving models alone and fails the job, so the promotion (implicit success()) is skipped.
    expect(steps[remove]?.if).toMatch(/steps\.verdict\.outputs\.verdict != 'pass'/);
    expect(steps[remove]?.env?.['CONTEXT']).toBe('${{ steps.shadow.outputs.serving-context }}');
    expect(steps[remove]?.run).toMatch(/exit 1\s*$/);
    expect(steps[promote]?.if).toBeUndefined();
  });

  it('run tools/setup.sh (npm test calls it) only in a Debian 12 job container, the OS it is proven on', () => {
    let setupJobs = 0;
    for (const [file, w] of Object.entries(workflows)) {
      for (const [name, job] of jobsOf(w)) {
        const runs = (job.steps ?? []).map((st) => st.run ?? '').join('\n');
        if (!/tools\/setup\.sh|npm test\b/.test(runs)) continue;
        setupJobs++;
        const image = typeof job.container === 'string' ? job.container : job.container?.image;
        expect(
          image,
          `${file}#${name} runs tools/setup.sh: it needs container: node:<version>-bookworm`,
        ).toMatch(/^node:[\w.-]*-bookworm$/);
        // k6 and actionlint are built with Go, which the Node image lacks.
        expect(
          (job.steps ?? []).some((st) => st.uses?.startsWith('actions/setup-go@')),
          `${file}#${name}`,
        ).toBe(true);
      }
    }
    expect(setupJobs).toBeGreaterThanOrEqual(2);
  });

  it('give every job the same spec: DOGBREED_SPEC_FILE from the repository variable, workflow-wide', () => {
    for (const [file, w] of Object.entries(workflows))
      expect(w.env?.['DOGBREED_SPEC_FILE'], file).toBe('${{ vars.DOGBREED_SPEC_FILE }}');
  });

  it('end a training job with its GitHub job: within the job limit, and stopped when the job is cancelled', () => {
    const train = (workflows['deploy.yml'] as Workflow).jobs['train'] as Job;
    const { spot, maxWaitSeconds, maxRuntimeSeconds } = PLATFORM_SPEC.training;
    const trainingSeconds = spot ? maxWaitSeconds : maxRuntimeSeconds;
    const timeout = Number(train['timeout-minutes']);
    expect(timeout * 60).toBeLessThanOrEqual(GITHUB_HOSTED_JOB_MAX_SECONDS);
    expect(timeout * 60, 'the job outlives the longest training job it follows').toBeGreaterThan(
      trainingSeconds,
    );
    const stop = (train.steps ?? []).find((st) => /launcher\/main\.js stop/.test(st.run ?? ''));
    expect(stop?.if).toBe('cancelled() || failure()');
    expect(stop?.run).toMatch(/--job-name "\$PROJECT-\$MODE-\$GITHUB_RUN_ID-\$GITHUB_RUN_ATTEMPT"/);
    const launch = (train.steps ?? []).find((st) =>
      /launcher\/main\.js --target sagemaker/.test(st.run ?? ''),
    );
    expect(launch?.run).toMatch(/--job-name "\$PROJECT-\$MODE-\$GITHUB_RUN_ID-\$GITHUB_RUN_ATTEMPT"/);
  });

  it('check the account before deploying and decide training from the registry, both with the validate role', () => {
    const steps = ((workflows['deploy.yml'] as Workflow).jobs['validate'] as Job).steps ?? [];
    const at = (pattern: RegExp) => steps.findIndex((st) => pattern.test(st.run ?? st.uses ?? ''));
    const credentials = at(/aws-actions\/configure-aws-credentials@/);
    expect(at(/npm run --silent doctor/)).toBeGreaterThan(credentials);
    expect(at(/tools\/gha\/train-decision\.ts --force/)).toBeGreaterThan(credentials);
  });

  it('schedule the load test and verify after it', () => {
    const lt = workflows['loadtest.yml'];
    const schedule = (lt?.on['schedule'] ?? []) as { cron: string }[];
    expect(schedule.length).toBeGreaterThan(0);
    expect(schedule[0]?.cron).toMatch(/^(\S+\s+){4}\S+$/);
    expect(lt?.on).toHaveProperty('workflow_dispatch');
    expect(raw['loadtest.yml']).toMatch(/grafana\/setup-k6-action@/);
    expect(raw['loadtest.yml']).toMatch(/actions\/upload-artifact@/);
  });
});
