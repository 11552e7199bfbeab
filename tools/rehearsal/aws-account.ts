/**
 * An emulated AWS account for the first-deploy rehearsal: moto's server behind a proxy that every program of the
 * rehearsal talks to (`AWS_ENDPOINT_URL`). The account starts empty; what exists in it later is what `cdk bootstrap`,
 * CloudFormation (the synthesized templates, deployed by the real CDK CLI) and the pipeline's programs created.
 *
 * The proxy adds, in one place, where moto answers differently from AWS in a way the pipeline depends on
 * (`AWS_BEHAVIOURS`, each with its AWS documentation source), and the few moto-only changes moto needs to accept
 * this project's templates (`MOTO_TRANSFORMS`, kept in platform-spec's testing library). It attributes every call to
 * the principal whose credentials signed it (an assumed CI role, CDK's bootstrap roles, or the administrator), so the
 * rehearsal can say which role made which call, and it stands in for the two things moto cannot run: the training
 * container (a finished SageMaker job leaves the model the rehearsal chooses) and the Lambda function URL.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import {
  classifyAwsRequest,
  MOTO_TRANSFORMS,
  startMoto,
  type MotoServer,
  type TemplateJson,
} from '@dogbreed/testing';
import {
  dataCaptureFolder,
  PredictionResponseSchema,
  trainingJobArtifactKey,
  trainingJobOfArtifact,
  type DataCaptureRecord,
  type PredictionResponse,
} from '@dogbreed/platform-spec';
import { parse as parseYaml } from 'yaml';
import { GhaError } from '../gha/errors.js';

export const ACCOUNT = '123456789012'; // moto's default account
/** The administrator's keys (one-time set-up, by hand): every call they sign is allowed, as for an admin user. */
export const ADMIN_KEYS = {
  accessKeyId: 'AKIAADMINISTRATOR000',
  secretAccessKey: 'rehearsal-admin',
} as const;

/** One behaviour of AWS that moto lacks and the proxy adds, with where AWS documents it. */
export interface AwsBehaviour {
  readonly name: string;
  readonly source: string;
  readonly what: string;
}

export const AWS_BEHAVIOURS: readonly AwsBehaviour[] = [
  {
    name: 's3-missing-key-403',
    source:
      'https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html (and API_GetObject.html), "Permissions"',
    what:
      'A HeadObject or GetObject of a key that does not exist answers 404 NoSuchKey only to a caller with ' +
      's3:ListBucket on the bucket; without it, 403 AccessDenied. A ListBucket grant conditioned on s3:prefix does ' +
      'not count (the request carries no prefix). moto answers 404 to everyone.',
  },
  {
    name: 'update-model-package-keeps-metadata',
    source:
      'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateModelPackage.html ' +
      '(CustomerMetadataProperties are added; CustomerMetadataPropertiesToRemove removes keys)',
    what:
      'UpdateModelPackage (an approval) keeps the metadata the package was registered with and adds the keys it ' +
      'names; moto replaces the whole map, so an approval would erase the training-inputs digest the training ' +
      'decision reads.',
  },
];

/**
 * Changes moto needs and AWS does not (moto-only, besides the template transforms): each works around a gap or a
 * fault of moto 5.2, never a behaviour of AWS.
 */
export const MOTO_GAPS: readonly AwsBehaviour[] = [
  {
    name: 'delete-missing-change-set',
    source: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DeleteChangeSet.html',
    what:
      'The CDK CLI deletes a leftover change set of its name before each update; CloudFormation answers success ' +
      'when there is none, moto 5.2 fails with a 500 (UnboundLocalError). The proxy answers success.',
  },
  {
    name: 'oidc-provider-from-template',
    source:
      'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-oidcprovider.html',
    what:
      "moto's CloudFormation skips AWS::IAM::OIDCProvider; the proxy creates the template's provider through IAM's " +
      'own API when the stack operation that declares it is submitted.',
  },
  {
    name: 'endpoint-name-from-template',
    source:
      'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sagemaker-endpoint.html (EndpointName)',
    what:
      "moto's CloudFormation names an endpoint after its logical id and ignores EndpointName; the proxy creates or " +
      'gives the named endpoint the stack’s endpoint config through SageMaker’s API after each stack operation (moto has no UpdateEndpoint: it creates the endpoint again).',
  },
  {
    name: 'replaced-model-new-endpoint-config',
    source:
      'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sagemaker-endpointconfig.html ' +
      '(ProductionVariants: update requires replacement)',
    what:
      "moto's UpdateStack replaces a model whose artifact changed but keeps the endpoint config on the old model " +
      '(it compares the template text, where the reference did not change); the proxy creates the new config ' +
      'CloudFormation would and moves the endpoint to it.',
  },
  {
    name: 'scalable-targets-from-template',
    source:
      'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-applicationautoscaling-scalabletarget.html',
    what:
      "moto's CloudFormation skips AWS::ApplicationAutoScaling::ScalableTarget and ScalingPolicy (and moto then " +
      'fails DescribeScalingActivities with a 500); the proxy registers them through Application Auto Scaling’s API ' +
      'after each stack operation.',
  },
  {
    name: 'change-sets-as-stack-operations',
    source:
      'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-changesets.html',
    what:
      "moto's change sets create resources but no stack outputs or exports, so a stack that imports another's value " +
      'fails; the proxy keeps change sets itself and carries one out with CreateStack or UpdateStack.',
  },
  {
    name: 'comma-delimited-list-parameters',
    source:
      'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Parameter.html ' +
      '(a CommaDelimitedList parameter is returned as the comma-separated string it was given)',
    what:
      "moto's DescribeStacks returns a CommaDelimitedList parameter as a Python list (`['a', 'b']`); the CDK CLI " +
      "then passes that text back as the bootstrap's previous value. The proxy returns AWS's `a,b`.",
  },
  {
    name: 'shadow-variants-dropped',
    source:
      'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpointConfig.html (ShadowProductionVariants), ' +
      'https://docs.aws.amazon.com/sagemaker/latest/dg/model-shadow-deployment.html',
    what:
      "moto 5.2 drops an endpoint config's ShadowProductionVariants (CreateEndpointConfig and CloudFormation alike) " +
      "and DescribeEndpointConfig never returns them; the proxy keeps each config's shadow variants (from the request, " +
      "or from the stack's template after each stack operation) and adds them to DescribeEndpointConfig's answer.",
  },
  {
    name: 're-added-resource-reused',
    source:
      'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html ' +
      '(a resource added to a stack by an update is created; one removed from the template is deleted)',
    what:
      "moto 5.2's UpdateStack deletes a removed resource but keeps its record under the logical id, so a later " +
      'update that adds the same logical id again creates nothing and names the deleted resource (the shadow model ' +
      'of a second shadow phase: the endpoint config names a model that is gone, and removing it again fails with ' +
      '"Could not find model"). CloudFormation creates the resource anew. The proxy gives a resource the stack held ' +
      'before and the current template lacks a fresh logical id (`<id>Readded<n>`, references renamed with it) and ' +
      'keeps that id while the resource stays.',
  },
  {
    name: 'apis-moto-lacks',
    source:
      'https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_ListServiceQuotas.html, ' +
      'https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html, ' +
      'https://docs.aws.amazon.com/autoscaling/application/APIReference/API_DescribeScalingActivities.html',
    what:
      'moto implements none of Service Quotas, Lambda GetAccountSettings and DescribeScalingActivities; the proxy ' +
      'answers them in their wire formats: the account quotas the rehearsal gives the account (the increases ' +
      'docs/deploy.md asks for), and no scaling activity (nothing scales in the emulator).',
  },
];

/** re-added-resource-reused (moto-only): the logical id moto holds a template's resource under. */
const READDED = 'Readded';

/**
 * re-added-resource-reused (moto-only): renames, in a template about to update a stack, each resource whose logical
 * id the stack held before (`held`) but does not hold now (`current`) to a fresh id, so that moto creates it, and
 * each resource the stack holds under such a fresh id (an earlier rename) to that id; `Ref`, `Fn::GetAtt`,
 * `Fn::Sub` and `DependsOn` follow. Returns the renames (template id → id moto holds).
 */
export function renameReAddedResources(
  template: TemplateJson,
  current: ReadonlySet<string>,
  held: ReadonlySet<string>,
): Map<string, string> {
  const renames = new Map<string, string>();
  for (const id of Object.keys(template.Resources)) {
    if (current.has(id)) continue;
    const kept = [...current].find((c) => new RegExp(`^${id}${READDED}\\d+$`).test(c));
    if (kept) renames.set(id, kept);
    else if (held.has(id)) {
      let n = 1;
      while (held.has(`${id}${READDED}${n}`) || current.has(`${id}${READDED}${n}`)) n += 1;
      renames.set(id, `${id}${READDED}${n}`);
    }
  }
  if (renames.size === 0) return renames;
  const id = (x: unknown) => (typeof x === 'string' ? (renames.get(x) ?? x) : x);
  const sub = (s: unknown) =>
    typeof s === 'string'
      ? s.replace(
          /\$\{([^}.!]+)((?:\.[^}]*)?)\}/g,
          (_m, name: string, attr: string) => `\${${String(id(name))}${attr}}`,
        )
      : walk(s);
  function walk(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, x]) => {
        if (k === 'Ref' || k === 'DependsOn') return [k, Array.isArray(x) ? x.map(id) : id(x)];
        if (k === 'Fn::GetAtt')
          return [
            k,
            Array.isArray(x)
              ? [id(x[0]), ...x.slice(1).map(walk)]
              : typeof x === 'string'
                ? x.replace(/^[^.]+/, (n) => String(id(n)))
                : walk(x),
          ];
        if (k === 'Fn::Sub') return [k, Array.isArray(x) ? [sub(x[0]), ...x.slice(1).map(walk)] : sub(x)];
        return [k, walk(x)];
      }),
    );
  }
  const t = template as unknown as Record<string, unknown>;
  t['Resources'] = Object.fromEntries(
    Object.entries(template.Resources).map(([k, r]) => [renames.get(k) ?? k, walk(r)]),
  );
  if (t['Outputs']) t['Outputs'] = walk(t['Outputs']);
  return renames;
}

/** A principal the proxy knows by its access key. */
export type Principal =
  | { readonly kind: 'admin' }
  | { readonly kind: 'role'; readonly roleName: string; readonly roleArn: string }
  | { readonly kind: 'unknown'; readonly accessKeyId: string };

export interface AttributedCall {
  readonly service: string;
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly body: string;
  readonly principal: Principal;
  readonly status: number;
}

/** What a finished training job leaves at its output path: the rehearsal decides (a good or a wrong model). */
export type TrainingOutcome = (job: { name: string; mode: string }) => Promise<Buffer>;

export interface EmulatedAccount {
  /** AWS_ENDPOINT_URL for every program. */
  readonly endpoint: string;
  /** moto itself, without the proxy: the behaviour tests compare what it answers. */
  readonly motoEndpoint: string;
  /** moto's tracebacks (what it logged for its 500 answers), for a failure's explanation. */
  motoTracebacks(): string[];
  readonly region: string;
  readonly calls: AttributedCall[];
  /** Faults of the proxy itself (its own bugs), for the test to report. */
  readonly faults: string[];
  /** Environment for a program run by the administrator. */
  adminEnv(): Record<string, string>;
  /** Registers the keys STS gave for a role (the proxy also learns them from STS answers it forwards). */
  learnKeys(accessKeyId: string, roleArn: string): void;
  /**
   * What the next training jobs leave behind, and the top-1 label the models they train answer the live traffic's
   * images with (the endpoints' stand-in answers in the model's name; a wrong model names another breed).
   */
  setTrainingOutcome(outcome: TrainingOutcome, answers?: { readonly topLabel: string }): void;
  /**
   * IAM's decision for a request of a role, evaluated by a real policy engine on what the account holds now: the
   * role's identity policies and permissions boundary (IAM), the bucket's or the key's policy (their stacks).
   */
  allowed(
    roleName: string,
    action: string,
    resource: string,
    context?: Record<string, string>,
  ): Promise<boolean>;
  /**
   * Answers for the function URL (k6 smoke, the live traffic of the shadow phase): the rehearsal's stand-in for the
   * deployed invoker, which sets each request's InferenceId to its request id (the `x-request-id` header, else new).
   */
  readonly functionUrl: string;
  stop(): Promise<void>;
}

export class RehearsalAccountError extends GhaError {}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

const xmlValue = (xml: string, tag: string): string | undefined =>
  new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];

/** A policy document from IAM's (URL-encoded) answers. */
const policyDoc = (encoded: string): unknown => {
  // AWS URL-encodes policy documents in IAM's answers; moto sends a role's CloudFormation policies as a Python dict.
  const text = encoded
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
  const json = text.trimStart().startsWith('{') ? text : decodeURIComponent(text.replace(/\+/g, ' '));
  try {
    return JSON.parse(json);
  } catch {
    return JSON.parse(
      json
        .replace(/'/g, '"')
        .replace(/\bTrue\b/g, 'true')
        .replace(/\bFalse\b/g, 'false')
        .replace(/\bNone\b/g, 'null'),
    );
  }
};

/** Starts moto and the proxy on free 127.0.0.1 ports. */
export interface EmulatedAccountOptions {
  readonly region: string;
  /** Applied quota values by service code and quota name (Service Quotas), as the account holds them. */
  readonly quotas: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Lambda's account concurrency limit (unreserved = limit, no function reserves any at first). */
  readonly lambdaConcurrency: number;
  /** The endpoints' names (the function URL's stand-in answers for the one a request names). */
  readonly endpointNames: { readonly single: string; readonly multi: string };
}

export async function startEmulatedAccount(options: EmulatedAccountOptions): Promise<EmulatedAccount> {
  const moto: MotoServer = await startMoto();
  const region = options.region;
  const calls: AttributedCall[] = [];
  const faults: string[] = [];
  const keys = new Map<string, Principal>([[ADMIN_KEYS.accessKeyId, { kind: 'admin' }]]);
  let trainingOutcome: TrainingOutcome | undefined;
  let trainingAnswers: { readonly topLabel: string } | undefined;
  /** The top-1 label each trained artifact (s3 URL) answers with, as its training outcome said. */
  const labelOfArtifact = new Map<string, string>();
  /** shadow-variants-dropped (moto-only): each endpoint config's shadow variants, as AWS would keep them. */
  const shadowsOfConfig = new Map<string, Record<string, unknown>[]>();

  /** An unsigned query-protocol call to moto as the administrator (the proxy's own reads). */
  const motoQuery = async (service: string, params: Record<string, string>): Promise<string> => {
    const res = await fetch(`${moto.endpoint}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `AWS4-HMAC-SHA256 Credential=${ADMIN_KEYS.accessKeyId}/20260101/${region}/${service}/aws4_request`,
      },
      body: new URLSearchParams(params).toString(),
    });
    return res.text();
  };
  const motoJson = async (
    service: string,
    target: string,
    body: unknown,
  ): Promise<Record<string, unknown>> => {
    const res = await fetch(`${moto.endpoint}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': target,
        authorization: `AWS4-HMAC-SHA256 Credential=${ADMIN_KEYS.accessKeyId}/20260101/${region}/${service}/aws4_request`,
      },
      body: JSON.stringify(body),
    });
    return (await res.json()) as Record<string, unknown>;
  };
  const motoS3 = (path: string, init?: RequestInit) =>
    fetch(`${moto.endpoint}${path}`, {
      ...init,
      headers: {
        ...(init?.headers as Record<string, string> | undefined),
        authorization: `AWS4-HMAC-SHA256 Credential=${ADMIN_KEYS.accessKeyId}/20260101/${region}/s3/aws4_request`,
      },
    });

  /** The role's identity policies and permissions boundary, as IAM holds them now. */
  async function rolePolicies(
    roleName: string,
  ): Promise<{ identity: unknown[]; boundary: unknown | undefined }> {
    const identity: unknown[] = [];
    const inline = await motoQuery('iam', {
      Action: 'ListRolePolicies',
      RoleName: roleName,
      Version: '2010-05-08',
    });
    for (const m of inline.matchAll(/<member>([^<]+)<\/member>/g)) {
      const doc = await motoQuery('iam', {
        Action: 'GetRolePolicy',
        RoleName: roleName,
        PolicyName: m[1] ?? '',
        Version: '2010-05-08',
      });
      identity.push(policyDoc(xmlValue(doc, 'PolicyDocument') ?? '%7B%7D'));
    }
    const managed = async (arn: string): Promise<unknown> => {
      const p = await motoQuery('iam', { Action: 'GetPolicy', PolicyArn: arn, Version: '2010-05-08' });
      const version = xmlValue(p, 'DefaultVersionId') ?? 'v1';
      const v = await motoQuery('iam', {
        Action: 'GetPolicyVersion',
        PolicyArn: arn,
        VersionId: version,
        Version: '2010-05-08',
      });
      return policyDoc(xmlValue(v, 'Document') ?? '%7B%7D');
    };
    const attached = await motoQuery('iam', {
      Action: 'ListAttachedRolePolicies',
      RoleName: roleName,
      Version: '2010-05-08',
    });
    for (const m of attached.matchAll(/<PolicyArn>([^<]+)<\/PolicyArn>/g))
      identity.push(await managed(m[1] ?? ''));
    const role = await motoQuery('iam', { Action: 'GetRole', RoleName: roleName, Version: '2010-05-08' });
    const boundaryArn = /<PermissionsBoundary>[\s\S]*?<PermissionsBoundaryArn>([^<]+)</.exec(role)?.[1];
    return { identity, boundary: boundaryArn ? await managed(boundaryArn) : undefined };
  }

  /**
   * A bucket's or a key's resource policy as CloudFormation would have put it (moto's CloudFormation skips
   * AWS::S3::BucketPolicy): the stack template's policy for that resource, its references resolved to the stack's
   * physical resources.
   */
  async function resourcePolicy(
    kind: 'AWS::S3::Bucket' | 'AWS::KMS::Key',
    physicalId: string,
  ): Promise<unknown | undefined> {
    const stacks = await motoQuery('cloudformation', { Action: 'DescribeStacks' });
    for (const m of stacks.matchAll(/<StackName>([^<]+)<\/StackName>/g)) {
      const name = m[1] ?? '';
      const resources = await motoQuery('cloudformation', {
        Action: 'DescribeStackResources',
        StackName: name,
      });
      const physical = new Map<string, { id: string; type: string }>();
      for (const r of resources.matchAll(/<member>([\s\S]*?)<\/member>/g)) {
        const body = r[1] ?? '';
        const logical = xmlValue(body, 'LogicalResourceId');
        if (logical)
          physical.set(logical, {
            id: xmlValue(body, 'PhysicalResourceId') ?? '',
            type: xmlValue(body, 'ResourceType') ?? '',
          });
      }
      const held = [...physical.entries()].find(
        ([, p]) => p.type === kind && (p.id === physicalId || p.id.endsWith(`/${physicalId}`)),
      );
      if (!held) continue;
      const tpl = await motoQuery('cloudformation', { Action: 'GetTemplate', StackName: name });
      const body = xmlValue(tpl, 'TemplateBody') ?? '{}';
      const template = JSON.parse(
        body
          .replace(/&quot;/g, '"')
          .replace(/&amp;/g, '&')
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>'),
      ) as TemplateJson;
      const resolve = (v: unknown): unknown => {
        if (Array.isArray(v)) return v.map(resolve);
        if (v === null || typeof v !== 'object') return v;
        const o = v as Record<string, unknown>;
        if ('Ref' in o) {
          const ref = String(o['Ref']);
          if (ref === 'AWS::AccountId') return ACCOUNT;
          if (ref === 'AWS::Region') return region;
          if (ref === 'AWS::Partition') return 'aws';
          return physical.get(ref)?.id ?? `unresolved:${ref}`;
        }
        if ('Fn::GetAtt' in o) {
          const [id = '', attr] = o['Fn::GetAtt'] as [string, string];
          const p = physical.get(id);
          if (p?.type === 'AWS::S3::Bucket' && attr === 'Arn') return `arn:aws:s3:::${p.id}`;
          if (p?.type === 'AWS::KMS::Key' && attr === 'Arn')
            return p.id.startsWith('arn:') ? p.id : `arn:aws:kms:${region}:${ACCOUNT}:key/${p.id}`;
          if (p?.type === 'AWS::IAM::Role' && attr === 'Arn') return `arn:aws:iam::${ACCOUNT}:role/${p.id}`;
          return `unresolved:${id}.${attr}`;
        }
        if ('Fn::Join' in o) {
          const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
          return parts.map((p) => String(resolve(p))).join(sep);
        }
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, resolve(x)]));
      };
      if (kind === 'AWS::KMS::Key') return resolve(template.Resources[held[0]]?.Properties?.['KeyPolicy']);
      const policy = Object.values(template.Resources).find(
        (r) => r.Type === 'AWS::S3::BucketPolicy' && resolve(r.Properties?.['Bucket']) === physicalId,
      );
      return policy ? resolve(policy.Properties?.['PolicyDocument']) : undefined;
    }
    return undefined;
  }

  /** IAM's decision for a role's request, with the role's policies, boundary and the bucket's policy. */
  async function allowed(
    roleName: string,
    action: string,
    resource: string,
    context: Record<string, string>,
  ): Promise<boolean> {
    const { identity, boundary } = await rolePolicies(roleName);
    const bucket = /^arn:aws:s3:::([^/]+)/.exec(resource)?.[1];
    const key = /^arn:aws:kms:[^:]+:\d+:key\/(.+)$/.exec(resource)?.[1];
    const policyOfResource = bucket
      ? await resourcePolicy('AWS::S3::Bucket', bucket)
      : key
        ? await resourcePolicy('AWS::KMS::Key', key)
        : undefined;
    const result = await runSimulation(
      {
        request: {
          principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/rehearsal`,
          action,
          resource: { resource, accountId: ACCOUNT },
          contextVariables: { 'aws:SecureTransport': 'true', 'aws:RequestedRegion': region, ...context },
        },
        identityPolicies: identity.map((policy, i) => ({
          name: `${roleName}-${i}`,
          policy: policy as never,
        })),
        permissionBoundaryPolicies: boundary ? [{ name: 'boundary', policy: boundary as never }] : undefined,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(policyOfResource ? { resourcePolicy: policyOfResource as never } : {}),
      },
      {},
    );
    if (result.resultType === 'error')
      throw new RehearsalAccountError(`IAM simulation rejected its input: ${JSON.stringify(result.errors)}`);
    return result.overallResult === 'Allowed';
  }

  /** CloudFormation stack operations: the template as moto needs it (its transforms, the OIDC provider it skips). */
  /** re-added-resource-reused (moto-only): each stack's logical ids, all it has held. */
  const heldIds = new Map<string, Set<string>>();
  /** The template moto holds for a stack (undefined when there is none). */
  async function stackTemplate(stackName: string): Promise<TemplateJson | undefined> {
    if (!stackName) return undefined;
    const xml = await motoQuery('cloudformation', { Action: 'GetTemplate', StackName: stackName });
    const body = xmlValue(xml, 'TemplateBody');
    if (!body) return undefined;
    try {
      return parseYaml(
        body
          .replace(/&quot;/g, '"')
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&amp;/g, '&'),
      ) as TemplateJson;
    } catch {
      return undefined;
    }
  }

  async function rewriteStackOperation(
    form: URLSearchParams,
  ): Promise<{ error?: string; form: URLSearchParams }> {
    let text = form.get('TemplateBody') ?? undefined;
    const url = form.get('TemplateURL');
    if (!text && url) {
      const u = new URL(url);
      const path =
        u.hostname.startsWith('s3') || u.hostname === '127.0.0.1' || u.hostname === 'localhost'
          ? u.pathname
          : `/${u.hostname.split('.')[0] ?? ''}${u.pathname}`;
      const res = await motoS3(path);
      if (!res.ok) return { form, error: `template ${url} not found (${res.status})` };
      text = await res.text();
    }
    if (!text) return { form };
    // The CDK CLI sends a template inline as YAML (the administrator's stacks) or by URL as JSON (assets).
    // CloudFormation's short-form tags (`!Ref`) appear only in CDK's own bootstrap template, which needs nothing.
    const template = /^\s*[^#\n]*!(Ref|Sub|GetAtt|If|Join|Equals|Not|Select|Split)\b/m.test(text)
      ? undefined
      : (parseYaml(text) as TemplateJson | undefined);
    if (!template?.Resources) {
      // moto finds a template URL only in S3's AWS form (`s3.amazonaws.com/BUCKET/KEY`), not a local endpoint's.
      const out = new URLSearchParams(form);
      if (url) out.set('TemplateURL', `https://s3.amazonaws.com${new URL(url).pathname}`);
      return { form: out };
    }
    for (const r of Object.values(template.Resources).filter((x) => x.Type === 'AWS::IAM::OIDCProvider')) {
      const p = r.Properties ?? {};
      const params: Record<string, string> = {
        Action: 'CreateOpenIDConnectProvider',
        Version: '2010-05-08',
        Url: String(p['Url']),
      };
      ((p['ClientIdList'] ?? []) as string[]).forEach((c, i) => (params[`ClientIDList.member.${i + 1}`] = c));
      ((p['ThumbprintList'] ?? []) as string[]).forEach(
        (c, i) => (params[`ThumbprintList.member.${i + 1}`] = c),
      );
      await motoQuery('iam', params); // an existing provider answers EntityAlreadyExists: kept as it is
    }
    for (const t of MOTO_TRANSFORMS) t.apply(template);
    // re-added-resource-reused (moto-only): the logical ids the stack holds now, and every one it held before.
    const stackName = form.get('StackName') ?? '';
    const current = new Set(Object.keys((await stackTemplate(stackName))?.Resources ?? {}));
    const held = heldIds.get(stackName) ?? new Set<string>();
    for (const c of current) held.add(c);
    heldIds.set(stackName, held);
    renameReAddedResources(template, current, held);
    const out = new URLSearchParams(form);
    out.delete('TemplateURL');
    out.set('TemplateBody', JSON.stringify(template));
    return { form: out };
  }

  /**
   * change-sets-as-stack-operations (moto-only): moto's change sets create resources but no stack outputs and no
   * exports, so a stack that imports another's value fails. The proxy keeps the change sets itself and carries one
   * out with CreateStack (when it is created: the stack exists from then on, where AWS holds it in
   * REVIEW_IN_PROGRESS) or UpdateStack (when it is executed), the calls moto implements fully.
   */
  /** Stack ids handed out for a change set → the id of the stack created when it was executed. */
  const stackAliases = new Map<string, string>();
  const changeSets = new Map<
    string,
    {
      id: string;
      name: string;
      stackName: string;
      stackId: string;
      type: string;
      form: URLSearchParams;
      changed: boolean;
    }
  >();
  const ns = 'xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"';
  const cfnError = (code: string, raw: string) => {
    const message = raw.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    return {
      status: 400,
      body: `<ErrorResponse ${ns}><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error></ErrorResponse>`,
    };
  };
  const stackOperation = (action: 'CreateStack' | 'UpdateStack', form: URLSearchParams): URLSearchParams => {
    const out = new URLSearchParams({ Action: action, Version: '2010-05-15' });
    for (const [k, v] of form)
      if (
        /^(StackName|TemplateBody|TemplateURL|RoleARN|Parameters\.|Capabilities\.|Tags\.|NotificationARNs\.)/.test(
          k,
        )
      )
        out.append(k, v);
    return out;
  };
  /**
   * UsePreviousValue made explicit: moto's UpdateStack fails (KeyError) on a parameter it did not store, and it
   * returns an SSM-typed parameter (CDK's `BootstrapVersion`) resolved, where AWS returns the parameter's name; such
   * a parameter, and one with no stored value, keeps the template's default (the same name, for CDK's).
   */
  async function withPreviousValues(form: URLSearchParams, stackName: string): Promise<URLSearchParams> {
    const xml = await motoQuery('cloudformation', { Action: 'DescribeStacks', StackName: stackName });
    const current = new Map(
      [
        ...xml.matchAll(/<ParameterKey>([^<]*)<\/ParameterKey>\s*<ParameterValue>([^<]*)<\/ParameterValue>/g),
      ].map((m) => [m[1] ?? '', m[2] ?? '']),
    );
    const out = new URLSearchParams();
    const members = new Map<string, Record<string, string>>();
    for (const [k, v] of form) {
      const m = /^Parameters\.member\.(\d+)\.(\w+)$/.exec(k);
      if (!m) out.append(k, v);
      else members.set(m[1] ?? '', { ...members.get(m[1] ?? ''), [m[2] ?? '']: v });
    }
    let declared: Record<string, { Type?: string }> = {};
    try {
      declared =
        (parseYaml(form.get('TemplateBody') ?? '{}') as { Parameters?: Record<string, { Type?: string }> })
          .Parameters ?? {};
    } catch {
      // no template body to read types from: every previous value is kept
    }
    let n = 0;
    for (const p of members.values()) {
      const key = p['ParameterKey'] ?? '';
      const ssmTyped = declared[key]?.Type?.startsWith('AWS::SSM::Parameter::Value') ?? false;
      const value =
        p['UsePreviousValue'] === 'true' ? (ssmTyped ? undefined : current.get(key)) : p['ParameterValue'];
      if (value === undefined) continue;
      n += 1;
      out.append(`Parameters.member.${n}.ParameterKey`, key);
      out.append(`Parameters.member.${n}.ParameterValue`, value);
    }
    return out;
  }

  const describeStack = async (name: string) => {
    const xml = await motoQuery('cloudformation', { Action: 'DescribeStacks', StackName: name });
    return { id: xmlValue(xml, 'StackId'), status: xmlValue(xml, 'StackStatus') };
  };
  /** The model data URL of a SageMaker model. */
  async function modelDataUrl(modelName: unknown): Promise<string> {
    const model = await motoJson('sagemaker', 'SageMaker.DescribeModel', { ModelName: modelName });
    return String((model['PrimaryContainer'] as { ModelDataUrl?: string } | undefined)?.ModelDataUrl ?? '');
  }
  /** A valid answer of the model server (the wire schema) for the artifact at `url`. */
  const answerOf = (url: string): PredictionResponse =>
    PredictionResponseSchema.parse({
      predictions: [{ label: labelOfArtifact.get(url) ?? 'beagle', index: 0, probability: 0.9 }],
      modelVersion: trainingJobOfArtifact(url) ?? url,
      timingsMs: { decode: 1, preprocess: 1, inference: 1, total: 3 },
    });

  /**
   * The endpoint's answer (undefined when the endpoint does not exist). While its config runs a shadow variant, the
   * request is also answered by the shadow (sampled by its weight relative to the production variant's 1), and
   * SageMaker's data capture records both variants' sides of it under `<destination>/<endpoint>/<variant>/...` with
   * the request's InferenceId, as the verdict reads them (captured only while a shadow runs: the verdict is the
   * rehearsal's one reader of live captures).
   */
  async function standInPrediction(
    endpointName: string,
    request: { readonly inferenceId?: string; readonly body?: Buffer; readonly contentType?: string } = {},
  ): Promise<PredictionResponse | undefined> {
    const endpoint = await motoJson('sagemaker', 'SageMaker.DescribeEndpoint', {
      EndpointName: endpointName,
    });
    if (typeof endpoint['EndpointName'] !== 'string') return undefined;
    const configName = String(endpoint['EndpointConfigName']);
    const config = await motoJson('sagemaker', 'SageMaker.DescribeEndpointConfig', {
      EndpointConfigName: configName,
    });
    const variants = (config['ProductionVariants'] ?? []) as { VariantName?: string; ModelName?: string }[];
    const answer = answerOf(await modelDataUrl(variants[0]?.ModelName));
    const shadow = shadowsOfConfig.get(configName)?.[0];
    const capture = config['DataCaptureConfig'] as
      { EnableCapture?: boolean; DestinationS3Uri?: string } | undefined;
    const destination = /^s3:\/\/([^/]+)\/?(.*)$/.exec(capture?.DestinationS3Uri ?? '');
    if (shadow && capture?.EnableCapture && destination) {
      const [, bucket = '', prefix = ''] = destination;
      const at = new Date();
      const inferenceId = request.inferenceId ?? randomUUID();
      const input = request.body && request.body.length > 0 ? request.body : Buffer.from('{}');
      const write = async (variant: string, output: PredictionResponse) => {
        const record: DataCaptureRecord = {
          captureData: {
            endpointInput: {
              observedContentType: request.contentType ?? 'application/octet-stream',
              mode: 'INPUT',
              data: input.toString('base64'),
              encoding: 'BASE64',
            },
            endpointOutput: {
              observedContentType: 'application/json',
              mode: 'OUTPUT',
              data: Buffer.from(JSON.stringify(output)).toString('base64'),
              encoding: 'BASE64',
            },
          },
          eventMetadata: { eventId: randomUUID(), inferenceTime: at.toISOString(), inferenceId },
          eventVersion: '0',
        };
        const folder = dataCaptureFolder(endpointName, variant, at);
        const key = `${prefix.replace(/\/$/, '')}/${folder}/${randomUUID()}.jsonl`.replace(/^\//, '');
        await motoS3(`/${bucket}/${key}`, { method: 'PUT', body: `${JSON.stringify(record)}\n` });
      };
      await write(String(variants[0]?.VariantName ?? ''), answer);
      if (Math.random() < Number(shadow['InitialVariantWeight'] ?? 1))
        await write(String(shadow['VariantName']), answerOf(await modelDataUrl(shadow['ModelName'])));
    }
    return answer;
  }

  /**
   * endpoint-name-from-template (moto-only): moto's CloudFormation names an AWS::SageMaker::Endpoint after its
   * logical id and ignores `EndpointName`, so nothing finds `dogbreed-single-instance`. After each stack operation
   * the proxy gives every named endpoint of the template the endpoint config the stack now holds, through
   * SageMaker's own API (CreateEndpoint, or UpdateEndpoint when the config changed), as CloudFormation would.
   */
  let replacements = 0;
  async function nameEndpoints(stackName: string, templateText: string): Promise<void> {
    let template: TemplateJson | undefined;
    try {
      template = parseYaml(templateText) as TemplateJson;
    } catch {
      return;
    }
    const endpoints = Object.values(template?.Resources ?? {}).filter(
      (r) => r.Type === 'AWS::SageMaker::Endpoint' && typeof r.Properties?.['EndpointName'] === 'string',
    );
    if (endpoints.length === 0) return;
    const resources = await motoQuery('cloudformation', {
      Action: 'DescribeStackResources',
      StackName: stackName,
    });
    const physical = new Map<string, string>();
    for (const m of resources.matchAll(/<member>([\s\S]*?)<\/member>/g)) {
      const logical = xmlValue(m[1] ?? '', 'LogicalResourceId');
      if (logical) physical.set(logical, xmlValue(m[1] ?? '', 'PhysicalResourceId') ?? '');
    }
    // scalable-targets-from-template (moto-only): the endpoints' targets and their target-tracking policies.
    const resolve = (v: unknown): string => {
      if (typeof v === 'string' || typeof v === 'number') return String(v);
      const o = (v ?? {}) as Record<string, unknown>;
      if (Array.isArray(o['Fn::Join'])) {
        const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
        return parts.map(resolve).join(sep);
      }
      const [id = '', attr] = (o['Fn::GetAtt'] ?? []) as [string, string];
      if (attr === 'EndpointName') return String(template?.Resources[id]?.Properties?.['EndpointName'] ?? '');
      return physical.get(String(o['Ref'] ?? id)) ?? '';
    };
    const targets = Object.entries(template?.Resources ?? {}).filter(
      ([, r]) => r.Type === 'AWS::ApplicationAutoScaling::ScalableTarget',
    );
    for (const [id, t] of targets) {
      const p = t.Properties ?? {};
      const target = {
        ServiceNamespace: p['ServiceNamespace'],
        ResourceId: resolve(p['ResourceId']),
        ScalableDimension: p['ScalableDimension'],
      };
      await motoJson('application-autoscaling', 'AnyScaleFrontendService.RegisterScalableTarget', {
        ...target,
        MinCapacity: p['MinCapacity'],
        MaxCapacity: p['MaxCapacity'],
      });
      for (const policy of Object.values(template?.Resources ?? {}).filter(
        (r) =>
          r.Type === 'AWS::ApplicationAutoScaling::ScalingPolicy' &&
          (r.Properties?.['ScalingTargetId'] as { Ref?: string } | undefined)?.Ref === id,
      ))
        await motoJson('application-autoscaling', 'AnyScaleFrontendService.PutScalingPolicy', {
          ...target,
          PolicyName: policy.Properties?.['PolicyName'],
          PolicyType: policy.Properties?.['PolicyType'],
          TargetTrackingScalingPolicyConfiguration:
            policy.Properties?.['TargetTrackingScalingPolicyConfiguration'],
        });
    }
    /** The logical id a `Ref` or `Fn::GetAtt` names. */
    const resolveId = (v: unknown): string => {
      const o = (v ?? {}) as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
      return o.Ref ?? o['Fn::GetAtt']?.[0] ?? '';
    };
    for (const e of endpoints) {
      const name = String(e.Properties?.['EndpointName']);
      const ref = e.Properties?.['EndpointConfigName'] as { 'Fn::GetAtt'?: [string, string]; Ref?: string };
      const configId = ref['Fn::GetAtt']?.[0] ?? ref.Ref ?? '';
      const physicalConfig = physical.get(configId) ?? '';
      // moto's physical id of an endpoint config is its ARN; the API wants the name.
      let config = physicalConfig.split('/').pop() ?? physicalConfig;
      // replaced-model-new-endpoint-config (moto-only): when an update replaced the model, CloudFormation replaces
      // the endpoint config that names it (a new config on the new model); moto keeps the config on the old model.
      const variants = (template?.Resources[configId]?.Properties?.['ProductionVariants'] ?? []) as {
        ModelName?: unknown;
      }[];
      const wanted = variants.map((v) => (physical.get(resolveId(v.ModelName)) ?? '').split('/').pop() ?? '');
      const stored = await motoJson('sagemaker', 'SageMaker.DescribeEndpointConfig', {
        EndpointConfigName: config,
      });
      const storedVariants = (stored['ProductionVariants'] ?? []) as Record<string, unknown>[];
      if (storedVariants.some((v, i) => wanted[i] && v['ModelName'] !== wanted[i])) {
        replacements += 1;
        const replacement = `${config}-r${replacements}`;
        await motoJson('sagemaker', 'SageMaker.CreateEndpointConfig', {
          EndpointConfigName: replacement,
          ProductionVariants: storedVariants.map((v, i) => ({
            VariantName: v['VariantName'],
            ModelName: wanted[i] || v['ModelName'],
            InitialInstanceCount: v['InitialInstanceCount'],
            InstanceType: v['InstanceType'],
            InitialVariantWeight: v['InitialVariantWeight'],
          })),
        });
        config = replacement;
      }
      // shadow-variants-dropped (moto-only): the config's shadow variants as the template declares them.
      const shadows = (template?.Resources[configId]?.Properties?.['ShadowProductionVariants'] ??
        []) as Record<string, unknown>[];
      if (shadows.length === 0) shadowsOfConfig.delete(config);
      else
        shadowsOfConfig.set(
          config,
          shadows.map((v) => ({
            ...v,
            ModelName: (physical.get(resolveId(v['ModelName'])) ?? '').split('/').pop() ?? '',
          })),
        );
      const current = await motoJson('sagemaker', 'SageMaker.DescribeEndpoint', { EndpointName: name });
      if (typeof current['EndpointName'] !== 'string')
        await motoJson('sagemaker', 'SageMaker.CreateEndpoint', {
          EndpointName: name,
          EndpointConfigName: config,
        });
      else if (current['EndpointConfigName'] !== config) {
        // moto implements no UpdateEndpoint: the endpoint is created again on the new config (same name).
        await motoJson('sagemaker', 'SageMaker.DeleteEndpoint', { EndpointName: name });
        await motoJson('sagemaker', 'SageMaker.CreateEndpoint', {
          EndpointName: name,
          EndpointConfigName: config,
        });
      }
    }
  }

  async function createChangeSet(form: URLSearchParams): Promise<{ status: number; body: string }> {
    const stackName = form.get('StackName') ?? '';
    const name = form.get('ChangeSetName') ?? '';
    const type = form.get('ChangeSetType') ?? 'UPDATE';
    let stackId = (await describeStack(stackName)).id;
    let changed = true;
    if (type === 'CREATE') {
      // moto holds the new stack in REVIEW_IN_PROGRESS, as AWS does, until the change set is executed (`cdk diff`
      // creates one and deletes it again).
      const created = await motoQuery('cloudformation', Object.fromEntries(form));
      stackId = xmlValue(created, 'StackId');
      if (!stackId)
        return cfnError('ValidationError', xmlValue(created, 'Message') ?? 'CreateChangeSet failed');
    } else {
      if (!stackId) return cfnError('ValidationError', `Stack [${stackName}] does not exist`);
      const current = await motoQuery('cloudformation', { Action: 'GetTemplate', StackName: stackName });
      const body = xmlValue(current, 'TemplateBody') ?? '';
      const unescape = (t: string) =>
        t
          .replace(/&quot;/g, '"')
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&amp;/g, '&');
      const same = (a: string, b: string) => {
        try {
          return JSON.stringify(parseYaml(a)) === JSON.stringify(parseYaml(b));
        } catch {
          return false;
        }
      };
      // A parameter given a value (not UsePreviousValue) that differs from the stack's is a change too.
      const stackXml = await motoQuery('cloudformation', { Action: 'DescribeStacks', StackName: stackName });
      const currentParams = new Map(
        [
          ...stackXml.matchAll(
            /<ParameterKey>([^<]*)<\/ParameterKey>\s*<ParameterValue>([^<]*)<\/ParameterValue>/g,
          ),
        ].map((m) => [m[1] ?? '', m[2] ?? '']),
      );
      const given = [...form].filter(([k]) => /^Parameters\.member\.\d+\.ParameterValue$/.test(k));
      const paramChanged = given.some(([k, v]) => {
        const keyName = form.get(k.replace(/ParameterValue$/, 'ParameterKey')) ?? '';
        return currentParams.get(keyName) !== v;
      });
      changed = paramChanged || !same(unescape(body), form.get('TemplateBody') ?? '');
    }
    const id = `arn:aws:cloudformation:${region}:${ACCOUNT}:changeSet/${name}/${randomUUID()}`;
    changeSets.set(id, { id, name, stackName, stackId: stackId ?? '', type, form, changed });
    return {
      status: 200,
      body: `<CreateChangeSetResponse ${ns}><CreateChangeSetResult><Id>${id}</Id><StackId>${stackId}</StackId></CreateChangeSetResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></CreateChangeSetResponse>`,
    };
  }
  async function changeSetCall(
    operation: string,
    form: URLSearchParams,
  ): Promise<{ status: number; body: string } | undefined> {
    const key = form.get('ChangeSetName') ?? '';
    const stack = form.get('StackName') ?? '';
    const cs =
      changeSets.get(key) ??
      [...changeSets.values()].find(
        (c) => c.name === key && (stack === '' || c.stackName === stack || c.stackId === stack),
      );
    const meta = `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>`;
    if (operation === 'DeleteChangeSet') {
      if (cs) changeSets.delete(cs.id);
      // CloudFormation answers success for a name it does not hold (the CDK CLI deletes a leftover one first).
      return {
        status: 200,
        body: `<DeleteChangeSetResponse ${ns}><DeleteChangeSetResult/>${meta}</DeleteChangeSetResponse>`,
      };
    }
    if (!cs) return cfnError('ChangeSetNotFound', `ChangeSet [${key}] does not exist`);
    if (operation === 'DescribeChangeSet') {
      const status = cs.changed
        ? '<Status>CREATE_COMPLETE</Status><ExecutionStatus>AVAILABLE</ExecutionStatus>'
        : "<Status>FAILED</Status><ExecutionStatus>UNAVAILABLE</ExecutionStatus><StatusReason>The submitted information didn't contain changes. Submit different information to create a change set.</StatusReason>";
      const changes = cs.changed
        ? '<Changes><member><Type>Resource</Type><ResourceChange><Action>Modify</Action><LogicalResourceId>Stack</LogicalResourceId><ResourceType>AWS::CloudFormation::Stack</ResourceType></ResourceChange></member></Changes>'
        : '<Changes/>';
      return {
        status: 200,
        body: `<DescribeChangeSetResponse ${ns}><DescribeChangeSetResult><ChangeSetName>${cs.name}</ChangeSetName><ChangeSetId>${cs.id}</ChangeSetId><StackId>${cs.stackId}</StackId><StackName>${cs.stackName}</StackName>${status}${changes}</DescribeChangeSetResult>${meta}</DescribeChangeSetResponse>`,
      };
    }
    // ExecuteChangeSet
    changeSets.delete(cs.id);
    if (cs.type === 'CREATE') {
      // The review stack makes way for the same stack created in one go; later calls naming the old id reach it.
      await motoQuery('cloudformation', { Action: 'DeleteStack', StackName: cs.stackId });
      const created = await motoQuery(
        'cloudformation',
        Object.fromEntries(stackOperation('CreateStack', cs.form)),
      );
      const id = xmlValue(created, 'StackId');
      if (!id)
        return cfnError(
          'ValidationError',
          xmlValue(created, 'Message') ?? `CreateStack failed: ${created.slice(0, 500)}`,
        );
      stackAliases.set(cs.stackId, id);
    } else {
      const updated = await motoQuery(
        'cloudformation',
        Object.fromEntries(await withPreviousValues(stackOperation('UpdateStack', cs.form), cs.stackName)),
      );
      if (!xmlValue(updated, 'StackId'))
        return cfnError(
          'ValidationError',
          xmlValue(updated, 'Message') ?? `UpdateStack failed: ${updated.slice(0, 500)}`,
        );
    }
    await nameEndpoints(cs.stackName, cs.form.get('TemplateBody') ?? '');
    return {
      status: 200,
      body: `<ExecuteChangeSetResponse ${ns}><ExecuteChangeSetResult/>${meta}</ExecuteChangeSetResponse>`,
    };
  }

  const reply = (
    res: import('node:http').ServerResponse,
    status: number,
    body: string,
    type = 'text/xml',
  ) => {
    res.writeHead(status, { 'content-type': type });
    res.end(body);
  };

  const functionUrlPath = '/function-url/';
  const server: Server = createServer((req, res) => {
    void (async () => {
      let raw = await readBody(req);
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]),
      );
      const url = req.url ?? '/';
      const u = new URL(url, 'http://proxy');
      const method = req.method ?? 'GET';
      const text = raw.toString('utf8');
      const { service, operation } = classifyAwsRequest(method, url, headers, text);
      const key = /Credential=([^/]+)\//.exec(headers['authorization'] ?? '')?.[1] ?? '';
      const principal: Principal = keys.get(key) ?? { kind: 'unknown', accessKeyId: key };
      const record = (status: number) =>
        calls.push({
          service,
          operation,
          method,
          path: u.pathname,
          query: u.search,
          body: text.slice(0, 1 << 20),
          principal,
          status,
        });

      // The model server behind an endpoint (moto runs no container): answers when the endpoint exists, as AWS
      // answers only for an endpoint that is there, naming the artifact the endpoint serves as the model version.
      const invocation = /^\/endpoints\/([^/]+)\/invocations$/.exec(u.pathname);
      if (invocation && method === 'POST') {
        const answer = await standInPrediction(invocation[1] ?? '', {
          inferenceId: headers['x-amzn-sagemaker-inference-id'] || undefined,
          body: raw,
          contentType: headers['content-type'],
        });
        record(answer ? 200 : 400);
        return answer
          ? reply(res, 200, JSON.stringify(answer), 'application/json')
          : reply(
              res,
              400,
              JSON.stringify({ message: `Endpoint ${invocation[1]} of account ${ACCOUNT} not found.` }),
              'application/json',
            );
      }
      if (u.pathname.startsWith(functionUrlPath)) {
        // The invoker calls the endpoint the request names (single by default).
        const answer = await standInPrediction(
          /endpoint=multi/.test(u.search + text) ? options.endpointNames.multi : options.endpointNames.single,
          {
            inferenceId: headers['x-request-id'] || randomUUID(),
            body: raw,
            contentType: headers['content-type'],
          },
        );
        record(answer ? 200 : 502);
        return reply(
          res,
          answer ? 200 : 502,
          JSON.stringify(answer ?? { message: 'endpoint not found' }),
          'application/json',
        );
      }
      if (service === 'cloudformation') {
        const form = new URLSearchParams(text);
        const alias = stackAliases.get(form.get('StackName') ?? '');
        if (alias) {
          form.set('StackName', alias);
          raw = Buffer.from(form.toString());
        }
      }
      const target = headers['x-amz-target'] ?? '';
      if (target.startsWith('ServiceQuotasV20190624.')) {
        const { ServiceCode = '' } = JSON.parse(text || '{}') as { ServiceCode?: string };
        const applied = operation === 'ListServiceQuotas' ? (options.quotas[ServiceCode] ?? {}) : {};
        record(200);
        return reply(
          res,
          200,
          JSON.stringify({
            Quotas: Object.entries(applied).map(([QuotaName, Value], i) => ({
              ServiceCode,
              ServiceName: ServiceCode,
              QuotaCode: `L-REHEARSAL${i}`,
              QuotaArn: `arn:aws:servicequotas:${region}:${ACCOUNT}:${ServiceCode}/L-REHEARSAL${i}`,
              QuotaName,
              Value,
              Unit: 'None',
              Adjustable: true,
              GlobalQuota: false,
            })),
          }),
          'application/x-amz-json-1.1',
        );
      }
      if (target === 'AnyScaleFrontendService.DescribeScalingActivities') {
        // Nothing scales in the emulator: no activity, as AWS answers for a target that never scaled.
        record(200);
        return reply(res, 200, JSON.stringify({ ScalingActivities: [] }), 'application/x-amz-json-1.1');
      }
      if (service === 'lambda' && method === 'GET' && u.pathname === '/2016-08-19/account-settings') {
        record(200);
        return reply(
          res,
          200,
          JSON.stringify({
            AccountLimit: {
              ConcurrentExecutions: options.lambdaConcurrency,
              UnreservedConcurrentExecutions: options.lambdaConcurrency,
            },
            AccountUsage: { FunctionCount: 0, TotalCodeSize: 0 },
          }),
          'application/json',
        );
      }
      // update-model-package-keeps-metadata: the request carries the merged map moto then stores.
      if (service === 'sagemaker' && operation === 'UpdateModelPackage') {
        const request = JSON.parse(text) as {
          ModelPackageArn: string;
          CustomerMetadataProperties?: Record<string, string>;
          CustomerMetadataPropertiesToRemove?: string[];
        };
        const current = await motoJson('sagemaker', 'SageMaker.DescribeModelPackage', {
          ModelPackageName: request.ModelPackageArn,
        });
        const removed = new Set(request.CustomerMetadataPropertiesToRemove ?? []);
        const merged = Object.fromEntries(
          Object.entries({
            ...((current['CustomerMetadataProperties'] ?? {}) as Record<string, string>),
            ...request.CustomerMetadataProperties,
          }).filter(([k]) => !removed.has(k)),
        );
        raw = Buffer.from(JSON.stringify({ ...request, CustomerMetadataProperties: merged }));
      }
      // shadow-variants-dropped (moto-only): keep what moto drops.
      if (service === 'sagemaker' && operation === 'CreateEndpointConfig') {
        const request = JSON.parse(text) as {
          EndpointConfigName: string;
          ShadowProductionVariants?: Record<string, unknown>[];
        };
        if (request.ShadowProductionVariants?.length)
          shadowsOfConfig.set(request.EndpointConfigName, request.ShadowProductionVariants);
      }
      if (
        service === 'cloudformation' &&
        ['CreateChangeSet', 'CreateStack', 'UpdateStack'].includes(operation)
      ) {
        const rewritten = await rewriteStackOperation(new URLSearchParams(raw.toString('utf8')));
        if (rewritten.error) {
          record(400);
          return reply(
            res,
            400,
            `<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>${rewritten.error}</Message></Error></ErrorResponse>`,
          );
        }
        raw = Buffer.from(rewritten.form.toString());
        if (operation === 'CreateChangeSet') {
          const answer = await createChangeSet(rewritten.form);
          record(answer.status);
          return reply(res, answer.status, answer.body);
        }
      }
      if (
        service === 'cloudformation' &&
        ['DescribeChangeSet', 'ExecuteChangeSet', 'DeleteChangeSet'].includes(operation)
      ) {
        const answer = await changeSetCall(operation, new URLSearchParams(raw.toString('utf8')));
        if (answer) {
          record(answer.status);
          return reply(res, answer.status, answer.body);
        }
      }

      const forwarded = await fetch(`${moto.endpoint}${url}`, {
        method,
        headers: Object.fromEntries(
          Object.entries(headers).filter(
            ([k]) => !['host', 'connection', 'content-length', 'transfer-encoding', 'expect'].includes(k),
          ),
        ),
        body: ['GET', 'HEAD'].includes(method) ? undefined : raw,
        redirect: 'manual',
      });
      let status = forwarded.status;
      let out = Buffer.from(await forwarded.arrayBuffer());
      // comma-delimited-list-parameters (moto-only)
      if (service === 'cloudformation' && operation === 'DescribeStacks' && status === 200)
        out = Buffer.from(
          out
            .toString('utf8')
            .replace(
              /<ParameterValue>\[([^\]<]*)\]<\/ParameterValue>/g,
              (_m, items: string) =>
                `<ParameterValue>${[...items.matchAll(/'([^']*)'/g)].map((x) => x[1]).join(',')}</ParameterValue>`,
            ),
        );
      if (service === 'sagemaker' && operation === 'DescribeEndpointConfig' && status === 200) {
        const answer = JSON.parse(out.toString('utf8')) as Record<string, unknown>;
        const shadows = shadowsOfConfig.get(String(answer['EndpointConfigName']));
        if (shadows) out = Buffer.from(JSON.stringify({ ...answer, ShadowProductionVariants: shadows }));
      }
      // delete-missing-change-set (moto-only)
      if (service === 'cloudformation' && operation === 'DeleteChangeSet' && status === 500) {
        status = 200;
        out = Buffer.from(
          '<DeleteChangeSetResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DeleteChangeSetResult/>' +
            '<ResponseMetadata><RequestId>rehearsal</RequestId></ResponseMetadata></DeleteChangeSetResponse>',
        );
      }

      // s3-missing-key-403: a role without an unconditioned s3:ListBucket gets 403 for a key that is not there.
      if (
        service === 's3' &&
        (operation === 'GetObject' || operation === 'HeadObject') &&
        status === 404 &&
        principal.kind === 'role'
      ) {
        const bucket = u.pathname.split('/')[1] ?? '';
        if (!(await allowed(principal.roleName, 's3:ListBucket', `arn:aws:s3:::${bucket}`, {}))) {
          status = 403;
          out = Buffer.from(
            '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
          );
        }
      }
      // STS hands out keys: remember whose they are.
      if (service === 'sts' && status === 200) {
        const body = out.toString('utf8');
        const akid = xmlValue(body, 'AccessKeyId');
        const arn = xmlValue(body, 'Arn');
        const role = arn ? /:assumed-role\/([^/]+)\//.exec(arn)?.[1] : undefined;
        if (akid && role)
          keys.set(akid, { kind: 'role', roleName: role, roleArn: `arn:aws:iam::${ACCOUNT}:role/${role}` });
      }
      // The training container: a finished job leaves model.tar.gz where SageMaker writes it.
      if (service === 'sagemaker' && operation === 'CreateTrainingJob' && status === 200 && trainingOutcome) {
        const body = JSON.parse(text) as {
          TrainingJobName: string;
          OutputDataConfig: { S3OutputPath: string };
          HyperParameters?: Record<string, string>;
        };
        const [, bucket = '', prefix = ''] =
          /^s3:\/\/([^/]+)\/?(.*)$/.exec(body.OutputDataConfig.S3OutputPath) ?? [];
        const base = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
        const mode = /-(single|multi)-/.exec(body.TrainingJobName)?.[1] ?? 'single';
        const artifact = await trainingOutcome({ name: body.TrainingJobName, mode });
        const artifactKey = trainingJobArtifactKey(base, body.TrainingJobName);
        if (trainingAnswers) labelOfArtifact.set(`s3://${bucket}/${artifactKey}`, trainingAnswers.topLabel);
        await motoS3(`/${bucket}/${artifactKey}`, {
          method: 'PUT',
          body: artifact,
        });
      }
      record(status);
      const outHeaders: Record<string, string> = {};
      forwarded.headers.forEach((v, k) => {
        if (!['content-encoding', 'transfer-encoding', 'connection', 'content-length'].includes(k))
          outHeaders[k] = v;
      });
      if (method === 'HEAD' && forwarded.headers.get('content-length') && status === forwarded.status)
        outHeaders['content-length'] = forwarded.headers.get('content-length') ?? '0';
      res.writeHead(status, outHeaders);
      res.end(method === 'HEAD' ? undefined : out);
    })().catch((err: unknown) => {
      // A fault of the proxy itself: kept for the test to show (a 502 the SDK cannot parse says little).
      faults.push((err as Error).stack ?? String(err));
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`emulated account: ${(err as Error).stack ?? String(err)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const endpoint = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return {
    endpoint,
    motoEndpoint: moto.endpoint,
    motoTracebacks: () =>
      [
        ...moto
          .log()
          .matchAll(/Traceback \(most recent call last\):[\s\S]*?\n(\w[\w.]*(Error|Exception)[^\n]*)/g),
      ].map((m) =>
        m[0]
          .split('\n')
          .filter((l) => /File ".*moto\/(?!core)|^\w/.test(l.trim()) || /Error|Exception/.test(l))
          .slice(-6)
          .join('\n'),
      ),
    region,
    calls,
    faults,
    functionUrl: `${endpoint}${functionUrlPath}`,
    adminEnv: () => ({
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: ADMIN_KEYS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ADMIN_KEYS.secretAccessKey,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
    }),
    learnKeys: (accessKeyId, roleArn) =>
      keys.set(accessKeyId, { kind: 'role', roleName: roleArn.split('/').pop() ?? '', roleArn }),
    allowed: (roleName, action, resource, context = {}) => allowed(roleName, action, resource, context),
    setTrainingOutcome: (o, answers) => {
      trainingOutcome = o;
      trainingAnswers = answers;
    },
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await moto.stop();
    },
  };
}
