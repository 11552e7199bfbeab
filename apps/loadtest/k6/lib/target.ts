import encoding from 'k6/encoding';
import http, { type RefinedResponse, type ResponseType } from 'k6/http';
import { Counter } from 'k6/metrics';
import type { RunEnv } from './env.ts';
import { signRequest, type Credentials } from './sigv4.ts';
import { k6Primitives } from './sigv4-k6.ts';

/** Responses by class. 429 (throttled) is expected under overload and counted apart from errors. */
export const okResponses = new Counter('ok_responses');
export const throttledResponses = new Counter('throttled_responses');
export const unexpectedResponses = new Counter('unexpected_responses');

/** Only 200 and 429 are "expected": every other status (and network errors) counts in http_req_failed. */
http.setResponseCallback(http.expectedStatuses(200, 429));

export type Classified = 'ok' | 'throttled' | 'unexpected';

export function classify(res: RefinedResponse<ResponseType | undefined>): Classified {
  let kind: Classified;
  if (res.status === 200) kind = 'ok';
  else if (res.status === 429) kind = 'throttled';
  else kind = 'unexpected';
  okResponses.add(kind === 'ok' ? 1 : 0);
  throttledResponses.add(kind === 'throttled' ? 1 : 0);
  unexpectedResponses.add(kind === 'unexpected' ? 1 : 0);
  return kind;
}

function credentials(): Credentials {
  const accessKeyId = __ENV['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = __ENV['AWS_SECRET_ACCESS_KEY'];
  if (!accessKeyId || !secretAccessKey)
    throw new Error('AWS mode needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  return { accessKeyId, secretAccessKey, sessionToken: __ENV['AWS_SESSION_TOKEN'] };
}

/** Requests with the payload prepared once per VU (the body and its SHA-256 never change). */
export class Target {
  private readonly imageBody: ArrayBuffer;
  private readonly jsonBody: string;
  private readonly imageHash: string;
  private readonly jsonHash: string;
  private readonly creds: Credentials | undefined;

  constructor(
    private readonly env: RunEnv,
    image: ArrayBuffer,
  ) {
    this.imageBody = image;
    this.jsonBody = JSON.stringify({ image: encoding.b64encode(image), endpoint: env.endpoint });
    this.imageHash = k6Primitives.sha256Hex(image);
    this.jsonHash = k6Primitives.sha256Hex(this.jsonBody);
    this.creds = env.mode === 'aws' ? credentials() : undefined;
  }

  private send(
    url: string,
    body: string | ArrayBuffer,
    hash: string,
    contentType: string,
    service: string,
    tags: Record<string, string>,
  ) {
    let headers: Record<string, string> = { 'content-type': contentType, accept: 'application/json' };
    if (this.creds) {
      headers = signRequest(
        {
          method: 'POST',
          url,
          headers,
          payloadHash: hash,
          service,
          region: this.env.region,
          credentials: this.creds,
          date: new Date(),
        },
        k6Primitives,
      ).headers;
    }
    return http.post(url, body, { headers, tags, timeout: '60s' });
  }

  /** SageMaker Runtime InvokeEndpoint with the raw JPEG. */
  invokeEndpoint(tags: Record<string, string> = {}) {
    const url = `${this.env.runtimeUrl}/endpoints/${this.env.endpointName}/invocations`;
    return this.send(url, this.imageBody, this.imageHash, 'image/jpeg', 'sagemaker', {
      target: 'endpoint',
      ...tags,
    });
  }

  /** The invoker's function URL with the JSON body ({image: base64, endpoint}). */
  invokeFunctionUrl(tags: Record<string, string> = {}) {
    return this.send(this.env.functionUrl, this.jsonBody, this.jsonHash, 'application/json', 'lambda', {
      target: 'function-url',
      ...tags,
    });
  }

  /** Cheap reachability check for setup(): the local stack's metrics API, or one signed invoke on AWS. */
  healthCheck(): void {
    const res =
      this.env.mode === 'local'
        ? http.get(`${this.env.baseUrl}/_local/metrics`, { tags: { target: 'health' } })
        : this.invokeFunctionUrl({ target: 'health' });
    if (res.status !== 200) throw new Error(`health check failed: HTTP ${res.status} from ${res.url}`);
  }
}
