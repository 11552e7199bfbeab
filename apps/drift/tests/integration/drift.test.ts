/**
 * The CLI on capture folders the test writes (a shifted mix fails, the same mix passes, a quiet window is "not enough
 * data"), and on S3 with metrics published, both against moto: the real SDK calls a scheduled run makes.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { driftMetricNamespace } from '@dogbreed/model-quality';
import { dataCaptureFolder, PLATFORM_SPEC } from '@dogbreed/platform-spec';
import { motoAvailable, startMoto, type MotoServer } from '@dogbreed/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { DriftReportSchema } from '../../src/report.js';
import { jsonl, records } from '../support/captures.js';

const work = mkdtempSync(join(tmpdir(), 'drift-it-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const T0 = new Date('2026-12-07T10:00:00Z');
const T1 = new Date('2026-12-07T11:00:00Z');
const HOUR1 = '2026-12-07T10:00:00Z/2026-12-07T11:00:00Z';
const HOUR2 = '2026-12-07T11:00:00Z/2026-12-07T12:00:00Z';
// minRequests 50 for 60-record windows; the other thresholds are the defaults.
const env = { DOGBREED_SPEC_JSON: JSON.stringify({ rollout: { drift: { minRequests: 50 } } }) };

const first = [
  ...records(40, 'beagle', 0.95, T0, true),
  ...records(20, 'pug', 0.9, new Date(T0.getTime() + 60_000), true),
];
const sameMix = [
  ...records(40, 'beagle', 0.95, T1, true),
  ...records(20, 'pug', 0.9, new Date(T1.getTime() + 60_000), true),
];
const shifted = [
  ...records(10, 'beagle', 0.95, T1, true),
  ...records(30, 'dingo', 0.4, new Date(T1.getTime() + 60_000), true),
  ...records(20, 'pug', 0.3, new Date(T1.getTime() + 120_000), false),
];

function captureDir(name: string, second: typeof first): string {
  const root = join(work, name);
  for (const [at, rs] of [
    [T0, first],
    [T1, second],
  ] as const) {
    const dir = join(root, dataCaptureFolder('ep', 'AllTraffic', at));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'capture.jsonl'), jsonl(rs));
  }
  return root;
}

async function cli(argv: string[], extra: Partial<Parameters<typeof runCli>[1]> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { env, stdout: (l) => out.push(l), stderr: (l) => err.push(l), ...extra });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const report = (dir: string) =>
  DriftReportSchema.parse(JSON.parse(readFileSync(join(dir, 'drift-report.json'), 'utf8')));

describe('dogbreed-drift on a capture folder', () => {
  it('finds a shifted mix against the reference window and exits 1, with the three report files', async () => {
    const out = join(work, 'out-shift');
    const r = await cli([
      '--captures',
      captureDir('shift', shifted),
      '--endpoint',
      'ep',
      '--baseline-window',
      HOUR1,
      '--window',
      HOUR2,
      '--out',
      out,
    ]);
    expect(r.code, r.err).toBe(1);
    expect(r.out).toContain('FAIL');
    const rep = report(out);
    expect(rep.verdict).toBe('fail');
    expect(rep.figures.answers).toBe(60);
    expect(rep.read.outsideWindow).toBe(0);
    expect(rep.checks.filter((c) => c.result === 'fail').map((c) => c.name)).toEqual([
      'maxClassMixPsi',
      'maxConfidencePsi',
      'maxNotADogRateIncrease',
    ]);
    expect(readFileSync(join(out, 'drift-report.md'), 'utf8')).toContain('| maxClassMixPsi |');
    const html = readFileSync(join(out, 'drift-report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('FAIL');
  });

  it('passes the same mix, and says not enough data for a window the records barely touch', async () => {
    const dir = captureDir('same', sameMix);
    const r = await cli([
      '--captures',
      dir,
      '--endpoint',
      'ep',
      '--baseline-window',
      HOUR1,
      '--window',
      HOUR2,
      '--out',
      join(work, 'o2'),
    ]);
    expect(r.code, r.err).toBe(0);
    expect(report(join(work, 'o2')).figures.classMixPsi).toBeCloseTo(0, 9);
    // 11:00:00 to 11:00:10: 10 records, fewer than minRequests 50.
    const q = await cli([
      '--captures',
      dir,
      '--endpoint',
      'ep',
      '--baseline-window',
      HOUR1,
      '--window',
      '2026-12-07T11:00:00Z/2026-12-07T11:00:10Z',
      '--out',
      join(work, 'o3'),
    ]);
    expect(q.code).toBe(0);
    expect(q.out).toContain('not enough data');
    expect(report(join(work, 'o3'))).toMatchObject({ verdict: 'not-enough-data', figures: { answers: 10 } });
  });

  it('refuses a missing folder or a bad evaluation.json with a clear message and exit 2', async () => {
    const missing = await cli([
      '--captures',
      join(work, 'nope'),
      '--endpoint',
      'ep',
      '--baseline-window',
      HOUR1,
      '--out',
      join(work, 'o4'),
    ]);
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.err).toContain('does not exist');
    const bad = join(work, 'evaluation.json');
    writeFileSync(bad, JSON.stringify({ classNames: ['a'] }));
    const r = await cli([
      '--captures',
      captureDir('bad', sameMix),
      '--endpoint',
      'ep',
      '--baseline',
      bad,
      '--window',
      HOUR2,
      '--out',
      join(work, 'o5'),
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/is not an evaluation\.json: confusionMatrix/);
  });
});

describe.skipIf(!motoAvailable())(
  'dogbreed-drift on S3 with --publish-metrics (moto; skips without moto)',
  () => {
    let moto: MotoServer | undefined;
    afterAll(async () => moto?.stop());

    it('reads the window with ListObjectsV2 + GetObject and publishes the figures with PutMetricData', async () => {
      moto = await startMoto();
      const common = {
        region: PLATFORM_SPEC.project.region,
        endpoint: moto.endpoint,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      };
      const s3 = new S3Client({ ...common, forcePathStyle: true });
      const cloudwatch = new CloudWatchClient(common);
      await s3.send(new CreateBucketCommand({ Bucket: 'captures' }));
      for (const [at, rs] of [
        [T0, first],
        [T1, shifted],
      ] as const)
        await s3.send(
          new PutObjectCommand({
            Bucket: 'captures',
            Key: `data-capture/${dataCaptureFolder('ep', 'AllTraffic', at)}/a.jsonl`,
            Body: jsonl(rs),
          }),
        );
      const out = join(work, 'o-s3');
      const r = await cli(
        [
          '--captures',
          's3://captures/data-capture',
          '--endpoint',
          'ep',
          '--baseline-window',
          HOUR1,
          '--window',
          HOUR2,
          '--out',
          out,
          '--publish-metrics',
        ],
        { s3, cloudwatch },
      );
      expect(r.code, r.err).toBe(1);
      const rep = report(out);
      expect(rep.variants).toEqual(['AllTraffic']);
      expect(rep.figures.answers).toBe(60);
      const namespace = driftMetricNamespace(PLATFORM_SPEC.project.name);
      expect(rep.published).toEqual({
        namespace,
        metrics: ['Answers', 'ClassMixPsi', 'ConfidencePsi', 'NotADogRateIncrease'],
      });
      const listed = await cloudwatch.send(new ListMetricsCommand({ Namespace: namespace }));
      expect(new Set(listed.Metrics?.map((m) => m.MetricName))).toEqual(
        new Set(['Answers', 'ClassMixPsi', 'ConfidencePsi', 'NotADogRateIncrease']),
      );
      expect(listed.Metrics?.[0]?.Dimensions).toEqual(
        expect.arrayContaining([
          { Name: 'EndpointName', Value: 'ep' },
          { Name: 'VariantName', Value: 'all' },
        ]),
      );
    });
  },
);
