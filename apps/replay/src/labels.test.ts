/** Breed-name normalisation: ImageFolder folders, trained class names and ImageNet names meet on one key. */
import { describe, expect, it } from 'vitest';
import { breedKey, classOverlap, labelsOutside, sameBreed } from './labels.js';

describe('breedKey', () => {
  it.each([
    ['003.beagle', 'beagle'],
    ['001.Shih-Tzu', 'shih tzu'],
    ['Shih-Tzu', 'shih tzu'],
    ['002.Rhodesian_ridgeback', 'rhodesian ridgeback'],
    ['Rhodesian ridgeback', 'rhodesian ridgeback'],
    ['  Old English   sheepdog ', 'old english sheepdog'],
    ['black-and-tan coonhound', 'black and tan coonhound'],
  ])('%s → %s', (name, key) => expect(breedKey(name)).toBe(key));

  it('keeps a name that only starts with digits (no dot) as is', () => {
    expect(breedKey('101 dalmatians')).toBe('101 dalmatians');
  });

  it('matches the dogs-mini folders to the ImageNet names', () => {
    expect(sameBreed('008.Old_English_sheepdog', 'Old English sheepdog')).toBe(true);
    expect(sameBreed('004.English_foxhound', 'Walker hound')).toBe(false);
  });
});

describe('classOverlap / labelsOutside', () => {
  const imagenet = ['Shih-Tzu', 'beagle', 'Walker hound'];
  const trained = ['001.Shih-Tzu', '003.beagle', '010.dingo'];

  it('lists what each side lacks, spelled as that side spells it', () => {
    expect(classOverlap(imagenet, trained)).toEqual({
      common: 2,
      onlyFirst: ['Walker hound'],
      onlySecond: ['010.dingo'],
    });
  });

  it('names the labels a model can never predict, once each, sorted', () => {
    expect(labelsOutside(['010.dingo', '003.beagle', '010.dingo'], imagenet)).toEqual(['010.dingo']);
    expect(labelsOutside(['010.dingo', '003.beagle'], trained)).toEqual([]);
  });
});
