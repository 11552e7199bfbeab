import { GetObjectCommand, NoSuchKey, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { allowedS3Location, mapS3Error, parseS3Uri, readS3Image } from './s3-input.js';

const s3Mock = mockClient(S3Client);
afterEach(() => s3Mock.reset());

const cfg = { inputBucket: 'dogbreed-inputs', inputPrefix: 'inference-inputs/' };
// The SDK hands GetObject's Body over as a Node Readable; the reader only iterates it.
const stream = (...chunks: Buffer[]) => Readable.from(chunks) as never;

async function rejection(p: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await p;
  } catch (e) {
    return e as Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}

describe('s3Uri validation', () => {
  it('accepts an object under the configured bucket and prefix', () => {
    expect(allowedS3Location('s3://dogbreed-inputs/inference-inputs/a/dog.jpg', cfg)).toEqual({
      bucket: 'dogbreed-inputs',
      key: 'inference-inputs/a/dog.jpg',
    });
  });

  it.each([
    ['another bucket', 's3://other-bucket/inference-inputs/dog.jpg', 'S3_URI_NOT_ALLOWED'],
    ['outside the prefix', 's3://dogbreed-inputs/private/dog.jpg', 'S3_URI_NOT_ALLOWED'],
    ['a dot-dot segment', 's3://dogbreed-inputs/inference-inputs/../private/dog.jpg', 'S3_URI_NOT_ALLOWED'],
    ['an https URL', 'https://dogbreed-inputs.s3.amazonaws.com/inference-inputs/dog.jpg', 'INVALID_S3_URI'],
    ['an arbitrary URL', 'http://169.254.169.254/latest/meta-data', 'INVALID_S3_URI'],
    ['no key', 's3://dogbreed-inputs/', 'INVALID_S3_URI'],
  ])('refuses %s', (_name, uri, code) => {
    expect(() => allowedS3Location(uri, cfg)).toThrow(expect.objectContaining({ statusCode: 400, code }));
  });

  it('refuses every s3Uri when no input bucket is configured', () => {
    expect(() =>
      allowedS3Location('s3://dogbreed-inputs/inference-inputs/x', {
        inputBucket: undefined,
        inputPrefix: '',
      }),
    ).toThrow(expect.objectContaining({ statusCode: 400, code: 'S3_INPUT_DISABLED' }));
  });

  it('parses bucket and key', () => {
    expect(parseS3Uri('s3://my.bucket-1/a/b c.png')).toEqual({ bucket: 'my.bucket-1', key: 'a/b c.png' });
  });
});

describe('readS3Image (aws-sdk-client-mock)', () => {
  const loc = { bucket: cfg.inputBucket, key: 'inference-inputs/dog.jpg' };

  it('reads the object it was asked for', async () => {
    s3Mock.on(GetObjectCommand, { Bucket: loc.bucket, Key: loc.key }).resolves({
      ContentLength: 6,
      Body: stream(Buffer.from([1, 2, 3]), Buffer.from([4, 5, 6])),
    });
    const bytes = await readS3Image(new S3Client({ region: 'us-east-1' }), loc, 100);
    expect(Buffer.from(bytes)).toEqual(Buffer.from([1, 2, 3, 4, 5, 6]));
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(1);
  });

  it('refuses an object whose ContentLength is over the limit with 413, without reading it', async () => {
    s3Mock.on(GetObjectCommand).resolves({ ContentLength: 101, Body: stream(Buffer.alloc(101)) });
    const e = await rejection(readS3Image(new S3Client({ region: 'us-east-1' }), loc, 100));
    expect(e).toMatchObject({ statusCode: 413, code: 'IMAGE_TOO_LARGE' });
  });

  it('stops reading a stream that grows past the limit (no ContentLength)', async () => {
    s3Mock.on(GetObjectCommand).resolves({ Body: stream(Buffer.alloc(60), Buffer.alloc(60)) });
    const e = await rejection(readS3Image(new S3Client({ region: 'us-east-1' }), loc, 100));
    expect(e).toMatchObject({ statusCode: 413, code: 'IMAGE_TOO_LARGE' });
  });

  it('maps NoSuchKey to 400 S3_OBJECT_NOT_FOUND', async () => {
    s3Mock
      .on(GetObjectCommand)
      .rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }));
    const e = await rejection(readS3Image(new S3Client({ region: 'us-east-1' }), loc, 100));
    expect(e).toMatchObject({ statusCode: 400, code: 'S3_OBJECT_NOT_FOUND' });
  });

  it('maps AccessDenied to 502 S3_READ_FAILED and does not leak the message', async () => {
    s3Mock.on(GetObjectCommand).rejects(
      new S3ServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: {},
        message: 'arn:aws:iam::123456789012:role/x is not authorized',
      }),
    );
    const e = await rejection(readS3Image(new S3Client({ region: 'us-east-1' }), loc, 100));
    expect(e).toMatchObject({ statusCode: 502, code: 'S3_READ_FAILED' });
    expect(String(e['message'])).not.toContain('123456789012');
  });

  it('maps an aborted read to 504', () => {
    expect(mapS3Error(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toMatchObject({
      statusCode: 504,
    });
  });
});
