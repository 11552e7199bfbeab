/**
 * What the benchmarks send and read: the photos they post, the built server they post them to, and a server
 * process's CPU time from /proc.
 */
import { MODEL_SERVER_ENV } from '@dogbreed/platform-spec';
import { sharedDir } from '@dogbreed/workspace';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { startServerProcess, waitForPing, type ServerProcess } from '../tests/support/server-process.js';
import { encodeRequest } from './client.js';

/**
 * dogs-mini test photos when ../shared exists (`perBreed` per breed, sorted by breed), else generated JPEGs of a
 * similar size.
 */
export async function benchImages(
  benchDir: string,
  perBreed = 4,
): Promise<{ source: string; paths: string[] }> {
  const photos = sharedDir() && join(sharedDir() as string, 'data/dogs-mini/test');
  if (photos && existsSync(photos)) {
    const paths = readdirSync(photos)
      .sort()
      .flatMap((d) =>
        readdirSync(join(photos, d))
          .filter((f) => f.endsWith('.jpg'))
          .sort()
          .slice(0, perBreed)
          .map((f) => join(photos, d, f)),
      );
    return { source: 'dogs-mini test photos', paths };
  }
  const dir = join(benchDir, 'generated-images');
  mkdirSync(dir, { recursive: true });
  const paths: string[] = [];
  for (let i = 0; i < 20; i++) {
    const raw = Buffer.alloc(500 * 375 * 3);
    for (let p = 0; p < raw.length; p++) raw[p] = (p * (i + 7) + ((p / 1500) | 0) * 13) & 0xff;
    const file = join(dir, `img-${i}.jpg`);
    await sharp(raw, { raw: { width: 500, height: 375, channels: 3 } })
      .jpeg({ quality: 85 })
      .toFile(file);
    paths.push(file);
  }
  return { source: 'generated 500x375 JPEGs', paths };
}

/** CPU milliseconds all threads of `pid` have run, from /proc (ns resolution); NaN where there is no /proc. */
export function processCpuMs(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/task`).reduce((sum, tid) => {
      const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      return sum + ns / 1e6;
    }, 0);
  } catch {
    return Number.NaN;
  }
}

/**
 * Starts a built server (`command`, else dist/apps/model-server) on `modelDir` with these settings, quiet (warn), and
 * waits for /ping; returns it with `bodies` encoded as its `POST /invocations` requests (image/jpeg).
 */
export async function startBenchServer(o: {
  modelDir: string;
  threads: number;
  sessions: number;
  batching: boolean;
  bodies: readonly Buffer[];
  command?: readonly string[];
}): Promise<{ server: ServerProcess; requests: Buffer[] }> {
  const server = await startServerProcess(
    {
      [MODEL_SERVER_ENV.modelDir]: o.modelDir,
      [MODEL_SERVER_ENV.intraOpThreads]: String(o.threads),
      [MODEL_SERVER_ENV.inferenceSessions]: String(o.sessions),
      [MODEL_SERVER_ENV.batching]: String(o.batching),
      [MODEL_SERVER_ENV.logLevel]: 'warn',
    },
    o.command,
  );
  try {
    await waitForPing(server.url);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return { server, requests: invocationRequests(server.port, o.bodies) };
}

/** Each JPEG as a ready-to-send `POST /invocations` to the server on `port` (ours or the peer: same route). */
export function invocationRequests(port: number, bodies: readonly Buffer[]): Buffer[] {
  return bodies.map((b) =>
    encodeRequest(`127.0.0.1:${port}`, '/invocations', b, { 'content-type': 'image/jpeg' }),
  );
}
