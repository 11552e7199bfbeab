/** Class names compared as breeds, whatever the dataset's spelling. */

/**
 * The comparison key of a breed name: drop a leading `NNN.` index, lower-case, and treat `_`, `-` and runs of
 * white space as one space. `003.beagle` = `beagle`; `001.Shih-Tzu` = `Shih-Tzu` = `shih tzu`;
 * `002.Rhodesian_ridgeback` = `Rhodesian ridgeback`. ImageFolder class folders carry the index; the default ImageNet
 * model's breeds do not.
 */
export function breedKey(name: string): string {
  return name
    .trim()
    .replace(/^\d+\./, '')
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ')
    .trim();
}
