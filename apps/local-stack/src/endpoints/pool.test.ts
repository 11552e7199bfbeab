import { describe, expect, it } from 'vitest';
import { MODEL_SERVER_ENV } from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/testing';
import { instanceEnv } from './pool.js';

describe('instance environment', () => {
  it('passes the spec model-server settings by their shared names', () => {
    const spec = specWith({ modelServer: { intraOpThreads: 1, maxQueueDepth: 9 } });
    const env = instanceEnv(spec, '/models/single', 0, '127.0.0.1');
    expect(env).toMatchObject({
      [MODEL_SERVER_ENV.modelDir]: '/models/single',
      [MODEL_SERVER_ENV.port]: '0',
      [MODEL_SERVER_ENV.host]: '127.0.0.1',
      [MODEL_SERVER_ENV.intraOpThreads]: '1',
      [MODEL_SERVER_ENV.maxQueueDepth]: '9',
    });
  });
});
