import { DEFAULT_SPEC } from '@dogbreed/platform-spec';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../src/errors.js';
import { base64DecodedLength, checkBase64Image, checkImageBytes, sniffImageType } from '../../src/image.js';
import { solidImage } from '../support/images.js';

const MAX = DEFAULT_SPEC.invoker.maxImageBytes;

describe('sniffImageType', () => {
  it.each(['png', 'jpeg', 'webp'] as const)('recognises a real %s by its magic bytes', async (format) => {
    expect(sniffImageType(await solidImage(format))).toBe(`image/${format}`);
  });

  it.each([
    ['GIF', Buffer.from('GIF89a......')],
    ['text', Buffer.from('hello world, not an image')],
    ['RIFF without WEBP', Buffer.from('RIFF\0\0\0\0WAVEfmt ')],
    ['truncated PNG signature', Buffer.from([0x89, 0x50, 0x4e, 0x47])],
    ['empty', Buffer.alloc(0)],
  ])('refuses %s', (_name, bytes) => {
    expect(sniffImageType(bytes)).toBeUndefined();
  });
});

describe('checkBase64Image', () => {
  it('decodes a base64 PNG to its exact bytes and type', async () => {
    const png = await solidImage('png');
    const checked = checkBase64Image(png.toString('base64'), MAX);
    expect(checked.type).toBe('image/png');
    expect(checked.bytes.equals(png)).toBe(true);
  });

  it('accepts a data URL prefix and line-wrapped base64', async () => {
    const jpeg = await solidImage('jpeg');
    const wrapped = jpeg.toString('base64').replace(/(.{76})/g, '$1\n');
    const checked = checkBase64Image(`data:image/jpeg;base64,${wrapped}`, MAX);
    expect(checked.type).toBe('image/jpeg');
    expect(checked.bytes.equals(jpeg)).toBe(true);
  });

  it('accepts base64 that does not round-trip (non-zero padding bits), as RFC 4648 decoders may', async () => {
    const solid = await solidImage('png');
    // A length that is not a multiple of 3 ends in padding (a trailing byte does not change the type).
    const png = solid.length % 3 === 0 ? Buffer.concat([solid, Buffer.from([0])]) : solid;
    const canonical = png.toString('base64');
    const padded = canonical.endsWith('==') ? 2 : canonical.endsWith('=') ? 1 : 0;
    expect(padded).toBeGreaterThan(0);
    // The last data character carries unused low bits; setting one changes the text, not the bytes.
    const last = canonical.length - padded - 1;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const bumped = alphabet[alphabet.indexOf(canonical[last] ?? 'A') + 1] ?? '';
    const nonCanonical = canonical.slice(0, last) + bumped + canonical.slice(last + 1);
    expect(Buffer.from(nonCanonical, 'base64').toString('base64')).not.toBe(nonCanonical);
    expect(checkBase64Image(nonCanonical, MAX).bytes.equals(png)).toBe(true);
  });

  it.each([
    ['characters outside the alphabet', '/9j/4AAQ$kZJRgABAQ=='],
    ['a length that is not a multiple of 4', '/9j/4AAQSkZJRgABAQ='],
    ['padding in the middle', '/9j/4A==QSkZJRgABAQ=='],
  ])('refuses %s with 400 INVALID_BASE64', (_name, text) => {
    const err = (() => {
      try {
        checkBase64Image(text, MAX);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ statusCode: 400, code: 'INVALID_BASE64' });
  });

  it('refuses an empty image with 400 EMPTY_IMAGE', () => {
    expect(() => checkBase64Image('', MAX)).toThrow(
      expect.objectContaining({ statusCode: 400, code: 'EMPTY_IMAGE' }),
    );
  });

  it('refuses an image over the limit with 413 naming the limit', async () => {
    const png = await solidImage('png');
    const err = (() => {
      try {
        checkBase64Image(png.toString('base64'), png.length - 1);
      } catch (e) {
        return e as HttpError;
      }
    })();
    expect(err).toBeInstanceOf(HttpError);
    expect(err?.statusCode).toBe(413);
    expect(err?.code).toBe('IMAGE_TOO_LARGE');
    expect(err?.message).toContain(String(png.length - 1));
  });

  it('refuses valid base64 of a non-image with 415', () => {
    expect(() => checkBase64Image(Buffer.from('just some text here').toString('base64'), MAX)).toThrow(
      expect.objectContaining({ statusCode: 415, code: 'UNSUPPORTED_IMAGE_TYPE' }),
    );
  });

  it('decoded length matches Buffer for every padding case', () => {
    for (const n of [1, 2, 3, 4, 5, 100]) {
      expect(base64DecodedLength(Buffer.alloc(n, 7).toString('base64'))).toBe(n);
    }
  });
});

describe('checkImageBytes', () => {
  it('keeps raw bytes as they are after the same checks', async () => {
    const webp = await solidImage('webp');
    const checked = checkImageBytes(webp, MAX);
    expect(checked.type).toBe('image/webp');
    expect(checked.bytes.equals(webp)).toBe(true);
    const view = new Uint8Array(webp.buffer, webp.byteOffset, webp.byteLength);
    expect(checkImageBytes(view, MAX).bytes.equals(webp)).toBe(true);
    expect(() => checkImageBytes(webp, webp.length - 1)).toThrow(
      expect.objectContaining({ statusCode: 413, code: 'IMAGE_TOO_LARGE' }),
    );
    expect(() => checkImageBytes(new Uint8Array(0), MAX)).toThrow(
      expect.objectContaining({ statusCode: 400, code: 'EMPTY_IMAGE' }),
    );
    expect(() => checkImageBytes(Buffer.from('GIF89a'), MAX)).toThrow(
      expect.objectContaining({ statusCode: 415, code: 'UNSUPPORTED_IMAGE_TYPE' }),
    );
  });
});
