import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { PlatformSpec } from '@dogbreed/platform-spec';
import {
  composeInfra,
  modelKeysFromContext,
  shadowModelKeysFromContext,
  type InfraStacks,
} from '../infra-app.js';
import { ProjectNagChecks } from '../nag.js';
import { testInputs } from './inputs.js';

export interface SynthedInfra {
  readonly app: App;
  readonly stacks: InfraStacks;
  readonly templates: { readonly [K in keyof InfraStacks]: Template };
}

/**
 * Composes and synthesizes the whole app from `spec` with stand-in inputs (`testInputs()`). Synth is slow on small
 * machines: call once per test file and share the result.
 */
export function synthInfra(spec: PlatformSpec, context: Record<string, string> = {}): SynthedInfra {
  const app = new App({ context });
  const stacks = composeInfra(app, spec, testInputs(), {
    modelKeys: modelKeysFromContext(app),
    shadowModelKeys: shadowModelKeysFromContext(app),
  });
  app.synth();
  const t = (k: keyof InfraStacks) => Template.fromStack(stacks[k]);
  return {
    app,
    stacks,
    templates: {
      network: t('network'),
      data: t('data'),
      training: t('training'),
      serving: t('serving'),
      ci: t('ci'),
      access: t('access'),
      boundary: t('boundary'),
    },
  };
}

/** The unacknowledged cdk-nag findings of an already synthesized app, as `rule at construct-path` lines. */
export function nagFindings(app: App): string[] {
  const report = new ProjectNagChecks(app).validateScope(app);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`),
  );
}
