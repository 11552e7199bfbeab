import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import {
  listeningPort,
  MODEL_SERVER_ENV,
  modelServerSettingsEnv,
  type EndpointSpec,
  type PlatformSpec,
} from '@dogbreed/platform-spec';
import type { Log } from '../log.js';

export type InstanceState = 'Pending' | 'InService' | 'Draining' | 'Terminated' | 'Failed';

export interface Instance {
  readonly id: string;
  state: InstanceState;
  inFlight: number;
  port: number | undefined;
  readonly child: ChildProcess;
  readonly launchedAt: number;
}

export interface PoolOptions {
  readonly endpoint: EndpointSpec;
  readonly modelDir: string;
  /** dist/apps/model-server/main.js */
  readonly modelServerMain: string;
  readonly spec: PlatformSpec;
  /** Port for the next instance (0 = any free port). */
  readonly nextPort: () => number;
  readonly log: Log;
  /** Called whenever an instance changes state. */
  readonly onChange?: (instance: Instance) => void;
  /**
   * Instance ids are `<idPrefix>-<n>`: the variant name for the fleet an endpoint boots with, a generation suffix
   * for each fleet an update starts beside it (both fleets serve the same variant).
   * @default the endpoint's variant name
   */
  readonly idPrefix?: string;
}

/** SageMaker expects /ping to pass within a few minutes of container start (AWS documents 3 min for serverless endpoints). */
export const PING_DEADLINE_MS = 180_000;
const PING_INTERVAL_MS = 100;
/** A stopping instance gets this long after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 10_000;
/** How many Terminated/Failed instances stay listed (for the dashboard and the metrics API). */
const KEEP_GONE = 8;

/** Model-server environment variables for one instance, every value from the spec. */
export function instanceEnv(
  spec: PlatformSpec,
  modelDir: string,
  port: number,
  host: string,
): Record<string, string> {
  return {
    [MODEL_SERVER_ENV.modelDir]: modelDir,
    [MODEL_SERVER_ENV.port]: String(port),
    [MODEL_SERVER_ENV.host]: host,
    ...modelServerSettingsEnv(spec.modelServer),
  };
}

function ping(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: '/ping', method: 'GET', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * The instances of one endpoint variant: real model-server processes. An instance is InService only after its
 * /ping passes; one that exits unexpectedly is Failed; scale-in drains (no new requests, wait for in-flight ones)
 * before SIGTERM.
 */
export class InstancePool {
  private readonly instances: Instance[] = [];
  private seq = 0;
  private closing = false;
  readonly host: string;

  constructor(private readonly opts: PoolOptions) {
    this.host = opts.spec.localStack.host;
  }

  get name(): string {
    return this.opts.endpoint.name;
  }

  /** The model dir this fleet's instances serve. */
  get modelDir(): string {
    return this.opts.modelDir;
  }

  list(): readonly Instance[] {
    return this.instances;
  }

  inService(): Instance[] {
    return this.instances.filter((i) => i.state === 'InService');
  }

  /** Pending + InService: the instances that count toward the desired count. */
  live(): Instance[] {
    return this.instances.filter((i) => i.state === 'Pending' || i.state === 'InService');
  }

  private set(instance: Instance, state: InstanceState): void {
    if (instance.state === state) return;
    instance.state = state;
    this.opts.onChange?.(instance);
  }

  /** Starts one more instance (Pending until /ping passes). */
  launch(): Instance {
    this.seq += 1;
    const id = `${this.opts.idPrefix ?? this.opts.endpoint.variantName}-${this.seq}`;
    const port = this.opts.nextPort();
    const child = spawn(process.execPath, [this.opts.modelServerMain], {
      env: { ...process.env, ...instanceEnv(this.opts.spec, this.opts.modelDir, port, this.host) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const instance: Instance = {
      id,
      state: 'Pending',
      inFlight: 0,
      port: undefined,
      child,
      launchedAt: Date.now(),
    };
    this.instances.push(instance);
    this.opts.onChange?.(instance);
    const tail: string[] = [];
    const remember = (line: string) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
    };
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      remember(line);
      const p = listeningPort(line);
      if (p !== undefined && instance.port === undefined) {
        instance.port = p;
        void this.waitForPing(instance);
      }
    });
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', remember);
    child.on('error', (err) => {
      this.opts.log(`${this.name}/${id}: could not start: ${err.message}`);
      this.set(instance, 'Failed');
    });
    child.on('exit', (code, signal) => {
      if (instance.state === 'Draining' || instance.state === 'Terminated' || this.closing) {
        this.set(instance, 'Terminated');
      } else if (instance.state !== 'Failed') {
        this.opts.log(
          `${this.name}/${id} exited unexpectedly (${signal ?? `code ${code}`}); marked Failed. Last output:\n  ` +
            tail.slice(-5).join('\n  '),
        );
        this.set(instance, 'Failed');
      }
      this.prune();
    });
    return instance;
  }

  private async waitForPing(instance: Instance): Promise<void> {
    const deadline = Date.now() + PING_DEADLINE_MS;
    while (instance.state === 'Pending' && Date.now() < deadline) {
      if (await ping(this.host, instance.port as number)) {
        if (instance.state === 'Pending') {
          this.set(instance, 'InService');
          this.opts.log(`${this.name}/${instance.id} InService on port ${instance.port}`);
        }
        return;
      }
      await new Promise((r) => setTimeout(r, PING_INTERVAL_MS));
    }
    if (instance.state === 'Pending') {
      this.opts.log(
        `${this.name}/${instance.id}: /ping did not pass in ${PING_DEADLINE_MS / 1000} s; marked Failed`,
      );
      this.set(instance, 'Failed');
      instance.child.kill('SIGKILL');
    }
  }

  /** Least outstanding requests among InService instances, skipping `exclude`; counts the request in. */
  acquire(exclude: ReadonlySet<string> = new Set()): Instance | undefined {
    let best: Instance | undefined;
    for (const i of this.instances) {
      if (i.state !== 'InService' || exclude.has(i.id)) continue;
      if (!best || i.inFlight < best.inFlight) best = i;
    }
    if (best) best.inFlight += 1;
    return best;
  }

  release(instance: Instance): void {
    instance.inFlight = Math.max(0, instance.inFlight - 1);
    if (instance.state === 'Draining' && instance.inFlight === 0) this.stop(instance);
  }

  /** The router could not reach this instance: if its process is gone, it is Failed now (not at the exit event). */
  reportUnreachable(instance: Instance): void {
    const c = instance.child;
    if ((c.exitCode !== null || c.signalCode !== null) && instance.state === 'InService')
      this.set(instance, 'Failed');
  }

  /** Scale-in: takes one instance out of service (the least busy, newest first), stops it once idle. */
  drainOne(): Instance | undefined {
    const pending = this.instances.filter((i) => i.state === 'Pending').at(-1);
    const candidates = this.inService()
      .reverse()
      .sort((a, b) => a.inFlight - b.inFlight);
    const victim = pending ?? candidates[0];
    if (!victim) return undefined;
    this.set(victim, 'Draining');
    this.opts.log(`${this.name}/${victim.id} draining (${victim.inFlight} in flight)`);
    if (victim.inFlight === 0) this.stop(victim);
    return victim;
  }

  /**
   * Takes the whole fleet out of service (an update promoted or rolled back): no new requests; each instance stops
   * once its in-flight requests have finished, so none is lost.
   */
  retire(): void {
    let inFlight = 0;
    for (const i of this.instances) {
      if (i.state !== 'Pending' && i.state !== 'InService') continue;
      inFlight += i.inFlight;
      this.set(i, 'Draining');
      if (i.inFlight === 0) this.stop(i);
    }
    this.opts.log(
      `${this.name}: fleet ${this.opts.idPrefix ?? this.opts.endpoint.variantName} retiring (${inFlight} request(s) in flight, each finishes first)`,
    );
  }

  /** True when no instance of this fleet has a process any more. */
  stopped(): boolean {
    return this.instances.every((i) => i.state === 'Terminated' || i.state === 'Failed');
  }

  /** Fault injection: SIGKILL, marked Failed at once. */
  kill(id: string): Instance | undefined {
    const instance = this.instances.find((i) => i.id === id);
    if (!instance || instance.state === 'Terminated' || instance.state === 'Failed') return undefined;
    this.set(instance, 'Failed');
    instance.child.kill('SIGKILL');
    this.opts.log(`${this.name}/${id} killed (SIGKILL) on request`);
    return instance;
  }

  private stop(instance: Instance): void {
    const c = instance.child;
    if (c.exitCode !== null || c.signalCode !== null) {
      this.set(instance, 'Terminated');
      return;
    }
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), STOP_GRACE_MS);
    c.once('exit', () => clearTimeout(timer));
  }

  private prune(): void {
    const gone = this.instances.filter((i) => i.state === 'Terminated' || i.state === 'Failed');
    for (const old of gone.slice(0, Math.max(0, gone.length - KEEP_GONE))) {
      this.instances.splice(this.instances.indexOf(old), 1);
    }
  }

  /** Stops every process: SIGTERM, then SIGKILL after the grace period. Resolves when all have exited. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.instances.map(
        (i) =>
          new Promise<void>((resolve) => {
            const c = i.child;
            if (c.exitCode !== null || c.signalCode !== null || c.pid === undefined) return resolve();
            c.once('exit', () => resolve());
            this.stop(i);
          }),
      ),
    );
  }
}
