/**
 * Breed names as the two sides spell them. ImageFolder class folders carry an index prefix (`003.beagle`,
 * `001.Shih-Tzu`) and a trained model's class names are those folder names; the default ImageNet model names its 118
 * breeds without one (`beagle`, `Shih-Tzu`). Comparing raw strings would count every such pair as a flip, so both
 * sides and the labels are compared after one normalisation, and the classes one model has and the other lacks are
 * listed so a disagreement the candidate could never have avoided is visible as such.
 */

import { breedKey } from '@dogbreed/model-quality';

// The comparison key lives with the quality figures (the live shadow compares breeds the same way).
export { breedKey };

/** Two names are the same breed when their keys are equal. */
export function sameBreed(a: string, b: string): boolean {
  return breedKey(a) === breedKey(b);
}

/** How two class lists overlap, by breed key; names are reported as the model spells them. */
export interface ClassOverlap {
  readonly common: number;
  /** Classes only the first list has (the serving model's breeds the candidate cannot predict). */
  readonly onlyFirst: readonly string[];
  /** Classes only the second list has. */
  readonly onlySecond: readonly string[];
}

export function classOverlap(first: readonly string[], second: readonly string[]): ClassOverlap {
  const firstKeys = new Set(first.map(breedKey));
  const secondKeys = new Set(second.map(breedKey));
  return {
    common: [...firstKeys].filter((k) => secondKeys.has(k)).length,
    onlyFirst: first.filter((c) => !secondKeys.has(breedKey(c))),
    onlySecond: second.filter((c) => !firstKeys.has(breedKey(c))),
  };
}

/** The labels (as written) that a model with `classes` can never predict. */
export function labelsOutside(labels: readonly string[], classes: readonly string[]): string[] {
  const keys = new Set(classes.map(breedKey));
  return [...new Set(labels)].filter((l) => !keys.has(breedKey(l))).sort();
}
