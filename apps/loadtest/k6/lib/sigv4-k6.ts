import crypto from 'k6/crypto';
import type { SigV4Primitives } from './sigv4.ts';

/** The SigV4 primitives bound to k6's crypto module (Go's crypto underneath: cheap per request). */
export const k6Primitives: SigV4Primitives = {
  sha256Hex: (data) => crypto.sha256(data, 'hex'),
  hmac: (key, data) => crypto.hmac('sha256', key, data, 'binary'),
  hmacHex: (key, data) => crypto.hmac('sha256', key, data, 'hex'),
};
