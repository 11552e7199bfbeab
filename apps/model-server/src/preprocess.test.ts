import { sampleMetadata } from '@dogbreed/platform-spec/testing';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { HttpError } from './errors.js';
import { decodeImage, normalizeInto, preprocessSpecOf, sourceBox, type PreprocessSpec } from './preprocess.js';

const spec224: PreprocessSpec = {
  height: 224,
  width: 224,
  policy: 'resize-shorter-center-crop',
  resizeShorterSide: 256,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};

const solid = (w: number, h: number, rgb: [number, number, number], format: 'png' | 'jpeg' | 'webp' = 'png', alpha = false) =>
  sharp({ create: { width: w, height: h, channels: alpha ? 4 : 3, background: alpha ? { r: rgb[0], g: rgb[1], b: rgb[2], alpha: 0.5 } : { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .toFormat(format)
    .toBuffer();

const codeOf = async (p: Promise<unknown>) => {
  const err = await p.then(() => undefined, (e: unknown) => e);
  return err instanceof HttpError ? err.code : String(err);
};

describe('sourceBox', () => {
  it('maps Resize(256) + CenterCrop(224) back onto a landscape source', () => {
    // 512×384: scale 256/384, crop 224/scale = 336 source pixels, centred.
    expect(sourceBox(512, 384, spec224)).toEqual({ left: 88, top: 24, width: 336, height: 336 });
  });

  it('handles portrait sources and never leaves the image', () => {
    const box = sourceBox(100, 300, spec224);
    expect(box.width).toBeLessThanOrEqual(100);
    expect(box.left + box.width).toBeLessThanOrEqual(100);
    expect(box.top + box.height).toBeLessThanOrEqual(300);
  });

  it('uses the whole image when stretching', () => {
    expect(sourceBox(640, 480, { ...spec224, policy: 'stretch' })).toEqual({ left: 0, top: 0, width: 640, height: 480 });
  });
});

describe('normalizeInto', () => {
  it('writes CHW float32 with (x/255 - mean)/std at an offset', () => {
    const rgb = Uint8Array.from([255, 0, 51, 255, 0, 51]);
    const out = new Float32Array(2 + 6);
    normalizeInto(rgb, 2, [0.5, 0, 0.2], [0.5, 1, 0.1], out, 2);
    expect(Array.from(out.slice(0, 2))).toEqual([0, 0]);
    expect(out[2]).toBeCloseTo(1);
    expect(out[3]).toBeCloseTo(1);
    expect(out[4]).toBeCloseTo(0);
    expect(out[6]).toBeCloseTo(0);
    expect(out[7]).toBeCloseTo(0);
  });

  it('refuses a buffer of the wrong size', () => {
    expect(() => normalizeInto(new Uint8Array(5), 2, [0, 0, 0], [1, 1, 1], new Float32Array(6))).toThrow(RangeError);
  });
});

describe('decodeImage', () => {
  const spec = preprocessSpecOf(sampleMetadata());

  it.each(['png', 'jpeg', 'webp'] as const)('decodes %s to the model input size as RGB', async (format) => {
    const img = await decodeImage(await solid(80, 50, [250, 10, 10], format), spec, 1_000_000);
    expect(img.rgb.length).toBe(spec.width * spec.height * 3);
    expect(img.rgb[0]).toBeGreaterThan(200);
    expect(img.rgb[1]).toBeLessThan(40);
  });

  it('drops alpha and expands greyscale to three channels', async () => {
    const rgba = await decodeImage(await solid(40, 40, [0, 0, 255], 'png', true), spec, 1_000_000);
    expect(rgba.rgb.length).toBe(spec.width * spec.height * 3);
    const grey = await sharp({ create: { width: 40, height: 40, channels: 3, background: '#808080' } }).greyscale().png().toBuffer();
    expect((await decodeImage(grey, spec, 1_000_000)).rgb.length).toBe(spec.width * spec.height * 3);
  });

  it('refuses images over the pixel limit from the header', async () => {
    expect(await codeOf(decodeImage(await solid(200, 200, [1, 2, 3]), spec, 100 * 100))).toBe('IMAGE_TOO_LARGE');
  });

  it('refuses bytes that are no image, truncated JPEGs and other formats', async () => {
    expect(await codeOf(decodeImage(Buffer.from('not an image at all'), spec, 1_000_000))).toBe('INVALID_IMAGE');
    const jpeg = await solid(300, 300, [9, 99, 199], 'jpeg');
    expect(await codeOf(decodeImage(jpeg.subarray(0, jpeg.length >> 1), spec, 1_000_000))).toBe('INVALID_IMAGE');
    const gif = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#fff' } }).gif().toBuffer();
    expect(await codeOf(decodeImage(gif, spec, 1_000_000))).toBe('UNSUPPORTED_IMAGE_FORMAT');
  });
});
