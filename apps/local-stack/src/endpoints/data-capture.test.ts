/** Data capture: SageMaker's record shape and folder layout, the deterministic sample, the bounded buffer. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { capturedBytes, DataCaptureRecordSchema, type DataCaptureRecord } from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/testing';
import {
  captureDir,
  describeDataCapture,
  captureEncoding,
  captureRecord,
  DataCapture,
  sampled,
  type CapturedInvocation,
  withCaptureDir,
} from './data-capture.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'data-capture-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const AT = new Date('2026-11-30T01:02:03.456Z');
const IMAGE = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 1, 2, 250]);
const ANSWER = Buffer.from('{"predictions":[{"label":"red_dog","index":0,"probability":0.9}]}');

function invocation(eventId: string, endpointName = 'dogbreed-single-instance'): CapturedInvocation {
  return {
    endpointName,
    variantName: 'AllTraffic',
    eventId,
    input: { body: IMAGE, contentType: 'image/jpeg' },
    output: { body: ANSWER, contentType: 'application/json' },
  };
}

/** Every .jsonl file under `dir`, relative path → parsed records. */
function readCaptures(dir: string): Map<string, DataCaptureRecord[]> {
  const out = new Map<string, DataCaptureRecord[]>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.jsonl')) continue;
    const path = join(entry.parentPath, entry.name);
    const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
    out.set(
      relative(dir, path),
      lines.map((l) => DataCaptureRecordSchema.parse(JSON.parse(l))),
    );
  }
  return out;
}

describe('capture record', () => {
  it("is SageMaker's JSONL record: image in base64, JSON answer as text, UTC time to the second", () => {
    const record = DataCaptureRecordSchema.parse(captureRecord(invocation('req-1'), AT));
    expect(record.eventMetadata).toEqual({ eventId: 'req-1', inferenceTime: '2026-11-30T01:02:03Z' });
    expect(record.eventVersion).toBe('0');
    const input = record.captureData.endpointInput;
    expect(input).toMatchObject({ observedContentType: 'image/jpeg', mode: 'INPUT', encoding: 'BASE64' });
    expect(input && capturedBytes(input)).toEqual(IMAGE);
    const output = record.captureData.endpointOutput;
    expect(output).toMatchObject({
      observedContentType: 'application/json',
      mode: 'OUTPUT',
      encoding: 'JSON',
    });
    expect(output?.data).toBe(ANSWER.toString('utf8'));
  });

  it('encodes by content type as SageMaker does by default, octet-stream when none was sent', () => {
    expect(captureEncoding('application/json; charset=utf-8')).toBe('JSON');
    expect(captureEncoding('application/vnd.thing+json')).toBe('JSON');
    expect(captureEncoding('text/csv')).toBe('CSV');
    expect(captureEncoding('image/png')).toBe('BASE64');
    expect(captureEncoding(undefined)).toBe('BASE64');
    const noType = captureRecord({ ...invocation('x'), input: { body: IMAGE, contentType: undefined } }, AT);
    expect(noType.captureData.endpointInput?.observedContentType).toBe('application/octet-stream');
  });
});

describe('sampling', () => {
  it('takes exactly the share, evenly spread, without randomness', () => {
    const take = (percent: number, n: number) =>
      Array.from({ length: n }, (_, i) => i).filter((i) => sampled(i, percent));
    expect(take(20, 20)).toEqual([4, 9, 14, 19]);
    expect(take(100, 5)).toEqual([0, 1, 2, 3, 4]);
    expect(take(0, 50)).toEqual([]);
    expect(take(33, 300)).toHaveLength(99);
  });
});

describe('DataCapture writer', () => {
  it("writes the sampled share per endpoint under SageMaker's <endpoint>/<variant>/yyyy/mm/dd/hh folders", async () => {
    const dir = tempDir();
    const capture = new DataCapture({
      dir,
      samplingPercent: 50,
      log: () => undefined,
      flushIntervalMs: 0,
      now: () => AT,
    });
    const taken = Array.from({ length: 10 }, (_, i) => capture.record(invocation(`s-${i}`)));
    taken.push(capture.record(invocation('m-0', 'dogbreed-multi-instance')));
    taken.push(capture.record(invocation('m-1', 'dogbreed-multi-instance')));
    expect(taken.filter(Boolean)).toHaveLength(6);
    expect(readCaptures(dir).size).toBe(0); // nothing on disk before a flush: recording never waits for it
    await capture.close();

    const files = readCaptures(dir);
    expect([...files.keys()].map((f) => f.split('/').slice(0, -1).join('/')).sort()).toEqual([
      'dogbreed-multi-instance/AllTraffic/2026/11/30/01',
      'dogbreed-single-instance/AllTraffic/2026/11/30/01',
    ]);
    for (const name of files.keys()) expect(name).toMatch(/\/02-03-456-[0-9a-f-]{36}\.jsonl$/);
    const events = [...files.values()].flat().map((r) => r.eventMetadata.eventId);
    expect(events.sort()).toEqual(['m-1', 's-1', 's-3', 's-5', 's-7', 's-9']);
    expect(capture.record(invocation('after-close'))).toBe(false);
  });

  it("captures a shadow pair's requests whatever the sample says, with the inference id, without moving the sample", async () => {
    const dir = tempDir();
    const capture = new DataCapture({
      dir,
      samplingPercent: 50,
      log: () => undefined,
      flushIntervalMs: 0,
      now: () => AT,
    });
    expect(capture.record({ ...invocation('pair-0'), inferenceId: 'id-0', always: true })).toBe(true);
    expect(capture.record({ ...invocation('pair-1'), inferenceId: 'id-1', always: true })).toBe(true);
    // The sample's counter did not see the two: the first sampled request is still the second one.
    expect([capture.record(invocation('s-0')), capture.record(invocation('s-1'))]).toEqual([false, true]);
    await capture.close();
    const records = [...readCaptures(dir).values()].flat();
    expect(records.map((r) => [r.eventMetadata.eventId, r.eventMetadata.inferenceId])).toEqual([
      ['pair-0', 'id-0'],
      ['pair-1', 'id-1'],
      ['s-1', undefined],
    ]);
    expect(records[2]?.eventMetadata).not.toHaveProperty('inferenceId');
  });

  it('drops captures past its buffer bound instead of growing, and says so', async () => {
    const dir = tempDir();
    const lines: string[] = [];
    const oneLine = Buffer.byteLength(`${JSON.stringify(captureRecord(invocation('x-0'), AT))}\n`);
    const capture = new DataCapture({
      dir,
      samplingPercent: 100,
      log: (l) => lines.push(l),
      flushIntervalMs: 0,
      maxBufferedBytes: oneLine * 2,
      now: () => AT,
    });
    const taken = ['x-0', 'x-1', 'x-2', 'x-3'].map((id) => capture.record(invocation(id)));
    expect(taken).toEqual([true, true, false, false]);
    expect(capture.stats).toEqual({ buffered: 2, dropped: 2 });
    await capture.flush();
    expect(lines.join('\n')).toContain('2 capture(s) dropped');
    expect(capture.record(invocation('x-4'))).toBe(true); // the buffer is free again after the flush
    await capture.close();
    expect([...readCaptures(dir).values()].flat().map((r) => r.eventMetadata.eventId)).toEqual([
      'x-0',
      'x-1',
      'x-4',
    ]);
  });

  it('logs a disk error instead of throwing', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'dogbreed-single-instance'), 'a file where a folder should be');
    const lines: string[] = [];
    const capture = new DataCapture({
      dir,
      samplingPercent: 100,
      log: (l) => lines.push(l),
      flushIntervalMs: 0,
    });
    expect(capture.record(invocation('e-0'))).toBe(true);
    await expect(capture.close()).resolves.toBeUndefined();
    expect(lines.join('\n')).toMatch(/data capture: writing under .* failed/);
  });

  it('writes what is left synchronously at process exit', () => {
    const dir = tempDir();
    const capture = new DataCapture({
      dir,
      samplingPercent: 100,
      log: () => undefined,
      flushIntervalMs: 0,
      now: () => AT,
    });
    capture.record(invocation('sync-0'));
    capture.flushSync();
    expect([...readCaptures(dir).values()].flat().map((r) => r.eventMetadata.eventId)).toEqual(['sync-0']);
  });
});

describe('capture directory', () => {
  it('is the spec localDir, relative to the repository root unless absolute', () => {
    expect(captureDir(specWith({ rollout: { dataCapture: { localDir: '/tmp/captures' } } }))).toBe(
      '/tmp/captures',
    );
    expect(captureDir(specWith({ rollout: { dataCapture: { localDir: 'cap' } } }), '/repo')).toBe(
      '/repo/cap',
    );
    expect(captureDir(specWith({}))).toMatch(/\/\.local-stack\/data-capture$/);
  });

  it('follows the state dir the user chose; an absolute localDir stays; the banner names it', () => {
    const spec = specWith({});
    expect(captureDir(withCaptureDir(spec, { root: '/repo' }))).toBe('/repo/.local-stack/data-capture');
    expect(captureDir(withCaptureDir(spec, { root: '/repo', stateDir: '/scratch' }))).toBe(
      '/scratch/data-capture',
    );
    const absolute = specWith({ rollout: { dataCapture: { localDir: '/tmp/captures' } } });
    expect(captureDir(withCaptureDir(absolute, { root: '/repo', stateDir: '/scratch' }))).toBe(
      '/tmp/captures',
    );
    expect(describeDataCapture(withCaptureDir(spec, { root: '/repo', stateDir: '/scratch' }))).toMatch(
      /^data capture: \d+ % of InvokeEndpoint requests, request and response bodies included, to \/scratch\/data-capture$/,
    );
    expect(describeDataCapture(specWith({ rollout: { dataCapture: { enabled: false } } }))).toMatch(/off/);
  });
});
