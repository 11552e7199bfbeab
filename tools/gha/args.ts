import { parseArgs } from 'node:util';

/** Reads `--name value` flags; unknown flags fail with the usage line. */
export function readFlags<const K extends string>(
  argv: string[],
  names: readonly K[],
  usage: string,
): Record<K, string | undefined> {
  const options = Object.fromEntries(names.map((n) => [n, { type: 'string' as const }]));
  try {
    const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
    return values as Record<K, string | undefined>;
  } catch (err) {
    throw new Error(`${(err as Error).message}\nusage: ${usage}`, { cause: err });
  }
}
