/**
 * The rollout verifier: judges an endpoint update request by request, from the k6 rollout scenario's samples (status
 * and answering model of every request) and the update window the caller observed (UpdateEndpoint sent → the first
 * DescribeEndpoint no longer `Updating`). Pure rules over parsed samples; the same input gives the same verdict.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { check, type CheckResult } from './rules';

/** The k6 metric the rollout scenario records once per request (k6/rollout.ts). */
export const ROLLOUT_METRIC = 'rollout_requests';

/** One request of the rollout scenario. */
export interface RolloutRequest {
  /** When it was sent, epoch ms (the sample's time minus its duration). */
  readonly start: number;
  /** When its answer (or failure) came, epoch ms. */
  readonly end: number;
  /** HTTP status; 0 when no response came at all. */
  readonly status: number;
  /** `modelVersion` of the answer; empty when it failed. */
  readonly model: string;
}

/** One line of `k6 run --out json=...`: only `Point` lines of the rollout metric are read. */
const K6PointSchema = z.object({
  type: z.literal('Point'),
  metric: z.string(),
  data: z.object({
    time: z.string(),
    value: z.number(),
    tags: z.record(z.string(), z.string()).optional(),
  }),
});

/** The rollout requests in k6's JSON output text, ordered by start. */
export function parseRolloutSamples(text: string): RolloutRequest[] {
  const requests: RolloutRequest[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes(`"${ROLLOUT_METRIC}"`)) continue;
    const point = K6PointSchema.safeParse(JSON.parse(line));
    if (!point.success || point.data.metric !== ROLLOUT_METRIC) continue;
    const end = Date.parse(point.data.data.time);
    if (Number.isNaN(end)) throw new Error(`k6 sample time ${point.data.data.time} is not a time`);
    const tags = point.data.data.tags ?? {};
    requests.push({
      start: end - point.data.data.value,
      end,
      status: Number(tags['status'] ?? 0) || 0,
      model: tags['model'] ?? '',
    });
  }
  return requests.sort((a, b) => a.start - b.start);
}

export function readRolloutSamples(path: string): RolloutRequest[] {
  return parseRolloutSamples(readFileSync(path, 'utf8'));
}

export interface RolloutExpectations {
  /** `modelVersion` of the serving (blue) model and of the candidate (green). */
  readonly blueModel: string;
  readonly candidateModel: string;
  readonly outcome: 'promoted' | 'rolled-back';
  /** The green fleet's share of requests after the first traffic shift, % (canary: canaryPercent). */
  readonly firstStepPercent: number;
  /** Epoch ms: just before UpdateEndpoint was sent. */
  readonly updateStartedAt: number;
  /** Epoch ms: the first DescribeEndpoint after the update that was no longer `Updating`. */
  readonly decidedAt: number;
  /** Iterations k6 ran, and those it could not start (k6's `iterations` and `dropped_iterations`). */
  readonly iterations: number;
  readonly droppedIterations: number;
  /** Width of the slices in which blue must have answered. @default 1000 */
  readonly bucketMs?: number;
}

/** A slice long enough to hold about three requests blue takes while green has `firstStepPercent` % of `rps`. */
export function blueBucketMs(rps: number, firstStepPercent: number): number {
  const blueRps = (rps * (100 - firstStepPercent)) / 100;
  return Math.max(1000, Math.ceil((3 * 1000) / Math.max(blueRps, 1e-9)));
}

const fmtTime = (t: number) => new Date(t).toISOString().slice(11, 23);

/** The rules. Every request is counted by when it was sent. */
export function verifyRollout(requests: readonly RolloutRequest[], e: RolloutExpectations): CheckResult[] {
  const checks: CheckResult[] = [];
  const ok = (r: RolloutRequest) => r.status === 200;
  const failed = requests.filter((r) => !ok(r));

  // Every iteration k6 ran produced one sample with a status, and k6 ran every iteration it scheduled.
  const lost = requests.filter((r) => r.status === 0).length;
  const missing = e.iterations - requests.length;
  checks.push(
    check(
      'rollout-no-request-lost',
      'every request got a response',
      lost === 0 && missing === 0 && e.droppedIterations === 0,
      `${e.iterations} iterations, ${e.iterations} responses, none dropped`,
      `${requests.length} responses (${lost} without a status) to ${e.iterations} iterations, ${e.droppedIterations} dropped`,
      `requests were lost during the rollout: ${lost} got no response, ${missing} iterations left no sample, ` +
        `${e.droppedIterations} scheduled iterations were never sent`,
    ),
  );

  const unknown = requests.filter((r) => ok(r) && r.model !== e.blueModel && r.model !== e.candidateModel);
  checks.push(
    check(
      'rollout-known-models',
      'every answer came from the serving or the candidate model',
      unknown.length === 0,
      `modelVersion ${e.blueModel} or ${e.candidateModel}`,
      `${unknown.length} answers from another model`,
      `${unknown.length} answers came from neither ${e.blueModel} nor ${e.candidateModel} ` +
        `(e.g. ${JSON.stringify(unknown[0]?.model)})`,
    ),
  );

  // Blue answered in every slice until it was meant to stop: to the end after a rollback, to its last answer
  // after a promotion (which must come after green's first: the fleets overlapped, no cut-over gap).
  const blue = requests.filter((r) => ok(r) && r.model === e.blueModel);
  const firstGreen = requests.find((r) => ok(r) && r.model === e.candidateModel);
  const first = requests[0];
  const lastBlue = blue.at(-1);
  const bucket = e.bucketMs ?? 1000;
  const until = e.outcome === 'rolled-back' ? requests.at(-1)?.start : lastBlue?.start;
  const gaps: number[] = [];
  if (first && until !== undefined) {
    let k = 0;
    for (let t = first.start; t <= until && k < 100_000; t += bucket, k++) {
      if (!blue.some((r) => r.start >= t && r.start < t + bucket)) gaps.push(t);
    }
  }
  const overlapped =
    e.outcome === 'rolled-back' || (firstGreen && lastBlue && lastBlue.start > firstGreen.start);
  checks.push(
    check(
      'rollout-blue-served',
      'the serving model answered throughout',
      blue.length > 0 && gaps.length === 0 && Boolean(overlapped),
      e.outcome === 'rolled-back'
        ? `${e.blueModel} answered in every ${bucket} ms slice of the run`
        : `${e.blueModel} answered in every ${bucket} ms slice until the full shift, after green's first answer`,
      `${blue.length} answers from ${e.blueModel}, ${gaps.length} slice(s) without one`,
      blue.length === 0
        ? `${e.blueModel} never answered`
        : gaps.length > 0
          ? `${e.blueModel} did not answer in ${gaps.length} slice(s) of ${bucket} ms (first at ${fmtTime(gaps[0] as number)})`
          : `blue stopped answering (${fmtTime(lastBlue?.start ?? 0)}) before green answered: a cut-over, not a canary`,
    ),
  );

  // Failures: only green's share of what was sent while the update ran, plus what was in flight at the decision.
  const inWindow = requests.filter((r) => r.start >= e.updateStartedAt && r.start <= e.decidedAt);
  const inFlight = requests.filter((r) => r.start <= e.decidedAt && r.end > e.decidedAt).length;
  const share = Math.ceil((e.firstStepPercent * inWindow.length) / 100);
  const bound = share + inFlight;
  const outside = failed.filter((r) => r.start < e.updateStartedAt || r.start > e.decidedAt);
  checks.push(
    check(
      'rollout-failures-bounded',
      "failures stayed within the canary's share",
      failed.length <= bound && outside.length === 0,
      `≤ ${bound} failures (${e.firstStepPercent} % of ${inWindow.length} requests during the update + ${inFlight} in flight at the decision), none outside it`,
      `${failed.length} failures, ${outside.length} outside the update`,
      outside.length > 0
        ? `${outside.length} requests failed outside the update (first sent at ${fmtTime(outside[0]?.start ?? 0)}, status ${outside[0]?.status})`
        : `${failed.length} requests failed, more than the canary's ${e.firstStepPercent} % of the ${inWindow.length} sent during the update plus ${inFlight} in flight`,
    ),
  );

  if (e.outcome === 'rolled-back') {
    // Rolled back within the first bake: the candidate never took more than the first step's share.
    const green = requests.filter((r) => !ok(r) || r.model === e.candidateModel);
    checks.push(
      check(
        'rollout-candidate-share',
        'the candidate never took more than the first traffic step',
        green.length <= bound,
        `≤ ${bound} requests routed to ${e.candidateModel} (answered or failed)`,
        `${green.length} requests`,
        `${green.length} requests went to the candidate, more than the first step's ${e.firstStepPercent} % of ${inWindow.length} (+${inFlight} in flight): traffic shifted further before the rollback`,
      ),
    );
  }

  // After the decision every request is answered by the model the endpoint ended on.
  const expected = e.outcome === 'promoted' ? e.candidateModel : e.blueModel;
  const after = requests.filter((r) => r.start > e.decidedAt);
  const wrong = after.filter((r) => !ok(r) || r.model !== expected);
  checks.push(
    check(
      'rollout-final-model',
      `the endpoint ended on ${expected} (${e.outcome})`,
      after.length > 0 && wrong.length === 0,
      `every request after the decision answered by ${expected}`,
      `${after.length} requests after the decision, ${wrong.length} not answered by ${expected}`,
      after.length === 0
        ? 'no request was sent after the decision: the load ended before the rollout did'
        : `${wrong.length} of ${after.length} requests after the decision were not answered by ${expected} ` +
            `(first: status ${wrong[0]?.status}, model ${JSON.stringify(wrong[0]?.model)})`,
    ),
  );
  return checks;
}
