import { describe, expect, it } from 'vitest';
import { buildSpec } from '@dogbreed/platform-spec';
import { cliSpecOverride, parseCli } from './cli.js';
import { CliUsageError } from './errors.js';

describe('parseCli', () => {
  it('defaults: train, no overrides', () => {
    const o = parseCli([]);
    expect(o).toMatchObject({ train: true, help: false });
    expect(cliSpecOverride(o)).toBeUndefined();
    expect(buildSpec(cliSpecOverride(o)).localStack.port).toBe(4566);
  });

  it('puts --port and --time-scale into spec.localStack, on top of --spec-json', () => {
    const o = parseCli([
      '--port',
      '0',
      '--time-scale',
      '60',
      '--models-dir',
      '/m',
      '--no-train',
      '--spec-json',
      '{"autoscaling":{"targetValue":20},"localStack":{"host":"127.0.0.1","port":9}}',
    ]);
    expect(o).toMatchObject({ port: 0, timeScale: 60, modelsDir: '/m', train: false });
    const spec = buildSpec(cliSpecOverride(o));
    expect(spec.localStack).toMatchObject({ port: 0, timeScale: 60, host: '127.0.0.1' });
    expect(spec.autoscaling.targetValue).toBe(20);
  });

  it.each([
    [['--port', 'x']],
    [['--port', '70000']],
    [['--time-scale', '0']],
    [['--spec-json', '[1]']],
    [['--spec-json', '{bad']],
    [['--unknown']],
  ])('refuses %j', (argv) => {
    expect(() => parseCli(argv)).toThrow(CliUsageError);
  });
});
