import { parseLoadSpec, type LoadSpec } from './profiles.ts';

/** Everything a script reads from `__ENV`, in one place. */
export type Mode = 'local' | 'aws';

export interface RunEnv {
  spec: LoadSpec;
  mode: Mode;
  /** Local stack root (local mode). */
  baseUrl: string;
  /** The invoker's function URL (AWS: the deployed URL; local: the stack's /function-url/ route). */
  functionUrl: string;
  /** SageMaker Runtime base URL (AWS: https://runtime.sagemaker.REGION.amazonaws.com; local: the stack). */
  runtimeUrl: string;
  /** `single` or `multi`. */
  endpoint: 'single' | 'multi';
  endpointName: string;
  payloadPath: string;
  summaryOut: string;
  timeScale: number;
  region: string;
}

function need(name: string): string {
  const v = __ENV[name];
  if (!v) throw new Error(`${name} must be set`);
  return v;
}

export function readEnv(): RunEnv {
  const spec = parseLoadSpec(__ENV['SPEC']);
  const mode: Mode = __ENV['MODE'] === 'aws' ? 'aws' : 'local';
  const baseUrl = (__ENV['BASE_URL'] ?? `http://${spec.localStack.host}:${spec.localStack.port}`).replace(
    /\/$/,
    '',
  );
  const region = __ENV['AWS_REGION'] ?? spec.project.region;
  const endpoint = __ENV['ENDPOINT'] === 'multi' ? 'multi' : 'single';
  return {
    spec,
    mode,
    baseUrl,
    functionUrl:
      mode === 'aws' ? need('FUNCTION_URL') : (__ENV['FUNCTION_URL'] ?? `${baseUrl}/function-url/`),
    runtimeUrl:
      mode === 'aws'
        ? (__ENV['RUNTIME_URL'] ?? `https://runtime.sagemaker.${region}.amazonaws.com`)
        : baseUrl,
    endpoint,
    endpointName: spec.endpoints[endpoint].name,
    payloadPath: need('PAYLOAD'),
    summaryOut: __ENV['SUMMARY_OUT'] ?? 'summary.json',
    timeScale: Number(__ENV['TIME_SCALE'] ?? (mode === 'aws' ? 1 : spec.localStack.timeScale)),
    region,
  };
}
