/**
 * The base64 rule of the wire contract's `image` field (`PredictionRequestSchema`), with its one decoder: the model
 * server and the invoker both decode with it, so an image that one of them accepts the other accepts too. Pure: the
 * apps map `Base64ImageError` to their own `ERROR_CODES` codes.
 */
import { PlatformSpecError } from '../errors.js';

/**
 * What `decodeBase64Image` accepts, in words (for docs and error messages):
 * - an optional `data:<media type>;base64,` prefix (any case), dropped;
 * - whitespace anywhere (line-wrapped base64, e.g. MIME's 76 columns), ignored;
 * - the standard alphabet (`+`, `/`) or the URL-safe one (`-`, `_`), one of them per image;
 * - padding optional: none, or the `=`/`==` that completes the last group of 4 characters;
 * - unused low bits in the last character may be non-zero (RFC 4648 allows decoders to accept that).
 *
 * This is the more accepting of the two rules the apps had (the model server's): clients write base64 with whatever
 * their language gives (`base64url` in JWT-style libraries, unpadded in Go's RawStdEncoding, data URLs from a browser
 * canvas), and nothing downstream depends on one spelling, because the bytes are what travel on.
 */
export const BASE64_IMAGE_RULE =
  'base64 with the standard or the URL-safe alphabet, padding optional, an optional data:<type>;base64, prefix';

/** Why a base64 image was refused: nothing in it, text that breaks the rule above, or over `maxBytes`. */
export type Base64ImageFault = 'empty' | 'invalid' | 'too-large';

/** The `image` text breaks the base64 rule, or holds nothing. */
export class Base64ImageError extends PlatformSpecError {
  readonly fault: Base64ImageFault;
  constructor(fault: Base64ImageFault, message: string) {
    super(message);
    this.fault = fault;
  }
}

/** The decoded image would be over `maxBytes`: found from the text's length, before anything is decoded. */
export class Base64ImageTooLargeError extends Base64ImageError {
  /** The decoded size (an estimate within 2 bytes when the text is too long to be worth reading). */
  readonly bytes: number;
  readonly maxBytes: number;
  constructor(bytes: number, maxBytes: number) {
    super('too-large', `the image is ${bytes} bytes; at most ${maxBytes} bytes are accepted`);
    this.bytes = bytes;
    this.maxBytes = maxBytes;
  }
}

export interface DecodeBase64ImageOptions {
  /**
   * Refuse (with `Base64ImageTooLargeError`) an image that decodes to more bytes, judged from the length, so that an
   * oversized body is never allocated.
   * @default no limit
   */
  readonly maxBytes?: number;
}

const DATA_URL_PREFIX = /^data:[\w/+.-]+;base64,/i;
// One character class each: a grouped pattern like `(?:[A-Za-z0-9+/]{4})*` overflows V8's regexp stack on 6 MB.
const STANDARD = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_SAFE = /^[A-Za-z0-9_-]*={0,2}$/;

/** Decoded size of base64 text that follows the rule (whitespace removed), without decoding it. */
export function base64DecodedLength(b64: string): number {
  const padding = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return Math.floor(((b64.length - padding) * 3) / 4);
}

/**
 * Decodes an image's base64 text by the rule in `BASE64_IMAGE_RULE`; throws `Base64ImageError` (`fault` `empty` or
 * `invalid`) or, with `maxBytes`, `Base64ImageTooLargeError`.
 *
 * Canonical text (what encoders write: padded standard, or unpadded URL-safe) is recognised by decoding and
 * re-encoding, both native and linear; only text that does not round-trip (whitespace, other padding, non-zero
 * spare bits, or invalid) walks the regular expressions, which cost about ten times as much on a large image.
 */
export function decodeBase64Image(text: string, options: DecodeBase64ImageOptions = {}): Buffer {
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  const unprefixed = text.replace(DATA_URL_PREFIX, '');
  if (unprefixed.length > 0 && Math.floor((unprefixed.length * 3) / 4) - 2 <= maxBytes) {
    const bytes = canonical(unprefixed);
    if (bytes) {
      if (bytes.length > maxBytes) throw new Base64ImageTooLargeError(bytes.length, maxBytes);
      return bytes;
    }
  }
  const b64 = /\s/.test(unprefixed) ? unprefixed.replace(/\s+/g, '') : unprefixed;
  if (b64.length === 0) throw new Base64ImageError('empty', 'the image is empty');
  // Cheap size check before the regular expression walks a huge string.
  const approxBytes = Math.floor((b64.length * 3) / 4);
  if (approxBytes - 2 > maxBytes) throw new Base64ImageTooLargeError(approxBytes, maxBytes);
  const encoding = STANDARD.test(b64) ? 'base64' : URL_SAFE.test(b64) ? 'base64url' : undefined;
  // Padded text is whole groups of 4; unpadded text may end in a group of 2 or 3, never 1 (6 bits are no byte).
  const lengthOk = b64.endsWith('=') ? b64.length % 4 === 0 : b64.length % 4 !== 1;
  if (!encoding || !lengthOk)
    throw new Base64ImageError('invalid', `the image is not valid ${BASE64_IMAGE_RULE}`);
  const size = base64DecodedLength(b64);
  if (size > maxBytes) throw new Base64ImageTooLargeError(size, maxBytes);
  return Buffer.from(b64, encoding);
}

/** The bytes when `b64` is exactly what Node's encoder writes (padded standard or unpadded URL-safe), else none. */
function canonical(b64: string): Buffer | undefined {
  for (const encoding of ['base64', 'base64url'] as const) {
    // Only lengths the encoder can write are worth a decode: padded is whole groups, unpadded never ends in `=`.
    if (encoding === 'base64' ? b64.length % 4 !== 0 : b64.length % 4 === 1 || b64.endsWith('=')) continue;
    const bytes = Buffer.from(b64, encoding);
    if (bytes.toString(encoding) === b64) return bytes;
  }
  return undefined;
}
