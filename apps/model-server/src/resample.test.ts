/**
 * The fast resize must stay Pillow's arithmetic bit for bit: it is checked against a plain transcription of
 * Pillow's loops (per pixel, float division for clip8, the form resample.ts had before it was tuned) on random
 * images, sizes and crops. Pillow itself is compared in tests/integration/parity.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { coefficients, resizeCropRgb, type Crop } from './resample.js';

const ONE = 2 ** 22;
const HALF = 2 ** 21;
const clip8 = (acc: number) => Math.min(255, Math.max(0, Math.floor(acc / ONE)));

/** Pillow's ImagingResampleHorizontal/Vertical_8bpc, one output pixel at a time, then the crop. */
function reference(src: Uint8Array, sw: number, sh: number, ow: number, oh: number, crop: Crop): Uint8Array {
  let img = src;
  let w = sw;
  if (ow !== sw) {
    const h = coefficients(sw, ow);
    const next = new Uint8Array(ow * sh * 3);
    for (let y = 0; y < sh; y++)
      for (let xx = 0; xx < ow; xx++)
        for (let c = 0; c < 3; c++) {
          let acc = HALF;
          for (let x = 0; x < (h.count[xx] as number); x++)
            acc +=
              (img[(y * w + (h.first[xx] as number) + x) * 3 + c] as number) *
              (h.weights[xx * h.ksize + x] as number);
          next[(y * ow + xx) * 3 + c] = clip8(acc);
        }
    img = next;
    w = ow;
  }
  if (oh !== sh) {
    const v = coefficients(sh, oh);
    const next = new Uint8Array(w * oh * 3);
    for (let yy = 0; yy < oh; yy++)
      for (let i = 0; i < w * 3; i++) {
        let acc = HALF;
        for (let y = 0; y < (v.count[yy] as number); y++)
          acc +=
            (img[((v.first[yy] as number) + y) * w * 3 + i] as number) *
            (v.weights[yy * v.ksize + y] as number);
        next[yy * w * 3 + i] = clip8(acc);
      }
    img = next;
  }
  const out = new Uint8Array(crop.width * crop.height * 3);
  for (let y = 0; y < crop.height; y++)
    out.set(
      img.subarray(((crop.top + y) * w + crop.left) * 3, ((crop.top + y) * w + crop.left + crop.width) * 3),
      y * crop.width * 3,
    );
  return out;
}

/** Deterministic pseudo-random numbers (mulberry32), so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('resizeCropRgb', () => {
  it('equals the per-pixel Pillow transcription on random images, sizes and crops', () => {
    const rand = rng(20261130);
    const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
    for (let t = 0; t < 60; t++) {
      const sw = int(1, 90);
      const sh = int(1, 90);
      // Downscale (up to ~5×, so more than three vertical taps), upscale, and one axis unchanged.
      const ow = t % 7 === 0 ? sw : int(1, 120);
      const oh = t % 5 === 0 ? sh : int(1, 120);
      const width = int(1, ow);
      const height = int(1, oh);
      const crop = { left: int(0, ow - width), top: int(0, oh - height), width, height };
      const src = new Uint8Array(sw * sh * 3);
      // Saturated extremes as well as noise, so the clamps are exercised.
      for (let i = 0; i < src.length; i++) src[i] = t % 3 === 0 ? (rand() < 0.5 ? 0 : 255) : int(0, 255);
      const got = resizeCropRgb(src, sw, sh, ow, oh, crop);
      expect(got).toBeInstanceOf(Uint8Array);
      expect(Array.from(got), JSON.stringify({ sw, sh, ow, oh, crop })).toEqual(
        Array.from(reference(src, sw, sh, ow, oh, crop)),
      );
    }
  });

  it('refuses a buffer of the wrong size and a crop outside the image', () => {
    expect(() =>
      resizeCropRgb(new Uint8Array(5), 2, 1, 1, 1, { left: 0, top: 0, width: 1, height: 1 }),
    ).toThrow(RangeError);
    expect(() =>
      resizeCropRgb(new Uint8Array(12), 2, 2, 2, 2, { left: 1, top: 0, width: 2, height: 1 }),
    ).toThrow(RangeError);
  });
});
