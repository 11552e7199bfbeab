/**
 * The S3 names the s3Uri input uses, behind one module that `clients.ts` and `s3-input.ts` import on first use:
 * a dynamic import of `@aws-sdk/client-s3` itself would keep every S3 command in the bundle, this keeps two.
 */
export { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
