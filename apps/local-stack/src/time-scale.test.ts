import { describe, expect, it } from 'vitest';
import { specWith } from '@dogbreed/testing';
import { describeTimeScale, formatSeconds, scaledTiming } from './time-scale.js';

describe('time scale', () => {
  const a = specWith({}).autoscaling;
  it('divides periods and cooldowns by the factor', () => {
    expect(scaledTiming(a, 60)).toEqual({
      timeScale: 60,
      periodMs: 1000,
      scaleOutCooldownMs: 500,
      scaleInCooldownMs: 5000,
    });
    expect(scaledTiming(a, 1).scaleInCooldownMs).toBe(300_000);
    expect(() => scaledTiming(a, 0)).toThrow(RangeError);
  });
  it('says so in words', () => {
    expect(describeTimeScale(a, 60)).toBe(
      'time scale 60: 1 s stands for 1 min; metric period 1 min lasts 1 s; scale-out cooldown 30 s lasts 0.5 s; scale-in cooldown 300 s lasts 5 s',
    );
    expect(
      describeTimeScale(specWith({ autoscaling: { scaleInCooldownSeconds: 120 } }).autoscaling, 1),
    ).toContain('scale-in cooldown 120 s lasts 2 min');
  });
  it.each([
    [60, '1 min'],
    [90, '90 s'],
    [7200, '2 h'],
    [0.5, '0.5 s'],
  ])('formatSeconds(%d) = %s', (s, text) => expect(formatSeconds(s)).toBe(text));
});
