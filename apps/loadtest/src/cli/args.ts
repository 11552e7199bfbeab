import type { SpecOverride } from '@dogbreed/platform-spec';

export function parseJsonOverride(text: string | undefined): SpecOverride | undefined {
  if (!text) return undefined;
  const v: unknown = JSON.parse(text);
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Error('--spec-json must be a JSON object');
  return v as SpecOverride;
}

export function positive(name: string) {
  return (raw: string): number => {
    const v = Number(raw);
    if (!(v > 0)) throw new Error(`${name} must be a positive number, got ${raw}`);
    return v;
  };
}
