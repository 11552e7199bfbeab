/**
 * SageMaker's endpoint data-capture record: one JSON object per line of a `.jsonl` file, written by SageMaker under
 * `<DestinationS3Uri>/<endpoint>/<variant>/yyyy/mm/dd/hh/` and by the local stack under the same layout in
 * `rollout.dataCapture.localDir`. Binary payloads (images) are base64 with `encoding: "BASE64"`; the shadow replay
 * reads captures from either side through this one schema.
 */
import { z } from 'zod';

export const CaptureEncoding = z.enum(['BASE64', 'CSV', 'JSON']);

export const CapturedPayloadSchema = z.object({
  observedContentType: z.string(),
  mode: z.enum(['INPUT', 'OUTPUT']),
  data: z.string(),
  encoding: CaptureEncoding,
});
export type CapturedPayload = z.infer<typeof CapturedPayloadSchema>;

export const DataCaptureRecordSchema = z.object({
  captureData: z.object({
    endpointInput: CapturedPayloadSchema.optional(),
    endpointOutput: CapturedPayloadSchema.optional(),
  }),
  eventMetadata: z.object({
    eventId: z.string().min(1),
    /** ISO-8601 UTC, e.g. 2026-11-30T01:02:03Z. */
    inferenceTime: z.string().min(1),
    inferenceId: z.string().optional(),
  }),
  eventVersion: z.string(),
});
export type DataCaptureRecord = z.infer<typeof DataCaptureRecordSchema>;

/** The payload's bytes, whatever its encoding. */
export function capturedBytes(p: CapturedPayload): Buffer {
  return p.encoding === 'BASE64' ? Buffer.from(p.data, 'base64') : Buffer.from(p.data, 'utf8');
}

/** `<endpoint>/<variant>/yyyy/mm/dd/hh`: the folder of a capture made at `at` (UTC), as SageMaker lays it out. */
export function dataCaptureFolder(endpoint: string, variant: string, at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return [
    endpoint,
    variant,
    String(at.getUTCFullYear()),
    pad(at.getUTCMonth() + 1),
    pad(at.getUTCDate()),
    pad(at.getUTCHours()),
  ].join('/');
}
