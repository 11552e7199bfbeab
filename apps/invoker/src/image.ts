/** The image checks: base64 (the wire contract's decoder) and size, the type by magic bytes, the size limit. */
import {
  BASE64_IMAGE_RULE,
  Base64ImageError,
  Base64ImageTooLargeError,
  decodeBase64Image,
  HttpError,
} from '@dogbreed/platform-spec';

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

/** An image checked: not empty, within the limit, a JPEG/PNG/WebP by its magic bytes. */
export interface CheckedImage {
  /** The image bytes, sent to the endpoint as the raw InvokeEndpoint body. */
  readonly bytes: Buffer;
  /** Sniffed from `bytes`; sent as the InvokeEndpoint `ContentType`. */
  readonly type: ImageType;
}

/**
 * Decodes a base64 image by the wire contract's rule (`decodeBase64Image`: standard or URL-safe, padding optional,
 * an optional data URL prefix, line breaks ignored) and checks it like raw bytes. The size is judged from the text's
 * length first, so a body over the limit is refused without allocating it. The invoker's codes for the decoder's
 * faults: nothing → EMPTY_IMAGE, bad text → INVALID_BASE64, too large → IMAGE_TOO_LARGE.
 */
export function checkBase64Image(input: string, maxBytes: number): CheckedImage {
  let bytes: Buffer;
  try {
    bytes = decodeBase64Image(input, { maxBytes });
  } catch (err) {
    if (!(err instanceof Base64ImageError)) throw err;
    if (err instanceof Base64ImageTooLargeError) throw imageTooLarge(err.bytes, err.maxBytes, { cause: err });
    if (err.fault === 'empty') throw new HttpError('EMPTY_IMAGE', 'The image is empty', { cause: err });
    throw new HttpError('INVALID_BASE64', `The image is not valid ${BASE64_IMAGE_RULE}`, { cause: err });
  }
  return checkImageBytes(bytes, maxBytes);
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

export function imageTooLarge(bytes: number, maxBytes: number, options?: ErrorOptions): HttpError {
  return new HttpError(
    'IMAGE_TOO_LARGE',
    `The image is ${bytes} bytes; at most ${maxBytes} bytes are accepted`,
    options,
  );
}

function unsupportedImage(): HttpError {
  return new HttpError('UNSUPPORTED_IMAGE_TYPE', 'The image is not a JPEG, PNG or WebP file');
}
