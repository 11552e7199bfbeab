"""The baseline: a minimal Python boto3 invoker, as the old system had (forward the body, return the reply).

    /usr/bin/python3 baseline_invoker.py EVENTS_JSON OUT_JSON REPEAT

Measured in this fresh process: init = `import boto3` + client creation + the first invocation; then REPEAT
invocations through the handler and REPEAT direct `invoke_endpoint` calls for the added latency; CPU times (user +
system, `time.process_time`) beside the wall times. The endpoint URL,
name and dummy credentials come from the environment (BASELINE_ENDPOINT_URL, BASELINE_ENDPOINT_NAME, AWS_*).
"""
import json
import os
import sys
import time

t0 = time.perf_counter()
c0 = time.process_time()
import boto3  # noqa: E402  (timed on purpose)

runtime = boto3.client(
    "sagemaker-runtime",
    endpoint_url=os.environ["BASELINE_ENDPOINT_URL"],
    region_name=os.environ.get("AWS_REGION", "us-east-1"),
)
ENDPOINT = os.environ["BASELINE_ENDPOINT_NAME"]


def lambda_handler(event, context):
    body = event["body"] if "body" in event else json.dumps(event)
    resp = runtime.invoke_endpoint(
        EndpointName=ENDPOINT, ContentType="application/json", Accept="application/json", Body=body
    )
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": resp["Body"].read().decode()}


def main():
    events_file, out_file, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(events_file) as f:
        events = json.load(f)
    loaded = time.perf_counter()
    first = lambda_handler(events[0], None)
    first_done = time.perf_counter()
    init_cpu = time.process_time() - c0
    event = events[-1]
    handler_ms, direct_ms = [], []
    handler_cpu, direct_cpu = 0.0, 0.0
    body = event["body"] if "body" in event else json.dumps(event)
    for _ in range(repeat):
        s, c = time.perf_counter(), time.process_time()
        lambda_handler(event, None)
        handler_ms.append((time.perf_counter() - s) * 1000)
        handler_cpu += time.process_time() - c
        s, c = time.perf_counter(), time.process_time()
        runtime.invoke_endpoint(EndpointName=ENDPOINT, ContentType="application/json", Accept="application/json", Body=body)[
            "Body"
        ].read()
        direct_ms.append((time.perf_counter() - s) * 1000)
        direct_cpu += time.process_time() - c
    with open(out_file, "w") as f:
        json.dump(
            {
                "loadMs": (loaded - t0) * 1000,
                "firstInvokeMs": (first_done - loaded) * 1000,
                "initMs": (first_done - t0) * 1000,
                "initCpuMs": init_cpu * 1000,
                "handlerCpuMsMean": handler_cpu * 1000 / repeat if repeat else 0,
                "directCpuMsMean": direct_cpu * 1000 / repeat if repeat else 0,
                "firstStatus": first["statusCode"],
                "handlerMs": handler_ms,
                "directMs": direct_ms,
                "boto3": boto3.__version__,
            },
            f,
        )


if __name__ == "__main__":
    main()
