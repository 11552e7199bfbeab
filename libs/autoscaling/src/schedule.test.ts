import { describe, expect, it } from 'vitest';
import { specWith } from '@dogbreed/testing';
import { scheduledBounds } from './schedule.js';

const t = (iso: string) => Date.parse(iso);

describe('scheduledBounds', () => {
  it('is the policy min/max without a schedule', () => {
    expect(scheduledBounds(specWith({}).autoscaling, t('2026-11-30T12:00:00Z'))).toEqual({ min: 1, max: 4 });
  });

  it('follows the latest action: window start sets its bounds, window end restores the policy', () => {
    const a = specWith({
      autoscaling: {
        minInstances: 2,
        schedule: [
          { name: 'weekend', start: '0 0 * * SAT', end: '0 0 * * MON', minInstances: 1, maxInstances: 2 },
        ],
      },
    }).autoscaling;
    // 2026-11-28 is a Saturday.
    expect(scheduledBounds(a, t('2026-11-27T23:59:00Z'))).toEqual({ min: 2, max: 4 });
    expect(scheduledBounds(a, t('2026-11-28T00:00:00Z'))).toEqual({ min: 1, max: 2, window: 'weekend' });
    expect(scheduledBounds(a, t('2026-11-29T18:30:00Z'))).toEqual({ min: 1, max: 2, window: 'weekend' });
    expect(scheduledBounds(a, t('2026-11-30T00:00:00Z'))).toEqual({ min: 2, max: 4 });
  });
});
