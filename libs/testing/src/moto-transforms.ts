/**
 * The moto-only changes the templates need before moto 5.2's CloudFormation accepts them, and the account state a
 * real account gets from `cdk bootstrap`. Each entry says why; nothing here is needed on AWS, and each is kept as
 * small as moto allows (the test fails when a transform stops changing anything, so a fixed moto shows up).
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export interface TemplateJson {
  Resources: Record<
    string,
    { Type: string; Properties?: Record<string, Json>; DependsOn?: string | string[] }
  >;
  [key: string]: Json | TemplateJson['Resources'];
}

export interface MotoTransform {
  readonly name: string;
  readonly why: string;
  /** Changes the template in place; returns how many resources it changed. */
  readonly apply: (template: TemplateJson) => number;
}

/** Removes `Tags` from every resource of the given types. */
function stripTags(types: readonly string[]): (template: TemplateJson) => number {
  return (template) => {
    let changed = 0;
    for (const resource of Object.values(template.Resources)) {
      if (types.includes(resource.Type) && resource.Properties?.['Tags'] !== undefined) {
        delete resource.Properties['Tags'];
        changed += 1;
      }
    }
    return changed;
  };
}

/**
 * Removes Lambda-backed custom resources (their handler Lambda itself stays). A custom resource that anything else
 * reads (Ref / Fn::GetAtt) cannot be dropped this way: that fails loudly instead.
 */
function removeCustomResources(template: TemplateJson): number {
  const ids = Object.entries(template.Resources)
    .filter(([, r]) => r.Type.startsWith('Custom::') || r.Type === 'AWS::CloudFormation::CustomResource')
    .map(([id]) => id);
  template.Resources = Object.fromEntries(
    Object.entries(template.Resources).filter(([id]) => !ids.includes(id)),
  );
  for (const [other, resource] of Object.entries(template.Resources)) {
    const r = resource as { DependsOn?: string | string[] };
    if (r.DependsOn !== undefined) {
      const kept = [r.DependsOn].flat().filter((d) => !ids.includes(d));
      if (kept.length > 0) r.DependsOn = kept;
      else delete r.DependsOn;
    }
    const text = JSON.stringify(resource);
    const used = ids.find((id) => text.includes(`"${id}"`));
    if (used)
      throw new Error(`moto transform: ${other} reads the custom resource ${used}; it cannot be removed`);
  }
  return ids.length;
}

/**
 * Replaces `Fn::GetAtt` (attribute name) and `Ref` (key `Ref`) of resource types moto's CloudFormation does not
 * implement (it skips the resource, then rejects the template, or drops the export, that reads it) with stand-ins.
 */
function standInAttributes(
  standIns: Readonly<Record<string, Readonly<Record<string, string>>>>,
): (template: TemplateJson) => number {
  return (template) => {
    let changed = 0;
    const visit = (value: Json): Json => {
      if (Array.isArray(value)) return value.map(visit);
      if (value === null || typeof value !== 'object') return value;
      const getAtt = value['Fn::GetAtt'];
      const ref = value['Ref'];
      const single = Object.keys(value).length === 1;
      const target: [string, string] | undefined =
        single && Array.isArray(getAtt)
          ? (getAtt as [string, string])
          : single && typeof ref === 'string'
            ? [ref, 'Ref']
            : undefined;
      if (target) {
        const [id, attribute] = target;
        const type = template.Resources[id]?.Type ?? '';
        const standIn = standIns[type]?.[attribute];
        if (standIn !== undefined) {
          changed += 1;
          return standIn;
        }
      }
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, visit(v)]));
    };
    for (const key of Object.keys(template) as (keyof TemplateJson)[]) {
      if (key === 'Resources') {
        for (const r of Object.values(template.Resources))
          if (r.Properties) r.Properties = visit(r.Properties) as Record<string, Json>;
      } else if (key === 'Outputs') {
        template[key] = visit(template[key] as Json);
      }
    }
    return changed;
  };
}

export const MOTO_TRANSFORMS: readonly MotoTransform[] = [
  {
    name: 'strip-ssm-parameter-tags',
    why: "moto's AWS::SSM::Parameter handler expects a list of tags and crashes on the map form CloudFormation documents (and CDK writes) for this type.",
    apply: stripTags(['AWS::SSM::Parameter']),
  },
  {
    name: 'strip-kms-key-tags',
    why: "moto's AWS::KMS::Key handler crashes on the resource's tags.",
    apply: stripTags(['AWS::KMS::Key']),
  },
  {
    name: 'remove-lambda-custom-resources',
    why: "moto runs a custom resource's Lambda handler only in Docker (absent here), so the stack would stay CREATE_IN_PROGRESS. The one such resource is CDK's Custom::VpcRestrictDefaultSG (strips the default security group's rules); nothing reads it.",
    apply: removeCustomResources,
  },
  {
    name: 'stand-in-function-url-and-alias',
    why: "moto's CloudFormation has no AWS::Lambda::Url or AWS::Lambda::Alias: it skips them, then rejects Fn::GetAtt of the URL (the serving stack publishes it in SSM) and drops the export of the alias ARN (the access stack grants clients on it). Stand-in values take their place.",
    apply: standInAttributes({
      'AWS::Lambda::Url': { FunctionUrl: 'https://moto-stand-in.lambda-url.invalid/' },
      'AWS::Lambda::Alias': { Ref: 'arn:aws:lambda:us-east-1:123456789012:function:dogbreed-invoker:live' },
    }),
  },
];

/**
 * What `cdk bootstrap` leaves in an account and the templates rely on: the bootstrap version parameter (read by each
 * template's `CheckBootstrapVersion` rule) and the file-asset bucket.
 */
export const BOOTSTRAP = {
  qualifier: 'hnb659fds',
  versionParameter: '/cdk-bootstrap/hnb659fds/version',
  version: '30',
  assetBucket: (account: string, region: string) => `cdk-hnb659fds-assets-${account}-${region}`,
} as const;
