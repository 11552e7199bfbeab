/** What the benchmarks send and read: the photos they post, and a server process's CPU time from /proc. */
import { sharedDir } from '@dogbreed/platform-spec/testing';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

/** dogs-mini test photos when ../shared exists (a few per breed), else generated JPEGs of a similar size. */
export async function benchImages(benchDir: string): Promise<{ source: string; paths: string[] }> {
  const photos = sharedDir() && join(sharedDir() as string, 'data/dogs-mini/test');
  if (photos && existsSync(photos)) {
    const paths = readdirSync(photos)
      .sort()
      .flatMap((d) =>
        readdirSync(join(photos, d))
          .filter((f) => f.endsWith('.jpg'))
          .sort()
          .slice(0, 4)
          .map((f) => join(photos, d, f)),
      );
    return { source: 'dogs-mini test photos', paths };
  }
  const dir = join(benchDir, 'generated-images');
  mkdirSync(dir, { recursive: true });
  const paths: string[] = [];
  for (let i = 0; i < 20; i++) {
    const raw = Buffer.alloc(500 * 375 * 3);
    for (let p = 0; p < raw.length; p++) raw[p] = (p * (i + 7) + ((p / 1500) | 0) * 13) & 0xff;
    const file = join(dir, `img-${i}.jpg`);
    await sharp(raw, { raw: { width: 500, height: 375, channels: 3 } })
      .jpeg({ quality: 85 })
      .toFile(file);
    paths.push(file);
  }
  return { source: 'generated 500x375 JPEGs', paths };
}

/** CPU milliseconds all threads of `pid` have run, from /proc (ns resolution); NaN where there is no /proc. */
export function processCpuMs(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/task`).reduce((sum, tid) => {
      const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      return sum + ns / 1e6;
    }, 0);
  } catch {
    return Number.NaN;
  }
}
