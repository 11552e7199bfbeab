/** Reading requests: ImageFolder images with their class label, data-capture records with their input bytes. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureFormatError, MissingInputError, NoRequestsError } from './errors.js';
import { captureRequests, imageRequests, parseCaptureLines } from './requests.js';

const work = mkdtempSync(join(tmpdir(), 'replay-requests-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function record(input?: { type: string; data: string; encoding: 'BASE64' | 'JSON' | 'CSV' }) {
  return JSON.stringify({
    captureData: {
      ...(input
        ? {
            endpointInput: {
              observedContentType: input.type,
              mode: 'INPUT',
              data: input.data,
              encoding: input.encoding,
            },
          }
        : {}),
      endpointOutput: {
        observedContentType: 'application/json',
        mode: 'OUTPUT',
        data: '{}',
        encoding: 'JSON',
      },
    },
    eventMetadata: { eventId: 'e', inferenceTime: '2026-11-30T01:02:03Z' },
    eventVersion: '0',
  });
}

describe('imageRequests', () => {
  it('reads <class>/<image> sorted, labels each with its folder, ignores other files', () => {
    const dir = join(work, 'split');
    for (const c of ['002.b', '001.a']) mkdirSync(join(dir, c), { recursive: true });
    writeFileSync(join(dir, '001.a', 'y.PNG'), 'png');
    writeFileSync(join(dir, '001.a', 'x.jpg'), 'jpg');
    writeFileSync(join(dir, '001.a', 'notes.txt'), 'no');
    writeFileSync(join(dir, '002.b', 'z.webp'), 'webp');
    writeFileSync(join(dir, 'stray.jpg'), 'not in a class folder');
    const reqs = imageRequests(dir);
    expect(reqs.map((r) => [r.id, r.label, r.contentType])).toEqual([
      ['001.a/x.jpg', '001.a', 'image/jpeg'],
      ['001.a/y.PNG', '001.a', 'image/png'],
      ['002.b/z.webp', '002.b', 'image/webp'],
    ]);
    expect(reqs[0]?.body().toString()).toBe('jpg');
  });

  it('refuses a missing dir, a dir without class folders, and class folders without images', () => {
    expect(() => imageRequests(join(work, 'nope'))).toThrow(MissingInputError);
    const flat = join(work, 'flat');
    mkdirSync(flat);
    writeFileSync(join(flat, 'a.jpg'), 'x');
    expect(() => imageRequests(flat)).toThrow(/no class folders/);
    const empty = join(work, 'empty');
    mkdirSync(join(empty, '001.a'), { recursive: true });
    expect(() => imageRequests(empty)).toThrow(NoRequestsError);
  });
});

describe('captures', () => {
  it('replays the captured input bytes with the observed content type; skips output-only records', () => {
    const text = [
      record({ type: 'image/jpeg', data: Buffer.from('jpeg-bytes').toString('base64'), encoding: 'BASE64' }),
      '',
      record(),
      record({ type: 'application/json', data: '{"image":"abc"}', encoding: 'JSON' }),
    ].join('\n');
    const parsed = parseCaptureLines(text, '/x/cap.jsonl', 'cap.jsonl');
    expect(parsed.withoutInput).toBe(1);
    expect(parsed.requests.map((r) => [r.id, r.source, r.contentType, r.body().toString(), r.label])).toEqual(
      [
        ['cap.jsonl:1', 'capture', 'image/jpeg', 'jpeg-bytes', undefined],
        ['cap.jsonl:4', 'capture', 'application/json', '{"image":"abc"}', undefined],
      ],
    );
  });

  it('names the file and line of a record that is not JSON or not a capture record', () => {
    expect(() => parseCaptureLines('{', 'a.jsonl', 'a')).toThrow(/a\.jsonl:1 is not JSON/);
    const bad = () => parseCaptureLines(`${record()}\n{"captureData":{}}`, 'a.jsonl', 'a');
    expect(bad).toThrow(CaptureFormatError);
    expect(bad).toThrow(/a\.jsonl:2 is not a SageMaker data-capture record/);
  });

  it('reads .jsonl files under a directory recursively, in path order (SageMaker yyyy/mm/dd/hh)', () => {
    const root = join(work, 'capture');
    const late = join(root, 'ep', 'AllTraffic', '2026', '11', '30', '02');
    const early = join(root, 'ep', 'AllTraffic', '2026', '11', '30', '01');
    mkdirSync(late, { recursive: true });
    mkdirSync(early, { recursive: true });
    const img = (s: string) =>
      record({ type: 'image/png', data: Buffer.from(s).toString('base64'), encoding: 'BASE64' });
    writeFileSync(join(late, 'b.jsonl'), `${img('late')}\n`);
    writeFileSync(join(early, 'a.jsonl'), `${img('early-1')}\n${img('early-2')}\n`);
    writeFileSync(join(early, 'ignored.json'), img('no'));
    const c = captureRequests(root);
    expect(c.files).toBe(2);
    expect(c.requests.map((r) => r.body().toString())).toEqual(['early-1', 'early-2', 'late']);
    expect(c.requests[0]?.id).toBe('ep/AllTraffic/2026/11/30/01/a.jsonl:1');
    expect(captureRequests(join(late, 'b.jsonl')).requests[0]?.id).toBe('b.jsonl:1');
  });

  it('refuses a missing path, a dir without .jsonl, and records without any input', () => {
    expect(() => captureRequests(join(work, 'none'))).toThrow(MissingInputError);
    const dir = join(work, 'no-jsonl');
    mkdirSync(dir);
    expect(() => captureRequests(dir)).toThrow(/no \.jsonl files/);
    const outputs = join(work, 'outputs.jsonl');
    writeFileSync(outputs, `${record()}\n`);
    expect(() => captureRequests(outputs)).toThrow(NoRequestsError);
  });
});
