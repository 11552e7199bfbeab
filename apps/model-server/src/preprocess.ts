/**
 * Image bytes → the model's input tensor, exactly as the trainer's eval transform: decode (sharp), EXIF orientation,
 * torchvision Resize(shorter side) + CenterCrop geometry with Pillow's bilinear arithmetic (resample.ts), then
 * (x/255 - mean) / std from metadata.json. Decoding (`decodeSource`) runs on the event loop's side (sharp's threads);
 * the rest (`preprocessInto`) is plain JavaScript, run by the inference worker for the images of its batch.
 */
import { HttpError, PLATFORM_SPEC, type ModelMetadata } from '@dogbreed/platform-spec';
import sharp from 'sharp';
import { ImagePipelineError } from './errors.js';
import type { Crop } from './resample.js';
import { resizeSource, type SourceImage } from './transform.js';

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

/**
 * torchvision's eval geometry: `Resize(resizeShorterSide)` (shorter side to that size, the longer one
 * `int(size * long / short)`, truncated as torchvision does) then `CenterCrop(height, width)` with Python's
 * round-half-to-even offsets; `stretch` resizes straight to height×width. Sizes are of the upright image.
 */
export interface EvalGeometry {
  readonly resizeWidth: number;
  readonly resizeHeight: number;
  readonly crop: Crop;
}

/** Python's `round()`: halves go to the even neighbour (CenterCrop uses it on `(size - crop) / 2`). */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

export function evalGeometry(srcWidth: number, srcHeight: number, spec: PreprocessSpec): EvalGeometry {
  if (spec.policy === 'stretch') {
    return {
      resizeWidth: spec.width,
      resizeHeight: spec.height,
      crop: { left: 0, top: 0, width: spec.width, height: spec.height },
    };
  }
  const s = spec.resizeShorterSide;
  const [short, long] = srcWidth <= srcHeight ? [srcWidth, srcHeight] : [srcHeight, srcWidth];
  const newLong = short === s ? long : Math.trunc((s * long) / short);
  const [resizeWidth, resizeHeight] = srcWidth <= srcHeight ? [s, newLong] : [newLong, s];
  // A crop larger than the resized image (resizeShorterSide < input size: not what the trainer writes) is clamped
  // to the image, where torchvision would zero-pad.
  const width = Math.min(spec.width, resizeWidth);
  const height = Math.min(spec.height, resizeHeight);
  const left = roundHalfEven((resizeWidth - width) / 2);
  const top = roundHalfEven((resizeHeight - height) / 2);
  return { resizeWidth, resizeHeight, crop: { left, top, width, height } };
}

/**
 * sharp shrinks a JPEG on load (the DCT decodes at 1/2, 1/4 or 1/8 size) only when it is to be reduced at least this
 * many times (from 2, less the factors it lowers for libjpeg's rounding): below it a libvips reduction would cost a
 * full decode and a second resampling, so such an image takes the exact path.
 */
export const LIBVIPS_RESIZE_RATIO = 3;

/**
 * The size libvips reduces a large image to while decoding (JPEG: shrink-on-load, then libvips' own resampling for
 * the rest): the upright source scaled so that its shorter side is `margin` × `resizeShorterSide`, the exact resize
 * (Pillow's arithmetic) doing the last ≥ `margin` times, so that the pixels stay close to the trainer's. Undefined
 * (the exact path, bit-identical to the trainer) for `stretch` and for images under `LIBVIPS_RESIZE_RATIO` × that.
 */
export function reducedSize(
  width: number,
  height: number,
  spec: PreprocessSpec,
  margin: number,
): { readonly width: number; readonly height: number } | undefined {
  if (!(margin >= 1)) throw new RangeError(`the shrink-on-load margin must be at least 1, got ${margin}`);
  if (spec.policy === 'stretch') return undefined;
  const short = Math.min(width, height);
  const side = Math.ceil(margin * spec.resizeShorterSide);
  if (short < LIBVIPS_RESIZE_RATIO * side) return undefined;
  const scaled = (n: number) => (n === short ? side : Math.max(side, Math.round((n * side) / short)));
  return { width: scaled(width), height: scaled(height) };
}

/**
 * What sharp decoded, before the exact resize: HWC RGB bytes at the upright source size (the `exact` path), or
 * already reduced by libvips (the `libvips` path: large images, JPEG shrink-on-load), and the geometry that remains
 * to apply. `resizeSource` finishes it; the inference worker does that for the images of its batch, so that the
 * resize runs beside the event loop instead of on it.
 */
export interface DecodedSource extends SourceImage {
  /** Size of the upright image (EXIF orientation applied). */
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  /**
   * `exact`: decoded at full size, the whole resize still to do (bit-identical to the trainer); `libvips`: a large
   * image libvips reduced while decoding (`reducedSize`), the rest of the resize still to do.
   */
  readonly path: 'exact' | 'libvips';
}

export interface DecodedImage {
  /** HWC RGB bytes at the model's input size. */
  readonly rgb: Uint8Array;
  /** Size of the upright image (EXIF orientation applied). */
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  readonly path: DecodedSource['path'];
}

/** Decodes and resizes in one go (what the trainer's Resize + CenterCrop give): `decodeSource` then `resizeSource`. */
export async function decodeImage(
  bytes: Buffer,
  spec: PreprocessSpec,
  maxInputPixels: number,
  options: DecodeOptions = {},
): Promise<DecodedImage> {
  const src = await decodeSource(bytes, spec, maxInputPixels, options);
  // Not the client's fault when it throws: decodeSource has checked the pixels, so a failure here is the server's
  // own (a 500), not INVALID_IMAGE.
  const rgb = resizeSource(src, spec);
  return { rgb, sourceWidth: src.sourceWidth, sourceHeight: src.sourceHeight, path: src.path };
}

/** Decoded pixels as sharp's `raw()` output gives them: HWC bytes and what the decoder says their size is. */
export interface RawPixels {
  readonly data: Buffer;
  readonly info: { readonly width: number; readonly height: number; readonly channels: number };
}

/**
 * The pixel decode: 8-bit sRGB without alpha, resized by libvips while decoding when `resize` is given. A parameter
 * of `decodeSource` so that a test can stand in a decoder that breaks its contract (returns another size).
 */
export type PixelDecoder = (
  bytes: Buffer,
  options: sharp.SharpOptions,
  resize?: { readonly width: number; readonly height: number },
) => Promise<RawPixels>;

/** The decoder the server runs: sharp (libvips). */
export const sharpPixelDecoder: PixelDecoder = (bytes, options, resize) => {
  const image = sharp(bytes, options);
  if (resize) image.resize(resize.width, resize.height, { fit: 'fill', kernel: 'linear' });
  return image
    .removeAlpha()
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
};

export interface DecodeOptions {
  /**
   * How many times the resize target a large image is reduced to while decoding (`reducedSize`).
   * @default spec.modelServer.shrinkOnLoadMargin
   */
  readonly margin?: number;
  /**
   * The pixel decoder (a test stands in one that breaks its contract).
   * @default sharpPixelDecoder
   */
  readonly decode?: PixelDecoder;
}

/** EXIF orientations 5–8 store the image rotated by 90°: width and height swap once it is upright. */
const swapsAxes = (orientation: number | undefined): boolean =>
  (orientation ?? 1) >= 5 && (orientation ?? 1) <= 8;

/**
 * Decodes JPEG/PNG/WebP bytes with sharp: EXIF orientation applied (like the trainer's `ImageOps.exif_transpose`),
 * 8-bit sRGB with alpha dropped, and torchvision's Resize + CenterCrop (or stretch) from metadata worked out, not yet
 * applied (large images excepted: libvips reduces those while decoding, `reducedSize`). Refuses images over
 * `maxInputPixels` from the header alone, before decoding. Only the decoder's own failures are the image's fault (400 INVALID_IMAGE); pixels
 * of another size than asked for are the server's (`ImagePipelineError`, 500).
 */
export async function decodeSource(
  bytes: Buffer,
  spec: PreprocessSpec,
  maxInputPixels: number,
  { margin = PLATFORM_SPEC.modelServer.shrinkOnLoadMargin, decode = sharpPixelDecoder }: DecodeOptions = {},
): Promise<DecodedSource> {
  // autoOrient as an input option (not `.rotate()`) keeps JPEG shrink-on-load available to sharp.
  const options = { limitInputPixels: maxInputPixels, failOn: 'warning' as const, autoOrient: true };
  let info: sharp.Metadata;
  try {
    // Header only: the pixel limit is checked below so that a bomb gets its own error code.
    info = await sharp(bytes, { failOn: 'warning', limitInputPixels: false }).metadata();
  } catch (err) {
    throw new HttpError('INVALID_IMAGE', `body is not a readable image: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (!(ACCEPTED_FORMATS as readonly string[]).includes(info.format ?? '')) {
    throw new HttpError(
      'UNSUPPORTED_IMAGE_FORMAT',
      `image format '${info.format ?? 'unknown'}' is not accepted; send ${ACCEPTED_FORMATS.join(', ')}`,
    );
  }
  const { width: rawWidth, height: rawHeight } = info;
  if (!rawWidth || !rawHeight) throw new HttpError('INVALID_IMAGE', 'image has no dimensions');
  if (rawWidth * rawHeight > maxInputPixels) {
    throw new HttpError(
      'IMAGE_TOO_LARGE',
      `image is ${rawWidth}×${rawHeight} pixels; the limit is ${maxInputPixels} pixels`,
    );
  }
  const [width, height] = swapsAxes(info.orientation) ? [rawHeight, rawWidth] : [rawWidth, rawHeight];
  const geo = evalGeometry(width, height, spec);
  // Resize straight from the input when large, so that sharp may shrink on load; the crop is left to `resizeSource`,
  // because a sharp `extract` would make it orient before resizing, which disables shrink-on-load for rotated photos.
  const resize = reducedSize(width, height, spec, margin);
  let out: RawPixels;
  try {
    out = await decode(bytes, options, resize);
  } catch (err) {
    throw new HttpError('INVALID_IMAGE', `image could not be decoded: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const want = resize ?? { width, height };
  const { width: gotWidth, height: gotHeight, channels } = out.info;
  if (
    channels !== 3 ||
    gotWidth !== want.width ||
    gotHeight !== want.height ||
    out.data.length !== want.width * want.height * 3
  ) {
    throw new ImagePipelineError(
      `${resize ? 'resize' : 'decoder'} produced ${gotWidth}×${gotHeight}×${channels} (${out.data.length} bytes), expected ${want.width}×${want.height}×3`,
    );
  }
  return {
    rgb: out.data,
    ...want,
    resizeWidth: geo.resizeWidth,
    resizeHeight: geo.resizeHeight,
    crop: geo.crop,
    sourceWidth: width,
    sourceHeight: height,
    path: resize ? 'libvips' : 'exact',
  };
}
