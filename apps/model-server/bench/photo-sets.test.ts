import { describe, expect, it } from 'vitest';
import { spread } from './photo-sets.js';

describe('spread', () => {
  it('takes n items evenly over the whole list, in order', () => {
    const breeds = Array.from({ length: 12 }, (_, i) => `breed${Math.floor(i / 3)}-${i % 3}`);
    expect(spread(breeds, 4)).toEqual(['breed0-0', 'breed1-0', 'breed2-0', 'breed3-0']);
    expect(spread([1, 2, 3], 5)).toEqual([1, 2, 3]);
    expect(spread([1, 2, 3, 4, 5], 2)).toEqual([1, 3]);
  });
});
