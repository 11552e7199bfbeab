/**
 * Pillow's antialiased bilinear resize (Resample.c, 8 bits per channel), bit for bit, restricted to a crop of the
 * output: the trainer's eval transform is torchvision `Resize` (PIL bilinear) then `CenterCrop`, and computing only
 * the cropped output pixels gives exactly the same values, since every output pixel depends only on its own
 * source window. Same coefficient maths in float64, same 22-bit fixed point, same rounding, same horizontal-then-
 * vertical order with a uint8 intermediate: the server's pixels equal the trainer's, not just approximately.
 */

/** Pillow: 32 bits minus 8 for the pixel and 2 for headroom. */
const PRECISION_BITS = 22;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

export interface Crop {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

interface Coefficients {
  /** Per output index: first source index and number of taps. */
  readonly first: Int32Array;
  readonly count: Int32Array;
  /** Fixed-point weights, `ksize` per output index. */
  readonly weights: Int32Array;
  readonly ksize: number;
}

/** Pillow's clip8 on an int32 accumulator: the 22-bit shift (a floor), then 0..255. */
const clip8 = (acc: number): number => {
  const v = acc >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
};

const bilinear = (x: number): number => {
  const a = x < 0 ? -x : x;
  return a < 1 ? 1 - a : 0;
};

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc for the bilinear filter (support 1). */
export function coefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterscale = scale < 1 ? 1 : scale;
  const support = 1 * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = bilinear((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < ksize; x++) {
      const w = x < xmax && ww !== 0 ? (k[x] as number) / ww : 0;
      weights[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    first[xx] = xmin;
    count[xx] = xmax;
  }
  return { first, count, weights, ksize };
}

/**
 * Resizes packed RGB (HWC uint8) `srcWidth`×`srcHeight` to `outWidth`×`outHeight` as Pillow's
 * `Image.resize(..., BILINEAR)` would, and returns only `crop` of the result (HWC uint8).
 *
 * The arithmetic is Pillow's, written for V8: the accumulators stay int32 (`Math.imul`, `| 0`; with the bilinear
 * filter every weight is ≥ 0 and a sum is at most 255 × 2^22 + 2^21 < 2^31) and `clip8` is Pillow's shift and
 * clamp. Two or three taps (a downscale up to 1.5×, every upscale) are unrolled, and the vertical pass runs along
 * whole rows instead of one pixel's column at a time. Every array is a plain Uint8Array so that each loop sees
 * one element kind. Written plainly this was the largest cost of a request (7 ms CPU of a 426×320 photo's 11 ms
 * decode on the workspace; see the README's serving-efficiency figures).
 */
export function resizeCropRgb(
  src: Uint8Array,
  srcWidth: number,
  srcHeight: number,
  outWidth: number,
  outHeight: number,
  crop: Crop,
): Uint8Array {
  if (src.length !== srcWidth * srcHeight * 3)
    throw new RangeError(`expected ${srcWidth * srcHeight * 3} RGB bytes, got ${src.length}`);
  if (
    crop.left < 0 ||
    crop.top < 0 ||
    crop.left + crop.width > outWidth ||
    crop.top + crop.height > outHeight
  ) {
    throw new RangeError(`crop ${JSON.stringify(crop)} leaves the ${outWidth}×${outHeight} image`);
  }
  const needH = outWidth !== srcWidth;
  const needV = outHeight !== srcHeight;
  const cw = crop.width;
  const rowBytes = cw * 3;
  // Source rows the crop's output rows read (all of them when only the width changes).
  const vert = needV ? coefficients(srcHeight, outHeight) : undefined;
  const rowFirst = vert ? (vert.first[crop.top] as number) : crop.top;
  const lastRow = crop.top + crop.height - 1;
  const rowEnd = vert ? (vert.first[lastRow] as number) + (vert.count[lastRow] as number) : lastRow + 1;

  // Horizontal pass into a uint8 intermediate: rows [rowFirst, rowEnd), the crop's columns only.
  const rows = rowEnd - rowFirst;
  const mid = needH
    ? horizontalPass(src, srcWidth, outWidth, rowFirst, rows, crop)
    : new Uint8Array(rows * rowBytes);
  if (!needH) {
    for (let r = 0; r < rows; r++) {
      const from = ((rowFirst + r) * srcWidth + crop.left) * 3;
      mid.set(src.subarray(from, from + rowBytes), r * rowBytes);
    }
  }
  if (!vert) return rows === crop.height ? mid : mid.subarray(0, crop.height * rowBytes);
  return verticalPass(mid, rowBytes, rowFirst, crop, vert);
}

function horizontalPass(
  src: Uint8Array,
  srcWidth: number,
  outWidth: number,
  rowFirst: number,
  rows: number,
  crop: Crop,
): Uint8Array {
  const cw = crop.width;
  const h = coefficients(srcWidth, outWidth);
  const { ksize, weights, count, first } = h;
  const end = crop.left + cw;
  const mid = new Uint8Array(rows * cw * 3);
  let o = 0;
  for (let r = 0; r < rows; r++) {
    const srcRow = (rowFirst + r) * srcWidth * 3;
    for (let xx = crop.left; xx < end; xx++) {
      const n = count[xx] as number;
      const kb = xx * ksize;
      let p = srcRow + (first[xx] as number) * 3;
      const w0 = weights[kb] as number;
      const w1 = weights[kb + 1] as number;
      if (n === 2) {
        mid[o] = clip8(HALF + Math.imul(src[p] as number, w0) + Math.imul(src[p + 3] as number, w1));
        mid[o + 1] = clip8(HALF + Math.imul(src[p + 1] as number, w0) + Math.imul(src[p + 4] as number, w1));
        mid[o + 2] = clip8(HALF + Math.imul(src[p + 2] as number, w0) + Math.imul(src[p + 5] as number, w1));
      } else if (n === 3) {
        const w2 = weights[kb + 2] as number;
        mid[o] = clip8(
          HALF +
            Math.imul(src[p] as number, w0) +
            Math.imul(src[p + 3] as number, w1) +
            Math.imul(src[p + 6] as number, w2),
        );
        mid[o + 1] = clip8(
          HALF +
            Math.imul(src[p + 1] as number, w0) +
            Math.imul(src[p + 4] as number, w1) +
            Math.imul(src[p + 7] as number, w2),
        );
        mid[o + 2] = clip8(
          HALF +
            Math.imul(src[p + 2] as number, w0) +
            Math.imul(src[p + 5] as number, w1) +
            Math.imul(src[p + 8] as number, w2),
        );
      } else {
        let a0 = HALF;
        let a1 = HALF;
        let a2 = HALF;
        for (let x = 0; x < n; x++, p += 3) {
          const w = weights[kb + x] as number;
          a0 = (a0 + Math.imul(src[p] as number, w)) | 0;
          a1 = (a1 + Math.imul(src[p + 1] as number, w)) | 0;
          a2 = (a2 + Math.imul(src[p + 2] as number, w)) | 0;
        }
        mid[o] = clip8(a0);
        mid[o + 1] = clip8(a1);
        mid[o + 2] = clip8(a2);
      }
      o += 3;
    }
  }
  return mid;
}

/** Vertical pass on the intermediate (its row 0 is source row `rowFirst`), one output row at a time. */
function verticalPass(
  mid: Uint8Array,
  rowBytes: number,
  rowFirst: number,
  crop: Crop,
  vert: Coefficients,
): Uint8Array {
  const { ksize, weights, count, first } = vert;
  const out = new Uint8Array(crop.height * rowBytes);
  const acc = new Int32Array(rowBytes);
  for (let cy = 0; cy < crop.height; cy++) {
    const yy = crop.top + cy;
    const n = count[yy] as number;
    const kb = yy * ksize;
    const r0 = ((first[yy] as number) - rowFirst) * rowBytes;
    const o = cy * rowBytes;
    const w0 = weights[kb] as number;
    const w1 = weights[kb + 1] as number;
    const w2 = weights[kb + 2] as number;
    if (n === 2) {
      const r1 = r0 + rowBytes;
      for (let i = 0; i < rowBytes; i++)
        out[o + i] = clip8(
          HALF + Math.imul(mid[r0 + i] as number, w0) + Math.imul(mid[r1 + i] as number, w1),
        );
    } else if (n === 3) {
      const r1 = r0 + rowBytes;
      const r2 = r1 + rowBytes;
      for (let i = 0; i < rowBytes; i++)
        out[o + i] = clip8(
          HALF +
            Math.imul(mid[r0 + i] as number, w0) +
            Math.imul(mid[r1 + i] as number, w1) +
            Math.imul(mid[r2 + i] as number, w2),
        );
    } else {
      acc.fill(HALF);
      for (let y = 0; y < n; y++) {
        const w = weights[kb + y] as number;
        const r = r0 + y * rowBytes;
        for (let i = 0; i < rowBytes; i++)
          acc[i] = ((acc[i] as number) + Math.imul(mid[r + i] as number, w)) | 0;
      }
      for (let i = 0; i < rowBytes; i++) out[o + i] = clip8(acc[i] as number);
    }
  }
  return out;
}
