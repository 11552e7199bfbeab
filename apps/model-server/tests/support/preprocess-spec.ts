/** The ImageNet eval transform (resize the shorter side to 256, centre-crop 224, ImageNet mean/std) as tests use it. */
import type { PreprocessSpec } from '../../src/preprocess.js';

export const IMAGENET_224: PreprocessSpec = {
  height: 224,
  width: 224,
  policy: 'resize-shorter-center-crop',
  resizeShorterSide: 256,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};
