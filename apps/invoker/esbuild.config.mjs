import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * esbuild options for the invoker bundle (minified ESM, everything bundled: `index.mjs` and on-demand `chunks/`).
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

/**
 * `platformSpecWithoutSideEffects`: the handler imports a few names from `@dogbreed/platform-spec` (wire schemas,
 * error codes, metric and environment names), whose index re-exports every module, including `load.ts`, which
 * parses the whole spec at import (`PLATFORM_SPEC`). Its sources only declare things, so they are marked free of side
 * effects: esbuild then leaves out each module none of whose exports is used (the spec schema, its defaults and
 * loader), and the handler never builds or validates the spec.
 */
const platformSpecSources = /[\\/]libs[\\/]platform-spec[\\/]src[\\/]/;

/** @type {import('esbuild').Plugin} */
const platformSpecWithoutSideEffects = {
  name: 'platform-spec-without-side-effects',
  setup(build) {
    build.onResolve({ filter: /^(@dogbreed\/platform-spec$|\.\.?\/)/ }, async (args) => {
      if (args.pluginData === platformSpecWithoutSideEffects) return undefined;
      if (args.path.startsWith('.') && !platformSpecSources.test(args.importer)) return undefined;
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: platformSpecWithoutSideEffects,
      });
      if (resolved.errors.length > 0 || !platformSpecSources.test(resolved.path)) return undefined;
      return { path: resolved.path, namespace: resolved.namespace, sideEffects: false };
    });
  },
};

/**
 * `zodNamespaceImport`: `import { z } from 'zod'` binds zod's namespace object as a value, so esbuild keeps all of
 * zod (200 KiB, a fifth of the start-up); `import * as z from 'zod'` lets it keep only what is used (under half).
 * The invoker's own files import it that way; the platform-spec sources it bundles (`wire.ts`) are rewritten here at
 * load, one import line, nothing else (the same code, since zod exports everything both ways).
 */
const zodNamedImport = /^import \{ z \} from 'zod';$/m;

/** @type {import('esbuild').Plugin} */
const zodNamespaceImport = {
  name: 'zod-namespace-import',
  setup(build) {
    build.onLoad({ filter: /[\\/]libs[\\/]platform-spec[\\/]src[\\/].+\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!zodNamedImport.test(source)) return undefined;
      return { contents: source.replace(zodNamedImport, "import * as z from 'zod';"), loader: 'ts' };
    });
  },
};

// Some bundled CommonJS dependencies (aws-xray-sdk-core) call `require` for Node built-ins.
const banner =
  "import { createRequire as __invokerCreateRequire } from 'node:module'; const require = __invokerCreateRequire(import.meta.url);";

export default {
  // Code that runs only on demand (Tracer with the X-Ray SDK, the S3 client, the SDK's other credential providers)
  // goes to chunks next to index.mjs that are read when first imported, so a cold start parses only what it runs.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  // Minified, yet errors keep their class names (`this.name = new.target.name`): logs name the error.
  keepNames: true,
  outExtension: { '.js': '.mjs' },
  mainFields: ['module', 'main'],
  legalComments: 'none',
  banner: { js: banner },
  plugins: [zodEnglishOnly, zodNamespaceImport, platformSpecWithoutSideEffects],
};
