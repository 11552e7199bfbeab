import { sampleMetadata } from '@dogbreed/testing';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { HttpError } from '@dogbreed/platform-spec';
import { ImagePipelineError } from './errors.js';
import { toErrorResponse } from './error-response.js';
import {
  decodeImage,
  decodeSource,
  evalGeometry,
  preprocessSpecOf,
  reducedSize,
  roundHalfEven,
  sharpPixelDecoder,
  type PixelDecoder,
} from './preprocess.js';
import { resizeSource } from './transform.js';
import { IMAGENET_224 as spec224 } from '../tests/support/preprocess-spec.js';

const solid = (
  w: number,
  h: number,
  rgb: [number, number, number],
  format: 'png' | 'jpeg' | 'webp' = 'png',
  alpha = false,
) =>
  sharp({
    create: {
      width: w,
      height: h,
      channels: alpha ? 4 : 3,
      background: alpha
        ? { r: rgb[0], g: rgb[1], b: rgb[2], alpha: 0.5 }
        : { r: rgb[0], g: rgb[1], b: rgb[2] },
    },
  })
    .toFormat(format)
    .toBuffer();

const codeOf = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  return err instanceof HttpError ? err.code : String(err);
};

describe('reducedSize', () => {
  it('reduces a phone photo to the margin times the resize target, keeping its aspect, upright', () => {
    expect(reducedSize(4032, 3024, spec224, 1.25)).toEqual({ width: 427, height: 320 });
    expect(reducedSize(3024, 4032, spec224, 2)).toEqual({ width: 512, height: 683 });
    expect(reducedSize(4032, 3024, spec224, 1)).toEqual({ width: 341, height: 256 });
  });

  it('leaves whatever is under 3 × the reduced size, and stretch, to the exact path', () => {
    expect(reducedSize(1280, 960, spec224, 1.25)).toEqual({ width: 427, height: 320 });
    expect(reducedSize(1280, 959, spec224, 1.25)).toBeUndefined();
    expect(reducedSize(4032, 3024, spec224, 4)).toBeUndefined();
    expect(reducedSize(4032, 3024, { ...spec224, policy: 'stretch' }, 1.25)).toBeUndefined();
  });

  it('never reduces below the resize geometry', () => {
    // A panorama: the long side scaled alike, never under the short side's target.
    for (const [w, h] of [
      [12000, 1000],
      [4032, 3024],
      [999, 5000],
    ] as const) {
      const r = reducedSize(w, h, spec224, 1.25);
      const geo = evalGeometry(w, h, spec224);
      if (r) expect(r.width >= geo.resizeWidth && r.height >= geo.resizeHeight, `${w}×${h}`).toBe(true);
    }
  });

  it('refuses a margin below 1', () => {
    expect(() => reducedSize(4032, 3024, spec224, 0.5)).toThrow(RangeError);
  });
});

describe('evalGeometry', () => {
  it('is Resize(256) then CenterCrop(224) on a landscape source', () => {
    // 512×384 → 341×256 (int(256 * 512 / 384) = 341), crop offsets round((341 - 224) / 2) = round(58.5) = 58.
    expect(evalGeometry(512, 384, spec224)).toEqual({
      resizeWidth: 341,
      resizeHeight: 256,
      crop: { left: 58, top: 16, width: 224, height: 224 },
    });
  });

  it('handles portrait sources and rounds halves to even like Python', () => {
    expect(evalGeometry(320, 427, spec224)).toEqual({
      resizeWidth: 256,
      resizeHeight: 341,
      crop: { left: 16, top: 58, width: 224, height: 224 },
    });
    expect([0.5, 1.5, 2.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 2, 3]);
  });

  it('resizes straight to the input when stretching', () => {
    expect(evalGeometry(640, 480, { ...spec224, policy: 'stretch' })).toEqual({
      resizeWidth: 224,
      resizeHeight: 224,
      crop: { left: 0, top: 0, width: 224, height: 224 },
    });
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
    const grey = await sharp({ create: { width: 40, height: 40, channels: 3, background: '#808080' } })
      .greyscale()
      .png()
      .toBuffer();
    expect((await decodeImage(grey, spec, 1_000_000)).rgb.length).toBe(spec.width * spec.height * 3);
  });

  it('applies the EXIF orientation first: a sideways phone photo comes out upright', async () => {
    // Upright: left half red, right half blue. Stored turned 90° anticlockwise with orientation 6 ("turn 90°
    // clockwise to view"), as a phone held sideways writes it.
    const blue = { create: { width: 150, height: 200, channels: 3 as const, background: '#0000ff' } };
    const upright = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#ff0000' } })
      .composite([{ input: blue, left: 150, top: 0 }])
      .png()
      .toBuffer();
    const stored = await sharp(upright)
      .rotate(-90)
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect((await sharp(stored).metadata()).width).toBe(200);
    const img = await decodeImage(stored, { ...spec224, policy: 'stretch' }, 1_000_000);
    expect([img.sourceWidth, img.sourceHeight]).toEqual([300, 200]);
    const at = (x: number, y: number) =>
      Array.from(img.rgb.subarray((y * 224 + x) * 3, (y * 224 + x) * 3 + 3));
    expect(at(5, 5)[0]).toBeGreaterThan(200); // top left red
    expect(at(218, 5)[2]).toBeGreaterThan(200); // top right blue
  });

  it('reduces large photos with libvips (JPEG shrink-on-load) and the rest with the exact Pillow arithmetic', async () => {
    const big = await solid(1600, 1200, [30, 60, 90], 'jpeg');
    expect((await decodeImage(big, spec224, 4_000_000, { margin: 1.25 })).path).toBe('libvips');
    // 1200 is under 3 × 2 × 256: decoded whole.
    expect((await decodeImage(big, spec224, 4_000_000, { margin: 2 })).path).toBe('exact');
    const small = await solid(700, 500, [30, 60, 90], 'jpeg');
    expect((await decodeImage(small, spec224, 4_000_000, { margin: 1 })).path).toBe('exact');
  });

  it('decodeSource leaves the exact resize and the crop to do (the worker does them); done, they give decodeImage', async () => {
    const photo = await solid(300, 200, [30, 160, 90], 'jpeg');
    const src = await decodeSource(photo, spec224, 1_000_000);
    expect(src).toMatchObject({
      width: 300,
      height: 200,
      resizeWidth: 384,
      resizeHeight: 256,
      path: 'exact',
    });
    expect(src.crop).toEqual({ left: 80, top: 16, width: 224, height: 224 });
    expect(src.rgb.length).toBe(300 * 200 * 3);
    expect(
      Buffer.from(resizeSource(src, spec224)).equals(
        Buffer.from((await decodeImage(photo, spec224, 1_000_000)).rgb),
      ),
    ).toBe(true);
    // Large: libvips reduced it while decoding to 1.25 × the target; the exact resize and the crop are left.
    const big = await decodeSource(await solid(1600, 1200, [30, 60, 90], 'jpeg'), spec224, 4_000_000, {
      margin: 1.25,
    });
    expect(big).toMatchObject({
      width: 427,
      height: 320,
      resizeWidth: 341,
      resizeHeight: 256,
      path: 'libvips',
    });
    expect(big.crop).toEqual({ left: 58, top: 16, width: 224, height: 224 });
    // Margin 1: libvips resizes all the way, only the crop is left.
    const whole = await decodeSource(await solid(1600, 1200, [30, 60, 90], 'jpeg'), spec224, 4_000_000, {
      margin: 1,
    });
    expect([whole.width, whole.height, whole.resizeWidth, whole.resizeHeight]).toEqual([341, 256, 341, 256]);
  });

  it('refuses images over the pixel limit from the header', async () => {
    expect(await codeOf(decodeImage(await solid(200, 200, [1, 2, 3]), spec, 100 * 100))).toBe(
      'IMAGE_TOO_LARGE',
    );
  });

  it('refuses bytes that are no image, truncated JPEGs and other formats', async () => {
    expect(await codeOf(decodeImage(Buffer.from('not an image at all'), spec, 1_000_000))).toBe(
      'INVALID_IMAGE',
    );
    const jpeg = await solid(300, 300, [9, 99, 199], 'jpeg');
    expect(await codeOf(decodeImage(jpeg.subarray(0, jpeg.length >> 1), spec, 1_000_000))).toBe(
      'INVALID_IMAGE',
    );
    const gif = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#fff' } })
      .gif()
      .toBuffer();
    expect(await codeOf(decodeImage(gif, spec, 1_000_000))).toBe('UNSUPPORTED_IMAGE_FORMAT');
  });

  it('answers a decoder that returns another size than asked as a server fault (500), not INVALID_IMAGE', async () => {
    // One pixel short: what a decoder bug or a libvips resize rounding differently would give.
    const short: PixelDecoder = async (bytes, options, resize) => {
      const out = await sharpPixelDecoder(bytes, options, resize);
      return { data: out.data.subarray(3), info: { ...out.info, width: out.info.width - 1 } };
    };
    for (const [w, h] of [
      [300, 200],
      [1600, 1200],
    ] as const) {
      const photo = await solid(w, h, [30, 60, 90], 'jpeg');
      const err: unknown = await decodeSource(photo, spec224, 4_000_000, { decode: short }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ImagePipelineError);
      expect(toErrorResponse(err)).toMatchObject({
        statusCode: 500,
        body: { error: { code: 'INTERNAL_ERROR' } },
      });
    }
  });

  it("maps the decoder's own failure to 400 INVALID_IMAGE", async () => {
    const failing: PixelDecoder = () => Promise.reject(new Error('VipsJpeg: premature end of JPEG image'));
    const photo = await solid(300, 200, [30, 60, 90], 'jpeg');
    expect(await codeOf(decodeSource(photo, spec224, 1_000_000, { decode: failing }))).toBe('INVALID_IMAGE');
  });
});
