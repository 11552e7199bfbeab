import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * One lint config for the workspace. Module boundaries are enforced by tags:
 *   type:app  may import type:lib only (never another app);
 *   type:lib  may import type:lib only;
 *   type:testing (fakes and fixtures) may import type:lib, and only test code may import it;
 *   scope:X   may import scope:X and scope:shared.
 */
/** The tag rules; `allowed`: the tags that apps, libs and tools may import. */
function moduleBoundaries(allowed) {
  return {
    enforceBuildableLibDependency: false,
    allow: ['^.*/vitest\\.shared$'],
    depConstraints: [
      { sourceTag: 'type:app', onlyDependOnLibsWithTags: allowed },
      { sourceTag: 'type:lib', onlyDependOnLibsWithTags: allowed },
      { sourceTag: 'type:tool', onlyDependOnLibsWithTags: allowed },
      { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:lib', 'type:testing'] },
      { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
      { sourceTag: 'scope:serving', onlyDependOnLibsWithTags: ['scope:shared', 'scope:serving'] },
      { sourceTag: 'scope:training', onlyDependOnLibsWithTags: ['scope:shared', 'scope:training'] },
      { sourceTag: 'scope:infra', onlyDependOnLibsWithTags: ['scope:shared', 'scope:infra'] },
      { sourceTag: 'scope:local', onlyDependOnLibsWithTags: ['scope:shared', 'scope:local'] },
      { sourceTag: 'scope:loadtest', onlyDependOnLibsWithTags: ['scope:shared', 'scope:loadtest'] },
      { sourceTag: 'scope:ci', onlyDependOnLibsWithTags: ['scope:shared', 'scope:ci'] },
    ],
  };
}

/** Test code: unit tests, test folders, benchmarks and the rehearsal's emulated account (test-only by design). */
const TEST_CODE = ['**/*.test.ts', '**/tests/**', '**/bench/**', 'tools/rehearsal/**', 'libs/testing/**'];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/coverage/**',
      '**/.nx/**',
      '**/.venv/**',
      '**/cdk.out/**',
      '**/test-output/**',
      '**/.local-stack/**',
      'training/**',
      '**/vite.config.*.timestamp*',
      '**/vitest.config.*.timestamp*',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    files: ['**/*.ts', '**/*.mts', '**/*.mjs', '**/*.js'],
    plugins: { '@nx': nx },
    languageOptions: {
      globals: globals.node,
    },
    rules: {
      '@nx/enforce-module-boundaries': ['error', moduleBoundaries(['type:lib'])],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name=/^(it|describe|test)$/][callee.property.name='only']",
          message: 'Focused tests (.only) must not be committed.',
        },
        {
          selector: "CallExpression[callee.object.name=/^(it|describe|test)$/][callee.property.name='skip']",
          message: 'Skipped tests must use skipIf with a stated reason, not .skip.',
        },
      ],
    },
  },
  {
    // Only test code may import the fakes and fixtures of `@dogbreed/testing`.
    files: TEST_CODE,
    rules: { '@nx/enforce-module-boundaries': ['error', moduleBoundaries(['type:lib', 'type:testing'])] },
  },
  {
    // The dashboard is plain browser JavaScript served as is.
    files: ['apps/local-stack/src/dashboard/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  prettier,
);
