/**
 * SageMaker endpoint data capture on the local stack: a deterministic `rollout.dataCapture.samplingPercent` share of
 * the InvokeEndpoint requests each endpoint answers is written as SageMaker's JSONL records
 * (`DataCaptureRecordSchema`) under `<localDir>/<endpoint>/<variant>/yyyy/mm/dd/hh/`, the layout SageMaker uses in
 * S3, so the shadow replay reads local and AWS captures alike. Recording only buffers; the files are written later,
 * off the response path, and a failing disk is logged, never answered to the client.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, appendFileSync, mkdirSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  dataCaptureFolder,
  type CapturedPayload,
  type DataCaptureRecord,
  type PlatformSpec,
} from '@dogbreed/platform-spec';
import type { Log } from '../log.js';

/**
 * Captures waiting to be written, at most this many bytes of JSONL: a disk slower than the traffic loses captures
 * (counted and logged), never memory or latency. 16 MiB holds two 6 MB payloads base64-encoded.
 */
export const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
/** How often buffered captures are written; SageMaker also delivers captures in batches, minutes apart. */
export const FLUSH_INTERVAL_MS = 1_000;
/** SageMaker's `eventVersion` of the capture format. */
export const CAPTURE_EVENT_VERSION = '0';
/** What SageMaker records as the content type when the client sent none. */
const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** One answered InvokeEndpoint request, as the router saw it. */
export interface CapturedInvocation {
  readonly endpointName: string;
  readonly variantName: string;
  /** The request's id (SageMaker: a UUID per event). */
  readonly eventId: string;
  /**
   * The request's `X-Amzn-SageMaker-Inference-Id` (or, for a request copied to a shadow variant, the id the router
   * gave it): SageMaker writes it into both variants' records, which is how a shadow's pairs are matched.
   */
  readonly inferenceId?: string;
  /**
   * Captured whatever the sample says: a request copied to a shadow variant is captured on both variants, so every
   * pair of the shadow phase is on disk (the sample's counter does not count it).
   */
  readonly always?: boolean;
  readonly input: { readonly body: Buffer; readonly contentType: string | undefined };
  readonly output: { readonly body: Buffer; readonly contentType: string };
}

export interface DataCaptureOptions {
  /** Absolute directory the endpoint folders are created in (SageMaker's DestinationS3Uri). */
  readonly dir: string;
  /** Share of each endpoint variant's requests captured, 0 to 100 (SageMaker InitialSamplingPercentage). */
  readonly samplingPercent: number;
  readonly log: Log;
  /** @default MAX_BUFFERED_BYTES */
  readonly maxBufferedBytes?: number;
  /** Write buffered captures this often; 0 = only on `flush()` / `close()`. @default FLUSH_INTERVAL_MS */
  readonly flushIntervalMs?: number;
  /** The clock that stamps `inferenceTime` and picks the hour folder. @default () => new Date() */
  readonly now?: () => Date;
}

/**
 * SageMaker's encodings: JSON and CSV bodies are kept as text, anything else (an image) is base64
 * (its CaptureContentTypeHeader defaults).
 */
export function captureEncoding(contentType: string | undefined): CapturedPayload['encoding'] {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/json' || type.endsWith('+json') || type === 'application/jsonlines')
    return 'JSON';
  if (type === 'text/csv') return 'CSV';
  return 'BASE64';
}

function payload(mode: 'INPUT' | 'OUTPUT', body: Buffer, contentType: string | undefined): CapturedPayload {
  const encoding = captureEncoding(contentType);
  return {
    observedContentType: contentType ?? DEFAULT_CONTENT_TYPE,
    mode,
    data: encoding === 'BASE64' ? body.toString('base64') : body.toString('utf8'),
    encoding,
  };
}

/** The JSONL record of one invocation; `inferenceTime` is ISO-8601 UTC to the second, as SageMaker writes it. */
export function captureRecord(inv: CapturedInvocation, at: Date): DataCaptureRecord {
  return {
    captureData: {
      endpointInput: payload('INPUT', inv.input.body, inv.input.contentType),
      endpointOutput: payload('OUTPUT', inv.output.body, inv.output.contentType),
    },
    eventMetadata: {
      eventId: inv.eventId,
      inferenceTime: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      ...(inv.inferenceId !== undefined ? { inferenceId: inv.inferenceId } : {}),
    },
    eventVersion: CAPTURE_EVENT_VERSION,
  };
}

/**
 * Whether the `n`-th request (0-based) falls in a `percent` % sample: exactly ⌊(n+1)·p/100⌋ of the first n+1 are
 * taken, evenly spread (20 % → every fifth), so tests can count captures without randomness.
 */
export function sampled(n: number, percent: number): boolean {
  return Math.floor(((n + 1) * percent) / 100) > Math.floor((n * percent) / 100);
}

interface Pending {
  readonly file: string;
  readonly line: string;
}

/** The buffered writer. One per capture directory; `record` never throws and never waits for the disk. */
export class DataCapture {
  private readonly counters = new Map<string, number>();
  /** One file per hour folder for this writer's lifetime: `<mm>-<ss>-<mmm>-<uuid>.jsonl`, as SageMaker names them. */
  private readonly files = new Map<string, string>();
  private buffer: Pending[] = [];
  private bufferedBytes = 0;
  private dropped = 0;
  /** The batch being written, until every line of it is on disk (the exit flush writes what is left of it). */
  private writing: { readonly batch: Pending[]; written: number } | undefined;
  private chain: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly maxBufferedBytes: number;
  private readonly now: () => Date;

  constructor(private readonly opts: DataCaptureOptions) {
    this.maxBufferedBytes = opts.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
    this.now = opts.now ?? (() => new Date());
    const every = opts.flushIntervalMs ?? FLUSH_INTERVAL_MS;
    if (every > 0) {
      this.timer = setInterval(() => void this.flush(), every);
      // Captures must not keep a stopping process alive; the exit hook writes what is left.
      this.timer.unref();
    }
  }

  /** Captures buffered now, and those lost to a full buffer since the last flush. */
  get stats(): { readonly buffered: number; readonly dropped: number } {
    return { buffered: this.buffer.length, dropped: this.dropped };
  }

  /** Buffers `inv` when it falls in the sample; returns whether it did. */
  record(inv: CapturedInvocation): boolean {
    if (this.closed) return false;
    if (!inv.always) {
      const key = `${inv.endpointName}/${inv.variantName}`;
      const n = this.counters.get(key) ?? 0;
      this.counters.set(key, n + 1);
      if (!sampled(n, this.opts.samplingPercent)) return false;
    }
    const at = this.now();
    return this.write(inv, captureRecord(inv, at), at);
  }

  /** Buffers a record built elsewhere (a shadow's pair: the same record the live verdict reads), made at `at`. */
  write(inv: CapturedInvocation, record: DataCaptureRecord, at: Date): boolean {
    if (this.closed) return false;
    const line = `${JSON.stringify(record)}\n`;
    const bytes = Buffer.byteLength(line);
    if (this.bufferedBytes + bytes > this.maxBufferedBytes) {
      this.dropped += 1;
      return false;
    }
    this.buffer.push({ file: this.fileFor(inv, at), line });
    this.bufferedBytes += bytes;
    return true;
  }

  private fileFor(inv: CapturedInvocation, at: Date): string {
    const folder = dataCaptureFolder(inv.endpointName, inv.variantName, at);
    let file = this.files.get(folder);
    if (!file) {
      const pad = (v: number, w = 2) => String(v).padStart(w, '0');
      const name = `${pad(at.getUTCMinutes())}-${pad(at.getUTCSeconds())}-${pad(at.getUTCMilliseconds(), 3)}-${randomUUID()}.jsonl`;
      file = join(this.opts.dir, folder, name);
      this.files.set(folder, file);
    }
    return file;
  }

  private take(): Pending[] {
    const batch = this.buffer;
    this.buffer = [];
    this.bufferedBytes = 0;
    if (this.dropped > 0) {
      this.opts.log(
        `data capture: ${this.dropped} capture(s) dropped, the write buffer (${this.maxBufferedBytes} bytes) was full`,
      );
      this.dropped = 0;
    }
    return batch;
  }

  /** Writes what is buffered (after any write in progress). Resolves when it is on disk; errors are logged. */
  flush(): Promise<void> {
    this.chain = this.chain.then(async () => {
      const batch = this.take();
      if (batch.length === 0) return;
      const state = { batch, written: 0 };
      this.writing = state;
      try {
        for (const [file, lines] of groupByFile(batch)) {
          await mkdir(dirname(file), { recursive: true });
          await appendFile(file, lines.join(''));
          state.written += lines.length;
        }
      } catch (err) {
        this.opts.log(`data capture: writing under ${this.opts.dir} failed: ${(err as Error).message}`);
      } finally {
        this.writing = undefined;
      }
    });
    return this.chain;
  }

  /** Stops the timer and writes everything buffered. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }

  /**
   * For process exit, where nothing asynchronous runs: writes the buffer and the unwritten rest of a batch in
   * progress synchronously.
   */
  flushSync(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    const rest = this.writing ? unwritten(this.writing.batch, this.writing.written) : [];
    const batch = [...rest, ...this.take()];
    try {
      for (const [file, lines] of groupByFile(batch)) {
        mkdirSync(dirname(file), { recursive: true });
        appendFileSync(file, lines.join(''));
      }
    } catch (err) {
      this.opts.log(`data capture: writing under ${this.opts.dir} failed: ${(err as Error).message}`);
    }
  }
}

function groupByFile(batch: readonly Pending[]): Map<string, string[]> {
  const byFile = new Map<string, string[]>();
  for (const p of batch) {
    const lines = byFile.get(p.file) ?? [];
    lines.push(p.line);
    byFile.set(p.file, lines);
  }
  return byFile;
}

/** The lines of `batch` not yet written: whole files are written in `groupByFile` order, `written` lines so far. */
function unwritten(batch: readonly Pending[], written: number): Pending[] {
  const rest: Pending[] = [];
  let seen = 0;
  for (const [file, lines] of groupByFile(batch)) {
    if (seen >= written) for (const line of lines) rest.push({ file, line });
    seen += lines.length;
  }
  return rest;
}

/** The workspace root (the folder with nx.json) above `from`; `from` itself when there is none. */
function workspaceRootAbove(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'nx.json'))) {
    const up = dirname(dir);
    if (up === dir) return from;
    dir = up;
  }
  return dir;
}

/** `rollout.dataCapture.localDir` as an absolute path: relative paths are relative to the repository root. */
export function captureDir(spec: PlatformSpec, root?: string): string {
  const dir = spec.rollout.dataCapture.localDir;
  if (isAbsolute(dir)) return dir;
  return resolve(root ?? workspaceRootAbove(dirname(fileURLToPath(import.meta.url))), dir);
}

/** The folder captures go to inside a state dir the user chose (`--models-dir DIR` → `DIR/data-capture`). */
export const STATE_DIR_CAPTURE_FOLDER = 'data-capture';

export interface CaptureDirOptions {
  /** The repository root: a relative `localDir` is relative to it when no state dir was chosen. */
  readonly root: string;
  /** The state dir the user chose (`--models-dir`); absent: the checkout's `.local-stack`. */
  readonly stateDir?: string;
}

/**
 * The spec with the capture directory this run writes to, made absolute. Captures hold request bodies: a run on a
 * state dir elsewhere (a scratch dir, another disk) must not leave them in the checkout, so a relative `localDir`
 * follows the chosen state dir; an absolute one is the user's explicit choice and stays.
 */
export function withCaptureDir(spec: PlatformSpec, opts: CaptureDirOptions): PlatformSpec {
  const c = spec.rollout.dataCapture;
  const dir = isAbsolute(c.localDir)
    ? c.localDir
    : opts.stateDir !== undefined
      ? resolve(opts.stateDir, STATE_DIR_CAPTURE_FOLDER)
      : resolve(opts.root, c.localDir);
  return { ...spec, rollout: { ...spec.rollout, dataCapture: { ...c, localDir: dir } } };
}

/** The start banner's line on data capture: what share of requests, bodies included, goes where (or that none does). */
export function describeDataCapture(spec: PlatformSpec): string {
  const c = spec.rollout.dataCapture;
  if (!c.enabled || c.samplingPercent === 0) return 'data capture: off (spec.rollout.dataCapture)';
  return (
    `data capture: ${c.samplingPercent} % of InvokeEndpoint requests, request and response bodies included, ` +
    `to ${captureDir(spec)}`
  );
}

/** One writer per capture directory for the life of the process, flushed synchronously when the process exits. */
const writers = new Map<string, DataCapture>();

function writerFor(spec: PlatformSpec, log: Log, always = false): DataCapture | undefined {
  const c = spec.rollout.dataCapture;
  if (!c.enabled || (c.samplingPercent === 0 && !always)) return undefined;
  const dir = captureDir(spec);
  const key = `${dir}\n${c.samplingPercent}`;
  let writer = writers.get(key);
  if (!writer) {
    writer = new DataCapture({ dir, samplingPercent: c.samplingPercent, log });
    writers.set(key, writer);
    const w = writer;
    // The stack's stop ends in process.exit: the last second of captures is written here.
    process.once('exit', () => w.flushSync());
    log(`data capture: ${c.samplingPercent} % of InvokeEndpoint requests to ${dir}`);
  }
  return writer;
}

/**
 * The router's one call after an InvokeEndpoint answer went out: captures it when `spec.rollout.dataCapture` is
 * enabled and the request falls in the sample. Never throws.
 */
export function captureInvocation(spec: PlatformSpec, log: Log, inv: CapturedInvocation): void {
  captureRecorded(spec, log, inv, undefined);
}

/**
 * `captureInvocation` for a record already built (`record`, made at `at`), or built here when undefined; never
 * throws. A shadow's pair is built once, so the file and the live verdict hold the same record.
 */
export function captureRecorded(
  spec: PlatformSpec,
  log: Log,
  inv: CapturedInvocation,
  built: { readonly record: DataCaptureRecord; readonly at: Date } | undefined,
): void {
  try {
    const writer = writerFor(spec, log, inv.always);
    if (built) writer?.write(inv, built.record, built.at);
    else writer?.record(inv);
  } catch (err) {
    log(`data capture: ${(err as Error).message}`);
  }
}
