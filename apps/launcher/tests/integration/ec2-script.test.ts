/**
 * The EC2 run command's script run in bash (a child process): with no Python interpreter at the spec's path it fails
 * clearly, before any work. The rest of the script is checked as text in src/cli.test.ts.
 */
import { PLATFORM_SPEC } from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/testing';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ec2Script, MISSING_PYTHON_EXIT } from '../../src/ec2/request.js';
import { ec2TestPlan } from '../support/helpers.js';

describe('EC2 run command', () => {
  const plan = ec2TestPlan();
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
