/** The rollout state machine: each mode's shifts and bakes, alarms rolling back within a bake, promotion. */
import { describe, expect, it } from 'vitest';
import {
  advance,
  alarmValue,
  endpointStatus,
  evaluateAlarm,
  lowQualityAnswer,
  planFromSeconds,
  routeToGreen,
  startRollout,
  trafficSteps,
  trimSamples,
  type AlarmSample,
  type PlanInput,
  type RolloutPlan,
  type RolloutState,
} from './rollout.js';

const SCALE = 60;
/** 60 simulated seconds = 1 real second at time scale 60. */
const S = 1000;

function input(over: Partial<PlanInput> = {}): PlanInput {
  return {
    mode: 'canary',
    canaryPercent: 25,
    linearStepPercent: 25,
    bakeSeconds: 300,
    terminationWaitSeconds: 0,
    maxExecutionSeconds: 3600,
    alarms: [
      { name: 'errors5xx', metric: 'errors5xx', threshold: 1, periodSeconds: 60, evaluationPeriods: 1 },
      {
        name: 'modelLatencyP90Ms',
        metric: 'modelLatencyP90Ms',
        threshold: 100,
        periodSeconds: 60,
        evaluationPeriods: 2,
      },
      {
        name: 'invokerErrorRatePercent',
        metric: 'invokerErrorRatePercent',
        threshold: 5,
        periodSeconds: 30,
        evaluationPeriods: 2,
      },
    ],
    defaultPeriodSeconds: 60,
    ...over,
  };
}

function sample(t: number, over: Partial<AlarmSample> = {}): AlarmSample {
  return { t, errors5xx: 0, latenciesMs: [10, 12], invokerInvocations: 10, invokerFailed: 0, ...over };
}

/** Feeds one tick per sample until `until` (real ms after start), each with `make(t)`. */
function run(
  plan: RolloutPlan,
  state: RolloutState,
  from: number,
  until: number,
  make: (t: number) => AlarmSample = (t) => sample(t),
): { state: RolloutState; history: RolloutState[] } {
  const history: RolloutState[] = [];
  let s = state;
  for (let t = from + plan.sampleMs; t <= until; t += plan.sampleMs) {
    s = advance(plan, s, { type: 'tick', now: t, sample: make(t) });
    history.push(s);
  }
  return { state: s, history };
}

describe('traffic steps', () => {
  it('all-at-once shifts once, canary twice, linear in equal steps ending at 100', () => {
    expect(trafficSteps('all-at-once', 10, 10)).toEqual([100]);
    expect(trafficSteps('canary', 20, 10)).toEqual([20, 100]);
    expect(trafficSteps('linear', 10, 25)).toEqual([25, 50, 75, 100]);
    expect(trafficSteps('linear', 10, 30)).toEqual([30, 60, 90, 100]);
  });

  it('scales every duration by the time scale; one sample is the gcd of the alarm periods', () => {
    const plan = planFromSeconds(input(), SCALE);
    expect(plan.bakeMs).toBe(5 * S);
    expect(plan.maxExecutionMs).toBe(60 * S);
    expect(plan.sampleMs).toBe(S / 2);
    expect(plan.alarms.map((a) => a.periodMs)).toEqual([S, S, S / 2]);
    expect(planFromSeconds(input({ alarms: [] }), SCALE).sampleMs).toBe(S);
  });
});

describe('routing', () => {
  it('sends exactly p of every 100 consecutive requests to green, spread evenly', () => {
    for (const p of [0, 1, 10, 25, 33, 50, 100]) {
      for (const offset of [0, 7, 150]) {
        let green = 0;
        for (let n = offset; n < offset + 100; n++) if (routeToGreen(n, p)) green += 1;
        expect(green).toBe(p);
      }
    }
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((n) => routeToGreen(n, 25))).toEqual([
      false,
      false,
      false,
      true,
      false,
      false,
      false,
      true,
    ]);
  });
});

describe('alarm evaluation', () => {
  const plan = planFromSeconds(input(), SCALE);
  const [errors, latency, invoker] = plan.alarms as [
    RolloutPlan['alarms'][0],
    RolloutPlan['alarms'][0],
    RolloutPlan['alarms'][0],
  ];

  it('aggregates a period: 5xx sum, p90 latency, invoker failure rate; no data is null', () => {
    const period = [
      sample(1, { errors5xx: 2, latenciesMs: [1, 2, 3, 4, 5], invokerInvocations: 10, invokerFailed: 1 }),
      sample(2, { errors5xx: 1, latenciesMs: [6, 7, 8, 9, 100], invokerInvocations: 10, invokerFailed: 2 }),
    ];
    expect(alarmValue('errors5xx', period)).toBe(3);
    expect(alarmValue('modelLatencyP90Ms', period)).toBe(9);
    expect(alarmValue('invokerErrorRatePercent', period)).toBe(15);
    const idle = [sample(1, { latenciesMs: [], invokerInvocations: 0 })];
    expect(alarmValue('modelLatencyP90Ms', idle)).toBeNull();
    expect(alarmValue('invokerErrorRatePercent', idle)).toBeNull();
  });

  it('5xx alarms at the threshold; latency and error rate only above it', () => {
    const two = [sample(1), sample(2, { errors5xx: 1 })];
    expect(evaluateAlarm(errors, two, plan.sampleMs).state).toBe('ALARM');
    const slowAtThreshold = [1, 2, 3, 4].map((t) => sample(t, { latenciesMs: [100] }));
    expect(evaluateAlarm(latency, slowAtThreshold, plan.sampleMs).state).toBe('OK');
    const fivePercent = [1, 2, 3, 4].map((t) => sample(t, { invokerInvocations: 20, invokerFailed: 1 }));
    expect(evaluateAlarm(invoker, fivePercent, plan.sampleMs).state).toBe('OK');
  });

  it('needs every one of its evaluation periods to breach', () => {
    const slow = (t: number) => sample(t, { latenciesMs: [500] });
    expect(evaluateAlarm(latency, [slow(1), slow(2)], plan.sampleMs).state).toBe('INSUFFICIENT_DATA');
    expect(evaluateAlarm(latency, [slow(1), slow(2), sample(3), sample(4)], plan.sampleMs).state).toBe('OK');
    expect(evaluateAlarm(latency, [slow(1), slow(2), slow(3), slow(4)], plan.sampleMs)).toMatchObject({
      state: 'ALARM',
      value: 500,
    });
    // Missing data never breaches.
    const idle = (t: number) => sample(t, { latenciesMs: [] });
    expect(evaluateAlarm(latency, [idle(1), idle(2), idle(3), idle(4)], plan.sampleMs).state).toBe('OK');
  });

  it('keeps only the samples the alarms can still look at, in whole periods', () => {
    const many = Array.from({ length: 40 }, (_, i) => sample(i));
    const kept = trimSamples(plan, many);
    expect(kept.length).toBeGreaterThanOrEqual(4);
    expect(kept.length).toBeLessThan(8);
    expect(kept.length % 2).toBe(0);
    expect(kept.at(-1)).toBe(many.at(-1));
  });
});

describe('rollout', () => {
  it('canary: provisioning, canary share for one bake, then all traffic for one bake, then promoted', () => {
    const plan = planFromSeconds(input({ mode: 'canary', canaryPercent: 25 }), SCALE);
    let s = startRollout(plan, 0);
    expect(s).toMatchObject({ phase: 'Provisioning', greenPercent: 0 });
    expect(endpointStatus(s, true)).toBe('Updating');
    // Ticks before green is ready do nothing but wait.
    s = advance(plan, s, { type: 'tick', now: 500, sample: sample(500, { errors5xx: 10 }) });
    expect(s.phase).toBe('Provisioning');
    s = advance(plan, s, { type: 'green-ready', now: 1000 });
    expect(s).toMatchObject({ phase: 'Baking', step: 0, greenPercent: 25 });
    const first = run(plan, s, 1000, 1000 + plan.bakeMs);
    expect(first.history.slice(0, -1).every((h) => h.greenPercent === 25)).toBe(true);
    expect(first.state).toMatchObject({ phase: 'Baking', step: 1, greenPercent: 100 });
    const second = run(plan, first.state, 1000 + plan.bakeMs, 1000 + 2 * plan.bakeMs);
    expect(second.state.phase).toBe('Promoted');
    expect(second.state.decision?.outcome).toBe('promoted');
    expect(second.state.alarms.every((a) => a.state === 'OK')).toBe(true);
    expect(endpointStatus(second.state, true)).toBe('Updating');
    expect(endpointStatus(second.state, false)).toBe('InService');
  });

  it('linear: one bake per step of linearStepPercent', () => {
    const plan = planFromSeconds(input({ mode: 'linear', linearStepPercent: 50 }), SCALE);
    let s = advance(plan, startRollout(plan, 0), { type: 'green-ready', now: 0 });
    const shares: number[] = [s.greenPercent];
    const out = run(plan, s, 0, 2 * plan.bakeMs);
    for (const h of out.history) if (h.greenPercent !== shares.at(-1)) shares.push(h.greenPercent);
    s = out.state;
    expect(shares).toEqual([50, 100]);
    expect(s.phase).toBe('Promoted');
  });

  it('all-at-once: everything to green, one bake, then the termination wait, then promoted', () => {
    const plan = planFromSeconds(input({ mode: 'all-at-once', terminationWaitSeconds: 120 }), SCALE);
    let s = advance(plan, startRollout(plan, 0), { type: 'green-ready', now: 0 });
    expect(s).toMatchObject({ phase: 'Baking', greenPercent: 100 });
    s = run(plan, s, 0, plan.bakeMs).state;
    expect(s.phase).toBe('TerminationWait');
    expect(endpointStatus(s, true)).toBe('Updating');
    s = run(plan, s, plan.bakeMs, plan.bakeMs + plan.terminationWaitMs).state;
    expect(s.phase).toBe('Promoted');
  });

  it('all-at-once with no bake promotes on the first tick after the shift', () => {
    const plan = planFromSeconds(input({ mode: 'all-at-once', bakeSeconds: 0, alarms: [] }), SCALE);
    let s = advance(plan, startRollout(plan, 0), { type: 'green-ready', now: 0 });
    s = advance(plan, s, { type: 'tick', now: plan.sampleMs });
    expect(s.phase).toBe('Promoted');
  });

  it('a 5xx during the canary bake rolls back within that bake, naming the alarm', () => {
    const plan = planFromSeconds(input({ mode: 'canary' }), SCALE);
    const s = advance(plan, startRollout(plan, 0), { type: 'green-ready', now: 0 });
    const out = run(plan, s, 0, plan.bakeMs, (t) => sample(t, { errors5xx: t >= 2000 ? 1 : 0 }));
    const decided = out.history.find((h) => h.phase === 'RolledBack');
    expect(decided).toBeDefined();
    expect(decided?.step).toBe(0);
    expect(decided?.greenPercent).toBe(0);
    expect(decided?.decision?.at).toBeLessThan(plan.bakeMs);
    expect(decided?.decision?.reason).toMatch(/^Alarm errors5xx \(errors5xx >= 1 errors/);
    expect(decided?.alarms.find((a) => a.name === 'errors5xx')?.state).toBe('ALARM');
    expect(endpointStatus(decided, true)).toBe('RollingBack');
    expect(endpointStatus(decided, false)).toBe('InService');
    // Decided: later events change nothing.
    expect(advance(plan, out.state, { type: 'green-ready', now: 1e9 })).toBe(out.state);
  });

  it('slow requests roll back on the latency alarm after its evaluation periods', () => {
    const plan = planFromSeconds(input({ mode: 'linear', linearStepPercent: 10 }), SCALE);
    const s = advance(plan, startRollout(plan, 0), { type: 'green-ready', now: 0 });
    const out = run(plan, s, 0, plan.bakeMs, (t) => sample(t, { latenciesMs: [150, 160, 170] }));
    expect(out.state.phase).toBe('RolledBack');
    expect(out.state.decision?.reason).toContain('Alarm modelLatencyP90Ms');
    // Two 60 s periods = 2 real seconds of samples.
    expect(out.state.decision?.at).toBe(2 * S);
  });

  it('the invoker error rate rolls back in any bake, including the last one', () => {
    const plan = planFromSeconds(input({ mode: 'canary' }), SCALE);
    const s = advance(plan, startRollout(plan, 0), { type: 'green-ready', now: 0 });
    const out = run(plan, s, 0, 2 * plan.bakeMs, (t) =>
      sample(t, { invokerFailed: t > plan.bakeMs + 1000 ? 5 : 0 }),
    );
    expect(out.state.phase).toBe('RolledBack');
    expect(out.state.step).toBe(1);
    expect(out.state.decision?.reason).toContain('Alarm invokerErrorRatePercent');
  });

  it('a green fleet that fails to start rolls back; so does running past the maximum execution time', () => {
    const plan = planFromSeconds(input(), SCALE);
    const failed = advance(plan, startRollout(plan, 0), { type: 'green-failed', now: 5, reason: 'no /ping' });
    expect(failed.phase).toBe('RolledBack');
    expect(failed.decision?.reason).toContain('no /ping');
    const stuck = advance(plan, startRollout(plan, 0), { type: 'tick', now: plan.maxExecutionMs });
    expect(stuck.phase).toBe('RolledBack');
    expect(stuck.decision?.reason).toContain('MaximumExecutionTimeoutInSeconds');
  });
});

describe('the quality rollback alarm (lowQualityPercent)', () => {
  const answer = (p: number, isDog?: boolean) =>
    Buffer.from(
      JSON.stringify({
        predictions: [{ label: 'beagle', index: 0, probability: p }],
        modelVersion: 'v',
        timingsMs: { decode: 1, preprocess: 1, inference: 1, total: 3 },
        ...(isDog !== undefined ? { dog: { probability: isDog ? 0.9 : 0.1, isDog } } : {}),
      }),
    );

  it('counts a top-1 at or below the cut, a not-a-dog answer and the NOT_A_DOG refusal; errors are not answers', () => {
    expect(lowQualityAnswer(200, answer(0.9), 0.5)).toBe(false);
    expect(lowQualityAnswer(200, answer(0.5), 0.5)).toBe(true);
    expect(lowQualityAnswer(200, answer(0.9, false), 0.5)).toBe(true);
    expect(lowQualityAnswer(200, answer(0.9, true), 0.5)).toBe(false);
    const refusal = Buffer.from(
      JSON.stringify({ error: { code: 'NOT_A_DOG', message: 'no', requestId: 'r' } }),
    );
    expect(lowQualityAnswer(422, refusal, 0.5)).toBe(true);
    expect(lowQualityAnswer(500, Buffer.from('{"error":{"code":"INTERNAL"}}'), 0.5)).toBeUndefined();
    expect(lowQualityAnswer(200, Buffer.from('not json'), 0.5)).toBeUndefined();
  });

  it('is the low-quality share of the answers in %, no data without answers, and rolls back above its threshold', () => {
    expect(alarmValue('lowQualityPercent', [sample(1, { answers: 8, lowQuality: 2 }), sample(2)])).toBe(25);
    expect(alarmValue('lowQualityPercent', [sample(1)])).toBeNull();
    const plan = planFromSeconds(
      input({
        mode: 'all-at-once',
        alarms: [
          {
            name: 'lowQualityPercent',
            metric: 'lowQualityPercent',
            threshold: 40,
            minConfidence: 0.5,
            periodSeconds: 60,
            evaluationPeriods: 1,
          },
        ],
      }),
      60,
    );
    expect(plan.alarms[0]?.minConfidence).toBe(0.5);
    let s = advance(plan, startRollout(plan, 0), { type: 'green-ready', now: 0 });
    s = advance(plan, s, { type: 'tick', now: 1000, sample: sample(1000, { answers: 10, lowQuality: 4 }) });
    expect(s.phase).toBe('Baking');
    s = advance(plan, s, { type: 'tick', now: 2000, sample: sample(2000, { answers: 10, lowQuality: 9 }) });
    expect(s.phase).toBe('RolledBack');
    expect(s.decision?.reason).toMatch(
      /^Alarm lowQualityPercent \(lowQualityPercent > 40 % for 1 period\(s\)\) went into ALARM \(last period 90 %\)/,
    );
  });
});
