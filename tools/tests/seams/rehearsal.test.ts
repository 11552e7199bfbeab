/**
 * Workflow rehearsal (issue 16): every `run:` step of deploy.yml and loadtest.yml that invokes our tooling (nx
 * targets, cdk through infra:deploy/diff, the launcher, tools/gha) runs here as GitHub would run it: bash -eo pipefail,
 * the workflow, job and step env, `${{ }}` expressions expanded with plausible values per job (step outputs from the
 * steps that really ran), fake credentials where configure-aws-credentials stands, and AWS_ENDPOINT_URL pointing at
 * the AWS call recorder in front of moto. A step passes when it exits 0, or when it reached its AWS calls and failed
 * only at what an emulator cannot give (no CDK bootstrap, no Docker); a CLI usage error always fails.
 *
 * The registry gate runs for real: train registers each model (moto's CreateModelPackage, the artifact a real tiny
 * ONNX model as SageMaker would have written it), replay fetches and runs `dist/apps/replay` on it, approve-model sets
 * it Approved, deploy-endpoints reads the newest Approved package. A failed gate step ends its job, as on GitHub.
 *
 * Scenarios, in order: deploy-endpoints with training skipped on an empty account (refuses: nothing Approved); a first
 * push (validate → deploy-infra → train single + multi → replay, skipped for want of a serving model → approve-model →
 * deploy-endpoints → smoke); a push after a deploy (the candidate replayed against the serving model on held-out
 * images and data captures, approved on its verdict, deployed); an unapproved package (pending, then rejected) never
 * reaching the deploy args; training skipped after a deploy (the newest Approved packages, reaching cdk). loadtest.yml
 * runs too (stopped after its first AWS call: the scaling scenarios take 15+ minutes).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateModelPackageCommand,
  SageMakerClient,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  dataCaptureFolder,
  PLATFORM_SPEC,
  S3_PREFIXES,
  ssmParameterNames,
  TrainingMode,
  type CiStage,
  type DataCaptureRecord,
} from '@dogbreed/platform-spec';
import {
  motoAvailable,
  solidPng,
  startAwsRecorder,
  startMoto,
  tinyModelArtifact,
  toolPaths,
  workspaceRoot,
  type AwsRecorder,
  type MotoServer,
  type RecordedCall,
} from '@dogbreed/platform-spec/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = workspaceRoot();
/**
 * Files the rehearsed steps write relative to the checkout (`affected.json` by validate, `train.log` by train, the
 * replay's inputs and report by replay).
 */
const STEP_FILES = ['affected.json', 'train.log', 'replay-work', 'replay-report'] as const;
const spec = PLATFORM_SPEC;
const ACCOUNT = '123456789012';
const REGION = spec.project.region;
const names = ssmParameterNames(spec);
const BUCKETS = {
  data: 'dogbreed-data-storesdata-1abc',
  models: 'dogbreed-data-storesmodels-2def',
  checkpoints: 'dogbreed-data-storescheckpoints-3abc',
};
/** A step's longest run here; long-running steps (the scaling load test) are stopped after their first AWS call. */
const STEP_LIMIT_MS = 240_000;
/** The gate's steps: one that fails ends its job here, as any failed step does on GitHub (the deploy never runs). */
const GATE_STEP = /tools\/gha\/(model-artifact|replay-inputs|replay-gate|approve-model|approved-models)\.ts/;
/** The tiny model's classes (solid red, green, blue images): the held-out split and the captures use them. */
const CLASSES = [
  { name: 'red_dog', rgb: { r: 255, g: 0, b: 0 } },
  { name: 'green_dog', rgb: { r: 0, g: 255, b: 0 } },
  { name: 'blue_dog', rgb: { r: 0, g: 0, b: 255 } },
] as const;
/** Held-out images per class: 60 in all, above rollout.replay.minRequests (50) on the images alone. */
const IMAGES_PER_CLASS = 20;
/**
 * The replay job's spec as the rehearsal runs it: the latency ratio is the one threshold a shared test machine cannot
 * hold (two model servers on two busy cores); every other threshold is the spec's. The latency check itself is the
 * replay's own test.
 */
const REPLAY_SPEC_JSON = JSON.stringify({ rollout: { replay: { maxP95LatencyRatio: 1000 } } });

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string | number | boolean>;
}
interface Job {
  environment?: string;
  env?: Record<string, string>;
  steps: Step[];
  outputs?: Record<string, string>;
  strategy?: { matrix?: Record<string, string[]> };
}
interface Workflow {
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflow = (file: string) =>
  parse(readFileSync(join(ROOT, '.github/workflows', file), 'utf8')) as Workflow;

/** What a usage error of our CLIs and the CDK CLI looks like: the command line itself was refused. */
const USAGE_ERROR =
  /can only be specified once|You must either specify a list of Stacks|Unknown arguments?:|error: unknown option|error: required option|invalid arguments:|^usage:|infra:deploy: (name the stacks|give either|no stack)|Cannot find (module|package)/m;

/** Steps that are not our tooling, and why they are not rehearsed. */
const NOT_REHEARSED: { pattern: RegExp; why: string }[] = [
  { pattern: /^npm ci$/, why: 'installs dependencies (done)' },
  { pattern: /^npm test$/, why: 'the test suite this rehearsal is part of' },
  { pattern: /aws ssm get-parameter/, why: 'the AWS CLI: emulated (the function URL is the recorder)' },
];

interface StepRun {
  readonly job: string;
  readonly step: string;
  readonly command: string;
  readonly status: number | null;
  readonly output: string;
  readonly calls: RecordedCall[];
  readonly stoppedAfterFirstCall: boolean;
}

interface JobContext {
  readonly matrix?: Record<string, string>;
  readonly needs?: Record<string, Record<string, string>>;
  readonly stopAfterFirstCall?: RegExp;
  /** GITHUB_RUN_ID (the train job names its SageMaker job after the run). @default '1001' */
  readonly runId?: string;
  /** Extra job environment (the replay job's spec). */
  readonly env?: Record<string, string>;
}

let tmp = '';
let recorder: AwsRecorder;

/** Expands `${{ expr }}` with the values this rehearsal gives a job; an unknown expression fails the test. */
function expand(text: string, stepOutputs: Record<string, Record<string, string>>, ctx: JobContext): string {
  return text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_m, expr: string) => {
    let m: RegExpExecArray | null;
    if ((m = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr))) {
      const step = stepOutputs[m[1] ?? ''];
      if (step === undefined) throw new Error(`\${{ ${expr} }}: step ${m[1]} did not run before this use`);
      return step[m[2] ?? ''] ?? ''; // an output the step did not set is '' on GitHub too (e.g. the other matrix leg's)
    }
    if ((m = /^needs\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr)))
      return ctx.needs?.[m[1] ?? '']?.[m[2] ?? ''] ?? '';
    if ((m = /^matrix\.([\w-]+)$/.exec(expr))) {
      const v = ctx.matrix?.[m[1] ?? ''];
      if (v === undefined) throw new Error(`\${{ ${expr} }}: no matrix value`);
      return v;
    }
    if (expr === 'vars.AWS_ACCOUNT_ID') return ACCOUNT;
    if (expr === "github.event_name == 'workflow_dispatch' && inputs.force-train") return 'false';
    throw new Error(`\${{ ${expr} }}: the rehearsal has no value for this expression (add one)`);
  });
}

function expandEnv(
  env: Record<string, string> | undefined,
  outputs: Record<string, Record<string, string>>,
  ctx: JobContext,
): Record<string, string> {
  return Object.fromEntries(Object.entries(env ?? {}).map(([k, v]) => [k, expand(String(v), outputs, ctx)]));
}

function readOutputs(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const heredoc = /^([\w-]+)<<(\S+)$/.exec(lines[i] ?? '');
    if (heredoc?.[1]) {
      const value: string[] = [];
      for (i += 1; i < lines.length && lines[i] !== heredoc[2]; i += 1) value.push(lines[i] ?? '');
      out[heredoc[1]] = value.join('\n');
    } else {
      const kv = /^([\w-]+)=(.*)$/.exec(lines[i] ?? '');
      if (kv?.[1]) out[kv[1]] = kv[2] ?? '';
    }
  }
  return out;
}

/** Runs one script like GitHub's `bash --noprofile --norc -eo pipefail {0}`; stops early only when asked. */
async function runScript(
  script: string,
  env: NodeJS.ProcessEnv,
  stopAfterFirstCall: boolean,
): Promise<{ status: number | null; output: string; calls: RecordedCall[]; stopped: boolean }> {
  const before = recorder.calls.length;
  const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
    cwd: ROOT,
    env,
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  let stopped = false;
  const stop = () => {
    if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
  };
  const limit = setTimeout(stop, STEP_LIMIT_MS);
  // Polling the recorder's list (not a sleep for ordering): the step is done once it made an AWS call.
  const watch = stopAfterFirstCall
    ? setInterval(() => {
        if (recorder.calls.length > before) {
          stopped = true;
          stop();
        }
      }, 500)
    : undefined;
  const status = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  clearTimeout(limit);
  if (watch) clearInterval(watch);
  return { status, output, calls: recorder.calls.slice(before), stopped };
}

/** Runs a job's steps in order; returns every rehearsed step and the job's step outputs. */
async function rehearseJob(
  file: string,
  wf: Workflow,
  jobName: string,
  ctx: JobContext,
): Promise<{ runs: StepRun[]; outputs: Record<string, Record<string, string>> }> {
  const job = wf.jobs[jobName];
  if (!job) throw new Error(`${file} has no job ${jobName}`);
  const outputs: Record<string, Record<string, string>> = {};
  const runs: StepRun[] = [];
  // No credentials until configure-aws-credentials: a call before it would fail as on GitHub.
  const base: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(AWS_|NX_|GITHUB_|VITEST|DOGBREED_SPEC)/.test(k)),
  );
  let jobEnv: Record<string, string> = {
    ...expandEnv(wf.env, outputs, ctx),
    ...expandEnv(job.env, outputs, ctx),
    PATH: `${dirname(toolPaths.k6())}:${process.env['PATH'] ?? ''}`,
    NX_BASE: 'HEAD~1', // what nrwl/nx-set-shas sets
    NX_HEAD: 'HEAD',
    AWS_ENDPOINT_URL: recorder.endpoint,
    CI: 'true',
    // The runner's default variables the steps read.
    GITHUB_RUN_ID: ctx.runId ?? '1001',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: `${spec.ci.github.owner}/${spec.ci.github.repo}`,
    ...ctx.env,
  };
  for (const [i, step] of job.steps.entries()) {
    const label = step.name ?? step.id ?? step.uses ?? step.run ?? `step ${i}`;
    if (step.uses?.startsWith('aws-actions/configure-aws-credentials@')) {
      const w = Object.fromEntries(
        Object.entries(step.with ?? {}).map(([k, v]) => [k, expand(String(v), outputs, ctx)]),
      );
      expect(w['role-to-assume'], `${jobName}: role`).toMatch(/^arn:aws:iam::\d{12}:role\//);
      const stage = Object.entries(spec.ci.roles).find(([, r]) =>
        w['role-to-assume']?.endsWith(`:role/${r.roleName}`),
      )?.[0] as CiStage | undefined;
      expect(stage, `${jobName}: a CI role of the spec`).toBeDefined();
      // Session continuity: STS refuses more than the role's MaxSessionDuration (the CI stack sets it from the spec).
      expect(Number(w['role-duration-seconds']), `${jobName}: role-duration-seconds`).toBeGreaterThanOrEqual(
        900,
      );
      expect(Number(w['role-duration-seconds']), `${jobName}: role-duration-seconds`).toBeLessThanOrEqual(
        spec.ci.roles[stage as CiStage].maxSessionSeconds,
      );
      jobEnv = {
        ...jobEnv,
        AWS_ACCESS_KEY_ID: 'AKIAREHEARSAL0000000',
        AWS_SECRET_ACCESS_KEY: 'rehearsal',
        AWS_SESSION_TOKEN: 'rehearsal',
        AWS_REGION: w['aws-region'] ?? '',
        AWS_DEFAULT_REGION: w['aws-region'] ?? '',
      };
      continue;
    }
    if (!step.run) continue; // other actions: checkout, setup-node, nx-set-shas (NX_BASE/NX_HEAD above), setup-k6 (PATH above)
    const script = expand(step.run, outputs, ctx).trim();
    const skip = NOT_REHEARSED.find((s) => s.pattern.test(script));
    if (skip) {
      if (/aws ssm get-parameter/.test(script))
        outputs[step.id ?? `s${i}`] = { 'function-url': `${recorder.endpoint}/` };
      continue;
    }
    expect(script, `${jobName}/${label}: every other step must invoke our tooling`).toMatch(
      /npx (nx|tsx)|node dist\/apps\/launcher/,
    );
    const outFile = join(tmp, `${jobName}-${i}.out`);
    writeFileSync(outFile, '');
    const env = {
      ...base,
      ...jobEnv,
      ...expandEnv(step.env, outputs, ctx),
      GITHUB_OUTPUT: outFile,
      GITHUB_STEP_SUMMARY: join(tmp, 'summary.md'),
    };
    const r = await runScript(script, env, Boolean(ctx.stopAfterFirstCall?.test(script)));
    if (step.id) outputs[step.id] = readOutputs(outFile);
    runs.push({
      job: jobName,
      step: label,
      command: script,
      status: r.status,
      output: r.output,
      calls: r.calls,
      stoppedAfterFirstCall: r.stopped,
    });
    if (r.status !== 0 && GATE_STEP.test(script)) break;
  }
  return { runs, outputs };
}

/** The job outputs GitHub would compute (`outputs:` expressions over the steps that ran). */
function jobOutputs(
  job: Job,
  outputs: Record<string, Record<string, string>>,
  ctx: JobContext,
): Record<string, string> {
  return Object.fromEntries(Object.entries(job.outputs ?? {}).map(([k, v]) => [k, expand(v, outputs, ctx)]));
}

const summary = (r: StepRun) =>
  `${r.job} / ${r.step} (exit ${r.status}, ${r.calls.length} AWS calls):\n${r.command}\n${r.output.slice(-3000)}`;
const cdkReached = (r: StepRun) =>
  r.calls.some(
    (c) => c.service === 'sts' || c.service === 'cloudformation' || c.body.includes('/cdk-bootstrap/'),
  );

describe.skipIf(!motoAvailable())(
  'workflow rehearsal against moto (skipped: moto_server not installed, run tools/setup.sh)',
  () => {
    let moto: MotoServer;
    let s3: S3Client;
    let ssm: SSMClient;
    let sagemaker: SageMakerClient;
    const deploy = workflow('deploy.yml');
    const all: StepRun[] = [];
    /** The train job's outputs of each push that trained, by run id. */
    const pushes: Record<string, Record<string, string>> = {};

    /** deploy-endpoints after approve-model: infra:deploy gets this run's two artifacts and reaches cdk. */
    async function deploysApproved(train: Record<string, string>): Promise<void> {
      const endpoints = await rehearseJob('deploy.yml', deploy, 'deploy-endpoints', {
        needs: { train, 'approve-model': {} },
      });
      all.push(...endpoints.runs);
      const infraDeploy = endpoints.runs.find((r) => /infra:deploy/.test(r.command));
      if (!infraDeploy)
        throw new Error(
          `deploy-endpoints stopped before infra:deploy:\n${endpoints.runs.map(summary).join('\n')}`,
        );
      expect(infraDeploy.output).toMatch(new RegExp(`single serves ${train['model-single']}`));
      expect(infraDeploy.output).toMatch(new RegExp(`multi serves ${train['model-multi']}`));
      expect(cdkReached(infraDeploy), summary(infraDeploy)).toBe(true);
    }

    beforeAll(async () => {
      tmp = mkdtempSync(join(tmpdir(), 'rehearsal-'));
      writeFileSync(join(tmp, 'summary.md'), ''); // GitHub creates the job summary file; @actions/core appends to it
      moto = await startMoto();
      // Function URL requests (k6 smoke) are answered here: 200 with an invoker-shaped body.
      recorder = await startAwsRecorder({
        upstream: moto.endpoint,
        respond: (c) =>
          c.service === 'lambda' && c.operation === 'InvokeFunctionUrl'
            ? { status: 200, body: JSON.stringify({ predictions: [{ label: 'beagle', score: 0.9 }] }) }
            : undefined,
      });
      const common = {
        region: REGION,
        endpoint: moto.endpoint,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      };
      s3 = new S3Client({ ...common, forcePathStyle: true });
      ssm = new SSMClient(common);
      sagemaker = new SageMakerClient(common);
      // What the stacks publish and hold once deploy-infra has run (moto does not run CloudFormation deploys here).
      const params: Record<string, string> = {
        [names.dataBucket]: BUCKETS.data,
        [names.modelBucket]: BUCKETS.models,
        [names.checkpointBucket]: BUCKETS.checkpoints,
        [names.kmsKeyArn]: `arn:aws:kms:${REGION}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`,
        [names.trainingRoleArn]: `arn:aws:iam::${ACCOUNT}:role/${spec.project.name}-sagemaker-training`,
        [names.trainingSubnetIds]: 'subnet-0aaa1111,subnet-0bbb2222',
        [names.trainingSecurityGroupId]: 'sg-0ccc3333',
        [names.invokerFunctionUrl]: 'https://abc.lambda-url.us-east-1.on.aws/',
        [names.modelServerImageUri]: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/dogbreed-model-server:latest`,
      };
      for (const [Name, Value] of Object.entries(params))
        await ssm.send(new PutParameterCommand({ Name, Value, Type: 'String' }));
      for (const b of Object.values(BUCKETS)) await s3.send(new CreateBucketCommand({ Bucket: b }));
      for (const split of ['train', 'valid']) {
        await s3.send(
          new PutObjectCommand({
            Bucket: BUCKETS.data,
            Key: `${S3_PREFIXES.datasets}${split}/beagle/1.jpg`,
            Body: 'jpg',
          }),
        );
      }
      // The held-out split the replay samples: real images of the tiny model's classes.
      for (const c of CLASSES) {
        const png = await solidPng(c.rgb, 32);
        for (let i = 0; i < IMAGES_PER_CLASS; i += 1)
          await s3.send(
            new PutObjectCommand({
              Bucket: BUCKETS.data,
              Key: `${S3_PREFIXES.datasets}test/${c.name}/${i}.png`,
              Body: png,
            }),
          );
      }
    }, 120_000);

    afterAll(async () => {
      await recorder?.stop();
      await moto?.stop();
      if (tmp) rmSync(tmp, { recursive: true, force: true });
      // The steps write these into the checkout, as on a runner; a developer's tree should not keep them.
      for (const f of STEP_FILES) rmSync(join(ROOT, f), { recursive: true, force: true });
    });

    /** The train job's legs for run `runId`, each finding the model.tar.gz its SageMaker job writes; the job outputs. */
    async function rehearseTraining(runId: string): Promise<Record<string, string>> {
      const trainJob = deploy.jobs['train'] as Job;
      const legs = trainJob.strategy?.matrix?.['mode'] ?? [];
      expect(legs).toEqual(['single', 'multi']);
      const merged: Record<string, string> = {};
      for (const mode of legs) {
        // What SageMaker writes at the end of the job (moto runs no container): the launcher registers it.
        const key = `${S3_PREFIXES.trainingOutput}${mode}/${spec.project.name}-${mode}-${runId}-1/output/model.tar.gz`;
        await s3.send(
          new PutObjectCommand({
            Bucket: BUCKETS.models,
            Key: key,
            Body: await tinyModelArtifact({
              modelVersion: `run-${runId}`,
              trainingMode: TrainingMode.parse(mode),
            }),
          }),
        );
        const { runs, outputs } = await rehearseJob('deploy.yml', deploy, 'train', {
          matrix: { mode },
          runId,
        });
        all.push(...runs);
        const launched = runs.find((r) => /node dist\/apps\/launcher/.test(r.command));
        expect(launched?.status, launched && summary(launched)).toBe(0);
        // The frozen backbone gets its pretrained weights as the `pretrained` channel (never random frozen features).
        const created = launched?.calls.find((c) => c.operation === 'CreateTrainingJob');
        const channels =
          (JSON.parse(created?.body ?? '{}') as { InputDataConfig?: { ChannelName: string }[] })
            .InputDataConfig ?? [];
        expect(channels.map((c) => c.ChannelName)).toContain('pretrained');
        expect(launched?.calls.map((c) => c.operation)).toContain('CreateModelPackage');
        const out = jobOutputs(trainJob, outputs, { matrix: { mode } });
        expect(out[`model-${mode}`], `train ${mode}: job output model-${mode}`).toBe(
          `s3://${BUCKETS.models}/${key}`,
        );
        expect(out[`package-${mode}`], `train ${mode}: job output package-${mode}`).toMatch(
          new RegExp(`:model-package/${spec.ci.modelRegistry.groups[TrainingMode.parse(mode)]}/\\d+$`),
        );
        for (const [k, v] of Object.entries(out)) if (v) merged[k] = v;
      }
      pushes[runId] = merged;
      return merged;
    }

    /** The replay job's legs; returns their runs and the job's outputs (each leg sets its own verdict). */
    async function rehearseReplay(
      train: Record<string, string>,
      runId: string,
    ): Promise<{ runs: StepRun[]; outputs: Record<string, string> }> {
      const job = deploy.jobs['replay'] as Job;
      const runs: StepRun[] = [];
      const merged: Record<string, string> = {};
      for (const mode of job.strategy?.matrix?.['mode'] ?? []) {
        const leg = await rehearseJob('deploy.yml', deploy, 'replay', {
          matrix: { mode },
          needs: { train },
          runId,
          env: { DOGBREED_SPEC_JSON: REPLAY_SPEC_JSON },
        });
        runs.push(...leg.runs);
        for (const [k, v] of Object.entries(jobOutputs(job, leg.outputs, { matrix: { mode } })))
          if (v) merged[k] = v;
      }
      return { runs, outputs: merged };
    }

    const approveStep = (runs: StepRun[]) => runs.find((r) => /approve-model\.ts/.test(r.command));
    const approvedStep = (runs: StepRun[]) => runs.find((r) => /approved-models\.ts/.test(r.command));

    it('training skipped on an empty account: deploy-endpoints refuses before infra:deploy (nothing Approved)', async () => {
      const { runs } = await rehearseJob('deploy.yml', deploy, 'deploy-endpoints', { needs: { train: {} } });
      const gate = approvedStep(runs);
      if (!gate) throw new Error('deploy-endpoints has no approved-models step');
      expect(gate.status, summary(gate)).not.toBe(0);
      expect(gate.output).toMatch(
        /no Approved model package for single in group dogbreed-single.*Train and approve/,
      );
      expect(gate.output).toMatch(/no Approved model package for multi in group dogbreed-multi/);
      expect(gate.output).not.toMatch(USAGE_ERROR);
      expect(
        runs.some((r) => /infra:deploy/.test(r.command)),
        'infra:deploy never ran',
      ).toBe(false);
    }, 600_000);

    it('a first push: validate → deploy-infra → train (registers) → replay (skipped: nothing serves) → approve-model → deploy-endpoints → smoke', async () => {
      for (const job of ['validate', 'deploy-infra'])
        all.push(...(await rehearseJob('deploy.yml', deploy, job, {})).runs);
      const train = await rehearseTraining('1001');
      const replay = await rehearseReplay(train, '1001');
      all.push(...replay.runs);
      for (const mode of ['single', 'multi']) {
        expect(replay.outputs[`verdict-${mode}`], replay.runs.map(summary).join('\n')).toMatch(
          new RegExp(`^${mode} replay skipped: first deploy: no serving ${mode} model`),
        );
      }
      const approve = await rehearseJob('deploy.yml', deploy, 'approve-model', {
        needs: { train, replay: replay.outputs },
      });
      all.push(...approve.runs);
      const approved = approveStep(approve.runs);
      expect(approved?.status, approved && summary(approved)).toBe(0);
      expect(approved?.calls.filter((c) => c.operation === 'UpdateModelPackage')).toHaveLength(2);
      await deploysApproved(train);
      all.push(...(await rehearseJob('deploy.yml', deploy, 'smoke', {})).runs);
    }, 1_800_000);

    it('a push after a deploy: each candidate is replayed beside the serving model (held-out images, captures), approved on its verdict and deployed', async () => {
      const first = pushes['1001'];
      if (!first) throw new Error('the first push did not train');
      // What the serving stack records once that deploy succeeded (moto runs no CloudFormation).
      for (const mode of TrainingMode.options)
        await ssm.send(
          new PutParameterCommand({
            Name: mode === 'single' ? names.deployedModelSingle : names.deployedModelMulti,
            Value: first[`model-${mode}`] ?? '',
            Type: 'String',
            Overwrite: true,
          }),
        );
      // Recent data captures of each endpoint, in SageMaker's layout and record format.
      for (const mode of TrainingMode.options) {
        const { name, variantName } = spec.endpoints[mode];
        const records: DataCaptureRecord[] = [];
        for (const [i, c] of CLASSES.entries()) {
          const png = await solidPng(c.rgb, 32);
          records.push({
            captureData: {
              endpointInput: {
                observedContentType: 'image/png',
                mode: 'INPUT',
                data: png.toString('base64'),
                encoding: 'BASE64',
              },
            },
            eventMetadata: { eventId: `e-${mode}-${i}`, inferenceTime: new Date().toISOString() },
            eventVersion: '0',
          });
        }
        await s3.send(
          new PutObjectCommand({
            Bucket: BUCKETS.models,
            Key: `${S3_PREFIXES.dataCapture}${dataCaptureFolder(name, variantName, new Date())}/00-00-000-rehearsal.jsonl`,
            Body: records.map((r) => JSON.stringify(r)).join('\n'),
          }),
        );
      }
      const train = await rehearseTraining('1002');
      writeFileSync(join(tmp, 'summary.md'), '');
      const replay = await rehearseReplay(train, '1002');
      all.push(...replay.runs);
      const gates = replay.runs.filter((r) => /replay-gate\.ts/.test(r.command));
      expect(gates).toHaveLength(2);
      for (const g of gates) expect(g.status, summary(g)).toBe(0);
      for (const mode of TrainingMode.options)
        expect(replay.outputs[`verdict-${mode}`], gates.map(summary).join('\n')).toMatch(
          new RegExp(`^${mode} replay passed: \\d+ requests compared, top-1 agreement 100\\.0 %`),
        );
      // The replay's Markdown report reached the job summary.
      expect(readFileSync(join(tmp, 'summary.md'), 'utf8')).toMatch(/replay/i);
      const approve = await rehearseJob('deploy.yml', deploy, 'approve-model', {
        needs: { train, replay: replay.outputs },
      });
      all.push(...approve.runs);
      const update = approveStep(approve.runs)?.calls.find((c) => c.operation === 'UpdateModelPackage');
      expect(update?.body).toMatch(/single replay passed/);
      await deploysApproved(train);
    }, 1_800_000);

    it('an unapproved package never reaches the deploy args: pending, then rejected, deploy-endpoints refuses', async () => {
      const second = pushes['1002'];
      if (!second) throw new Error('the second push did not train');
      // A newer package in each group, registered as train does, never approved.
      const pending: Record<string, string> = {};
      for (const mode of TrainingMode.options) {
        const out = await sagemaker.send(
          new CreateModelPackageCommand({
            ModelPackageGroupName: spec.ci.modelRegistry.groups[mode],
            ModelApprovalStatus: 'PendingManualApproval',
            InferenceSpecification: {
              Containers: [{ Image: 'model-server:latest', ModelDataUrl: second[`model-${mode}`] ?? '' }],
              SupportedContentTypes: ['image/png'],
              SupportedResponseMIMETypes: ['application/json'],
            },
          }),
        );
        pending[`package-${mode}`] = out.ModelPackageArn ?? '';
      }
      for (const status of ['PendingManualApproval', 'Rejected'] as const) {
        if (status === 'Rejected')
          for (const arn of Object.values(pending))
            await sagemaker.send(
              new UpdateModelPackageCommand({ ModelPackageArn: arn, ModelApprovalStatus: 'Rejected' }),
            );
        const { runs } = await rehearseJob('deploy.yml', deploy, 'deploy-endpoints', {
          needs: { train: pending, 'approve-model': {} },
        });
        const gate = approvedStep(runs);
        if (!gate) throw new Error('deploy-endpoints has no approved-models step');
        expect(gate.status, summary(gate)).not.toBe(0);
        expect(gate.output).toMatch(
          new RegExp(`${pending['package-single']} is ${status}, not Approved: approve it first`),
        );
        expect(gate.output).not.toMatch(USAGE_ERROR);
        expect(
          runs.some((r) => /infra:deploy/.test(r.command)),
          `${status}: infra:deploy never ran`,
        ).toBe(false);
      }
    }, 600_000);

    it('training skipped after a deploy: deploy-endpoints serves the newest Approved packages and reaches cdk', async () => {
      const second = pushes['1002'];
      if (!second) throw new Error('the second push did not train');
      const { runs } = await rehearseJob('deploy.yml', deploy, 'deploy-endpoints', { needs: { train: {} } });
      const r = runs.find((x) => /infra:deploy/.test(x.command));
      if (!r)
        throw new Error(`deploy-endpoints stopped before infra:deploy:\n${runs.map(summary).join('\n')}`);
      expect(r.output).toMatch(new RegExp(`single serves ${second['model-single']}`));
      expect(r.output).toMatch(new RegExp(`multi serves ${second['model-multi']}`));
      expect(r.output).not.toMatch(USAGE_ERROR);
      expect(cdkReached(r), summary(r)).toBe(true);
    }, 600_000);

    it('no rehearsed step was refused at its command line; each reached its first AWS call or exited 0', () => {
      expect(all.length).toBeGreaterThan(10);
      for (const r of all) {
        expect(r.output, summary(r)).not.toMatch(USAGE_ERROR);
        expect(r.status === 0 || r.stoppedAfterFirstCall || r.calls.length > 0, summary(r)).toBe(true);
      }
      // Every command that talks to AWS did reach it.
      for (const r of all.filter((x) =>
        /infra:(deploy|diff)|launcher|pretrained-weights|loadtest:aws|replay-inputs|approve-model|approved-models/.test(
          x.command,
        ),
      )) {
        expect(r.calls.length, summary(r)).toBeGreaterThan(0);
      }
      for (const r of all.filter((x) => /infra:(deploy|diff)/.test(x.command)))
        expect(cdkReached(r), summary(r)).toBe(true);
    });

    it('deploy-infra does not deploy the boundary stack (--exclusively)', () => {
      const r = all.find((x) => x.job === 'deploy-infra' && /infra:deploy/.test(x.command));
      expect(r?.output).toMatch(/cdk deploy \S+-network \S+-data \S+-training --exclusively/);
      expect(r?.output).not.toMatch(/Including dependency stacks/);
    });

    it('loadtest.yml: the load test reaches the function URL and AWS with its command line accepted', async () => {
      const { runs } = await rehearseJob('loadtest.yml', workflow('loadtest.yml'), 'loadtest', {
        stopAfterFirstCall: /loadtest:aws/,
      });
      const r = runs.find((x) => /loadtest:aws/.test(x.command));
      if (!r) throw new Error('no loadtest:aws step');
      expect(r.output).not.toMatch(USAGE_ERROR);
      expect(r.calls.length, summary(r)).toBeGreaterThan(0);
    }, 600_000);
  },
);
