/**
 * What a training launch hands to whoever started it: `dogbreed-train --result-file PATH` writes a `LaunchResult` as
 * JSON, and the deploy workflow's train job (tools/gha/model-artifact.ts) reads it back through the same schema.
 * Data instead of `KEY=value` lines scraped out of a log, where any progress line could pass for a result. Also the
 * model registry's naming that the launcher and the registry gate share: the group a mode registers in and what a
 * versioned package ARN names.
 */
import { z } from 'zod';
import { ModelArtifactUri } from './artifacts.js';
import { PlatformSpecError } from '../errors.js';
import { TrainingMode, type PlatformSpec } from '../spec/index.js';

/** `arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>`: a registered (versioned) package. */
const PACKAGE_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/([a-z0-9-]+)\/(\d+)$/;

export const ModelPackageArn = z
  .string()
  .regex(PACKAGE_ARN, 'must be a versioned model package ARN (…:model-package/GROUP/VERSION)');

/** What a versioned package ARN names. */
export interface ModelPackageRef {
  readonly arn: string;
  readonly group: string;
  readonly version: number;
}

/** The group and version of a versioned package ARN, or undefined for anything else (the caller names the error). */
export function modelPackageRef(arn: string): ModelPackageRef | undefined {
  const m = PACKAGE_ARN.exec(arn.trim());
  if (!m?.[1] || !m[2]) return undefined;
  return { arn: arn.trim(), group: m[1], version: Number(m[2]) };
}

/** The model package group a training mode registers in (`ci.modelRegistry.groups`, one per mode). */
export function modelPackageGroup(spec: Pick<PlatformSpec, 'ci'>, mode: TrainingMode): string {
  return spec.ci.modelRegistry.groups[mode];
}

/** `--target local`: the model dir the run wrote (model.onnx + metadata.json). */
const LocalLaunchResult = z.object({
  target: z.literal('local'),
  mode: TrainingMode,
  modelDir: z.string().min(1),
});

/** `--target sagemaker|ec2`: the packed model in S3, and the package it was registered as (`--register`). */
const RemoteLaunchResult = z.object({
  target: z.enum(['sagemaker', 'ec2']),
  mode: TrainingMode,
  modelArtifact: ModelArtifactUri,
  modelPackage: ModelPackageArn.optional(),
});

export const LaunchResultSchema = z.discriminatedUnion('target', [LocalLaunchResult, RemoteLaunchResult]);
export type LaunchResult = z.infer<typeof LaunchResultSchema>;

/** A launch result file that is missing, not JSON, or not a LaunchResult. `issues` as `path: message` lines. */
export class LaunchResultError extends PlatformSpecError {
  readonly issues: readonly string[];
  constructor(source: string, issues: readonly string[], options?: ErrorOptions) {
    super(`${source} is not a launch result:\n${issues.map((i) => `  - ${i}`).join('\n')}`, options);
    this.issues = issues;
  }
}

function check(value: unknown, source: string): LaunchResult {
  const result = LaunchResultSchema.safeParse(value);
  if (result.success) return result.data;
  throw new LaunchResultError(
    source,
    result.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`),
  );
}

/** The JSON text of a launch result, validated first: a writer never hands over what a reader would refuse. */
export function formatLaunchResult(result: LaunchResult): string {
  return `${JSON.stringify(check(result, 'the launch result'), null, 2)}\n`;
}

/** A launch result file's text, parsed and validated; LaunchResultError names what is wrong. */
export function parseLaunchResult(text: string, source: string): LaunchResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new LaunchResultError(source, [(err as Error).message], { cause: err });
  }
  return check(value, source);
}
