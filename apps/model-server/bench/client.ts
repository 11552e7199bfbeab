/**
 * The benchmark's load generator: one keep-alive HTTP/1.1 connection per concurrent caller, every request's bytes
 * (head + image) encoded once up front, and a response reader that only finds the status line and Content-Length.
 * The client runs on the same cores as the server it measures, so its CPU per request is taken from the server's
 * share: `fetch` (undici, WHATWG streams) cost 2.2–2.4 ms CPU per request on the workspace, `node:http` with a
 * keep-alive agent 0.9–1.0 ms, this client a fraction of that (the benchmark reports it: `clientCpuMsPerRequest`).
 * It speaks only what the model server answers (Content-Length bodies, no chunked encoding, no 1xx).
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface Reply {
  readonly status: number;
  readonly body: Buffer;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/** `POST path` with `body` and these headers, as the bytes a keep-alive client writes. */
export function encodeRequest(
  host: string,
  path: string,
  body: Buffer,
  headers: Record<string, string>,
): Buffer {
  const lines = [`POST ${path} HTTP/1.1`, `host: ${host}`, 'connection: keep-alive'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  lines.push(`content-length: ${body.length}`, '', '');
  return Buffer.concat([Buffer.from(lines.join('\r\n'), 'latin1'), body]);
}

/** Status and Content-Length of a response head (the bytes before the blank line). */
export function parseHead(head: string): { status: number; contentLength: number } {
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(head);
  const length = /\r\ncontent-length: *(\d+)\r\n/i.exec(`${head}\r\n`);
  if (!status?.[1]) throw new Error(`not an HTTP/1.1 response head: ${JSON.stringify(head.slice(0, 80))}`);
  if (/\r\ntransfer-encoding:/i.test(head)) throw new Error('chunked responses are not supported');
  return { status: Number(status[1]), contentLength: length?.[1] ? Number(length[1]) : 0 };
}

/** One keep-alive connection; `send` must not be called again before its reply arrived. */
export class Connection {
  private buffered: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed by the server')));
  }

  static open(port: number, host = '127.0.0.1'): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host }, () => {
        socket.off('error', reject);
        resolve(new Connection(socket));
      });
      socket.once('error', reject);
    });
  }

  /** `n` keep-alive connections to `port`. */
  static openMany(port: number, n: number): Promise<Connection[]> {
    return Promise.all(Array.from({ length: n }, () => Connection.open(port)));
  }

  /** Writes pre-encoded request bytes and resolves with the response. */
  send(request: Buffer): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting) return Promise.reject(new Error('a request is already in flight on this connection'));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(request);
    });
  }

  close(): void {
    this.failure ??= new Error('connection closed');
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const end = this.buffered.indexOf(HEAD_END);
    if (end < 0) return;
    let head: { status: number; contentLength: number };
    try {
      head = parseHead(this.buffered.subarray(0, end).toString('latin1'));
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    const total = end + HEAD_END.length + head.contentLength;
    if (this.buffered.length < total) return;
    if (this.buffered.length > total) {
      this.fail(new Error('the server sent more bytes than one response'));
      return;
    }
    const body = this.buffered.subarray(end + HEAD_END.length, total);
    this.buffered = Buffer.alloc(0);
    const w = this.waiting;
    this.waiting = undefined;
    w?.resolve({ status: head.status, body });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(err);
  }
}

/**
 * Sends `requests` in turn over `connections`, one in flight on each, until `count` were sent or `deadline` (a
 * `performance.now()` time) passed, then closes the connections. Any status but 200 fails the run; `onReply` gets
 * every reply with its latency and the index in `requests` of what it answers.
 */
export async function drive(
  connections: readonly Connection[],
  requests: readonly Buffer[],
  o: { readonly count: number; readonly deadline?: number },
  onReply: (reply: Reply, ms: number, index: number) => void = () => undefined,
): Promise<void> {
  let next = 0;
  const deadline = o.deadline ?? Number.POSITIVE_INFINITY;
  const caller = async (connection: Connection) => {
    while (next < o.count && performance.now() < deadline) {
      const index = next++ % requests.length;
      const t0 = performance.now();
      const reply = await connection.send(requests[index] as Buffer);
      const ms = performance.now() - t0;
      if (reply.status !== 200) throw new Error(`HTTP ${reply.status}: ${reply.body.toString()}`);
      onReply(reply, ms, index);
    }
  };
  try {
    await Promise.all(connections.map(caller));
  } finally {
    connections.forEach((c) => c.close());
  }
}
