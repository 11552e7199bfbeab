import { createHash, createHmac } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { toolPaths } from '@dogbreed/workspace';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { signRequest, uriEscape, type SigV4Primitives } from '../../k6/lib/sigv4.ts';

const nodePrimitives: SigV4Primitives = {
  sha256Hex: (d) =>
    createHash('sha256')
      .update(typeof d === 'string' ? d : Buffer.from(d))
      .digest('hex'),
  hmac: (k, d) => {
    const out = createHmac('sha256', typeof k === 'string' ? k : Buffer.from(k))
      .update(d)
      .digest();
    return out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength) as ArrayBuffer;
  },
  hmacHex: (k, d) =>
    createHmac('sha256', typeof k === 'string' ? k : Buffer.from(k))
      .update(d)
      .digest('hex'),
};

/** A node:crypto Checksum for @smithy/signature-v4 (hash, or HMAC when given a secret). */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const toBuf = (d: SourceData) =>
  typeof d === 'string'
    ? Buffer.from(d)
    : ArrayBuffer.isView(d)
      ? Buffer.from(d.buffer, d.byteOffset, d.byteLength)
      : Buffer.from(d);
class Sha256 {
  private readonly h;
  constructor(secret?: SourceData) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuf(secret));
  }
  update(data: SourceData) {
    this.h.update(toBuf(data));
  }
  async digest() {
    return new Uint8Array(this.h.digest());
  }
  reset() {}
}

/** AWS's SigV4 test suite, "get-vanilla" and "post-vanilla-query" (credentials and signatures published by AWS). */
const AWS_SUITE_CREDS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const AWS_SUITE_DATE = new Date('2015-08-30T12:36:00Z');

describe('SigV4 signer', () => {
  it('matches the AWS test suite vector get-vanilla', () => {
    const s = signRequest(
      {
        method: 'GET',
        url: 'https://example.amazonaws.com/',
        service: 'service',
        region: 'us-east-1',
        credentials: AWS_SUITE_CREDS,
        date: AWS_SUITE_DATE,
      },
      nodePrimitives,
    );
    expect(s.headers['authorization']).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, ' +
        'Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });

  it('escapes the RFC 3986 reserved characters encodeURIComponent leaves alone', () => {
    expect(uriEscape("a b!'()*~")).toBe('a%20b%21%27%28%29%2A~');
  });

  const cases = [
    {
      name: 'function URL POST with JSON',
      method: 'POST',
      url: 'https://abc123.lambda-url.us-east-1.on.aws/',
      body: '{"image":"aGVsbG8=","endpoint":"single"}',
      service: 'lambda',
      ct: 'application/json',
      token: 'FQoGZXIvYXdzEJr//////////wEaDO',
    },
    {
      name: 'InvokeEndpoint with a binary body',
      method: 'POST',
      url: 'https://runtime.sagemaker.eu-west-1.amazonaws.com/endpoints/dogbreed-single-instance/invocations',
      body: 'binary\u0000\u00ffbody',
      service: 'sagemaker',
      ct: 'image/jpeg',
    },
    {
      name: 'query string and odd path',
      method: 'GET',
      url: 'https://example.amazonaws.com/a b/./c/../d?z=1&a=x y&a=b&empty=',
      body: '',
      service: 'execute-api',
      ct: 'text/plain',
    },
  ];

  for (const c of cases) {
    it(`agrees with @smithy/signature-v4: ${c.name}`, async () => {
      const date = new Date('2026-11-25T01:02:03Z');
      const creds = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret/Key+1', sessionToken: c.token };
      const u = new URL(c.url);
      const query: Record<string, string | string[]> = {};
      for (const [k, v] of u.searchParams) {
        const prev = query[k];
        query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      const req = new HttpRequest({
        method: c.method,
        protocol: 'https:',
        hostname: u.hostname,
        path: decodeURIComponent(u.pathname),
        query,
        headers: { host: u.host, 'content-type': c.ct },
        body: c.body,
      });
      const smithy = await new SignatureV4({
        service: c.service,
        region: u.hostname.split('.')[2] === 'eu-west-1' ? 'eu-west-1' : 'us-east-1',
        credentials: creds,
        sha256: Sha256,
        applyChecksum: false,
      }).sign(req, { signingDate: date });
      const ours = signRequest(
        {
          method: c.method,
          url: c.url.replace(u.pathname, decodeURIComponent(u.pathname)),
          headers: { 'content-type': c.ct },
          body: c.body,
          service: c.service,
          region: u.hostname.split('.')[2] === 'eu-west-1' ? 'eu-west-1' : 'us-east-1',
          credentials: creds,
          date,
        },
        nodePrimitives,
      );
      expect(ours.headers['authorization']).toBe(smithy.headers['authorization']);
      if (c.token) expect(ours.headers['x-amz-security-token']).toBe(c.token);
    });
  }

  const k6 = toolPaths.k6();
  it.skipIf(!existsSync(k6))(
    'signs identically inside k6 with k6/crypto (skipped: no k6 binary)',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sigv4-k6-'));
      const out = join(dir, 'out.json');
      const script = join(__dirname, '../../k6/selftest-sigv4.ts');
      const body = '{"image":"aGVsbG8=","endpoint":"single"}';
      const input = {
        method: 'POST',
        url: 'https://abc123.lambda-url.us-east-1.on.aws/',
        headers: { 'content-type': 'application/json' },
        body,
        service: 'lambda',
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret/Key+1', sessionToken: 'tok' },
        date: '2026-11-25T01:02:03Z',
      };
      await promisify(execFile)(
        k6,
        ['run', '-e', `INPUT=${JSON.stringify(input)}`, '-e', `OUT=${out}`, script],
        { timeout: 60_000 },
      );
      const fromK6 = JSON.parse(readFileSync(out, 'utf8')) as { vanilla: string; custom: string };
      expect(fromK6.vanilla).toContain(
        'Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
      );
      const expected = signRequest({ ...input, date: new Date(input.date) }, nodePrimitives);
      expect(fromK6.custom).toBe(expected.headers['authorization']);
    },
  );
});
