/**
 * Serving sees exactly what training saw: the same image files through the trainer's eval transform
 * (`python -m dogbreed_training.pixels`: PIL decode, EXIF transpose, torchvision Resize + CenterCrop) and through
 * the server's `decodeImage` must give the same pixels, within 1/255 (max abs, 0..1 scale). Generated images always
 * (every EXIF orientation, PNG with alpha, WebP, odd sizes); the dogs-mini test photos plus EXIF-rotated copies
 * when ../shared is present. Large photos take the libvips path (shrink-on-load): their difference is reported.
 */
import { sharedDir, toolPaths, workspaceRoot } from '@dogbreed/workspace';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage, type PreprocessSpec } from '../../src/preprocess.js';
import { normalizeInto } from '../../src/transform.js';

const SIZE = 224;
const spec: PreprocessSpec = {
  height: SIZE,
  width: SIZE,
  policy: 'resize-shorter-center-crop',
  resizeShorterSide: 256,
  mean: [0.5, 0.5, 0.5],
  std: [0.5, 0.5, 0.5],
};
const TOLERANCE = 1 / 255;
const python = toolPaths.python();
const hasPython = existsSync(python);
const shared = sharedDir();
const dogsTest = shared && join(shared, 'data', 'dogs-mini', 'test');
const hasDogs = Boolean(dogsTest && existsSync(dogsTest));

/** The trainer's pixels for `files`, one SIZE×SIZE×3 HWC block each. */
function trainerPixels(files: string[], dir: string): Uint8Array[] {
  const list = join(dir, 'list.txt');
  const out = join(dir, 'pixels.raw');
  writeFileSync(list, files.join('\n'));
  execFileSync(python, ['-m', 'dogbreed_training.pixels', list, out, '--image-size', String(SIZE)], {
    cwd: join(workspaceRoot(), 'training'),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const all = readFileSync(out);
  const block = SIZE * SIZE * 3;
  expect(all.length).toBe(block * files.length);
  return files.map((_, i) => all.subarray(i * block, (i + 1) * block));
}

interface Diff {
  readonly file: string;
  readonly path: string;
  readonly maxAbs: number;
  readonly meanAbs: number;
  readonly maxAbsNormalised: number;
}

async function compare(files: string[], dir: string): Promise<Diff[]> {
  const expected = trainerPixels(files, dir);
  const px = SIZE * SIZE;
  const out: Diff[] = [];
  for (const [i, file] of files.entries()) {
    const got = await decodeImage(readFileSync(file), spec, 50_000_000);
    const want = expected[i] as Uint8Array;
    let max = 0;
    let sum = 0;
    for (let j = 0; j < want.length; j++) {
      const d = Math.abs((got.rgb[j] as number) - (want[j] as number));
      sum += d;
      if (d > max) max = d;
    }
    const a = new Float32Array(3 * px);
    const b = new Float32Array(3 * px);
    normalizeInto(got.rgb, px, spec.mean, spec.std, a);
    normalizeInto(want, px, spec.mean, spec.std, b);
    let maxN = 0;
    for (let j = 0; j < a.length; j++) maxN = Math.max(maxN, Math.abs((a[j] as number) - (b[j] as number)));
    out.push({
      file,
      path: got.path,
      maxAbs: max / 255,
      meanAbs: sum / want.length / 255,
      maxAbsNormalised: maxN,
    });
  }
  return out;
}

/** Stored pixels turned so that `orientation` shows them upright again (what a phone writes), re-encoded. */
async function exifCopy(bytes: Buffer, orientation: number, file: string): Promise<string> {
  const undo: Record<number, (s: sharp.Sharp) => sharp.Sharp> = {
    2: (s) => s.flop(),
    3: (s) => s.rotate(180),
    4: (s) => s.flip(),
    5: (s) => s.rotate(-90).flop(),
    6: (s) => s.rotate(-90),
    7: (s) => s.rotate(90).flop(),
    8: (s) => s.rotate(90),
  };
  const turn = undo[orientation] ?? ((s: sharp.Sharp) => s);
  const stored = await sharp(await turn(sharp(bytes)).jpeg({ quality: 92 }).toBuffer())
    .jpeg({ quality: 92 })
    .withMetadata({ orientation })
    .toBuffer();
  writeFileSync(file, stored);
  return file;
}

function report(name: string, diffs: Diff[]): void {
  const dir = join(workspaceRoot(), 'test-output', 'model-server');
  mkdirSync(dir, { recursive: true });
  const worst = diffs.reduce((w, d) => (d.maxAbs > w.maxAbs ? d : w), diffs[0] as Diff);
  const summary = {
    images: diffs.length,
    maxAbs: worst.maxAbs,
    maxAbsInLevels: Math.round(worst.maxAbs * 255),
    meanAbs: diffs.reduce((s, d) => s + d.meanAbs, 0) / diffs.length,
    maxAbsNormalised: Math.max(...diffs.map((d) => d.maxAbsNormalised)),
    worst: worst.file,
  };
  writeFileSync(join(dir, `parity-${name}.json`), `${JSON.stringify({ summary, diffs }, null, 2)}\n`);
  console.log(`parity ${name}: ${JSON.stringify(summary)}`);
}

describe('server preprocessing equals the trainer eval transform', () => {
  it.skipIf(!hasPython)(
    'on generated images: every EXIF orientation, PNG with alpha, WebP, odd sizes',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'parity-gen-'));
      const noise = (w: number, h: number, seed: number) => {
        const raw = Buffer.alloc(w * h * 3);
        for (let i = 0; i < raw.length; i++) raw[i] = (Math.imul(i + seed, 2654435761) >>> 23) & 255;
        return sharp(raw, { raw: { width: w, height: h, channels: 3 } }).blur(2);
      };
      const files: string[] = [];
      const add = async (name: string, img: sharp.Sharp) => {
        const file = join(dir, name);
        await img.toFile(file);
        files.push(file);
      };
      await add('portrait.jpg', noise(320, 427, 1).jpeg({ quality: 90 }));
      await add('landscape.jpg', noise(641, 480, 2).jpeg({ quality: 90 }));
      await add('odd.png', noise(301, 511, 3).png());
      await add('exact-short-side.png', noise(256, 300, 4).png());
      await add('small-upscaled.png', noise(100, 90, 5).png());
      await add('square.webp', noise(500, 500, 6).webp({ lossless: true }));
      await add('alpha.png', noise(400, 300, 7).ensureAlpha(0.5).png());
      const base = await noise(360, 300, 8).jpeg({ quality: 90 }).toBuffer();
      for (const o of [2, 3, 4, 5, 6, 7, 8]) files.push(await exifCopy(base, o, join(dir, `exif-${o}.jpg`)));
      const diffs = await compare(files, dir);
      report('generated', diffs);
      for (const d of diffs) {
        expect(d.path, d.file).toBe('exact');
        expect(d.maxAbs, d.file).toBeLessThanOrEqual(TOLERANCE);
      }
    },
  );

  it.skipIf(!hasPython || !hasDogs)(
    'on the dogs-mini test photos and EXIF-rotated copies (skips without ../shared)',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'parity-dogs-'));
      const photos = readdirSync(dogsTest as string)
        .sort()
        .flatMap((breed) =>
          readdirSync(join(dogsTest as string, breed))
            .sort()
            .map((f) => join(dogsTest as string, breed, f)),
        );
      const copies: string[] = [];
      for (const [i, p] of photos.filter((_, i) => i % 12 === 0).entries()) {
        copies.push(await exifCopy(readFileSync(p), [6, 8, 3][i % 3] as number, join(dir, `exif-${i}.jpg`)));
      }
      const diffs = await compare([...photos, ...copies], dir);
      report('dogs-mini', diffs);
      expect(diffs.length).toBe(photos.length + copies.length);
      for (const d of diffs) expect(d.maxAbs, d.file).toBeLessThanOrEqual(TOLERANCE);
    },
  );

  it.skipIf(!hasPython || !hasDogs)(
    'reports how close the libvips path (large photos, shrink-on-load) comes',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'parity-large-'));
      const photo = readdirSync(join(dogsTest as string, '003.beagle')).sort()[0] as string;
      const big = join(dir, 'phone-sized.jpg');
      await sharp(readFileSync(join(dogsTest as string, '003.beagle', photo)))
        .resize(4032, 3024, { fit: 'fill', kernel: 'cubic' })
        .jpeg({ quality: 92 })
        .toFile(big);
      const diffs = await compare([big], dir);
      report('large', diffs);
      expect(diffs[0]?.path).toBe('libvips');
      expect(diffs[0]?.meanAbs).toBeLessThan(2 / 255); // not exact: a different resampler after a DCT-domain shrink
    },
  );
});
