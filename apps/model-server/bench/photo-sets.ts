/**
 * The two photo sets the servers are compared on: "small" (the 120 dogs-mini test photos, ~500×375 JPEGs, or the
 * generated stand-ins of inputs.ts without ../shared) and "phone" (20 of them upscaled to 4032×3024, a 12 MP
 * phone camera's JPEG), made once with sharp and cached under dist/benchmarks.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { benchImages } from './inputs.js';

export interface PhotoSet {
  readonly name: 'small' | 'phone';
  /** Where the photos come from, in words (the report says it). */
  readonly source: string;
  readonly paths: readonly string[];
}

export const PHONE_SIZE = { width: 4032, height: 3024 } as const;
const PHONE_QUALITY = 90;

/** Every `step`-th path so that `n` of them spread over all breeds (the list is sorted by breed). */
export function spread<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return [...items];
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)] as T);
}

/** The small set: dogs-mini's test photos (all of them, up to `count`), else generated JPEGs. */
export async function smallPhotos(benchDir: string, count = 120): Promise<PhotoSet> {
  const imgs = await benchImages(benchDir, Number.POSITIVE_INFINITY);
  return { name: 'small', source: imgs.source, paths: spread(imgs.paths, count) };
}

/**
 * The phone set: `count` photos of the small set (spread over the breeds) upscaled to 4032×3024 (cover: centre crop
 * to 4:3) as quality-90 JPEGs. Cached in `benchDir/phone-photos`; remade when the sources listed beside them differ.
 */
export async function phonePhotos(
  benchDir: string,
  small: PhotoSet,
  count = 20,
  log: (line: string) => void = console.log,
): Promise<PhotoSet> {
  const dir = join(benchDir, 'phone-photos');
  const sources = spread(small.paths, count);
  const manifest = join(dir, 'sources.txt');
  const listed = `${sources.join('\n')}\n`;
  const paths = sources.map((s, i) => join(dir, `phone-${String(i).padStart(2, '0')}-${basename(s)}`));
  const cached =
    existsSync(manifest) && readFileSync(manifest, 'utf8') === listed && paths.every((p) => existsSync(p));
  if (!cached) {
    log(`making ${count} phone photos (${PHONE_SIZE.width}×${PHONE_SIZE.height} JPEG) in ${dir} ...`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const [i, source] of sources.entries()) {
      await sharp(source)
        .resize(PHONE_SIZE.width, PHONE_SIZE.height, { fit: 'cover', kernel: 'lanczos3' })
        .jpeg({ quality: PHONE_QUALITY })
        .toFile(paths[i] as string);
    }
    writeFileSync(manifest, listed);
  }
  return {
    name: 'phone',
    source: `${sources.length} of the ${small.source} upscaled to ${PHONE_SIZE.width}×${PHONE_SIZE.height} JPEG (q${PHONE_QUALITY})`,
    paths,
  };
}
