/** Escaping and round axes, as every report's charts and tables use them. */
import { describe, expect, it } from 'vitest';
import { escapeHtml, formatTick, niceAxis } from './index.js';

describe('html-report', () => {
  it('escapes markup and quotes', () => {
    expect(escapeHtml('<a href="x">&</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
  });

  it('rounds an axis up to 1, 2 or 5 × 10ⁿ with about five ticks', () => {
    expect(niceAxis(7)).toEqual({ max: 8, step: 2 });
    expect(niceAxis(280)).toEqual({ max: 300, step: 100 });
    expect(niceAxis(0)).toEqual({ max: 1, step: 0.2 });
    expect(niceAxis(10)).toEqual({ max: 10, step: 2 });
  });

  it('labels ticks without noise', () => {
    expect(formatTick(4)).toBe('4');
    expect(formatTick(0.25)).toBe('0.3');
  });
});
