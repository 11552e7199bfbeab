import {
  Validations,
  type IPolicyValidationContext,
  type IPolicyValidationPlugin,
  type PolicyValidationPluginReport,
  type PolicyViolation,
} from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { InfraPropsError } from './errors.js';

/** A cdk-nag finding accepted on purpose, with the reason written down. */
export interface Acknowledgment {
  /** Rule id, e.g. `AwsSolutions-EC29`, or one finding of it, e.g. `AwsSolutions-IAM4[Policy::...]`. */
  readonly id: string;
  readonly reason: string;
}

function checkReason(id: string, reason: string): void {
  if (reason.trim().length < 20)
    throw new InfraPropsError(`acknowledge(${id}): the reason must say why (got "${reason}")`);
}

/** Acknowledges findings on `scope` and everything below it (cdk-nag 3 reads CDK's acknowledged-rules metadata). */
export function acknowledge(scope: IConstruct, ...acks: Acknowledgment[]): void {
  for (const a of acks) checkReason(a.id, a.reason);
  Validations.of(scope).acknowledge(...acks);
}

/** Metadata type under which `acknowledgeWildcards` records the accepted wildcard findings of a construct. */
export const WILDCARD_ACK_METADATA = 'dogbreed:acknowledged-wildcards';

interface WildcardAck {
  readonly reason: string;
  readonly patterns: readonly string[];
}

/**
 * Acknowledges AwsSolutions-IAM5 wildcard findings (`Action::s3:GetObject*`, `Resource::<bucket arn>/datasets/*`, ...)
 * on `scope` and below that match one of `allowed`, with one written reason. Any other wildcard still fails. (cdk-nag
 * acknowledges findings by exact id only, and a cross-stack ARN renders differently before and after reference
 * resolution, hence patterns, applied by `ProjectNagChecks`.)
 */
export function acknowledgeWildcards(scope: IConstruct, reason: string, allowed: readonly RegExp[]): void {
  checkReason('AwsSolutions-IAM5', reason);
  if (allowed.length === 0) throw new InfraPropsError('acknowledgeWildcards: list the findings it accepts');
  const ack: WildcardAck = { reason, patterns: allowed.map((r) => r.source) };
  scope.node.addMetadata(WILDCARD_ACK_METADATA, ack);
}

function wildcardAcks(construct: IConstruct): WildcardAck[] {
  const out: WildcardAck[] = [];
  for (let c: IConstruct | undefined = construct; c; c = c.node.scope) {
    for (const m of c.node.metadata) if (m.type === WILDCARD_ACK_METADATA) out.push(m.data as WildcardAck);
  }
  return out;
}

/**
 * cdk-nag's AwsSolutions pack, minus the IAM5 wildcard findings acknowledged with `acknowledgeWildcards`. Register
 * with `Validations.of(app).addPlugins(new ProjectNagChecks(app))`; tests call `validateScope(app)` after synth.
 */
export class ProjectNagChecks implements IPolicyValidationPlugin {
  public readonly name = 'AwsSolutions';
  private readonly pack: AwsSolutionsChecks;

  constructor(private readonly scope: IConstruct) {
    this.pack = new AwsSolutionsChecks(scope, { verbose: true });
  }

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const appConstruct = (context as IPolicyValidationContext & { appConstruct?: IConstruct }).appConstruct;
    return this.validateScope(appConstruct ?? this.scope);
  }

  validateScope(scope: IConstruct): PolicyValidationPluginReport {
    const report = this.pack.validateScope(scope);
    const byPath = new Map(scope.node.findAll().map((c) => [c.node.path, c]));
    const violations: PolicyViolation[] = [];
    for (const v of report.violations) {
      const finding = /^AwsSolutions-IAM5\[(.*)\]$/.exec(v.ruleName)?.[1];
      const left =
        finding === undefined
          ? v.violatingResources
          : v.violatingResources.filter((r) => {
              const construct = byPath.get(r.constructPath ?? '');
              return !(
                construct &&
                wildcardAcks(construct).some((a) => a.patterns.some((p) => new RegExp(p).test(finding)))
              );
            });
      if (left.length > 0) violations.push({ ...v, violatingResources: left });
    }
    return { success: violations.length === 0, violations };
  }
}

/** The wildcard actions of CDK's bucket/key grant helpers (`grantRead`, `grantWrite`, `grantEncryptDecrypt`). */
export const GRANT_HELPER_ACTIONS: readonly RegExp[] = [
  /^Action::s3:(GetObject|GetBucket|List|DeleteObject|Abort|PutObjectLegalHold|PutObjectRetention|PutObjectTagging|PutObjectVersionTagging)\*$/,
  /^Action::kms:(ReEncrypt|GenerateDataKey)\*$/,
];
