/**
 * The trainer's eval transform after decoding, in plain JavaScript (no sharp): Pillow's bilinear Resize + CenterCrop
 * (resample.ts) and (x/255 - mean) / std into the CHW float tensor. The inference worker runs it for the images of its
 * batch, writing straight into the batch tensor, so that the largest CPU cost of a request after inference stays off
 * the HTTP event loop.
 */
import { resizeCropRgb, type Crop } from './resample.js';

/**
 * Decoded HWC RGB bytes and the geometry still to apply: `rgb` is `width`×`height`, to be resized to
 * `resizeWidth`×`resizeHeight` (the same size when the decoder already resized) and cropped to `crop`.
 */
export interface SourceImage {
  readonly rgb: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly resizeWidth: number;
  readonly resizeHeight: number;
  readonly crop: Crop;
}

/** The model input the transform writes: its size and metadata.json's normalisation. */
export interface TensorSpec {
  readonly height: number;
  readonly width: number;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

/**
 * Writes an HWC RGB uint8 image into `out` at `offset` as CHW float32, scaled to 0..1 then (x - mean) / std.
 * One pass over the pixels writing the three planes (a pass per channel with a stride-3 read took 1.5× as long).
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
  const [s0, s1, s2] = [0, 1, 2].map((c) => 1 / (255 * (std[c] as number))) as [number, number, number];
  const [b0, b1, b2] = [0, 1, 2].map((c) => -(mean[c] as number) / (std[c] as number)) as [
    number,
    number,
    number,
  ];
  const g = offset + pixels;
  const b = offset + 2 * pixels;
  for (let i = 0, j = 0; i < pixels; i++, j += 3) {
    out[offset + i] = (rgb[j] as number) * s0 + b0;
    out[g + i] = (rgb[j + 1] as number) * s1 + b1;
    out[b + i] = (rgb[j + 2] as number) * s2 + b2;
  }
}

/**
 * The resize and crop left after decoding: HWC RGB bytes at the model's input size (Pillow's arithmetic). A geometry
 * that does not give exactly `spec`'s height × width (a crop clamped to a smaller resize) is a RangeError.
 */
export function resizeSource(src: SourceImage, spec: Pick<TensorSpec, 'height' | 'width'>): Uint8Array {
  const rgb = resizeCropRgb(src.rgb, src.width, src.height, src.resizeWidth, src.resizeHeight, src.crop);
  if (rgb.length !== spec.width * spec.height * 3) {
    throw new RangeError(
      `preprocessing produced ${rgb.length} bytes, expected ${spec.width}×${spec.height}×3`,
    );
  }
  return rgb;
}

/** What the trainer's eval transform does after decoding: resize, crop, normalise into `out` at `offset` (CHW). */
export function preprocessInto(src: SourceImage, spec: TensorSpec, out: Float32Array, offset = 0): void {
  normalizeInto(resizeSource(src, spec), spec.height * spec.width, spec.mean, spec.std, out, offset);
}
