/** A bounded closed-loop load: `concurrency` loops send requests until `until()` is true, a count or a time limit. */
export interface LoadResult {
  readonly sent: number;
  readonly ok: number;
  readonly failures: { status: number; body: string }[];
}

export interface LoadOptions {
  readonly url: string;
  readonly body: string;
  readonly concurrency: number;
  readonly maxRequests: number;
  readonly maxMs: number;
  /** Checked before each request, with how many have been sent so far. */
  readonly stop: (progress: { readonly sent: number }) => boolean;
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const deadline = Date.now() + o.maxMs;
  let sent = 0;
  let ok = 0;
  const failures: { status: number; body: string }[] = [];
  const loop = async () => {
    while (!o.stop({ sent }) && sent < o.maxRequests && Date.now() < deadline) {
      sent += 1;
      try {
        const res = await fetch(o.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: o.body,
        });
        const text = await res.text();
        if (res.status === 200) ok += 1;
        else failures.push({ status: res.status, body: text.slice(0, 300) });
      } catch (err) {
        failures.push({ status: 0, body: String(err) });
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, loop));
  return { sent, ok, failures };
}
