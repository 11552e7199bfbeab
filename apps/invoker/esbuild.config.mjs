import { dirname, join } from 'node:path';

/**
 * esbuild options for the invoker bundle (one minified ESM file, everything bundled).
 *
 * `zodEnglishOnly`: zod 4's `z` namespace re-exports all ~50 message locales (`z.locales`), which esbuild cannot
 * tree-shake through a namespace object; they are a third of the bundle. Nothing here switches locale (zod itself
 * loads `en` directly), so the locale index is replaced by one that offers English only.
 */
const zodLocalesIndex = /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/;

/** @type {import('esbuild').Plugin} */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
      const path = join(args.resolveDir, args.path);
      return zodLocalesIndex.test(path) ? { path, namespace: 'zod-locales' } : undefined;
    });
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(join(dirname(args.path), 'en.js'))};`,
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};

// Some bundled CommonJS dependencies (aws-xray-sdk-core) call `require` for Node built-ins.
const banner =
  "import { createRequire as __invokerCreateRequire } from 'node:module'; const require = __invokerCreateRequire(import.meta.url);";

export default {
  // Minified, yet errors keep their class names (`this.name = new.target.name`): logs name the error.
  keepNames: true,
  outExtension: { '.js': '.mjs' },
  mainFields: ['module', 'main'],
  legalComments: 'none',
  banner: { js: banner },
  plugins: [zodEnglishOnly],
};
