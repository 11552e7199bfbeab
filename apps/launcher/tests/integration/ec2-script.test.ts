/**
 * The EC2 run command's script run in bash (a child process): with no Python interpreter at the spec's path it fails
 * clearly, before any work. The rest of the script is checked as text in src/cli.test.ts.
 */
import { PLATFORM_SPEC } from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/testing';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ec2Script, MISSING_PYTHON_EXIT } from '../../src/ec2/request.js';
import { effectiveHyperparameters } from '../../src/hyperparameters.js';
import { TEST_INFRA } from '../support/helpers.js';

describe('EC2 run command', () => {
  const plan = {
    spec: PLATFORM_SPEC,
    mode: 'single' as const,
    runId: 'single-1',
    instanceId: 'i-1',
    infra: TEST_INFRA,
    sourceUri: 's3://b/src.tar.gz',
    dataUri: 's3://d/dataset/',
    hyperparameters: effectiveHyperparameters(PLATFORM_SPEC.training.hyperparameters, { epochs: 2 }),
  };
  it("runs the spec's interpreter and fails clearly, before any work, when the AMI lacks it", () => {
    const missing = '/nonexistent/dogbreed-venv/bin/python';
    const script = ec2Script({ ...plan, spec: specWith({ training: { ec2PythonPath: missing } }) }).join(
      '\n',
    );
    expect(ec2Script(plan).join('\n')).toContain(`PY=${PLATFORM_SPEC.training.ec2PythonPath}`);
    const run = spawnSync('bash', ['-c', script], { encoding: 'utf8', timeout: 10_000 });
    expect(run.status).toBe(MISSING_PYTHON_EXIT);
    expect(run.stderr).toContain(`no Python interpreter at ${missing}`);
    expect(run.stderr).toContain('training.ec2PythonPath');
  });
});
