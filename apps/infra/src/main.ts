#!/usr/bin/env node
/**
 * The CDK app: the platform spec in force (defaults + DOGBREED_SPEC_FILE / DOGBREED_SPEC_JSON), every stack composed
 * from it, cdk-nag's AwsSolutions checks on all of them (an unacknowledged finding fails the synth).
 */
import { App } from 'aws-cdk-lib';
import { loadPlatformSpec } from '@dogbreed/platform-spec';
import {
  applyNagChecks,
  composeInfra,
  modelKeysFromContext,
  shadowModelKeysFromContext,
} from '@dogbreed/infra-constructs';
import { findWorkspaceRoot, infraInputs } from './inputs.js';

const app = new App();
const spec = loadPlatformSpec();
// Freshly trained artifacts arrive as context from the deploy pipeline; otherwise the spec's keys. In the shadow
// phase the candidates arrive as shadow context beside the serving models.
composeInfra(app, spec, infraInputs(findWorkspaceRoot(import.meta.url)), {
  modelKeys: modelKeysFromContext(app),
  shadowModelKeys: shadowModelKeysFromContext(app),
});
applyNagChecks(app);
app.synth();
