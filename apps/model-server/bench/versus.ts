/**
 * Our server against the peer (pure, unit-tested): each one's best level, the ratios the issue steers by and
 * whether they meet its targets, the best of a sweep of configurations, top-1 agreement, and the plain-text table
 * the benchmark prints.
 */

/** Issue 26's targets: ≥ 1.3 × the peer's images/s at each one's best concurrency, p50 at concurrency 1 ≤ 0.7 ×. */
export const PEER_TARGETS = { imagesPerSecondVsPeer: 1.3, p50AtConcurrency1VsPeer: 0.7 } as const;
export type PeerTargets = { readonly [K in keyof typeof PEER_TARGETS]: number };

/** One concurrency level as the client saw it. */
export interface LoadFigures {
  readonly concurrency: number;
  readonly requests: number;
  readonly imagesPerSecond: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
}

export interface SetComparison {
  readonly set: string;
  readonly ours: { readonly best: LoadFigures; readonly p50AtConcurrency1Ms: number };
  readonly peer: { readonly best: LoadFigures; readonly p50AtConcurrency1Ms: number };
  /** ours ÷ peer images/s, each at its own best concurrency. */
  readonly imagesPerSecondRatio: number;
  /** ours ÷ peer p50 at concurrency 1 (lower is better). */
  readonly p50AtConcurrency1Ratio: number;
  readonly imagesPerSecondMet: boolean;
  readonly p50AtConcurrency1Met: boolean;
}

/** The level with the most images per second (the first of equals). */
export function bestLevel(levels: readonly LoadFigures[]): LoadFigures {
  const first = levels[0];
  if (!first) throw new RangeError('no levels to choose from');
  return levels.reduce((a, b) => (b.imagesPerSecond > a.imagesPerSecond ? b : a), first);
}

function atConcurrency1(levels: readonly LoadFigures[], who: string): number {
  const c1 = levels.find((l) => l.concurrency === 1);
  if (!c1) throw new RangeError(`${who} has no level at concurrency 1`);
  return c1.p50Ms;
}

/** The ratios on one photo set and whether each meets its target (a NaN ratio meets nothing). */
export function compareSet(
  set: string,
  ours: readonly LoadFigures[],
  peer: readonly LoadFigures[],
  targets: PeerTargets = PEER_TARGETS,
): SetComparison {
  const o = { best: bestLevel(ours), p50AtConcurrency1Ms: atConcurrency1(ours, 'ours') };
  const p = { best: bestLevel(peer), p50AtConcurrency1Ms: atConcurrency1(peer, 'the peer') };
  const imagesPerSecondRatio = o.best.imagesPerSecond / p.best.imagesPerSecond;
  const p50AtConcurrency1Ratio = o.p50AtConcurrency1Ms / p.p50AtConcurrency1Ms;
  return {
    set,
    ours: o,
    peer: p,
    imagesPerSecondRatio,
    p50AtConcurrency1Ratio,
    imagesPerSecondMet: imagesPerSecondRatio >= targets.imagesPerSecondVsPeer,
    p50AtConcurrency1Met: p50AtConcurrency1Ratio <= targets.p50AtConcurrency1VsPeer,
  };
}

/**
 * Per concurrency, the round with the most images per second (its figures kept together): on a shared machine other
 * work only ever slows a run down, so the best of alternating rounds is the least disturbed one.
 */
export function bestOfRounds(rounds: readonly (readonly LoadFigures[])[]): LoadFigures[] {
  const byLevel = new Map<number, LoadFigures[]>();
  for (const levels of rounds) {
    for (const l of levels) byLevel.set(l.concurrency, [...(byLevel.get(l.concurrency) ?? []), l]);
  }
  return [...byLevel.values()].map(bestLevel);
}

/** The candidate of a sweep with the most images per second (the first of equals). */
export function bestOfSweep<T extends { readonly imagesPerSecond: number }>(candidates: readonly T[]): T {
  const first = candidates[0];
  if (!first) throw new RangeError('the sweep tried no configuration');
  return candidates.reduce((a, b) => (b.imagesPerSecond > a.imagesPerSecond ? b : a), first);
}

/** Images both servers answered, and on how many their top-1 class agreed (index → top-1 class index). */
export function topOneAgreement(
  ours: ReadonlyMap<number, number>,
  peer: ReadonlyMap<number, number>,
): { readonly compared: number; readonly agreed: number } {
  let compared = 0;
  let agreed = 0;
  for (const [image, top] of ours) {
    const other = peer.get(image);
    if (other === undefined) continue;
    compared++;
    if (other === top) agreed++;
  }
  return { compared, agreed };
}

/** Columns padded to their widest cell: the first `labels` left-aligned, the others (figures) right-aligned. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  labels = 1,
): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]) =>
    widths
      .map((w, c) => (c < labels ? (r[c] ?? '').padEnd(w) : (r[c] ?? '').padStart(w)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
const ratio = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : 'n/a');

/** The figures table: a row per photo set, server and concurrency. */
export function levelTable(
  runs: readonly { readonly set: string; readonly server: string; readonly levels: readonly LoadFigures[] }[],
): string {
  return formatTable(
    ['photos', 'server', 'concurrency', 'requests', 'img/s', 'p50 ms', 'p95 ms'],
    runs.flatMap((r) =>
      r.levels.map((l) => [
        r.set,
        r.server,
        String(l.concurrency),
        String(l.requests),
        f1(l.imagesPerSecond),
        f1(l.p50Ms),
        f1(l.p95Ms),
      ]),
    ),
    2,
  );
}

/** The ratios table: per photo set, images/s at each one's best and p50 at concurrency 1, with the targets. */
export function comparisonTable(
  comparisons: readonly SetComparison[],
  targets: PeerTargets = PEER_TARGETS,
): string {
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  return formatTable(
    [
      'photos',
      'ours img/s (c)',
      'peer img/s (c)',
      'ratio',
      'target',
      '',
      'p50 c=1 ours / peer',
      'ratio',
      'target',
      '',
    ],
    comparisons.map((c) => [
      c.set,
      `${f1(c.ours.best.imagesPerSecond)} (${c.ours.best.concurrency})`,
      `${f1(c.peer.best.imagesPerSecond)} (${c.peer.best.concurrency})`,
      ratio(c.imagesPerSecondRatio),
      `≥ ${targets.imagesPerSecondVsPeer}×`,
      met(c.imagesPerSecondMet),
      `${f1(c.ours.p50AtConcurrency1Ms)} / ${f1(c.peer.p50AtConcurrency1Ms)} ms`,
      ratio(c.p50AtConcurrency1Ratio),
      `≤ ${targets.p50AtConcurrency1VsPeer}×`,
      met(c.p50AtConcurrency1Met),
    ]),
  );
}
