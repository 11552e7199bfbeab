/** The stages-alone figures keep, per stage, the cheapest of several measurements. */
import { describe, expect, it } from 'vitest';
import { cheapest } from './components.js';

describe('cheapest', () => {
  it('takes each stage from the measurement where it cost the least CPU, and counts every image', () => {
    const run = (d: number, p: number, i: number) => ({
      images: 40,
      decode: { cpuMs: d, wallMs: d + 1 },
      preprocess: { cpuMs: p, wallMs: p },
      inference: { cpuMs: i, wallMs: i / 2 },
    });
    expect(cheapest([run(5, 0.6, 8), run(4, 0.7, 9), run(6, 0.5, 7)])).toEqual({
      images: 120,
      decode: { cpuMs: 4, wallMs: 5 },
      preprocess: { cpuMs: 0.5, wallMs: 0.5 },
      inference: { cpuMs: 7, wallMs: 3.5 },
    });
  });
});
