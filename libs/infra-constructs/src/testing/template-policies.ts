/**
 * Test helpers: read IAM policies out of a synthesized template and resolve the few intrinsics they use into
 * plain strings, so a real IAM engine (iam-simulate) can evaluate exactly what would be deployed.
 */

export interface ResolveContext {
  readonly partition: string;
  readonly account: string;
  readonly region: string;
  /** Values of `Fn::ImportValue` names (cross-stack references). */
  readonly imports?: Readonly<Record<string, string>>;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Resolves Ref (pseudo parameters), Fn::Join, Fn::Select, Fn::ImportValue; anything else is an error. */
export function resolveCfn(value: Json, ctx: ResolveContext): Json {
  if (Array.isArray(value)) return value.map((v) => resolveCfn(v, ctx));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [key] = keys as [string];
    const arg = value[key] as Json;
    switch (key) {
      case 'Ref': {
        const pseudo: Record<string, string> = {
          'AWS::Partition': ctx.partition,
          'AWS::AccountId': ctx.account,
          'AWS::Region': ctx.region,
          'AWS::URLSuffix': 'amazonaws.com',
        };
        const v = pseudo[arg as string];
        if (v === undefined) throw new Error(`cannot resolve Ref ${String(arg)}`);
        return v;
      }
      case 'Fn::Join': {
        const [sep, parts] = arg as [string, Json[]];
        return parts.map((p) => resolveCfn(p, ctx)).join(sep);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [number, Json];
        return (resolveCfn(list, ctx) as Json[])[Number(index)] ?? null;
      }
      case 'Fn::ImportValue': {
        const v = ctx.imports?.[arg as string];
        if (v === undefined) throw new Error(`cannot resolve Fn::ImportValue ${String(arg)}`);
        return v;
      }
      default:
        if (key.startsWith('Fn::')) throw new Error(`cannot resolve ${key}`);
    }
  }
  return Object.fromEntries(keys.map((k) => [k, resolveCfn(value[k] as Json, ctx)]));
}

export interface TemplateJson {
  readonly Resources: Record<
    string,
    { Type: string; Properties?: Record<string, Json>; DependsOn?: string | string[] }
  >;
}

/** An IAM role of the template by its fixed RoleName. */
export function roleNamed(template: TemplateJson, roleName: string) {
  const found = Object.entries(template.Resources).find(
    ([, r]) => r.Type === 'AWS::IAM::Role' && r.Properties?.['RoleName'] === roleName,
  );
  if (!found) throw new Error(`no role ${roleName} in the template`);
  return { logicalId: found[0], properties: found[1].Properties ?? {} };
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatementJson[];
}
export interface PolicyStatementJson {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: Json;
  Principal?: Json;
  Condition?: Record<string, Record<string, Json>>;
}

/** Inline policies of a role (the people roles carry one, `access`). */
export function inlinePolicies(properties: Record<string, Json>): PolicyDocument[] {
  const policies = (properties['Policies'] ?? []) as unknown as { PolicyDocument: PolicyDocument }[];
  return policies.map((p) => p.PolicyDocument);
}

/** Every Allow action of the documents. */
export function allowedActions(docs: readonly PolicyDocument[]): string[] {
  return docs.flatMap((d) =>
    d.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) =>
      Array.isArray(s.Action) ? s.Action : s.Action ? [s.Action] : [],
    ),
  );
}

/** Every resource an Allow statement names (after resolution: strings). */
export function allowedResources(docs: readonly PolicyDocument[]): Json[] {
  return docs.flatMap((d) =>
    d.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) =>
      Array.isArray(s.Resource) ? s.Resource : [s.Resource ?? null],
    ),
  );
}
