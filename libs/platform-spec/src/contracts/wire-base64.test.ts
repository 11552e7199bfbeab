/** The wire contract's base64 rule, tested once here; each app tests only how it maps `Base64ImageError`. */
import { describe, expect, it } from 'vitest';
import {
  Base64ImageError,
  Base64ImageTooLargeError,
  base64DecodedLength,
  decodeBase64Image,
  type Base64ImageFault,
} from '../index.js';

const BYTES = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 250, 251, 252, 253, 254]);
const B64 = BYTES.toString('base64');

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

function faultOf(fn: () => unknown): Base64ImageFault | string {
  const err = thrown(fn);
  if (err === undefined) return 'accepted';
  return err instanceof Base64ImageError ? err.fault : `not a Base64ImageError: ${String(err)}`;
}

describe('decodeBase64Image accepts', () => {
  const FOUR = BYTES.subarray(0, 4);
  it.each<[string, string, Buffer]>([
    ['padded standard', B64, BYTES],
    ['URL-safe', BYTES.toString('base64url'), BYTES],
    ['URL-safe with padding', `${FOUR.toString('base64url')}==`, FOUR],
    ['standard without padding', FOUR.toString('base64').replace(/=+$/, ''), FOUR],
    ['a data URL', `data:image/png;base64,${B64}`, BYTES],
    ['a data URL in capitals', `DATA:IMAGE/JPEG;BASE64,${B64}`, BYTES],
    ['line-wrapped text', `data:image/jpeg;base64,${B64.replace(/(.{4})/g, '$1\r\n')}`, BYTES],
  ])('%s', (_name, text, expected) => {
    expect(decodeBase64Image(text)).toEqual(expected);
  });

  it('text that does not round-trip (non-zero spare bits), as RFC 4648 decoders may', () => {
    const canonical = Buffer.from([1, 2, 3, 4]).toString('base64'); // AQIDBA==
    const nonCanonical = canonical.replace('BA==', 'BB==');
    expect(Buffer.from(nonCanonical, 'base64').toString('base64')).not.toBe(nonCanonical);
    expect(decodeBase64Image(nonCanonical)).toEqual(Buffer.from([1, 2, 3, 4]));
  });

  it('a large line-wrapped image (the regular expressions do not overflow the stack)', () => {
    const big = Buffer.alloc(6 * 1024 * 1024, 0x5a);
    const wrapped = big.toString('base64').replace(/(.{76})/g, '$1\n');
    expect(decodeBase64Image(wrapped).equals(big)).toBe(true);
  });
});

describe('decodeBase64Image refuses', () => {
  it.each(['', '   \n', 'data:image/png;base64,', 'data:image/png;base64,\r\n'])('%j as empty', (text) => {
    expect(faultOf(() => decodeBase64Image(text))).toBe('empty');
  });

  it.each([
    ['characters outside both alphabets', '/9j/4AAQ$kZJRgABAQ=='],
    ['padding that does not complete a group of 4', '/9j/4AAQSkZJRgABAQ='],
    ['padding in the middle', '/9j/4A==QSkZJRgABAQ=='],
    ['a single character in the last group', 'a'],
    ['padding alone', '===='],
    ['the two alphabets mixed', 'ab+_'],
    ['punctuation', '!!!!'],
    ['a NUL', 'ab cd\u0000'],
  ])('%s (%j) as invalid', (_name, text) => {
    expect(faultOf(() => decodeBase64Image(text))).toBe('invalid');
  });

  it('an image over maxBytes, canonical or not, naming the size and the limit', () => {
    expect(decodeBase64Image(B64, { maxBytes: BYTES.length })).toEqual(BYTES);
    for (const text of [B64, B64.replace(/(.{4})/g, '$1\n')]) {
      const err = thrown(() => decodeBase64Image(text, { maxBytes: BYTES.length - 1 }));
      expect(err).toBeInstanceOf(Base64ImageTooLargeError);
      expect(err).toMatchObject({ fault: 'too-large', bytes: BYTES.length, maxBytes: BYTES.length - 1 });
    }
  });

  it('an oversized text from its length, before reading it (invalid text included)', () => {
    const err = thrown(() => decodeBase64Image('%'.repeat(8_000_000), { maxBytes: 1000 }));
    expect(err).toBeInstanceOf(Base64ImageTooLargeError);
    expect(err).toMatchObject({ bytes: 6_000_000, maxBytes: 1000 });
  });
});

describe('base64DecodedLength', () => {
  it('matches Buffer for every padding case', () => {
    for (const n of [1, 2, 3, 4, 5, 100]) {
      const bytes = Buffer.alloc(n, 7);
      expect(base64DecodedLength(bytes.toString('base64'))).toBe(n);
      expect(base64DecodedLength(bytes.toString('base64url'))).toBe(n);
    }
  });
});
