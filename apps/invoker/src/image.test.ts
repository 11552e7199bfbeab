import { DEFAULT_SPEC, HttpError } from '@dogbreed/platform-spec';
import { describe, expect, it } from 'vitest';
import { checkBase64Image, checkImageBytes, sniffImageType } from './image.js';
import { solidImage } from '../tests/support/images.js';

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

  // The base64 rule itself is tested at its home (libs/platform-spec/src/contracts/wire-base64.test.ts); here, the codes.
  it.each([
    ['characters outside the alphabet', '/9j/4AAQ$kZJRgABAQ=='],
    ['padding that does not complete a group of 4', '/9j/4AAQSkZJRgABAQ='],
  ])('maps the decoder refusing %s to 400 INVALID_BASE64', (_name, text) => {
    const err = (() => {
      try {
        checkBase64Image(text, MAX);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ statusCode: 400, code: 'INVALID_BASE64', cause: { fault: 'invalid' } });
  });

  it.each(['', 'data:image/png;base64,'])('maps an empty image (%j) to 400 EMPTY_IMAGE', (text) => {
    expect(() => checkBase64Image(text, MAX)).toThrow(
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
