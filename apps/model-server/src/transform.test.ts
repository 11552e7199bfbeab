/** The transform the inference worker applies after decoding: exact resize + crop, then normalisation into CHW. */
import { describe, expect, it } from 'vitest';
import { normalizeInto, preprocessInto, resizeSource, type SourceImage } from './transform.js';

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

  it('gives every byte value exactly the float32 of (x/255 - mean)/std computed in float64', () => {
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    const rgb = new Uint8Array(256 * 3);
    for (let v = 0; v < 256; v++) rgb.fill(v, v * 3, v * 3 + 3);
    const out = new Float32Array(256 * 3);
    normalizeInto(rgb, 256, mean, std, out);
    for (let c = 0; c < 3; c++)
      for (let v = 0; v < 256; v++)
        expect(out[c * 256 + v]).toBe(
          Math.fround(v * (1 / (255 * (std[c] as number))) - (mean[c] as number) / (std[c] as number)),
        );
  });

  it('refuses a buffer of the wrong size', () => {
    expect(() => normalizeInto(new Uint8Array(5), 2, [0, 0, 0], [1, 1, 1], new Float32Array(6))).toThrow(
      RangeError,
    );
  });
});

describe('preprocessInto', () => {
  const spec = { height: 2, width: 2, mean: [0, 0, 0], std: [1, 1, 1] } as const;
  // A 4×2 image, left half 255/0/0, right half 0/0/255: resized to 4×2 (nothing), cropped to its right 2×2.
  const rgb = Uint8Array.from(
    Array.from({ length: 8 }, (_, i) => (i % 4 < 2 ? [255, 0, 0] : [0, 0, 255])).flat(),
  );
  const source: SourceImage = {
    rgb,
    width: 4,
    height: 2,
    resizeWidth: 4,
    resizeHeight: 2,
    crop: { left: 2, top: 0, width: 2, height: 2 },
  };

  it('crops, then writes the planes at the offset of its image in the batch', () => {
    const batch = new Float32Array(2 * 3 * 4).fill(-1);
    preprocessInto(source, spec, batch, 12);
    expect(Array.from(batch.subarray(0, 12))).toEqual(Array(12).fill(-1));
    expect(Array.from(batch.subarray(12))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
    expect(Array.from(resizeSource(source, spec))).toEqual([0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0, 255]);
  });

  it('refuses a geometry that does not give the input size', () => {
    const wide = { ...source, crop: { left: 0, top: 0, width: 4, height: 2 } };
    expect(() => preprocessInto(wide, spec, new Float32Array(12))).toThrow('expected 2×2×3');
  });
});
