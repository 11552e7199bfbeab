/**
 * The shadow variant's side of a copied InvokeEndpoint request: sent to a shadow instance after production has
 * answered the client, its answer captured under the shadow variant with the request's inference id and handed to
 * the live verdict, then discarded. Nothing here reaches the client: a busy, dead or failing shadow only costs the
 * verdict a pair (or counts as a candidate error), never the production request.
 */
import { randomUUID } from 'node:crypto';
import type { PlatformSpec } from '@dogbreed/platform-spec';
import type { Log } from '../log.js';
import { captureRecord, captureRecorded, type CapturedInvocation } from './data-capture.js';
import { callContainer, InstanceUnreachableError, type InvokeInput } from './invoke-endpoint.js';
import type { ShadowCopy } from './managed-endpoint.js';

export interface ShadowCopyContext {
  readonly spec: PlatformSpec;
  readonly log: Log;
  readonly endpointName: string;
  /** The pairing key both variants' captures carry. */
  readonly inferenceId: string;
}

/** Copies one request to the shadow fleet. Never throws: the caller does not wait for it. */
export async function copyToShadow(
  copy: ShadowCopy,
  input: InvokeInput,
  ctx: ShadowCopyContext,
): Promise<void> {
  const { pool, session } = copy;
  try {
    const inService = pool.inService();
    const outstanding = inService.reduce((n, i) => n + i.inFlight, 0);
    // The shadow has production's back-pressure limit: past it a copy is dropped rather than queued without bound.
    const instance =
      outstanding < inService.length * ctx.spec.modelServer.maxQueueDepth ? pool.acquire() : undefined;
    if (!instance) {
      session.drop();
      return;
    }
    let reply;
    try {
      reply = await callContainer(pool.host, instance.port as number, input);
    } catch (err) {
      pool.release(instance);
      if (err instanceof InstanceUnreachableError) pool.reportUnreachable(instance);
      session.unanswered(
        ctx.inferenceId,
        new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        `the shadow instance ${instance.id} did not answer: ${(err as Error).message}`,
      );
      return;
    }
    pool.release(instance);
    const contentType =
      typeof reply.headers['content-type'] === 'string' ? reply.headers['content-type'] : 'application/json';
    const inv: CapturedInvocation = {
      endpointName: ctx.endpointName,
      variantName: copy.variantName,
      eventId: randomUUID(),
      inferenceId: ctx.inferenceId,
      always: true,
      input: { body: input.body, contentType: input.contentType },
      // An error answer is captured too: it is the candidate's failure the verdict counts.
      output: { body: reply.body, contentType },
    };
    const at = new Date();
    const record = captureRecord(inv, at);
    session.observe('candidate', record);
    captureRecorded(ctx.spec, ctx.log, inv, { record, at });
  } catch (err) {
    ctx.log(
      `${ctx.endpointName}: copying a request to shadow variant ${copy.variantName} failed: ${String(err)}`,
    );
  }
}
