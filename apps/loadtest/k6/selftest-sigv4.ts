import { signRequest, type SignInput } from './lib/sigv4.ts';
import { k6Primitives } from './lib/sigv4-k6.ts';

/**
 * Self-test of the signer bound to k6/crypto (run by the unit tests): signs AWS's get-vanilla vector and the
 * request in INPUT, writes both Authorization headers to OUT via handleSummary.
 */
export const options = { iterations: 1, vus: 1 };

const vanilla = signRequest(
  {
    method: 'GET',
    url: 'https://example.amazonaws.com/',
    service: 'service',
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
    date: new Date('2015-08-30T12:36:00Z'),
  },
  k6Primitives,
);
const raw = JSON.parse(__ENV['INPUT'] ?? '{}') as Omit<SignInput, 'date'> & { date: string };
const custom = signRequest({ ...raw, date: new Date(raw.date) }, k6Primitives);

export default function (): void {}

export function handleSummary(): Record<string, string> {
  return {
    [__ENV['OUT'] ?? 'sigv4.json']: JSON.stringify({
      vanilla: vanilla.headers['authorization'],
      custom: custom.headers['authorization'],
    }),
  };
}
