/** Small statistics for the benchmark (pure, unit-tested). */

/** Nearest-rank percentile of `values` (p in 0..100); NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

export interface Sample {
  /** Client-side latency of one request. */
  readonly clientMs: number;
  readonly decode: number;
  readonly preprocess: number;
  readonly inference: number;
  readonly total: number;
}

export interface LevelFigures {
  readonly concurrency: number;
  readonly requests: number;
  readonly imagesPerSecond: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly meanDecodeMs: number;
  readonly meanPreprocessMs: number;
  readonly meanInferenceMs: number;
  readonly meanServerTotalMs: number;
  /** Client latency outside the model (HTTP, body, decode, preprocess, queue, messaging) ÷ model time. */
  readonly overheadVsModel: number;
  /** The same from medians (robust to the odd descheduled request on a busy machine). */
  readonly overheadVsModelMedian: number;
  /** Share of the server's own time (`timingsMs.total`) spent outside `inference`. */
  readonly serverShareOutsideModel: number;
  /** CPU per request of the benchmark's own client (it runs on the same cores). */
  readonly clientCpuMsPerRequest: number;
  /** CPU per image of the server process, all its threads (NaN where /proc is missing). */
  readonly serverCpuMsPerImage: number;
  /** (server + client CPU) ÷ (wall × cores): below 1 the cores were idle or busy with other work. */
  readonly cpuShareOfCores: number;
  /** Share of the machine's cores that ran nothing during the level (/proc/stat; NaN where it is missing). */
  readonly idleShareOfCores: number;
}

/** CPU the client and the server used during a level, for `summarise`. */
export interface LevelCpu {
  readonly clientMs: number;
  /** NaN where the server's CPU could not be read. */
  readonly serverMs: number;
  readonly cores: number;
  /** The machine's idle share over the level (see `idleShare`). */
  readonly idleShare: number;
}

/** The first line of /proc/stat: jiffies per state, summed over the cores. */
export interface CpuTimes {
  readonly idle: number;
  readonly total: number;
}

/** Reads `cpu  user nice system idle iowait irq softirq steal …` (the first line of /proc/stat). */
export function parseCpuTimes(procStat: string): CpuTimes {
  const first = procStat.split('\n', 1)[0] ?? '';
  if (!/^cpu\s/.test(first)) throw new Error(`not /proc/stat: ${JSON.stringify(first.slice(0, 40))}`);
  const f = first.trim().split(/\s+/).slice(1).map(Number);
  // idle + iowait: the cores had nothing to run; steal (taken by the hypervisor) counts as busy elsewhere.
  return { idle: (f[3] ?? 0) + (f[4] ?? 0), total: f.reduce((a, b) => a + b, 0) };
}

/** Share of the cores that ran nothing between two readings: NaN when no time passed. */
export function idleShare(before: CpuTimes, after: CpuTimes): number {
  const total = after.total - before.total;
  return total > 0 ? (after.idle - before.idle) / total : Number.NaN;
}

/** Figures for one concurrency level from its samples and wall-clock seconds. */
export function summarise(
  concurrency: number,
  samples: readonly Sample[],
  wallSeconds: number,
  cpu: LevelCpu,
): LevelFigures {
  const client = samples.map((s) => s.clientMs);
  const inference = mean(samples.map((s) => s.inference));
  const total = mean(samples.map((s) => s.total));
  return {
    concurrency,
    requests: samples.length,
    imagesPerSecond: samples.length / wallSeconds,
    p50Ms: percentile(client, 50),
    p95Ms: percentile(client, 95),
    meanDecodeMs: mean(samples.map((s) => s.decode)),
    meanPreprocessMs: mean(samples.map((s) => s.preprocess)),
    meanInferenceMs: inference,
    meanServerTotalMs: total,
    overheadVsModel: (mean(client) - inference) / inference,
    overheadVsModelMedian:
      percentile(
        samples.map((s) => s.clientMs - s.inference),
        50,
      ) /
      percentile(
        samples.map((s) => s.inference),
        50,
      ),
    serverShareOutsideModel: (total - inference) / total,
    clientCpuMsPerRequest: cpu.clientMs / samples.length,
    serverCpuMsPerImage: cpu.serverMs / samples.length,
    cpuShareOfCores: (cpu.clientMs + cpu.serverMs) / (wallSeconds * 1000 * cpu.cores),
    idleShareOfCores: cpu.idleShare,
  };
}

/** How close the server comes to what the cores allow, from the stages' cost measured alone. */
export interface Efficiency {
  /** CPU ms per image of decode + preprocess + inference alone. */
  readonly cpuMsPerImage: number;
  /** Wall ms per image of the three alone, one after the other (the latency floor at concurrency 1). */
  readonly aloneWallMsPerImage: number;
  readonly cores: number;
  /** cores ÷ CPU seconds per image: the throughput no server on these cores can beat. */
  readonly boundImagesPerSecond: number;
  readonly bestImagesPerSecond: number;
  /** best ÷ bound (goal ≥ 0.9). */
  readonly fractionOfBound: number;
  /** The benchmark client's CPU per request at the best level: it shares the cores with the server. */
  readonly clientCpuMsPerRequest: number;
  /** cores ÷ (stages + client) CPU seconds per image: the bound for a server whose load generator shares its cores. */
  readonly boundWithClientImagesPerSecond: number;
  /** best ÷ that bound. */
  readonly fractionOfBoundWithClient: number;
  /** The server's CPU per image at the best level ÷ the stages' alone: what serving adds (HTTP, threads, queueing). */
  readonly serverCpuVsStages: number;
  /** Share of the cores the server and client got at the best level (below 1: idle, or taken by other processes). */
  readonly cpuShareOfCores: number;
  /** p95 at concurrency 1 ÷ the wall floor (goal ≤ 1.3). */
  readonly p95AtConcurrency1VsAlone: number;
  /** The serving path in-process (no HTTP, no client) at the best level's concurrency: what these cores allow it. */
  readonly pipeline: PipelineFigures & {
    /** pipeline ÷ bound: the ceiling of `fractionOfBound` on this machine, whatever the HTTP layer does. */
    readonly fractionOfBound: number;
    /** best server ÷ pipeline: what HTTP, the client and the second process cost. */
    readonly serverVsPipeline: number;
  };
}

/** The server's own decode → preprocess → inference path driven in-process at a fixed concurrency. */
export interface PipelineFigures {
  readonly concurrency: number;
  readonly images: number;
  readonly imagesPerSecond: number;
  /** CPU per image of the process, all threads. */
  readonly cpuMsPerImage: number;
  /** Share of the machine's cores that ran nothing meanwhile (NaN without /proc). */
  readonly idleShareOfCores: number;
}

export function efficiency(o: {
  stages: readonly { cpuMs: number; wallMs: number }[];
  cores: number;
  best: Pick<
    LevelFigures,
    'imagesPerSecond' | 'clientCpuMsPerRequest' | 'serverCpuMsPerImage' | 'cpuShareOfCores'
  >;
  p95AtConcurrency1Ms: number;
  pipeline: PipelineFigures;
}): Efficiency {
  const cpuMsPerImage = o.stages.reduce((a, s) => a + s.cpuMs, 0);
  const aloneWallMsPerImage = o.stages.reduce((a, s) => a + s.wallMs, 0);
  const boundImagesPerSecond = (o.cores * 1000) / cpuMsPerImage;
  const boundWithClientImagesPerSecond = (o.cores * 1000) / (cpuMsPerImage + o.best.clientCpuMsPerRequest);
  return {
    cpuMsPerImage,
    aloneWallMsPerImage,
    cores: o.cores,
    boundImagesPerSecond,
    bestImagesPerSecond: o.best.imagesPerSecond,
    fractionOfBound: o.best.imagesPerSecond / boundImagesPerSecond,
    clientCpuMsPerRequest: o.best.clientCpuMsPerRequest,
    boundWithClientImagesPerSecond,
    fractionOfBoundWithClient: o.best.imagesPerSecond / boundWithClientImagesPerSecond,
    serverCpuVsStages: o.best.serverCpuMsPerImage / cpuMsPerImage,
    cpuShareOfCores: o.best.cpuShareOfCores,
    p95AtConcurrency1VsAlone: o.p95AtConcurrency1Ms / aloneWallMsPerImage,
    pipeline: {
      ...o.pipeline,
      fractionOfBound: o.pipeline.imagesPerSecond / boundImagesPerSecond,
      serverVsPipeline: o.best.imagesPerSecond / o.pipeline.imagesPerSecond,
    },
  };
}
