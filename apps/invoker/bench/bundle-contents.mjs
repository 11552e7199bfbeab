// What the invoker bundle carries, from esbuild's metafile: the same build as `nx build invoker` (options read from
// project.json and esbuild.config.mjs) into a temporary folder, then each package's bytes in the files a cold start
// reads (index.mjs and its static imports) and in the chunks loaded on demand, and which module imports each
// on-demand chunk's entry.   node apps/invoker/bench/bundle-contents.mjs
import * as esbuild from 'esbuild';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const project = JSON.parse(readFileSync(join(root, 'apps/invoker/project.json'), 'utf8'));
const o = project.targets.build.options;
const config = (await import(join(root, o.esbuildConfig))).default;
const outdir = mkdtempSync(join(tmpdir(), 'invoker-bundle-'));
try {
  const result = await esbuild.build({
    ...config,
    absWorkingDir: root,
    entryPoints: [join(root, o.main)],
    outdir,
    bundle: true,
    minify: o.minify,
    platform: o.platform,
    target: o.target,
    format: o.format[0],
    tsconfig: join(root, o.tsConfig),
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = result.metafile.outputs;
  const entry = Object.keys(outputs).find((k) => outputs[k].entryPoint === o.main);
  const startUp = new Set();
  for (const todo = [entry]; todo.length > 0;) {
    const file = todo.pop();
    if (startUp.has(file)) continue;
    startUp.add(file);
    for (const imp of outputs[file].imports)
      if (imp.kind === 'import-statement' && outputs[imp.path]) todo.push(imp.path);
  }
  const pkg = (input) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? dirname(input);
  const table = (files) => {
    const bytes = {};
    for (const f of files)
      for (const [input, v] of Object.entries(outputs[f].inputs))
        bytes[pkg(input)] = (bytes[pkg(input)] ?? 0) + v.bytesInOutput;
    const total = Object.values(bytes).reduce((a, b) => a + b, 0);
    return { total, rows: Object.entries(bytes).sort((a, b) => b[1] - a[1]) };
  };
  const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;
  const print = (title, files) => {
    const { total, rows } = table(files);
    console.log(`\n${title}: ${files.length} files, ${kib(total)}`);
    for (const [name, b] of rows.filter(([, b]) => b >= 1024))
      console.log(`  ${kib(b).padStart(10)}  ${name}`);
  };
  print('read at start-up', [...startUp]);
  const onDemand = Object.keys(outputs).filter((f) => !startUp.has(f) && f.endsWith('.mjs'));
  print('loaded on demand', onDemand);
  console.log('\non-demand entries (dynamic imports):');
  for (const f of onDemand) {
    const e = outputs[f].entryPoint;
    if (e)
      console.log(
        `  ${relative(outdir, join(root, f)).padEnd(40)} ${kib(outputs[f].bytes).padStart(10)}  ${e}`,
      );
  }
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
