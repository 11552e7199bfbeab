/** The flags, the windows, the capture layout, and the datapoints a run publishes (pure parts of the CLI). */
import { DEFAULT_SPEC } from '@dogbreed/platform-spec';
import { driftChecks, driftFigures, summarize } from '@dogbreed/model-quality';
import { describe, expect, it } from 'vitest';
import { hourFolders, parseSource, parseWindow } from './captures.js';
import { parseCli } from './cli.js';
import { UsageError } from './errors.js';
import { driftDatapoints } from './metrics.js';

describe('parseCli', () => {
  it('reads the flags; exactly one baseline; a window or hours', () => {
    const a = parseCli([
      '--captures',
      's3://b/data-capture/',
      '--endpoint',
      'ep',
      '--baseline',
      'm',
      '--out',
      'o',
    ]);
    expect(a).toMatchObject({
      captures: { kind: 's3', bucket: 'b', prefix: 'data-capture' },
      publishMetrics: false,
    });
    expect(() => parseCli(['--captures', 'd', '--endpoint', 'ep', '--out', 'o'])).toThrow(/exactly one/);
    expect(() =>
      parseCli([
        '--captures',
        'd',
        '--endpoint',
        'ep',
        '--baseline',
        'm',
        '--window-hours',
        '0',
        '--out',
        'o',
      ]),
    ).toThrow(UsageError);
    expect(() => parseCli(['--captures', 'd', '--endpoint', 'ep', '--baseline', 'm', '--bogus'])).toThrow(
      UsageError,
    );
    expect(parseSource('/tmp/cap')).toEqual({ kind: 'local', dir: '/tmp/cap' });
  });

  it('parses START/END windows and lists the hour folders they touch', () => {
    const w = parseWindow('2026-12-07T10:30:00Z/2026-12-07T12:00:00Z', '--window');
    expect(hourFolders('ep', 'AllTraffic', w)).toEqual([
      'ep/AllTraffic/2026/12/07/10',
      'ep/AllTraffic/2026/12/07/11',
    ]);
    expect(() => parseWindow('2026-12-07T12:00:00Z/2026-12-07T10:00:00Z', '--window')).toThrow(
      /after the start/,
    );
    expect(() => parseWindow('yesterday', '--window')).toThrow(UsageError);
  });
});

describe('driftDatapoints', () => {
  const obs = (label: string) => ({
    ok: true as const,
    id: label,
    time: '2026-12-07T10:00:00Z',
    top1: { label, probability: 0.9 },
    latencyMs: 1,
    modelVersion: 'm',
  });
  const figures = driftFigures(
    summarize(Array.from({ length: 10 }, () => obs('a'))),
    summarize(Array.from({ length: 10 }, () => obs('b'))),
  );
  const at = new Date('2026-12-07T11:00:00Z');

  it('sends the measured figures with the endpoint and variant dimensions, never an unmeasured one', () => {
    const { verdict } = driftChecks(figures, { ...DEFAULT_SPEC.rollout.drift, minRequests: 5 });
    const d = driftDatapoints({ endpoint: 'ep', figures, verdict, at });
    expect(d.map((x) => x.MetricName)).toEqual(['Answers', 'ClassMixPsi', 'ConfidencePsi']);
    expect(d[0]?.Dimensions).toEqual([
      { Name: 'EndpointName', Value: 'ep' },
      { Name: 'VariantName', Value: 'all' },
    ]);
  });

  it('sends only Answers when there was not enough data', () => {
    const d = driftDatapoints({ endpoint: 'ep', variant: 'v', figures, verdict: 'not-enough-data', at });
    expect(d.map((x) => x.MetricName)).toEqual(['Answers']);
  });
});
