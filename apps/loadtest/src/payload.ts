import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

/** A dog-photo-sized JPEG: between these sizes, like a phone photo after an app's resize. */
export const PAYLOAD_MIN_BYTES = 100 * 1024;
export const PAYLOAD_MAX_BYTES = 300 * 1024;

export interface Payload {
  path: string;
  bytes: number;
  width: number;
  height: number;
  source: string;
}

/** The first photo (sorted) under `dir`, if any. */
export function findPhoto(dir: string | undefined): string | undefined {
  if (!dir || !existsSync(dir)) return undefined;
  const walk = (d: string): string | undefined => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        const hit = walk(p);
        if (hit) return hit;
      } else if (/\.jpe?g$/i.test(name)) return p;
    }
    return undefined;
  };
  return walk(dir);
}

/** Deterministic photo-like pixels (smooth gradients plus fine noise, so JPEG cannot compress it to nothing). */
function syntheticRgb(width: number, height: number): Buffer {
  const px = Buffer.alloc(width * height * 3);
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 2 - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const n = rand() * 24;
      px[i] = Math.max(0, Math.min(255, 140 + 80 * Math.sin(x / 37) + n));
      px[i + 1] = Math.max(0, Math.min(255, 110 + 60 * Math.cos(y / 29) + n));
      px[i + 2] = Math.max(0, Math.min(255, 90 + 50 * Math.sin((x + y) / 53) + n));
    }
  }
  return px;
}

async function encode(
  source: string | undefined,
  width: number,
  quality: number,
): Promise<{ data: Buffer; info: sharp.OutputInfo }> {
  const height = Math.round((width * 3) / 4);
  const img = source
    ? sharp(source).resize(width, height, { fit: 'cover' })
    : sharp(syntheticRgb(width, height), { raw: { width, height, channels: 3 } });
  return img.jpeg({ quality, chromaSubsampling: '4:4:4' }).toBuffer({ resolveWithObject: true });
}

/** Resolutions tried in order: ~1 MP first (a resized phone photo: realistic bytes without a 12 MP decode per request). */
const WIDTHS = [1024, 1280, 800, 1600, 640, 2048];
const QUALITIES = [90, 95, 80, 70, 60];

/**
 * Writes `out` once: a JPEG of PAYLOAD_MIN_BYTES..PAYLOAD_MAX_BYTES made from a real dog photo under `photosDir`
 * when there is one (upscaled to phone-photo size), otherwise synthesised. Reuses an existing file in range.
 */
export async function ensurePayload(out: string, photosDir?: string): Promise<Payload> {
  const source = findPhoto(photosDir);
  if (existsSync(out)) {
    const meta = await sharp(out).metadata();
    const bytes = statSync(out).size;
    if (bytes >= PAYLOAD_MIN_BYTES && bytes <= PAYLOAD_MAX_BYTES && meta.width && meta.height) {
      return { path: out, bytes, width: meta.width, height: meta.height, source: 'cached' };
    }
  }
  for (const width of WIDTHS) {
    for (const quality of QUALITIES) {
      const { data, info } = await encode(source, width, quality);
      if (data.length < PAYLOAD_MIN_BYTES || data.length > PAYLOAD_MAX_BYTES) continue;
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, data);
      return {
        path: out,
        bytes: data.length,
        width: info.width,
        height: info.height,
        source: source ?? 'synthetic',
      };
    }
  }
  throw new Error(
    `could not make a ${PAYLOAD_MIN_BYTES}..${PAYLOAD_MAX_BYTES} byte JPEG from ${source ?? 'synthetic pixels'}`,
  );
}
