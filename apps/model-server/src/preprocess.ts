import type { ModelMetadata } from '@dogbreed/platform-spec';
import sharp from 'sharp';
import { HttpError } from './errors.js';

/** Image formats read from request bodies (sharp can read more, e.g. SVG/TIFF/GIF; those are refused). */
export const ACCEPTED_FORMATS = ['jpeg', 'png', 'webp'] as const;

/** What preprocessing needs from metadata.json. */
export interface PreprocessSpec {
  readonly height: number;
  readonly width: number;
  readonly policy: ModelMetadata['preprocessing']['policy'];
  readonly resizeShorterSide: number;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

export function preprocessSpecOf(meta: ModelMetadata): PreprocessSpec {
  const { height, width } = meta.input;
  const { policy, resizeShorterSide, mean, std } = meta.preprocessing;
  return { height, width, policy, resizeShorterSide, mean, std };
}

export interface Box {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/**
 * The region of the source image that ends up in the model input: torchvision's Resize(shorter side) +
 * CenterCrop(height, width), mapped back onto the source so only the crop is resized. `stretch` uses everything.
 */
export function sourceBox(srcWidth: number, srcHeight: number, spec: PreprocessSpec): Box {
  if (spec.policy === 'stretch') return { left: 0, top: 0, width: srcWidth, height: srcHeight };
  const scale = spec.resizeShorterSide / Math.min(srcWidth, srcHeight);
  const width = Math.max(1, Math.min(srcWidth, Math.round(spec.width / scale)));
  const height = Math.max(1, Math.min(srcHeight, Math.round(spec.height / scale)));
  return { left: Math.round((srcWidth - width) / 2), top: Math.round((srcHeight - height) / 2), width, height };
}

/**
 * Writes an HWC RGB uint8 image into `out` at `offset` as CHW float32, scaled to 0..1 then (x - mean) / std.
 */
export function normalizeInto(
  rgb: Uint8Array,
  pixels: number,
  mean: readonly number[],
  std: readonly number[],
  out: Float32Array,
  offset = 0,
): void {
  if (rgb.length !== pixels * 3) throw new RangeError(`expected ${pixels * 3} RGB bytes, got ${rgb.length}`);
  for (let c = 0; c < 3; c++) {
    const scale = 1 / (255 * (std[c] as number));
    const bias = -(mean[c] as number) / (std[c] as number);
    const base = offset + c * pixels;
    for (let i = 0, j = c; i < pixels; i++, j += 3) out[base + i] = (rgb[j] as number) * scale + bias;
  }
}

export interface DecodedImage {
  /** HWC RGB bytes at the model's input size. */
  readonly rgb: Buffer;
  readonly sourceWidth: number;
  readonly sourceHeight: number;
}

/**
 * Decodes JPEG/PNG/WebP bytes with sharp and resizes them to the model input (crop policy from metadata),
 * as 8-bit sRGB with alpha dropped. Refuses images over `maxInputPixels` from the header alone, before decoding.
 */
export async function decodeImage(bytes: Buffer, spec: PreprocessSpec, maxInputPixels: number): Promise<DecodedImage> {
  const options = { limitInputPixels: maxInputPixels, failOn: 'warning' as const };
  let info: sharp.Metadata;
  try {
    // Header only: the pixel limit is checked below so that a bomb gets its own error code.
    info = await sharp(bytes, { ...options, limitInputPixels: false }).metadata();
  } catch (err) {
    throw new HttpError('INVALID_IMAGE', `body is not a readable image: ${(err as Error).message}`, { cause: err });
  }
  if (!(ACCEPTED_FORMATS as readonly string[]).includes(info.format ?? '')) {
    throw new HttpError(
      'UNSUPPORTED_IMAGE_FORMAT',
      `image format '${info.format ?? 'unknown'}' is not accepted; send ${ACCEPTED_FORMATS.join(', ')}`,
    );
  }
  const { width, height } = info;
  if (!width || !height) throw new HttpError('INVALID_IMAGE', 'image has no dimensions');
  if (width * height > maxInputPixels) {
    throw new HttpError('IMAGE_TOO_LARGE', `image is ${width}×${height} pixels; the limit is ${maxInputPixels} pixels`);
  }
  const box = sourceBox(width, height, spec);
  try {
    let pipeline = sharp(bytes, options);
    if (box.width !== width || box.height !== height) pipeline = pipeline.extract(box);
    const { data, info: out } = await pipeline
      .resize(spec.width, spec.height, { fit: 'fill', kernel: 'linear' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (out.channels !== 3 || out.width !== spec.width || out.height !== spec.height) {
      throw new Error(`decoder produced ${out.width}×${out.height}×${out.channels}, expected ${spec.width}×${spec.height}×3`);
    }
    return { rgb: data, sourceWidth: width, sourceHeight: height };
  } catch (err) {
    throw new HttpError('INVALID_IMAGE', `image could not be decoded: ${(err as Error).message}`, { cause: err });
  }
}
