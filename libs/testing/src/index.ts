/** Test fixtures for every project: a spec with changes, a valid metadata.json. */
import {
  buildSpec,
  MODEL_METADATA_EXAMPLE,
  type ModelMetadata,
  type PlatformSpec,
  type SpecOverride,
} from '@dogbreed/platform-spec';

/** Defaults plus `override`, validated (tests use it to show that consumers follow the spec). */
export function specWith(override: SpecOverride): PlatformSpec {
  return buildSpec(override);
}

/** A valid metadata.json for `classNames`: the contract's example with these classes and `patch`. */
export function sampleMetadata(
  classNames: string[] = [...MODEL_METADATA_EXAMPLE.classNames],
  patch: Partial<ModelMetadata> = {},
): ModelMetadata {
  return { ...MODEL_METADATA_EXAMPLE, classNames, numClasses: classNames.length, ...patch };
}

export * from './moto.js';
export * from './aws-recorder.js';
export * from './tiny-model.js';
export * from './faulty-models.js';
export * from './images.js';
export * from './moto-transforms.js';
