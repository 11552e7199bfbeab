import { AspectPriority, Aspects, CfnResource, Validations } from 'aws-cdk-lib';
import { rules } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** One kind of IAM wildcard finding that is acknowledged, and why. */
export interface WildcardAcknowledgement {
  /** Matches cdk-nag's finding text, e.g. `Resource::arn:<AWS::Partition>:s3:::bucket/*` or `Action::s3:List*`. */
  readonly finding: RegExp;
  /** Why this wildcard is intended (recorded with the acknowledgement). */
  readonly reason: string;
}

/**
 * Acknowledges cdk-nag `AwsSolutions-IAM5` findings under `scope`, but only those matching one of `acks`.
 *
 * cdk-nag 3 acknowledges each finding by its exact id (`AwsSolutions-IAM5[Resource::...]`), and the ids hold
 * resolved ARNs (cross-stack ones become `Fn::ImportValue` only once the app is prepared), so they cannot be
 * written by hand. An aspect registers a construct validation on every resource; validations run after the app
 * is prepared and before the validation plugins (cdk-nag), so cdk-nag's own IAM5 rule sees the same policies
 * there. Matching findings are acknowledged with their reason; any other wildcard still fails the checks.
 */
export function acknowledgeIamWildcards(scope: IConstruct, acks: readonly WildcardAcknowledgement[]): void {
  Aspects.of(scope).add(
    {
      visit(node: IConstruct) {
        if (!CfnResource.isCfnResource(node)) return;
        node.node.addValidation({
          validate: () => {
            const findings = rules.iam.IAMNoWildcardPermissions(node);
            if (!Array.isArray(findings)) return [];
            for (const finding of findings) {
              const ack = acks.find((a) => a.finding.test(finding));
              if (ack)
                Validations.of(node).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason: ack.reason });
            }
            return [];
          },
        });
      },
    },
    { priority: AspectPriority.READONLY },
  );
}
