import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedDir } from '@dogbreed/workspace';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { PAYLOAD_MAX_BYTES, PAYLOAD_MIN_BYTES, ensurePayload } from './payload';

describe('ensurePayload', () => {
  it('synthesises a photo-sized JPEG without any data set', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'payload-')), 'dog.jpg');
    const p = await ensurePayload(out, undefined);
    expect(p.source).toBe('synthetic');
    expect(p.bytes).toBeGreaterThanOrEqual(PAYLOAD_MIN_BYTES);
    expect(p.bytes).toBeLessThanOrEqual(PAYLOAD_MAX_BYTES);
    expect((await sharp(out).metadata()).format).toBe('jpeg');
    // Second call reuses the file.
    expect((await ensurePayload(out, undefined)).source).toBe('cached');
    expect(statSync(out).size).toBe(p.bytes);
  });

  const dogs = sharedDir() && join(sharedDir() as string, 'data/dogs-mini');
  it.skipIf(!dogs)('uses a real dog photo when dogs-mini is present (skipped: no ../shared)', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'payload-')), 'dog.jpg');
    const p = await ensurePayload(out, dogs);
    expect(p.source).toMatch(/dogs-mini.*\.jpg$/);
    expect(p.bytes).toBeGreaterThanOrEqual(PAYLOAD_MIN_BYTES);
  });
});
