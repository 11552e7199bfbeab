/**
 * POST /invocations as the model server reads it: content negotiation, a raw image or a JSON body with a base64 image
 * (decoded by the wire contract's decoder), and top-K from the body or the custom-attributes header.
 */
import {
  Base64ImageError,
  CustomAttributesError,
  decodeBase64Image,
  HttpError,
  parseCustomAttributes,
  PredictionRequestSchema,
} from '@dogbreed/platform-spec';

/** Raw image media types accepted on POST /invocations (besides application/json with a base64 image). */
export const IMAGE_MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export const JSON_MEDIA_TYPE = 'application/json';

export interface TopKBounds {
  readonly defaultTopK: number;
  readonly maxTopK: number;
}

/** What an invocation asks for: the encoded image bytes and how many classes to return. */
export interface Invocation {
  readonly image: Buffer;
  readonly topK: number;
}

/** `image/JPEG; charset=x` → `image/jpeg`; undefined when absent or empty. */
export function mediaType(header: string | undefined): string | undefined {
  const t = header?.split(';')[0]?.trim().toLowerCase();
  return t ? t : undefined;
}

/** Throws 415 unless the content type is one the server reads. Runs before the body is read. */
export function checkContentType(header: string | undefined): string {
  const t = mediaType(header);
  if (t === JSON_MEDIA_TYPE || (IMAGE_MEDIA_TYPES as readonly string[]).includes(t ?? '')) return t as string;
  throw new HttpError(
    'UNSUPPORTED_MEDIA_TYPE',
    `Content-Type ${t ? `'${t}'` : '(missing)'} is not supported; send ${[...IMAGE_MEDIA_TYPES, JSON_MEDIA_TYPE].join(', ')}`,
  );
}

/** Throws 406 unless `Accept` (absent = anything) admits application/json. */
export function checkAccept(header: string | undefined): void {
  if (header === undefined || header.trim() === '') return;
  for (const part of header.split(',')) {
    const [range, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) continue;
    if (range === JSON_MEDIA_TYPE || range === 'application/*' || range === '*/*') return;
  }
  throw new HttpError(
    'NOT_ACCEPTABLE',
    `Accept '${header}' does not allow ${JSON_MEDIA_TYPE}, the only response type`,
  );
}

/**
 * The JSON `image` field, decoded by the wire contract's rule (`decodeBase64Image`: standard or URL-safe, padding
 * optional, an optional `data:...;base64,` prefix). Every refusal, an empty image included, is 400 INVALID_BASE64, the
 * code this server has always answered; the body limit was applied while reading, so no size limit is passed here.
 */
export function decodeBase64(text: string): Buffer {
  try {
    return decodeBase64Image(text);
  } catch (err) {
    if (!(err instanceof Base64ImageError)) throw err;
    throw new HttpError('INVALID_BASE64', err.message, { cause: err });
  }
}

/** Checks a requested top-K against the product-wide bounds; absent → the default. */
export function resolveTopK(topK: unknown, bounds: TopKBounds): number {
  if (topK === undefined) return bounds.defaultTopK;
  if (typeof topK !== 'number' || !Number.isInteger(topK) || topK < 1 || topK > bounds.maxTopK) {
    throw new HttpError(
      'INVALID_TOP_K',
      `topK must be an integer from 1 to ${bounds.maxTopK}, got ${JSON.stringify(topK)}`,
    );
  }
  return topK;
}

/** Custom-attribute key that carries top-K beside a raw image body (`X-Amzn-SageMaker-Custom-Attributes: topK=3`). */
export const TOP_K_ATTRIBUTE = 'topK';

/**
 * Top-K from the custom-attributes header: absent → the default; a malformed header → 400 INVALID_CUSTOM_ATTRIBUTES;
 * a value that is not a decimal integer in bounds → 400 INVALID_TOP_K. Other attributes are ignored.
 */
export function topKFromCustomAttributes(header: string | undefined, bounds: TopKBounds): number {
  let attrs: Record<string, string>;
  try {
    attrs = parseCustomAttributes(header);
  } catch (err) {
    if (!(err instanceof CustomAttributesError)) throw err;
    throw new HttpError('INVALID_CUSTOM_ATTRIBUTES', `X-Amzn-SageMaker-Custom-Attributes: ${err.message}`, {
      cause: err,
    });
  }
  const raw = attrs[TOP_K_ATTRIBUTE];
  return resolveTopK(raw !== undefined && /^\d{1,6}$/.test(raw) ? Number(raw) : raw, bounds);
}

/**
 * Turns a request body into an Invocation. `contentType` was checked by `checkContentType`. A raw image body takes
 * its top-K from the custom-attributes header; a JSON body from its `topK` field (the header is not read).
 */
export function parseInvocation(
  contentType: string,
  body: Buffer,
  bounds: TopKBounds,
  customAttributes?: string,
): Invocation {
  if (body.length === 0) throw new HttpError('EMPTY_BODY', 'request body is empty; send an image');
  if (contentType !== JSON_MEDIA_TYPE)
    return { image: body, topK: topKFromCustomAttributes(customAttributes, bounds) };
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new HttpError('INVALID_JSON', `body is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError('INVALID_REQUEST', 'body must be a JSON object {"image": "<base64>", "topK": n}');
  }
  const topK = resolveTopK((value as Record<string, unknown>)['topK'], bounds);
  const parsed = PredictionRequestSchema.safeParse(value);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new HttpError('INVALID_REQUEST', `body must be {"image": "<base64>", "topK": n} (${where})`);
  }
  return { image: decodeBase64(parsed.data.image), topK };
}
