/**
 * The CLI's refusals (exit 2, a message naming the problem) before anything is served: flags, missing inputs,
 * invalid model dirs, a missing model-server build, a spec override that does not validate. The runs that serve
 * models are in tests/integration.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { METADATA_FILE, MODEL_FILE } from '@dogbreed/platform-spec';
import { sampleMetadata } from '@dogbreed/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs, runCli } from './cli.js';
import { UsageError } from './errors.js';
import { readModelDir } from './targets.js';

const work = mkdtempSync(join(tmpdir(), 'replay-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const images = join(work, 'images');
mkdirSync(join(images, '001.a'), { recursive: true });
writeFileSync(join(images, '001.a', 'x.png'), 'png');

function modelDir(name: string, metadata: unknown, onnx = true): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  if (onnx) writeFileSync(join(dir, MODEL_FILE), 'onnx');
  writeFileSync(join(dir, METADATA_FILE), typeof metadata === 'string' ? metadata : JSON.stringify(metadata));
  return dir;
}
const good = modelDir('good', sampleMetadata());

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const err: string[] = [];
  const out: string[] = [];
  const code = await runCli(args, { env, stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
  return { code, err: err.join('\n'), out };
}

describe('parseArgs', () => {
  it('reads the pipeline contract with its defaults', () => {
    const a = parseArgs(['--baseline', 'a', '--candidate', 'http://h:1', '--images', 'i', '--limit', '5']);
    expect(a).toMatchObject({
      baseline: 'a',
      candidate: 'http://h:1',
      images: 'i',
      limit: 5,
      out: 'replay-report',
    });
    expect(a.modelServer).toMatch(/model-server[/\\]main\.js$/);
  });

  it.each([
    [['--candidate', 'b', '--images', 'i'], /--baseline/],
    [['--baseline', 'a', '--candidate', 'b'], /--images <dir>, --captures <path>, or both/],
    [
      ['--baseline', 'a', '--candidate', 'b', '--images', 'i', '--limit', '0'],
      /--limit must be a whole number/,
    ],
    [['--baseline', 'a', '--candidate', 'b', '--images', 'i', '--what'], /unknown option/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe('runCli --help', () => {
  it('prints the usage and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toMatch(/Usage: dogbreed-replay[\s\S]*--captures <path>/);
  });
});

describe('runCli refusals: exit 2', () => {
  it('a usage error', async () => {
    const r = await run(['--baseline', good]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('UsageError');
  });

  it('a missing images dir', async () => {
    const r = await run(['--baseline', good, '--candidate', good, '--images', join(work, 'missing')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/MissingInputError: --images .*missing is not a directory/);
  });

  it('a model dir without model.onnx, or with metadata that breaks the contract', async () => {
    const noOnnx = modelDir('no-onnx', sampleMetadata(), false);
    const bad = modelDir('bad-meta', { ...sampleMetadata(), numClasses: 7 });
    expect((await run(['--baseline', noOnnx, '--candidate', good, '--images', images])).err).toMatch(
      /ModelDirError: .*model\.onnx is missing/,
    );
    const r = await run(['--baseline', good, '--candidate', bad, '--images', images]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/ModelDirError: .*breaks the model-dir contract/);
  });

  it('a missing model-server build', async () => {
    const r = await run([
      '--baseline',
      good,
      '--candidate',
      good,
      '--images',
      images,
      '--model-server',
      join(work, 'no-server.js'),
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/ServerStartError: the built model server .* is missing/);
  });

  it('a spec override that does not validate', async () => {
    const r = await run(['--baseline', good, '--candidate', good, '--images', images], {
      DOGBREED_SPEC_JSON: JSON.stringify({ rollout: { replay: { minTop1Agreement: 2 } } }),
    });
    expect(r.code).toBe(2);
    expect(r.err).toContain('minTop1Agreement');
  });
});

describe('targets', () => {
  it('checks a model dir against the contract', () => {
    expect(readModelDir(good).classNames).toEqual(sampleMetadata().classNames);
    expect(() => readModelDir(join(work, 'absent'))).toThrow(/does not exist/);
    expect(() => readModelDir(modelDir('not-json', '{'))).toThrow(/is not valid JSON/);
  });
});
