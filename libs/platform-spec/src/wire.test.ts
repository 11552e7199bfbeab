import { describe, expect, it } from 'vitest';
import {
  CUSTOM_ATTRIBUTES_HEADER,
  CUSTOM_ATTRIBUTES_MAX_CHARS,
  CustomAttributesError,
  formatCustomAttributes,
  parseCustomAttributes,
} from './index.js';

describe('custom attributes', () => {
  it('names the SageMaker header', () => {
    expect(CUSTOM_ATTRIBUTES_HEADER).toBe('X-Amzn-SageMaker-Custom-Attributes');
  });

  it('formats key=value entries joined by ;', () => {
    expect(formatCustomAttributes({ topK: 5 })).toBe('topK=5');
    expect(formatCustomAttributes({ topK: 3, trace: 'abc-1' })).toBe('topK=3;trace=abc-1');
    expect(formatCustomAttributes({})).toBe('');
  });

  it('round-trips', () => {
    const attrs = { topK: 7, tenant: 'acme corp', 'x.y': 'a/b:c' };
    expect(parseCustomAttributes(formatCustomAttributes(attrs))).toEqual({ topK: '7', tenant: 'acme corp', 'x.y': 'a/b:c' });
  });

  it('trims, accepts , as a separator and ignores empty parts', () => {
    expect(parseCustomAttributes(' topK = 2 ;; other=x, more=y ;')).toEqual({ topK: '2', other: 'x', more: 'y' });
    expect(parseCustomAttributes('topK=')).toEqual({ topK: '' });
  });

  it.each([undefined, '', ' ', ';', ' ; , '])('gives {} for %j', (header) => {
    expect(parseCustomAttributes(header)).toEqual({});
  });

  it('leaves other attributes to the caller, which reads only what it knows', () => {
    const attrs = parseCustomAttributes('trace-id=abc;topK=4;c000b4f9-df62-4c85-a0bf-7c525f9104a4=1');
    expect(attrs['topK']).toBe('4');
    expect(Object.keys(attrs)).toHaveLength(3);
  });

  it('is not fooled by prototype keys', () => {
    const attrs = parseCustomAttributes('__proto__=1;constructor=2');
    expect(Object.keys(attrs)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(attrs)).toBe(Object.prototype);
  });

  it.each([
    ['no =', 'topK'],
    ['no = among good parts', 'a=1;topK;b=2'],
    ['empty key', '=5'],
    ['two =', 'topK=1=2'],
    ['key twice', 'topK=1;topK=2'],
    ['non-ASCII', 'topK=5;name=caf\u00e9'],
    ['control char', 'topK=5\n'],
    ['over 1024 chars', `topK=1;pad=${'x'.repeat(CUSTOM_ATTRIBUTES_MAX_CHARS)}`],
  ])('refuses %s', (_name, header) => {
    expect(() => parseCustomAttributes(header)).toThrow(CustomAttributesError);
  });

  it('accepts exactly 1024 chars', () => {
    const header = `pad=${'x'.repeat(CUSTOM_ATTRIBUTES_MAX_CHARS - 4)}`;
    expect(header).toHaveLength(CUSTOM_ATTRIBUTES_MAX_CHARS);
    expect(parseCustomAttributes(header)['pad']).toHaveLength(CUSTOM_ATTRIBUTES_MAX_CHARS - 4);
  });

  it.each<[string, Record<string, string | number>]>([
    ['a ; in a value', { topK: '1;x=2' }],
    ['a , in a value', { a: '1,2' }],
    ['an = in a key', { 'a=b': 1 }],
    ['an empty key', { '': 1 }],
    ['an empty value', { a: '' }],
    ['surrounding spaces', { a: ' 1' }],
    ['non-ASCII', { a: '\u00e9' }],
    ['over 1024 chars', { pad: 'x'.repeat(CUSTOM_ATTRIBUTES_MAX_CHARS) }],
  ])('will not format %s', (_name, attrs) => {
    expect(() => formatCustomAttributes(attrs)).toThrow(CustomAttributesError);
  });
});
