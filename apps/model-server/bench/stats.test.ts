import { describe, expect, it } from 'vitest';
import { efficiency, idleShare, mean, parseCpuTimes, percentile, summarise } from './stats.js';

describe('bench stats', () => {
  it('computes nearest-rank percentiles', () => {
    const v = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
    expect(percentile(v, 50)).toBe(5);
    expect(percentile(v, 95)).toBe(10);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
    expect(mean([1, 2, 3])).toBe(2);
  });

  it('summarises throughput and overhead', () => {
    const s = { clientMs: 12, decode: 1, preprocess: 0.5, inference: 10, total: 11 };
    const f = summarise(2, [s, s, s, s], 2, { clientMs: 2, serverMs: 60, cores: 2, idleShare: 0.1 });
    expect(f.imagesPerSecond).toBe(2);
    expect(f.clientCpuMsPerRequest).toBe(0.5);
    expect(f.serverCpuMsPerImage).toBe(15);
    expect(f.cpuShareOfCores).toBeCloseTo(62 / 4000, 12);
    expect(f.idleShareOfCores).toBe(0.1);
    expect(f.overheadVsModel).toBeCloseTo(0.2);
    expect(f.overheadVsModelMedian).toBeCloseTo(0.2);
    expect(f.serverShareOutsideModel).toBeCloseTo(1 / 11);
  });
});

describe('efficiency', () => {
  it('bounds throughput by cores ÷ CPU time per image: 2 cores, 8 + 2 + 10 ms → 100 img/s', () => {
    const e = efficiency({
      stages: [
        { cpuMs: 8, wallMs: 8 },
        { cpuMs: 2, wallMs: 2 },
        { cpuMs: 10, wallMs: 6 },
      ],
      cores: 2,
      best: { imagesPerSecond: 90, clientCpuMsPerRequest: 5, serverCpuMsPerImage: 21, cpuShareOfCores: 0.95 },
      p95AtConcurrency1Ms: 20,
      pipeline: {
        concurrency: 8,
        images: 400,
        imagesPerSecond: 80,
        cpuMsPerImage: 24,
        idleShareOfCores: 0.05,
      },
    });
    expect(e.boundImagesPerSecond).toBe(100);
    expect(e.fractionOfBound).toBeCloseTo(0.9, 12);
    // With the client's 5 ms: 2 cores ÷ 25 ms = 80 img/s.
    expect(e.boundWithClientImagesPerSecond).toBe(80);
    expect(e.fractionOfBoundWithClient).toBeCloseTo(90 / 80, 12);
    expect(e.serverCpuVsStages).toBeCloseTo(1.05, 12);
    expect(e.cpuShareOfCores).toBe(0.95);
    expect(e.p95AtConcurrency1VsAlone).toBeCloseTo(20 / 16, 12);
    // In-process 80 img/s: the path itself reaches 80 % of the bound, and the server beat it by 12.5 %.
    expect(e.pipeline.fractionOfBound).toBeCloseTo(0.8, 12);
    expect(e.pipeline.serverVsPipeline).toBeCloseTo(90 / 80, 12);
    expect(e.pipeline.idleShareOfCores).toBe(0.05);
  });
});

describe('idle share from /proc/stat', () => {
  it('counts idle and iowait against every state, steal included', () => {
    const before = parseCpuTimes('cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3\n');
    expect(before).toEqual({ idle: 850, total: 1000 });
    // 200 jiffies pass: 150 busy (user 120, system 20, steal 10), 50 idle.
    const after = parseCpuTimes('cpu  220 0 70 850 50 0 0 10 0 0\n');
    expect(idleShare(before, after)).toBeCloseTo(0.25, 12);
    expect(idleShare(after, after)).toBeNaN();
    expect(() => parseCpuTimes('intr 1 2 3')).toThrow('not /proc/stat');
  });
});
