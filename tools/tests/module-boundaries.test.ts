import { ESLint } from 'eslint';
import { join } from 'node:path';
import { createProjectGraphAsync } from '@nx/devkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { workspaceRoot } from '@dogbreed/workspace';

/**
 * The tag rules in eslint.config.mjs are real: lint a file placed in one app that imports another app, and a lib
 * that imports an app, and expect @nx/enforce-module-boundaries to fail them. A legal import passes.
 */
const root = workspaceRoot();

async function lintAt(relPath: string, code: string) {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(code, { filePath: join(root, relPath) });
  return (result?.messages ?? []).filter((m) => m.ruleId === '@nx/enforce-module-boundaries');
}

describe('module boundaries', () => {
  // The rule reads the cached project graph: compute it now so projects added since the last Nx run count.
  beforeAll(async () => {
    await createProjectGraphAsync({ exitOnError: false });
  });

  it('an app importing another app fails lint', async () => {
    const messages = await lintAt(
      'apps/launcher/src/boundary-fixture.ts',
      "import { x } from '../../model-server/src/main';\nexport const y = x;\n",
    );
    expect(messages.map((m) => m.message).join('\n')).toMatch(
      /Imports of apps are forbidden|can only depend on libs tagged with|Projects cannot be imported by a relative or absolute path/,
    );
    expect(messages[0]?.severity).toBe(2);
  });

  it('a lib importing an app fails lint', async () => {
    const messages = await lintAt(
      'libs/platform-spec/src/boundary-fixture.ts',
      "import { x } from '../../../apps/invoker/src/handler';\nexport const y = x;\n",
    );
    expect(messages.length).toBeGreaterThan(0);
  });

  it('an app importing a shared lib passes', async () => {
    const messages = await lintAt(
      'apps/launcher/src/boundary-fixture.ts',
      "import { PLATFORM_SPEC } from '@dogbreed/platform-spec';\nexport const y = PLATFORM_SPEC;\n",
    );
    expect(messages).toEqual([]);
  });
  it('production code importing the testing library fails lint', async () => {
    const messages = await lintAt(
      'apps/launcher/src/boundary-fixture.ts',
      "import { specWith } from '@dogbreed/testing';\nexport const y = specWith({});\n",
    );
    expect(messages.map((m) => m.message).join('\n')).toMatch(/can only depend on libs tagged with/);
    expect(messages[0]?.severity).toBe(2);
  });

  it('a test, a test folder or a benchmark importing the testing library passes', async () => {
    const code = "import { specWith } from '@dogbreed/testing';\nexport const y = specWith({});\n";
    for (const at of [
      'apps/launcher/src/boundary-fixture.test.ts',
      'apps/launcher/tests/integration/boundary-fixture.ts',
      'apps/model-server/bench/boundary-fixture.ts',
    ]) {
      expect(await lintAt(at, code), at).toEqual([]);
    }
  });
});
