/**
 * SageMaker's control plane for the local endpoints (AWS JSON 1.1, `X-Amz-Target: SageMaker.<Operation>`): models
 * and endpoint configs as records, UpdateEndpoint checked with SageMaker's rules and handed to the endpoint as a
 * rollout plan, DescribeEndpoint as the endpoint reports itself. Requests are parsed with zod; every refusal is a
 * `ValidationException` worded like SageMaker's, so the real `@aws-sdk/client-sagemaker` sees what it would on AWS.
 */
import { fileURLToPath } from 'node:url';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import {
  ROLLBACK_ALARM_KINDS,
  ROLLBACK_ALARM_SUFFIXES,
  ROLLOUT_MODE_OF,
  deploymentIssues,
  TRAFFIC_ROUTING_TYPE,
  type DeploymentIssue,
  type EndpointSpec,
  type PlatformSpec,
  type RollbackAlarmKind,
} from '@dogbreed/platform-spec';
import { AwsApiError, ModelDirError } from '../errors.js';
import { readModelDir } from '../model-dir.js';
import { planFromSeconds, specPlanInput, type PlanInput } from './rollout.js';
import { shadowSamplingPercent } from './shadow.js';

/** The account every local ARN names (as the rest of the stack's error messages do). */
export const LOCAL_ACCOUNT = '000000000000';

const Name = z.string().regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/);

const CreateModelInput = z.object({
  ModelName: Name,
  PrimaryContainer: z.object({ ModelDataUrl: z.string().min(1), Image: z.string().optional() }).passthrough(),
  ExecutionRoleArn: z.string().optional(),
});

const ProductionVariantInput = z
  .object({
    VariantName: Name,
    ModelName: Name,
    InitialInstanceCount: z.number().int().positive(),
    InstanceType: z.string().min(1),
    /** SageMaker's default is 1.0; for a shadow variant, its weight over production's is the share copied to it. */
    InitialVariantWeight: z.number().min(0).optional(),
  })
  .passthrough();

const CreateEndpointConfigInput = z.object({
  EndpointConfigName: Name,
  ProductionVariants: z.array(ProductionVariantInput).min(1),
  ShadowProductionVariants: z.array(ProductionVariantInput).optional(),
});

const CapacitySize = z.object({
  Type: z.enum(['CAPACITY_PERCENT', 'INSTANCE_COUNT']),
  Value: z.number().int(),
});

const DeploymentConfigInput = z
  .object({
    BlueGreenUpdatePolicy: z
      .object({
        TrafficRoutingConfiguration: z.object({
          Type: z.enum(Object.values(TRAFFIC_ROUTING_TYPE)),
          WaitIntervalInSeconds: z.number().int(),
          CanarySize: CapacitySize.optional(),
          LinearStepSize: CapacitySize.optional(),
        }),
        TerminationWaitInSeconds: z.number().int().optional(),
        MaximumExecutionTimeoutInSeconds: z.number().int().optional(),
      })
      .optional(),
    RollingUpdatePolicy: z.unknown().optional(),
    AutoRollbackConfiguration: z.object({ Alarms: z.array(z.object({ AlarmName: z.string() })) }).optional(),
  })
  .passthrough();
export type DeploymentConfigInput = z.infer<typeof DeploymentConfigInput>;

const UpdateEndpointInput = z.object({
  EndpointName: Name,
  EndpointConfigName: Name,
  RetainAllVariantProperties: z.boolean().optional(),
  DeploymentConfig: DeploymentConfigInput.optional(),
});

const NameOnly = (field: string) => z.object({ [field]: z.string().min(1) });

export interface ModelRecord {
  readonly name: string;
  readonly arn: string;
  readonly modelDataUrl: string;
  readonly dir: string;
  readonly createdAt: number;
}

export interface VariantRecord {
  readonly variantName: string;
  readonly modelName: string;
  readonly initialInstanceCount: number;
  readonly instanceType: string;
  /** @default 1 (SageMaker's default weight) */
  readonly initialVariantWeight?: number;
}

export interface EndpointConfigRecord {
  readonly name: string;
  readonly arn: string;
  readonly variants: readonly VariantRecord[];
  /** The shadow variant (SageMaker allows one, beside one production variant), with the share copied to it. */
  readonly shadow?: VariantRecord & { readonly samplingPercent: number };
  readonly createdAt: number;
}

/** What an update hands to the endpoint. */
export interface UpdateRequest {
  readonly config: EndpointConfigRecord;
  readonly model: ModelRecord;
  readonly plan: ReturnType<typeof planFromSeconds>;
  /** The DeploymentConfig in SageMaker's shape (given, or the spec's written out), for LastDeploymentConfig. */
  readonly deploymentConfig: DeploymentConfigInput;
}

/** What an update that only adds, replaces or removes the shadow variant hands to the endpoint. */
export interface ShadowUpdateRequest {
  readonly config: EndpointConfigRecord;
  /** The shadow to run; undefined: remove the running one. */
  readonly shadow?: {
    readonly variantName: string;
    readonly model: ModelRecord;
    readonly instanceCount: number;
    readonly samplingPercent: number;
  };
}

/** What the control plane needs from an endpoint. */
export interface ControlledEndpoint {
  readonly name: string;
  readonly endpoint: EndpointSpec;
  /** The serving fleet's desired instance count: the green fleet starts with as many. */
  readonly fleetSize: number;
  /** The production variant's model now. */
  readonly servingModelName: string;
  /** Whether a shadow variant is starting or running. */
  readonly hasShadow: boolean;
  /** 'InService' when an update may start. */
  status(): string;
  update(request: UpdateRequest): void;
  updateShadow(request: ShadowUpdateRequest): void;
  describe(arn: string): Record<string, unknown>;
}

export function validation(message: string): AwsApiError {
  return new AwsApiError(400, 'ValidationException', message);
}

export interface ControlPlaneOptions {
  readonly spec: PlatformSpec;
  readonly endpoints: () => Iterable<ControlledEndpoint>;
  readonly now?: () => number;
}

/** Resolves `ModelDataUrl` (an absolute dir or a file:// URL of one) to a dir, undefined when it is neither. */
export function modelDataDir(url: string): string | undefined {
  if (url.startsWith('file://')) {
    try {
      return fileURLToPath(url);
    } catch {
      return undefined;
    }
  }
  return isAbsolute(url) ? url : undefined;
}

/**
 * The alarm an AlarmName means: a spec alarm name, or a name ending in one (or in the CDK stack's suffix for it)
 * after a separator.
 */
export function alarmMetricFor(name: string): RollbackAlarmKind | undefined {
  const lower = name.toLowerCase();
  const endsWith = (key: string) =>
    lower === key || (lower.endsWith(key) && /[-_./:]/.test(lower.charAt(lower.length - key.length - 1)));
  return ROLLBACK_ALARM_KINDS.find((m) => endsWith(m.toLowerCase()) || endsWith(ROLLBACK_ALARM_SUFFIXES[m]));
}

/** A step size as a percentage of `fleet`. */
function percentOf(size: z.infer<typeof CapacitySize>, fleet: number): number {
  return size.Type === 'CAPACITY_PERCENT' ? size.Value : (size.Value * 100) / fleet;
}

/** SageMaker's field names in its "1 validation error detected" messages, by the spec's field. */
const AWS_FIELD: Readonly<Record<string, string>> = {
  bakeSeconds: 'deploymentConfig.blueGreenUpdatePolicy.WaitIntervalInSeconds',
  terminationWaitSeconds: 'deploymentConfig.blueGreenUpdatePolicy.TerminationWaitInSeconds',
  maxExecutionSeconds: 'deploymentConfig.blueGreenUpdatePolicy.maximumExecutionTimeoutInSeconds',
};

/** A deployment issue (SageMaker's rule) in the words SageMaker's UpdateEndpoint uses for it. */
function sageMakerWording(issue: DeploymentIssue, type: string, fleet: number): string {
  const { min, max } = issue.bound;
  const [field] = issue.path;
  const percent = Math.round(issue.value * 100) / 100;
  if (issue.rule === 'bake-needed')
    return `WaitIntervalInSeconds must be greater than 0 for a ${type} deployment.`;
  if (issue.rule === 'alarm-count')
    return `1 validation error detected: Value at 'deploymentConfig.autoRollbackConfiguration.alarms' failed to satisfy constraint: Member must have length between ${min} and ${max}`;
  if (issue.rule === 'fleet' && field === 'canaryPercent')
    return `The canary size (${issue.value}% of ${fleet} instance(s)) is less than one instance: a canary needs a fleet of at least ${min} instances.`;
  if (issue.rule === 'fleet')
    return `The linear step size (${issue.value}% of ${fleet} instance(s)) is less than one instance: linear shifting needs a larger fleet.`;
  if (field === 'canaryPercent')
    return `The canary size (${issue.value}% of the fleet of ${fleet} instances) must be greater than 0 and at most ${max}% of the fleet.`;
  if (field === 'linearStepPercent')
    return `The linear step size (${percent}% of the fleet of ${fleet} instances) must be between ${min}% and ${max}% of the fleet.`;
  return `1 validation error detected: Value '${issue.value}' at '${AWS_FIELD[String(field)] ?? String(field)}' failed to satisfy constraint: Member must have value between ${min} and ${max}`;
}

/**
 * UpdateEndpoint's DeploymentConfig (or, absent, the endpoint's spec deployment) checked against SageMaker's rules
 * for a fleet of `fleet` instances, as a plan input in the spec's seconds.
 */
export function deploymentPlanInput(
  given: DeploymentConfigInput | undefined,
  endpoint: EndpointSpec,
  fleet: number,
  defaultPeriodSeconds: number,
): { input: PlanInput; config: DeploymentConfigInput } {
  const d = endpoint.deployment;
  if (given?.RollingUpdatePolicy !== undefined)
    throw validation(
      'The local stack runs blue/green updates only: use BlueGreenUpdatePolicy, not RollingUpdatePolicy.',
    );
  const fromSpec = specPlanInput(d, defaultPeriodSeconds);
  const bg = given?.BlueGreenUpdatePolicy;
  const routing = bg?.TrafficRoutingConfiguration;
  const mode = routing ? ROLLOUT_MODE_OF[routing.Type] : d.mode;
  const bakeSeconds = routing ? routing.WaitIntervalInSeconds : d.bakeSeconds;
  const terminationWaitSeconds = bg?.TerminationWaitInSeconds ?? d.terminationWaitSeconds;
  const maxExecutionSeconds = bg?.MaximumExecutionTimeoutInSeconds ?? d.maxExecutionSeconds;
  let canaryPercent = d.canaryPercent;
  let linearStepPercent = d.linearStepPercent;
  if (routing?.Type === 'CANARY') {
    if (!routing.CanarySize)
      throw validation('CanarySize is required for a CANARY traffic routing configuration.');
    canaryPercent = percentOf(routing.CanarySize, fleet);
  }
  if (routing?.Type === 'LINEAR') {
    if (!routing.LinearStepSize)
      throw validation('LinearStepSize is required for a LINEAR traffic routing configuration.');
    linearStepPercent = percentOf(routing.LinearStepSize, fleet);
  }
  const named = given?.AutoRollbackConfiguration?.Alarms;
  const checked = {
    mode,
    canaryPercent,
    linearStepPercent,
    bakeSeconds,
    terminationWaitSeconds,
    maxExecutionSeconds,
  };
  // SageMaker's own rules only: the project's stricter ones are the spec's and CDK's, which AWS would not enforce.
  const issue = deploymentIssues(
    { ...d, ...checked, rollbackAlarmCount: named?.length },
    { live: fleet },
  ).find((i) => i.origin === 'sagemaker');
  if (issue) throw validation(sageMakerWording(issue, routing?.Type ?? mode, fleet));
  let alarms = fromSpec.alarms;
  if (named) {
    alarms = named.map(({ AlarmName }) => {
      const metric = alarmMetricFor(AlarmName);
      if (!metric)
        throw validation(
          `Alarm "${AlarmName}" does not exist. The local stack's rollback alarms are ${ROLLBACK_ALARM_KINDS.join(', ')} (or names ending in -<one of them> or in the CDK stack's -${Object.values(ROLLBACK_ALARM_SUFFIXES).join(' / -')}).`,
        );
      return { name: AlarmName, metric, ...d.rollbackAlarms[metric] };
    });
  } else if (given) {
    alarms = [];
  }
  const input: PlanInput = { ...checked, alarms, defaultPeriodSeconds };
  const routingOut =
    mode === 'canary'
      ? { CanarySize: routing?.CanarySize ?? { Type: 'CAPACITY_PERCENT' as const, Value: canaryPercent } }
      : mode === 'linear'
        ? {
            LinearStepSize: routing?.LinearStepSize ?? {
              Type: 'CAPACITY_PERCENT' as const,
              Value: linearStepPercent,
            },
          }
        : {};
  const config: DeploymentConfigInput = {
    BlueGreenUpdatePolicy: {
      TrafficRoutingConfiguration: {
        Type: TRAFFIC_ROUTING_TYPE[mode],
        WaitIntervalInSeconds: bakeSeconds,
        ...routingOut,
      },
      TerminationWaitInSeconds: terminationWaitSeconds,
      MaximumExecutionTimeoutInSeconds: maxExecutionSeconds,
    },
    ...(alarms.length > 0
      ? { AutoRollbackConfiguration: { Alarms: alarms.map((a) => ({ AlarmName: a.name })) } }
      : {}),
  };
  return { input, config };
}

function parse<T>(schema: z.ZodType<T>, body: unknown, op: string): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issues = r.error.issues.map(
    (i) => `Value at '${i.path.map(String).join('.') || op}' failed to satisfy constraint: ${i.message}`,
  );
  throw validation(`${issues.length} validation error(s) detected: ${issues.join('; ')}`);
}

/** The records and operations behind `POST /` with `X-Amz-Target: SageMaker.*`. */
export class ControlPlane {
  readonly models = new Map<string, ModelRecord>();
  readonly configs = new Map<string, EndpointConfigRecord>();
  private readonly now: () => number;

  constructor(private readonly opts: ControlPlaneOptions) {
    this.now = opts.now ?? Date.now;
  }

  arn(kind: 'model' | 'endpoint-config' | 'endpoint', name: string): string {
    return `arn:aws:sagemaker:${this.opts.spec.project.region}:${LOCAL_ACCOUNT}:${kind}/${name.toLowerCase()}`;
  }

  /** Records the model and config an endpoint boots with, so DescribeEndpointConfig knows them. */
  registerInitial(endpoint: EndpointSpec, dir: string, configName: string, modelName: string): void {
    const t = this.now();
    this.models.set(modelName, {
      name: modelName,
      arn: this.arn('model', modelName),
      modelDataUrl: dir,
      dir,
      createdAt: t,
    });
    this.configs.set(configName, {
      name: configName,
      arn: this.arn('endpoint-config', configName),
      variants: [
        {
          variantName: endpoint.variantName,
          modelName,
          initialInstanceCount: endpoint.initialInstanceCount,
          instanceType: endpoint.instanceType,
        },
      ],
      createdAt: t,
    });
  }

  private endpoint(name: string): ControlledEndpoint {
    for (const e of this.opts.endpoints()) if (e.name === name) return e;
    throw validation(`Could not find endpoint "${this.arn('endpoint', name)}".`);
  }

  /** One operation; the result is the JSON body of a 200 answer. */
  handle(operation: string, body: unknown): Record<string, unknown> {
    switch (operation) {
      case 'CreateModel':
        return this.createModel(parse(CreateModelInput, body, operation));
      case 'DescribeModel': {
        const { ModelName } = parse(NameOnly('ModelName'), body, operation) as { ModelName: string };
        const m = this.models.get(ModelName);
        if (!m) throw validation(`Could not find model "${this.arn('model', ModelName)}".`);
        return {
          ModelName: m.name,
          ModelArn: m.arn,
          PrimaryContainer: { ModelDataUrl: m.modelDataUrl },
          CreationTime: m.createdAt / 1000,
        };
      }
      case 'CreateEndpointConfig':
        return this.createEndpointConfig(parse(CreateEndpointConfigInput, body, operation));
      case 'DescribeEndpointConfig': {
        const { EndpointConfigName } = parse(NameOnly('EndpointConfigName'), body, operation) as {
          EndpointConfigName: string;
        };
        const c = this.configs.get(EndpointConfigName);
        if (!c)
          throw validation(
            `Could not find endpoint configuration "${this.arn('endpoint-config', EndpointConfigName)}".`,
          );
        const variant = (v: VariantRecord) => ({
          VariantName: v.variantName,
          ModelName: v.modelName,
          InitialInstanceCount: v.initialInstanceCount,
          InstanceType: v.instanceType,
          InitialVariantWeight: v.initialVariantWeight ?? 1,
        });
        return {
          EndpointConfigName: c.name,
          EndpointConfigArn: c.arn,
          ProductionVariants: c.variants.map(variant),
          ...(c.shadow ? { ShadowProductionVariants: [variant(c.shadow)] } : {}),
          CreationTime: c.createdAt / 1000,
        };
      }
      case 'UpdateEndpoint':
        return this.updateEndpoint(parse(UpdateEndpointInput, body, operation));
      case 'DescribeEndpoint': {
        const { EndpointName } = parse(NameOnly('EndpointName'), body, operation) as { EndpointName: string };
        return this.endpoint(EndpointName).describe(this.arn('endpoint', EndpointName));
      }
      case 'ListEndpoints':
        return {
          Endpoints: [...this.opts.endpoints()].map((e) => {
            const d = e.describe(this.arn('endpoint', e.name));
            return {
              EndpointName: d['EndpointName'],
              EndpointArn: d['EndpointArn'],
              EndpointStatus: d['EndpointStatus'],
              CreationTime: d['CreationTime'],
              LastModifiedTime: d['LastModifiedTime'],
            };
          }),
        };
      default:
        throw new AwsApiError(
          400,
          'UnknownOperationException',
          `The local stack does not implement SageMaker.${operation}.`,
        );
    }
  }

  private createModel(input: z.infer<typeof CreateModelInput>): Record<string, unknown> {
    if (this.models.has(input.ModelName))
      throw validation(`Cannot create already existing model "${this.arn('model', input.ModelName)}".`);
    const url = input.PrimaryContainer.ModelDataUrl;
    const dir = modelDataDir(url);
    if (!dir)
      throw validation(
        `Could not access model data at ${url}. The local stack takes an absolute model dir or a file:// URL of one.`,
      );
    let ok: boolean;
    try {
      ok = readModelDir(dir) !== undefined;
    } catch (err) {
      if (err instanceof ModelDirError) throw validation(`Invalid model data at ${url}: ${err.message}`);
      throw err;
    }
    if (!ok)
      throw validation(
        `Could not find model data at ${url}: a model dir needs model.onnx and metadata.json (the model-dir contract).`,
      );
    const rec: ModelRecord = {
      name: input.ModelName,
      arn: this.arn('model', input.ModelName),
      modelDataUrl: url,
      dir,
      createdAt: this.now(),
    };
    this.models.set(rec.name, rec);
    return { ModelArn: rec.arn };
  }

  private createEndpointConfig(input: z.infer<typeof CreateEndpointConfigInput>): Record<string, unknown> {
    const name = input.EndpointConfigName;
    if (this.configs.has(name))
      throw validation(
        `Cannot create already existing endpoint configuration "${this.arn('endpoint-config', name)}".`,
      );
    if (input.ProductionVariants.length !== 1)
      throw validation(
        `The local stack's endpoints have one production variant; the configuration names ${input.ProductionVariants.length}.`,
      );
    const shadows = input.ShadowProductionVariants ?? [];
    for (const v of [...input.ProductionVariants, ...shadows]) {
      if (!this.models.has(v.ModelName))
        throw validation(`Could not find model "${this.arn('model', v.ModelName)}".`);
    }
    const record = (v: z.infer<typeof ProductionVariantInput>): VariantRecord => ({
      variantName: v.VariantName,
      modelName: v.ModelName,
      initialInstanceCount: v.InitialInstanceCount,
      instanceType: v.InstanceType,
      ...(v.InitialVariantWeight !== undefined ? { initialVariantWeight: v.InitialVariantWeight } : {}),
    });
    const rec: EndpointConfigRecord = {
      name,
      arn: this.arn('endpoint-config', name),
      variants: input.ProductionVariants.map(record),
      ...(shadows.length > 0
        ? {
            shadow: this.shadowVariant(
              input.ProductionVariants[0] as z.infer<typeof ProductionVariantInput>,
              shadows,
            ),
          }
        : {}),
      createdAt: this.now(),
    };
    this.configs.set(name, rec);
    return { EndpointConfigArn: rec.arn };
  }

  /**
   * SageMaker's rules for `ShadowProductionVariants`: at most one, beside one production variant, under a name of
   * its own; the share of requests copied to it is its weight over the production variant's, so it cannot exceed
   * the production weight (more than every request) nor be 0 (a shadow that sees nothing).
   */
  private shadowVariant(
    production: z.infer<typeof ProductionVariantInput>,
    shadows: readonly z.infer<typeof ProductionVariantInput>[],
  ): VariantRecord & { samplingPercent: number } {
    if (shadows.length !== 1)
      throw validation(
        `An endpoint configuration can have at most one shadow variant; ShadowProductionVariants names ${shadows.length}.`,
      );
    const shadow = shadows[0] as z.infer<typeof ProductionVariantInput>;
    if (shadow.VariantName === production.VariantName)
      throw validation(
        `The shadow variant's name (${shadow.VariantName}) must differ from the production variant's: variant names must be unique within an endpoint configuration.`,
      );
    const productionWeight = production.InitialVariantWeight ?? 1;
    const shadowWeight = shadow.InitialVariantWeight ?? 1;
    const samplingPercent = productionWeight > 0 ? shadowSamplingPercent(productionWeight, shadowWeight) : 0;
    if (samplingPercent <= 0 || samplingPercent > 100)
      throw validation(
        `The shadow variant's InitialVariantWeight (${shadowWeight}) must be greater than 0 and at most the production variant's (${productionWeight}): ` +
          'their ratio is the share of requests copied to the shadow.',
      );
    return {
      variantName: shadow.VariantName,
      modelName: shadow.ModelName,
      initialInstanceCount: shadow.InitialInstanceCount,
      instanceType: shadow.InstanceType,
      initialVariantWeight: shadowWeight,
      samplingPercent,
    };
  }

  private updateEndpoint(input: z.infer<typeof UpdateEndpointInput>): Record<string, unknown> {
    const endpoint = this.endpoint(input.EndpointName);
    const config = this.configs.get(input.EndpointConfigName);
    if (!config)
      throw validation(
        `Could not find endpoint configuration "${this.arn('endpoint-config', input.EndpointConfigName)}".`,
      );
    if (endpoint.status() !== 'InService')
      throw validation(`Cannot update in-progress endpoint "${this.arn('endpoint', endpoint.name)}".`);
    const variant = config.variants[0] as VariantRecord;
    if (config.variants.length !== 1 || variant.variantName !== endpoint.endpoint.variantName)
      throw validation(
        `The production variant names of endpoint configuration "${config.name}" ` +
          `(${config.variants.map((v) => v.variantName).join(', ')}) do not match those of endpoint ` +
          `"${endpoint.name}" (${endpoint.endpoint.variantName}): a blue/green update keeps the variant names.`,
      );
    const model = this.models.get(variant.modelName);
    if (!model) throw validation(`Could not find model "${this.arn('model', variant.modelName)}".`);
    if (variant.modelName === endpoint.servingModelName && (config.shadow || endpoint.hasShadow)) {
      // Only the shadow variant changes: SageMaker leaves the production fleet serving; so does the local stack.
      const shadow = config.shadow;
      const shadowModel = shadow ? this.models.get(shadow.modelName) : undefined;
      if (shadow && !shadowModel)
        throw validation(`Could not find model "${this.arn('model', shadow.modelName)}".`);
      endpoint.updateShadow({
        config,
        ...(shadow && shadowModel
          ? {
              shadow: {
                variantName: shadow.variantName,
                model: shadowModel,
                instanceCount: shadow.initialInstanceCount,
                samplingPercent: shadow.samplingPercent,
              },
            }
          : {}),
      });
      return { EndpointArn: this.arn('endpoint', endpoint.name) };
    }
    if (config.shadow)
      throw validation(
        `Endpoint configuration "${config.name}" changes the production model (${variant.modelName}) and adds a shadow variant: ` +
          'the local stack runs a shadow beside the serving model only. Deploy the shadow with the serving model, then promote in a second update.',
      );
    const { spec } = this.opts;
    const { input: planInput, config: deploymentConfig } = deploymentPlanInput(
      input.DeploymentConfig,
      endpoint.endpoint,
      endpoint.fleetSize,
      spec.autoscaling.metricPeriodSeconds,
    );
    endpoint.update({
      config,
      model,
      plan: planFromSeconds(planInput, spec.localStack.timeScale),
      deploymentConfig,
    });
    return { EndpointArn: this.arn('endpoint', endpoint.name) };
  }
}
