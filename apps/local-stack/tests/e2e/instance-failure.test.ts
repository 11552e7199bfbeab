import { beforeAll, describe, expect, it } from 'vitest';
import { buildSpec } from '@dogbreed/platform-spec';
import { noisyPng, useStack, waitFor } from './harness.js';
import { runLoad } from './load.js';

// Two instances that target tracking keeps (min 2), so the only change is the kill and its replacement.
const override = {
  endpoints: { single: { initialInstanceCount: 2 } },
  autoscaling: { minInstances: 2 },
  modelServer: { intraOpThreads: 1 },
};
const spec = buildSpec(override);
const name = spec.endpoints.single.name;

const fixture = useStack({ override });
let body: string;

beforeAll(async () => {
  body = JSON.stringify({ image: (await noisyPng(64)).toString('base64'), topK: 1 });
});

describe('an instance killed under load', () => {
  it('loses no request (one retry on another instance) and is replaced', async () => {
    const url = fixture.stack.url as string;
    const before = await fixture.stack.metrics();
    const victim = before.endpoints
      .find((e) => e.name === name)
      ?.instances.find((i) => i.state === 'InService');
    expect(victim).toBeDefined();

    // Sent when the kill answered: the load goes on for a fixed number of requests after it (not a time).
    let sentAtKill: number | undefined;
    let sent = 0;
    let killResponse:
      { status: number; body: { killed: string; state: string; inFlight: number } } | undefined;
    const victimPid = (await fixture.stack.health()).endpoints
      .find((e) => e.name === name)
      ?.instances.find((i) => i.id === victim?.id)?.pid;
    expect(victimPid).toBeGreaterThan(0);
    const killer = (async () => {
      // The victim hangs first (SIGSTOP), so requests routed to it are certainly unfinished when it is killed.
      process.kill(victimPid as number, 'SIGSTOP');
      await waitFor(
        'requests in flight on the victim',
        async () => {
          const m = await fixture.stack.metrics();
          const v = m.endpoints.find((e) => e.name === name)?.instances.find((i) => i.id === victim?.id);
          return (v?.inFlight ?? 0) >= 2 ? true : undefined;
        },
        20_000,
        20,
      );
      const res = await fetch(`${url}/_local/endpoints/${name}/instances/${victim?.id}/kill`, {
        method: 'POST',
      });
      killResponse = {
        status: res.status,
        body: (await res.json()) as { killed: string; state: string; inFlight: number },
      };
      sentAtKill = sent;
    })();
    const load = await runLoad({
      url: `${url}/endpoints/${name}/invocations`,
      body,
      concurrency: 6,
      maxRequests: 20_000,
      maxMs: 30_000,
      stop: (p) => {
        sent = p.sent;
        return sentAtKill !== undefined && p.sent - sentAtKill >= 40;
      },
    });
    await killer;

    expect(killResponse).toMatchObject({ status: 200, body: { killed: victim?.id, state: 'Failed' } });
    expect(load.sent).toBeGreaterThan(20);
    expect(load.failures).toEqual([]);
    expect(load.ok).toBe(load.sent);
    // Requests were in flight on the victim when it died, and they were retried once on the other instance
    // (at most those: a request whose answer was already read needs no retry).
    const inFlightAtKill = killResponse?.body.inFlight ?? 0;
    expect(inFlightAtKill).toBeGreaterThan(0);
    const prom = await (await fetch(`${url}/metrics`)).text();
    const retries = Number(
      new RegExp(`dogbreed_endpoint_retries_total\\{endpoint="${name}"\\} (\\d+)`).exec(prom)?.[1],
    );
    expect(retries).toBeGreaterThanOrEqual(1);
    expect(retries).toBeLessThanOrEqual(inFlightAtKill);

    const m = await waitFor(
      'a replacement InService',
      async () => {
        const x = await fixture.stack.metrics();
        const e = x.endpoints.find((ep) => ep.name === name);
        return e && e.instances.filter((i) => i.state === 'InService').length === 2 ? x : undefined;
      },
      60_000,
      250,
    );
    const e = m.endpoints.find((ep) => ep.name === name);
    expect(e?.instances.find((i) => i.id === victim?.id)?.state).toBe('Failed');
    expect(e?.scalingActivities.filter((x) => x.direction === 'replace')).toEqual([
      expect.objectContaining({
        fromDesired: 2,
        toDesired: 2,
        cause: expect.stringContaining(victim?.id as string),
      }),
    ]);
    expect(e?.desiredInstances).toBe(2);
  });

  it('answers 404 for an instance that does not exist', async () => {
    const res = await fetch(`${fixture.stack.url}/_local/endpoints/${name}/instances/AllTraffic-99/kill`, {
      method: 'POST',
    });
    expect(res.status).toBe(404);
  });
});
