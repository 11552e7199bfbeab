/**
 * People's access (`access`): who may assume the operator, viewer and client roles, and the notebook.
 */
import { z } from 'zod';
import { RoleSessionSeconds, SageMakerInstanceType } from './common.js';

/** An IAM principal people roles may trust: an account root, a user, a role or an SSO permission-set session. */
export const PrincipalArn = z
  .string()
  .regex(
    /^arn:aws:(iam::\d{12}:(root|user\/[\w+=,.@/-]+|role\/[\w+=,.@/-]+)|sts::\d{12}:assumed-role\/[\w+=,.@/-]+)$/,
    'must be an IAM principal ARN: account root, user, role or SSO permission-set role',
  );

export const AccessSpecSchema = z.object({
  /** Principals allowed to assume each people role (named users/roles, SSO permission-set roles, or an account root). */
  operators: z.array(PrincipalArn),
  viewers: z.array(PrincipalArn),
  clients: z.array(PrincipalArn),
  maxSessionDurationSeconds: RoleSessionSeconds,
  notebook: z.object({
    enabled: z.boolean(),
    instanceType: SageMakerInstanceType,
    idleStopMinutes: z.number().int().min(5),
    volumeSizeGb: z.number().int().min(5),
  }),
});
export type AccessSpec = z.infer<typeof AccessSpecSchema>;
