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

const clip8 = (acc: number): number => {
  const v = Math.floor(acc / ONE);
  return v < 0 ? 0 : v > 255 ? 255 : v;
};

/**
 * Resizes packed RGB (HWC uint8) `srcWidth`×`srcHeight` to `outWidth`×`outHeight` as Pillow's
 * `Image.resize(..., BILINEAR)` would, and returns only `crop` of the result (HWC uint8).
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
  // Source rows the crop's output rows read (all of them when only the width changes).
  const vert = needV ? coefficients(srcHeight, outHeight) : undefined;
  const rowFirst = vert ? (vert.first[crop.top] as number) : crop.top;
  const lastRow = crop.top + crop.height - 1;
  const rowEnd = vert ? (vert.first[lastRow] as number) + (vert.count[lastRow] as number) : lastRow + 1;

  // Horizontal pass into a uint8 intermediate: rows [rowFirst, rowEnd), the crop's columns only.
  const rows = rowEnd - rowFirst;
  const mid = new Uint8Array(rows * cw * 3);
  if (needH) {
    const h = coefficients(srcWidth, outWidth);
    for (let r = 0; r < rows; r++) {
      const srcRow = (rowFirst + r) * srcWidth * 3;
      for (let cx = 0; cx < cw; cx++) {
        const xx = crop.left + cx;
        const xmin = h.first[xx] as number;
        const n = h.count[xx] as number;
        const kb = xx * h.ksize;
        let a0 = HALF;
        let a1 = HALF;
        let a2 = HALF;
        for (let x = 0; x < n; x++) {
          const w = h.weights[kb + x] as number;
          const p = srcRow + (xmin + x) * 3;
          a0 += (src[p] as number) * w;
          a1 += (src[p + 1] as number) * w;
          a2 += (src[p + 2] as number) * w;
        }
        const o = (r * cw + cx) * 3;
        mid[o] = clip8(a0);
        mid[o + 1] = clip8(a1);
        mid[o + 2] = clip8(a2);
      }
    }
  } else {
    for (let r = 0; r < rows; r++) {
      const from = ((rowFirst + r) * srcWidth + crop.left) * 3;
      mid.set(src.subarray(from, from + cw * 3), r * cw * 3);
    }
  }
  if (!vert) return rows === crop.height ? mid : mid.subarray(0, crop.height * cw * 3);

  // Vertical pass on the intermediate (its row 0 is source row `rowFirst`).
  const out = new Uint8Array(crop.height * cw * 3);
  for (let cy = 0; cy < crop.height; cy++) {
    const yy = crop.top + cy;
    const ymin = (vert.first[yy] as number) - rowFirst;
    const n = vert.count[yy] as number;
    const kb = yy * vert.ksize;
    for (let i = 0; i < cw * 3; i++) {
      let acc = HALF;
      for (let y = 0; y < n; y++)
        acc += (mid[(ymin + y) * cw * 3 + i] as number) * (vert.weights[kb + y] as number);
      out[cy * cw * 3 + i] = clip8(acc);
    }
  }
  return out;
}
