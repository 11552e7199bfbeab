/**
 * The local rollout driver: the sequence the pipeline runs on AWS, against the local stack's SageMaker control
 * plane. The candidate is deployed as the shadow variant beside the serving model (UpdateEndpoint to a config with
 * `ShadowProductionVariants`), the phase runs `rollout.shadow.durationSeconds` ÷ the time scale, then the live verdict
 * decides: pass → UpdateEndpoint to the candidate with the endpoint's blue/green deployment (its bake and rollback
 * alarms still apply); fail → UpdateEndpoint back to the serving config, the shadow removed, and the failing checks
 * as the reason. The I/O is a port (the control plane, the endpoint's shadow status, a clock), so the sequence is
 * unit-tested with a fake; `stack.ts` wires it to the admin API.
 */
import { z } from 'zod';
import {
  shadowVariantName,
  type ShadowRolloutStatus,
  type ShadowSpec,
  type ShadowStatus,
  type ShadowVerdict,
} from '@dogbreed/platform-spec';
import { AwsApiError, ShadowRolloutError } from '../errors.js';

/** What the driver does its work through. */
export interface ShadowRolloutPort {
  /** One SageMaker control-plane operation; a refusal throws (AwsApiError). */
  sagemaker(operation: string, input: Record<string, unknown>): Promise<unknown>;
  /** The endpoint's shadow variant now (running or last removed), with its live verdict. */
  shadow(): ShadowStatus | null;
  sleep(ms: number): Promise<void>;
  now(): number;
}

export interface ShadowRolloutOptions {
  readonly endpointName: string;
  /** The candidate: a model made with CreateModel. */
  readonly candidateModel: string;
  readonly shadow: ShadowSpec;
  /** The stack's time scale: the phase lasts `durationSeconds / timeScale` real seconds. */
  readonly timeScale: number;
  /** Longest real wait for the endpoint to be InService after one UpdateEndpoint. */
  readonly maxWaitMs: number;
  /** Suffix of the endpoint configs the run creates (configs are never overwritten, so each run names its own). */
  readonly runId: string;
  /** How often the driver reads the endpoint while waiting. @default 100 */
  readonly pollMs?: number;
  /** Every change of the run's status (the stack keeps the last one for the admin API and the dashboard). */
  readonly onChange?: (status: ShadowRolloutStatus) => void;
}

const Variant = z
  .object({
    VariantName: z.string(),
    ModelName: z.string(),
    InitialInstanceCount: z.number().int().positive(),
    InstanceType: z.string(),
  })
  .passthrough();
const DescribeEndpointOut = z
  .object({
    EndpointStatus: z.string(),
    EndpointConfigName: z.string(),
    FailureReason: z.string().optional(),
    ProductionVariants: z.array(z.object({ DesiredInstanceCount: z.number().int() }).passthrough()).min(1),
  })
  .passthrough();
const DescribeEndpointConfigOut = z
  .object({
    ProductionVariants: z.array(Variant).min(1),
    ShadowProductionVariants: z.array(Variant).optional(),
  })
  .passthrough();

/** The phase's real length: the spec's seconds over the time scale. */
export function shadowPhaseMs(spec: ShadowSpec, timeScale: number): number {
  return (spec.durationSeconds * 1000) / timeScale;
}

const percent = (v: number | null) => (v === null ? 'n/a' : `${Math.round(v * 1000) / 10} %`);

/** One check as text: `minTop1Agreement 0.05 >= 0.9 FAIL`. */
export function describeCheck(c: ShadowVerdict['checks'][number]): string {
  const value = c.value === null ? 'n/a' : String(Math.round(c.value * 1000) / 1000);
  return `${c.name} ${value} ${c.comparator} ${c.limit} ${c.result === 'n/a' ? 'N/A' : c.result.toUpperCase()}`;
}

/**
 * Promote or not, and why: only a passing verdict promotes; no verdict (no shadow ran) does not. The reason names
 * the figures and, on a failure, every failing check.
 */
export function shadowDecision(verdict: ShadowVerdict | null): { promote: boolean; reason: string } {
  if (!verdict) return { promote: false, reason: 'no shadow verdict: the shadow variant never ran' };
  const f = verdict.figures;
  const figures =
    `${f.compared} pair(s), top-1 agreement ${percent(f.agreement)}, ` +
    `mean confidence shift ${f.meanConfidenceShift === null ? 'n/a' : f.meanConfidenceShift.toFixed(3)}, ` +
    `p95 latency ratio ${f.latency ? f.latency.p95Ratio.toFixed(2) : 'n/a'}`;
  if (verdict.verdict === 'pass') return { promote: true, reason: `shadow verdict PASS: ${figures}` };
  const failed = verdict.checks.filter((c) => c.result === 'fail').map(describeCheck);
  return { promote: false, reason: `shadow verdict FAIL (${failed.join('; ')}): ${figures}` };
}

/** Runs the sequence once. Never throws: a failure is the status's outcome `failed` with its reason. */
export async function runShadowRollout(
  opts: ShadowRolloutOptions,
  port: ShadowRolloutPort,
): Promise<ShadowRolloutStatus> {
  const pollMs = opts.pollMs ?? 100;
  const status: ShadowRolloutStatus = {
    endpointName: opts.endpointName,
    candidateModel: opts.candidateModel,
    servingConfig: null,
    shadowConfig: null,
    candidateConfig: null,
    step: 'DeployingShadow',
    outcome: null,
    reason: null,
    verdict: null,
    startedAt: port.now(),
    phaseEndsAt: null,
    finishedAt: null,
    events: [],
  };
  const changed = () => opts.onChange?.(structuredClone(status));
  // Synchronously, before the first await: the caller has a status to answer with at once.
  changed();
  const event = (message: string) => {
    status.events.push({ t: port.now(), message });
    changed();
  };
  const finish = (outcome: NonNullable<ShadowRolloutStatus['outcome']>, reason: string) => {
    status.step = 'Done';
    status.outcome = outcome;
    status.reason = reason;
    status.finishedAt = port.now();
    event(`${outcome}: ${reason}`);
    return structuredClone(status);
  };
  const sm = async <T>(schema: z.ZodType<T>, operation: string, input: Record<string, unknown>) => {
    const out = await port.sagemaker(operation, input);
    const parsed = schema.safeParse(out);
    if (!parsed.success)
      throw new ShadowRolloutError(
        `SageMaker.${operation} answered an unexpected shape: ${parsed.error.message}`,
      );
    return parsed.data;
  };
  const describe = () => sm(DescribeEndpointOut, 'DescribeEndpoint', { EndpointName: opts.endpointName });
  /** Polls until the endpoint is InService again (bounded by maxWaitMs); returns what it says then. */
  const settled = async () => {
    const deadline = port.now() + opts.maxWaitMs;
    for (;;) {
      const d = await describe();
      if (d.EndpointStatus === 'InService') return d;
      if (port.now() >= deadline)
        throw new ShadowRolloutError(
          `${opts.endpointName} still ${d.EndpointStatus} after ${Math.round(opts.maxWaitMs / 1000)} s`,
        );
      await port.sleep(pollMs);
    }
  };
  const update = async (configName: string) => {
    await sm(z.unknown(), 'UpdateEndpoint', {
      EndpointName: opts.endpointName,
      EndpointConfigName: configName,
    });
    return settled();
  };

  try {
    const before = await describe();
    if (before.EndpointStatus !== 'InService')
      throw new ShadowRolloutError(`${opts.endpointName} is ${before.EndpointStatus}, not InService`);
    const servingConfig = before.EndpointConfigName;
    status.servingConfig = servingConfig;
    const config = await sm(DescribeEndpointConfigOut, 'DescribeEndpointConfig', {
      EndpointConfigName: servingConfig,
    });
    if (config.ShadowProductionVariants?.length)
      throw new ShadowRolloutError(`${servingConfig} already runs a shadow variant`);
    const production = config.ProductionVariants[0] as z.infer<typeof Variant>;
    // The candidate gets as many instances as production has now, so its latency is measured on equal terms.
    const instances = before.ProductionVariants[0]?.DesiredInstanceCount ?? production.InitialInstanceCount;
    const variant = (model: string, name = production.VariantName, weight = 1) => ({
      VariantName: name,
      ModelName: model,
      InitialInstanceCount: instances,
      InstanceType: production.InstanceType,
      InitialVariantWeight: weight,
    });

    let why = 'rollout.shadow.enabled is false: promoted without a shadow phase';
    if (opts.shadow.enabled) {
      const shadowConfig = `${opts.endpointName}-shadow-${opts.runId}`;
      status.shadowConfig = shadowConfig;
      await sm(z.unknown(), 'CreateEndpointConfig', {
        EndpointConfigName: shadowConfig,
        ProductionVariants: [variant(production.ModelName)],
        ShadowProductionVariants: [
          variant(
            opts.candidateModel,
            shadowVariantName(production.VariantName),
            opts.shadow.samplingPercent / 100,
          ),
        ],
      });
      event(`UpdateEndpoint → ${shadowConfig}: ${opts.candidateModel} as shadow of ${production.ModelName}`);
      const onShadow = await update(shadowConfig);
      if (onShadow.EndpointConfigName !== shadowConfig)
        throw new ShadowRolloutError(
          `the shadow did not start: ${onShadow.FailureReason ?? `endpoint on ${onShadow.EndpointConfigName}`}`,
        );
      status.step = 'ShadowPhase';
      status.phaseEndsAt = port.now() + shadowPhaseMs(opts.shadow, opts.timeScale);
      event(
        `shadow phase: ${opts.shadow.samplingPercent} % of requests copied for ${opts.shadow.durationSeconds} s ` +
          `(${Math.round(shadowPhaseMs(opts.shadow, opts.timeScale)) / 1000} s at time scale ${opts.timeScale})`,
      );
      for (let left = status.phaseEndsAt - port.now(); left > 0; left = status.phaseEndsAt - port.now()) {
        await port.sleep(Math.min(pollMs, left));
        status.verdict = port.shadow()?.verdict ?? null;
      }
      const shadow = port.shadow();
      status.verdict = shadow && shadow.configName === shadowConfig ? shadow.verdict : null;
      const decision = shadowDecision(status.verdict);
      why = decision.reason;
      event(decision.reason);
      if (!decision.promote) {
        status.step = 'RemovingShadow';
        event(
          `UpdateEndpoint → ${servingConfig}: removing the shadow, ${production.ModelName} keeps serving`,
        );
        await update(servingConfig);
        return finish('shadow-removed', decision.reason);
      }
    }

    status.step = 'Promoting';
    const candidateConfig = `${opts.endpointName}-candidate-${opts.runId}`;
    status.candidateConfig = candidateConfig;
    await sm(z.unknown(), 'CreateEndpointConfig', {
      EndpointConfigName: candidateConfig,
      ProductionVariants: [variant(opts.candidateModel)],
    });
    event(
      `UpdateEndpoint → ${candidateConfig}: promoting ${opts.candidateModel} (the endpoint's blue/green deployment)`,
    );
    const after = await update(candidateConfig);
    if (after.EndpointConfigName === candidateConfig) return finish('promoted', why);
    const reason = `the blue/green update rolled back: ${after.FailureReason ?? `endpoint on ${after.EndpointConfigName}`}`;
    if (status.shadowConfig && after.EndpointConfigName === status.shadowConfig) {
      // The rollback restored the shadow's config; the candidate is not promoted, so its shadow goes too.
      status.step = 'RemovingShadow';
      event(`UpdateEndpoint → ${servingConfig}: removing the shadow after the rollback`);
      await update(servingConfig);
    }
    return finish('rolled-back', reason);
  } catch (err) {
    const message =
      err instanceof AwsApiError
        ? `${err.errorType}: ${err.message}`
        : err instanceof Error
          ? err.message
          : String(err);
    return finish('failed', message);
  }
}
