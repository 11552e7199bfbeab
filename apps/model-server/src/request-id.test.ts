import { describe, expect, it } from 'vitest';
import { requestIdOf } from './request-id.js';

describe('requestIdOf', () => {
  it('takes the caller id from the SageMaker-style header first', () => {
    expect(requestIdOf({ 'x-amzn-sagemaker-request-id': 'abc-1', 'x-request-id': 'other' })).toBe('abc-1');
    expect(requestIdOf({ 'x-request-id': 'r-2' })).toBe('r-2');
  });

  it('generates a UUID when absent or unsafe to echo', () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    expect(requestIdOf({})).toMatch(uuid);
    expect(requestIdOf({ 'x-request-id': 'bad\nid' })).toMatch(uuid);
    expect(requestIdOf({ 'x-request-id': 'x'.repeat(200) })).toMatch(uuid);
  });
});
