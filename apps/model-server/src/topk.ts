import type { ModelMetadata, Prediction } from '@dogbreed/platform-spec';

/** Numerically stable softmax (subtracts the max). */
export function softmax(logits: ArrayLike<number>): Float64Array {
  const out = new Float64Array(logits.length);
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] as number);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = Math.exp((logits[i] as number) - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / sum;
  return out;
}

/**
 * The `k` most probable classes, best first (ties: lower index first). `kind` says whether the model's output
 * row is logits (softmax applied) or already probabilities. `k` beyond the class count returns every class.
 */
export function topK(
  row: ArrayLike<number>,
  kind: ModelMetadata['output']['kind'],
  classNames: readonly string[],
  k: number,
): Prediction[] {
  const probs = kind === 'logits' ? softmax(row) : Float64Array.from(row as ArrayLike<number>);
  const order = Array.from(probs.keys()).sort((a, b) => (probs[b] as number) - (probs[a] as number) || a - b);
  return order.slice(0, Math.min(k, probs.length)).map((index) => ({
    label: classNames[index] ?? `class_${index}`,
    index,
    probability: Math.min(1, Math.max(0, probs[index] as number)),
  }));
}
