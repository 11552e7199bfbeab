/** The `X-Amzn-SageMaker-Custom-Attributes` header: its format, its limit, and the one formatter and parser. */
import { PlatformSpecError } from '../errors.js';

/**
 * SageMaker `CustomAttributes`: the invoker sends the image as the raw InvokeEndpoint body and puts request options
 * (today `topK`) in this header, which SageMaker forwards to the container unchanged. SageMaker allows at most
 * 1024 printable ASCII characters. Format: `key=value` entries joined by `;` (e.g. `topK=5`).
 */
export const CUSTOM_ATTRIBUTES_HEADER = 'X-Amzn-SageMaker-Custom-Attributes';
/** SageMaker's limit on the header value. */
export const CUSTOM_ATTRIBUTES_MAX_CHARS = 1024;

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** A custom-attributes header (or the attributes to format into one) breaks the format above. */
export class CustomAttributesError extends PlatformSpecError {}

/**
 * `{ topK: 5, x: 'a' }` → `topK=5;x=a`. Throws `CustomAttributesError` when a key or value is empty, has
 * surrounding spaces, contains `;`, `,` or `=` or anything but printable ASCII, or the result exceeds 1024 chars.
 */
export function formatCustomAttributes(attrs: Readonly<Record<string, string | number>>): string {
  const parts = Object.entries(attrs).map(([key, raw]) => {
    const value = String(raw);
    for (const [what, token] of [
      ['key', key],
      ['value', value],
    ] as const) {
      if (token === '' || token.trim() !== token || !PRINTABLE_ASCII.test(token) || /[;,=]/.test(token)) {
        throw new CustomAttributesError(
          `custom attribute ${what} ${JSON.stringify(token)} must be non-empty printable ASCII without ';', ',', '=' or surrounding spaces`,
        );
      }
    }
    return `${key}=${value}`;
  });
  const header = parts.join(';');
  if (header.length > CUSTOM_ATTRIBUTES_MAX_CHARS) {
    throw new CustomAttributesError(
      `custom attributes are ${header.length} chars; SageMaker allows ${CUSTOM_ATTRIBUTES_MAX_CHARS}`,
    );
  }
  return header;
}

/**
 * Parses a custom-attributes header into `{ key: value }` (keys and values trimmed). Parts are separated by `;` or
 * `,` (Node joins a repeated header with `, `); empty parts are ignored, so `undefined` and `''` give `{}`.
 * Callers read the keys they know and ignore the others.
 *
 * Throws `CustomAttributesError` (never returns a partial result) when the header is over 1024 chars or has a
 * character outside printable ASCII, or when a part has no `=`, an empty key, or a key given twice.
 * An empty value (`topK=`) is returned as `''`; judging values is the caller's job.
 */
export function parseCustomAttributes(header: string | undefined): Record<string, string> {
  const attrs = new Map<string, string>();
  if (header === undefined) return {};
  if (header.length > CUSTOM_ATTRIBUTES_MAX_CHARS) {
    throw new CustomAttributesError(
      `custom attributes are ${header.length} chars; SageMaker allows ${CUSTOM_ATTRIBUTES_MAX_CHARS}`,
    );
  }
  if (!PRINTABLE_ASCII.test(header))
    throw new CustomAttributesError('custom attributes must be printable ASCII');
  for (const part of header.split(/[;,]/)) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0)
      throw new CustomAttributesError(`custom attribute ${JSON.stringify(part.trim())} is not key=value`);
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === '')
      throw new CustomAttributesError(`custom attribute ${JSON.stringify(part.trim())} has an empty key`);
    if (value.includes('='))
      throw new CustomAttributesError(
        `custom attribute ${JSON.stringify(part.trim())} has more than one '='`,
      );
    if (attrs.has(key))
      throw new CustomAttributesError(`custom attribute ${JSON.stringify(key)} is given twice`);
    attrs.set(key, value);
  }
  return Object.fromEntries(attrs);
}
