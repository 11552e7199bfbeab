/** The image checks: base64 syntax and size before decoding, the type by magic bytes, the size limit. */
import { HttpError } from './errors.js';

/** Image types the model server decodes, recognised by their first bytes (never by a client's claim). */
export type ImageType = 'image/jpeg' | 'image/png' | 'image/webp';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The image type from magic bytes: JPEG `FF D8 FF`, PNG's 8-byte signature, WebP `RIFF....WEBP`. */
export function sniffImageType(bytes: Uint8Array): ImageType | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= PNG_SIGNATURE.length && PNG_SIGNATURE.every((b, i) => bytes[i] === b))
    return 'image/png';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP')
    return 'image/webp';
  return undefined;
}

function ascii(bytes: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...bytes.subarray(from, to));
}

/**
 * Standard base64 alphabet with up to two padding characters; the length must also be a multiple of 4.
 * (A grouped pattern like `(?:[A-Za-z0-9+/]{4})*` overflows V8's regexp stack on a 6 MB string.)
 */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DATA_URL_PREFIX = /^data:[a-z]+\/[a-z0-9.+-]+;base64,/i;

/** Decoded size of a valid base64 string, without decoding it. */
export function base64DecodedLength(b64: string): number {
  const padding = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return (b64.length / 4) * 3 - padding;
}

/** An image checked: not empty, within the limit, a JPEG/PNG/WebP by its magic bytes. */
export interface CheckedImage {
  /** The image bytes, sent to the endpoint as the raw InvokeEndpoint body. */
  readonly bytes: Buffer;
  /** Sniffed from `bytes`; sent as the InvokeEndpoint `ContentType`. */
  readonly type: ImageType;
}

/**
 * Validates and decodes a base64 image once: size from the length before any decoding (a body over the limit is
 * refused without allocating it), then one decode, then the type from the bytes. Accepts a `data:image/...;base64,`
 * prefix and line-wrapped base64.
 *
 * Syntax: canonical base64 (what every encoder writes) is recognised by re-encoding the decoded bytes and comparing,
 * both native and linear; only input that does not round-trip (whitespace, non-zero padding bits, or invalid) walks
 * the regular expressions, which cost about ten times as much on a large image.
 */
export function checkBase64Image(input: string, maxBytes: number): CheckedImage {
  const unprefixed = input.replace(DATA_URL_PREFIX, '');
  if (unprefixed.length === 0) throw new HttpError('EMPTY_IMAGE', 'The image is empty');
  if (unprefixed.length % 4 === 0 && Math.floor((unprefixed.length * 3) / 4) - 2 <= maxBytes) {
    const bytes = Buffer.from(unprefixed, 'base64');
    if (bytes.toString('base64') === unprefixed) return checkImageBytes(bytes, maxBytes);
  }
  let b64 = unprefixed;
  if (/\s/.test(b64)) b64 = b64.replace(/\s+/g, '');
  if (b64.length === 0) throw new HttpError('EMPTY_IMAGE', 'The image is empty');
  // Cheap size check before the regular expression walks a huge string.
  const approxBytes = Math.floor((b64.length * 3) / 4);
  if (approxBytes - 2 > maxBytes) throw imageTooLarge(approxBytes, maxBytes);
  if (b64.length % 4 !== 0 || !BASE64.test(b64))
    throw new HttpError('INVALID_BASE64', 'The image is not valid base64 (RFC 4648, padded)');
  const size = base64DecodedLength(b64);
  if (size > maxBytes) throw imageTooLarge(size, maxBytes);
  return checkImageBytes(Buffer.from(b64, 'base64'), maxBytes);
}

/** Same checks for raw bytes (an S3 object, a decoded or a non-base64 body); the bytes are kept, not copied. */
export function checkImageBytes(bytes: Uint8Array, maxBytes: number): CheckedImage {
  if (bytes.length === 0) throw new HttpError('EMPTY_IMAGE', 'The image is empty');
  if (bytes.length > maxBytes) throw imageTooLarge(bytes.length, maxBytes);
  const type = sniffImageType(bytes);
  if (!type) throw unsupportedImage();
  return {
    bytes: Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    type,
  };
}

export function imageTooLarge(bytes: number, maxBytes: number): HttpError {
  return new HttpError(
    'IMAGE_TOO_LARGE',
    `The image is ${bytes} bytes; at most ${maxBytes} bytes are accepted`,
  );
}

function unsupportedImage(): HttpError {
  return new HttpError('UNSUPPORTED_IMAGE_TYPE', 'The image is not a JPEG, PNG or WebP file');
}
