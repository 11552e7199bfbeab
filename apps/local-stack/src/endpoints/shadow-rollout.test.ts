/**
 * The shadow rollout driver against a fake control plane: the order of the SageMaker operations for a passing and a
 * failing verdict, the reason it gives, a rollback during the promotion, a refusal, and the bounded waits.
 */
import {
  DEFAULT_SPEC,
  ShadowRolloutStatusSchema,
  type ShadowSpec,
  type ShadowStatus,
  type ShadowVerdict,
} from '@dogbreed/platform-spec';
import { describe, expect, it } from 'vitest';
import { AwsApiError } from '../errors.js';
import {
  describeCheck,
  runShadowRollout,
  shadowDecision,
  shadowPhaseMs,
  type ShadowRolloutPort,
} from './shadow-rollout.js';

const SHADOW: ShadowSpec = { ...DEFAULT_SPEC.rollout.shadow, durationSeconds: 600, samplingPercent: 50 };
const EP = 'dogbreed-single-instance';

function verdict(pass: boolean): ShadowVerdict {
  return {
    verdict: pass ? 'pass' : 'fail',
    figures: {
      compared: 60,
      candidateErrors: 0,
      servingErrors: 0,
      agreement: pass ? 1 : 0,
      meanConfidenceShift: 0,
      notADog: null,
      latency: null,
    },
    checks: [
      {
        name: 'minTop1Agreement',
        description: 'top-1 breed agreement',
        value: pass ? 1 : 0,
        comparator: '>=',
        limit: 0.9,
        result: pass ? 'pass' : 'fail',
      },
    ],
    unpaired: { serving: 0, candidate: 0 },
  };
}

/**
 * A control plane that records the operations and plays an endpoint: Updating for `updatingPolls` describes after
 * each update, then InService on the new config (or, with `rollBack`, back on the previous one).
 */
class FakeStack implements ShadowRolloutPort {
  readonly ops: string[] = [];
  readonly inputs: Record<string, unknown>[] = [];
  config = 'serving-config';
  status = 'InService';
  pending: { to: string; polls: number } | undefined;
  t = 0;
  shadowStatus: ShadowStatus | null = null;
  constructor(
    private readonly opts: {
      pass: boolean;
      updatingPolls?: number;
      rollBack?: boolean;
      refuse?: string;
    },
  ) {}
  async sagemaker(operation: string, input: Record<string, unknown>): Promise<unknown> {
    this.ops.push(operation);
    this.inputs.push(input);
    if (operation === this.opts.refuse) throw new AwsApiError(400, 'ValidationException', 'refused here');
    if (operation === 'DescribeEndpoint') {
      const p = this.pending;
      if (p && p.polls-- <= 0) {
        const back = this.opts.rollBack && p.to.includes('-candidate-');
        if (!back) this.config = p.to;
        this.pending = undefined;
        this.status = 'InService';
        if (this.config.includes('-shadow-'))
          this.shadowStatus = {
            variantName: 'AllTraffic-shadow',
            modelName: 'candidate',
            configName: this.config,
            samplingPercent: 50,
            state: 'Running',
            instances: 2,
            startedAt: this.t,
            endedAt: null,
            copied: 60,
            dropped: 0,
            verdict: verdict(this.opts.pass),
          };
        return this.describe(back ? 'Alarm errors5xx went into ALARM' : undefined);
      }
      return this.describe();
    }
    if (operation === 'DescribeEndpointConfig')
      return {
        ProductionVariants: [
          {
            VariantName: 'AllTraffic',
            ModelName: 'serving',
            InitialInstanceCount: 1,
            InstanceType: 'ml.m5.large',
          },
        ],
      };
    if (operation === 'UpdateEndpoint') {
      this.status = 'Updating';
      this.pending = { to: String(input['EndpointConfigName']), polls: this.opts.updatingPolls ?? 2 };
    }
    return {};
  }
  private describe(failureReason?: string) {
    return {
      EndpointStatus: this.status,
      EndpointConfigName: this.config,
      ProductionVariants: [{ DesiredInstanceCount: 2 }],
      ...(failureReason ? { FailureReason: failureReason } : {}),
    };
  }
  shadow(): ShadowStatus | null {
    return this.shadowStatus;
  }
  async sleep(ms: number): Promise<void> {
    this.t += ms;
  }
  now(): number {
    return this.t;
  }
}

const options = (extra: Partial<Parameters<typeof runShadowRollout>[0]> = {}) => ({
  endpointName: EP,
  candidateModel: 'candidate',
  shadow: SHADOW,
  timeScale: 60,
  maxWaitMs: 5_000,
  runId: 'r1',
  pollMs: 100,
  ...extra,
});

describe('shadowDecision', () => {
  it('promotes only on a passing verdict, and names each failing check', () => {
    expect(shadowDecision(verdict(true))).toEqual({
      promote: true,
      reason: expect.stringMatching(/^shadow verdict PASS: 60 pair\(s\), top-1 agreement 100 %/),
    });
    const fail = shadowDecision(verdict(false));
    expect(fail.promote).toBe(false);
    expect(fail.reason).toMatch(/^shadow verdict FAIL \(minTop1Agreement 0 >= 0\.9 FAIL\)/);
    expect(shadowDecision(null)).toEqual({ promote: false, reason: expect.stringMatching(/never ran/) });
    expect(
      describeCheck({
        ...(verdict(true).checks[0] as ShadowVerdict['checks'][number]),
        result: 'n/a',
        value: null,
      }),
    ).toBe('minTop1Agreement n/a >= 0.9 N/A');
  });

  it('scales the phase', () => {
    expect(shadowPhaseMs(SHADOW, 60)).toBe(10_000);
  });
});

describe('runShadowRollout', () => {
  it('a passing verdict: shadow config, the phase, then the candidate promoted by blue/green', async () => {
    const fake = new FakeStack({ pass: true });
    const seen: string[] = [];
    const status = await runShadowRollout(options({ onChange: (s) => seen.push(s.step) }), fake);
    expect(ShadowRolloutStatusSchema.parse(status)).toEqual(status);
    expect(status).toMatchObject({
      outcome: 'promoted',
      servingConfig: 'serving-config',
      shadowConfig: `${EP}-shadow-r1`,
      candidateConfig: `${EP}-candidate-r1`,
      step: 'Done',
    });
    expect(status.reason).toMatch(/^shadow verdict PASS/);
    expect(fake.config).toBe(`${EP}-candidate-r1`);
    const creates = fake.inputs.filter((_, i) => fake.ops[i] === 'CreateEndpointConfig');
    expect(creates[0]).toMatchObject({
      ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'serving', InitialInstanceCount: 2 }],
      ShadowProductionVariants: [
        { VariantName: 'AllTraffic-shadow', ModelName: 'candidate', InitialVariantWeight: 0.5 },
      ],
    });
    expect(creates[1]).toEqual({
      EndpointConfigName: `${EP}-candidate-r1`,
      ProductionVariants: [
        {
          VariantName: 'AllTraffic',
          ModelName: 'candidate',
          InitialInstanceCount: 2,
          InstanceType: 'ml.m5.large',
          InitialVariantWeight: 1,
        },
      ],
    });
    // No DeploymentConfig: the endpoint's spec deployment (blue/green) applies, as the CDK stack sets it.
    const updates = fake.inputs.filter((_, i) => fake.ops[i] === 'UpdateEndpoint');
    expect(updates).toEqual([
      { EndpointName: EP, EndpointConfigName: `${EP}-shadow-r1` },
      { EndpointName: EP, EndpointConfigName: `${EP}-candidate-r1` },
    ]);
    expect(seen).toEqual(expect.arrayContaining(['DeployingShadow', 'ShadowPhase', 'Promoting', 'Done']));
    // The phase lasted its scaled length before the verdict was read.
    expect((status.phaseEndsAt as number) - status.startedAt).toBeGreaterThanOrEqual(10_000);
  });

  it('a failing verdict: back to the serving config, the candidate never a production variant', async () => {
    const fake = new FakeStack({ pass: false });
    const status = await runShadowRollout(options(), fake);
    expect(status.outcome).toBe('shadow-removed');
    expect(status.reason).toMatch(/^shadow verdict FAIL \(minTop1Agreement/);
    expect(status.candidateConfig).toBeNull();
    expect(fake.config).toBe('serving-config');
    const creates = fake.inputs.filter((_, i) => fake.ops[i] === 'CreateEndpointConfig');
    expect(creates).toHaveLength(1);
    expect(fake.inputs.filter((_, i) => fake.ops[i] === 'UpdateEndpoint').at(-1)).toEqual({
      EndpointName: EP,
      EndpointConfigName: 'serving-config',
    });
  });

  it('a promotion rolled back by an alarm removes the shadow too and says why', async () => {
    const fake = new FakeStack({ pass: true, rollBack: true });
    const status = await runShadowRollout(options(), fake);
    expect(status.outcome).toBe('rolled-back');
    expect(status.reason).toMatch(/Alarm errors5xx went into ALARM/);
    expect(fake.config).toBe('serving-config');
  });

  it('a refusal or an endpoint that never settles ends the run as failed, within maxWaitMs', async () => {
    const refused = await runShadowRollout(
      options(),
      new FakeStack({ pass: true, refuse: 'CreateEndpointConfig' }),
    );
    expect(refused).toMatchObject({ outcome: 'failed', reason: 'ValidationException: refused here' });
    const stuck = new FakeStack({ pass: true, updatingPolls: 1_000_000 });
    const timedOut = await runShadowRollout(options({ maxWaitMs: 1_000 }), stuck);
    expect(timedOut.outcome).toBe('failed');
    expect(timedOut.reason).toMatch(/still Updating after 1 s/);
    expect(stuck.t).toBeLessThanOrEqual(1_100);
  });

  it('with the shadow phase off, promotes without one', async () => {
    const fake = new FakeStack({ pass: false });
    const status = await runShadowRollout(options({ shadow: { ...SHADOW, enabled: false } }), fake);
    expect(status).toMatchObject({ outcome: 'promoted', shadowConfig: null });
    expect(status.reason).toMatch(/enabled is false/);
  });
});
