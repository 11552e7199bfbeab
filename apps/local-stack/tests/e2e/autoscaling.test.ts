import { beforeAll, describe, expect, it } from 'vitest';
import { buildSpec, type LocalMetrics } from '@dogbreed/platform-spec';
import { solidPng } from '@dogbreed/testing';
import { RED, useStack, waitFor } from './harness.js';
import { runLoad } from './load.js';

// Spec changes that fit the load any test machine can make, however busy: the policy is the spec's (min 1, max 4,
// cooldowns 30 s / 300 s, 3 periods out); the target is lowered so far (2 invocations per instance per period) that
// even a loaded 2-core machine is far above it at 4 instances, so reaching the maximum never depends on throughput;
// scale-in evaluates 4 periods instead of 15 to keep the run short. At time scale 60 one period lasts 1 s and the
// scale-in cooldown 5 s.
const override = {
  autoscaling: { targetValue: 2, scaleInEvaluationPeriods: 4 },
  modelServer: { intraOpThreads: 1 },
};
const spec = buildSpec(override);
const a = spec.autoscaling;
const single = spec.endpoints.single.name;
const multi = spec.endpoints.multi.name;

const fixture = useStack({ override });
let body: string;
const observed: LocalMetrics[] = [];

beforeAll(async () => {
  body = JSON.stringify({ image: (await solidPng(RED, 8)).toString('base64'), topK: 1 });
});

const endpoint = (m: LocalMetrics, name: string) => m.endpoints.find((e) => e.name === name);
const inService = (m: LocalMetrics, name: string) =>
  endpoint(m, name)?.instances.filter((i) => i.state === 'InService').length ?? 0;
const live = (m: LocalMetrics, name: string) =>
  endpoint(m, name)?.instances.filter((i) => i.state === 'InService' || i.state === 'Pending').length ?? 0;

async function observe(): Promise<LocalMetrics> {
  const m = await fixture.stack.metrics();
  observed.push(m);
  return m;
}

describe('target tracking on InvocationsPerInstance', () => {
  it(`scales ${single} out from ${a.minInstances} to ${a.maxInstances} under load, never beyond, then back in`, async () => {
    const first = await observe();
    expect(inService(first, single)).toBe(a.minInstances);

    // Load until four instances are InService and have served for a few periods (bounded in count and time).
    let reachedMaxAt: number | undefined;
    let polling = true;
    const watcher = (async () => {
      while (polling) {
        const m = await observe();
        if (reachedMaxAt === undefined && inService(m, single) === a.maxInstances) reachedMaxAt = Date.now();
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const load = await runLoad({
      url: `${fixture.stack.url}/endpoints/${single}/invocations`,
      body,
      concurrency: 6,
      maxRequests: 40_000,
      maxMs: 60_000,
      stop: () => reachedMaxAt !== undefined && Date.now() - reachedMaxAt > 4 * first.periodMs,
    });
    polling = false;
    await watcher;
    expect(load.failures).toEqual([]);
    expect(reachedMaxAt, `never reached ${a.maxInstances} InService; sent ${load.sent}`).toBeDefined();

    // Then idle: back toward min after the scale-in evaluation periods and the (time-scaled) scale-in cooldown.
    const settled = await waitFor(
      'scale-in to the minimum',
      async () => {
        const m = await observe();
        return endpoint(m, single)?.desiredInstances === a.minInstances &&
          inService(m, single) === a.minInstances
          ? m
          : undefined;
      },
      60_000,
      250,
    );

    // Never more than max, in any observation, period or activity.
    for (const m of observed) {
      expect(endpoint(m, single)?.desiredInstances).toBeLessThanOrEqual(a.maxInstances);
      expect(live(m, single)).toBeLessThanOrEqual(a.maxInstances);
    }
    const e = endpoint(settled, single);
    expect(Math.max(...(e?.series ?? []).map((p) => p.instances))).toBe(a.maxInstances);
    const acts = e?.scalingActivities ?? [];
    expect(acts.every((x) => x.toDesired <= a.maxInstances && x.toDesired >= a.minInstances)).toBe(true);
    const outs = acts.filter((x) => x.direction === 'out');
    const ins = acts.filter((x) => x.direction === 'in');
    expect(outs.length).toBeGreaterThanOrEqual(1);
    expect(outs.at(-1)?.toDesired).toBe(a.maxInstances);
    expect(ins.length).toBeGreaterThanOrEqual(1);
    expect(ins.at(-1)?.toDesired).toBe(a.minInstances);
    // Scale-in waited for the scale-in cooldown after the last scale-out.
    const lastOut = outs.at(-1)?.t ?? 0;
    expect((ins[0]?.t ?? 0) - lastOut).toBeGreaterThanOrEqual(
      (a.scaleInCooldownSeconds * 1000) / settled.timeScale,
    );
    // The other endpoint got no load and kept its single instance.
    expect(endpoint(settled, multi)?.scalingActivities).toEqual([]);
    expect(inService(settled, multi)).toBe(1);
  });
});
