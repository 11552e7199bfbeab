/**
 * The CDK bootstrap version the project's templates require. CDK puts a `CheckBootstrapVersion` rule in every
 * synthesized template (DefaultStackSynthesizer: the versions below its MIN_BOOTSTRAP_STACK_VERSION, 6 in
 * aws-cdk-lib 2.276, are refused by `Fn::Contains`); that constant is not exported, so the number is read from the
 * rule itself: of the templates in a cdk.out when one is given, else of a probe stack synthesized in memory with
 * the same (default) synthesizer the app uses, so an aws-cdk-lib upgrade that raises the minimum raises it here too.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { DoctorError } from './errors.js';

const RuleSchema = z.object({
  Rules: z.object({
    CheckBootstrapVersion: z.object({
      Assertions: z.array(
        z.object({
          Assert: z.object({
            'Fn::Not': z.tuple([z.object({ 'Fn::Contains': z.tuple([z.array(z.string()), z.unknown()]) })]),
          }),
        }),
      ),
    }),
  }),
});

/**
 * The lowest bootstrap version a template's `CheckBootstrapVersion` rule accepts: one above the highest version it
 * refuses. Undefined for a template without the rule (synthesized without the default synthesizer).
 */
export function requiredBootstrapVersion(template: unknown): number | undefined {
  const parsed = RuleSchema.safeParse(template);
  if (!parsed.success) return undefined;
  const refused = parsed.data.Rules.CheckBootstrapVersion.Assertions.flatMap((a) =>
    a.Assert['Fn::Not'][0]['Fn::Contains'][0].map(Number),
  );
  return refused.length === 0 ? undefined : Math.max(...refused) + 1;
}

/** The highest version any `*.template.json` in a cdk.out directory requires. */
export function requiredByCdkOut(dir: string): number {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.template.json'));
  } catch (err) {
    throw new DoctorError(`--cdk-out ${dir} cannot be read: ${(err as Error).message}`, { cause: err });
  }
  const versions = files
    .map((f) => requiredBootstrapVersion(JSON.parse(readFileSync(join(dir, f), 'utf8'))))
    .filter((v): v is number => v !== undefined);
  if (versions.length === 0)
    throw new DoctorError(
      `no template in ${dir} has a CheckBootstrapVersion rule (run npx nx run infra:synth)`,
    );
  return Math.max(...versions);
}

/** The version a stack of this aws-cdk-lib with the default synthesizer requires (one probe synth, in a temp dir). */
export async function requiredByAwsCdkLib(): Promise<number> {
  // Loaded on demand: aws-cdk-lib takes seconds to load, and --cdk-out does without it.
  const { App, CfnWaitConditionHandle, Stack } = await import('aws-cdk-lib');
  const outdir = mkdtempSync(join(tmpdir(), 'doctor-probe-'));
  try {
    const app = new App({ outdir });
    const stack = new Stack(app, 'DoctorProbe');
    new CfnWaitConditionHandle(stack, 'Probe');
    const version = requiredBootstrapVersion(app.synth().getStackByName('DoctorProbe').template);
    if (version === undefined)
      throw new DoctorError('aws-cdk-lib synthesized no CheckBootstrapVersion rule: pass --cdk-out');
    return version;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
