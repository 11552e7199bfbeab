"""The baseline: a minimal Python boto3 invoker, as the old system had (forward the body, return the reply).

    /usr/bin/python3 baseline_invoker.py EVENTS_JSON OUT_JSON [EARLY WARM STEADY]

Measured in this fresh process: init = `import boto3` + client creation + the first invocation; then the latency
phases of latency-runner.mjs: EARLY rounds, WARM rounds (a curve of p50s only), STEADY rounds, each round one
invocation through the handler and one direct `invoke_endpoint` call (for the added latency); CPU times (user +
system, `time.process_time`) beside the wall times. CPython has no JIT, so its phases differ by noise only. The
endpoint URL, name and dummy credentials come from the environment (BASELINE_ENDPOINT_URL, BASELINE_ENDPOINT_NAME,
AWS_*).
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
    events_file, out_file = sys.argv[1], sys.argv[2]
    early_rounds, warm_rounds, steady_rounds = (int(a) for a in (sys.argv[3:6] or ["0", "0", "0"]))
    with open(events_file) as f:
        events = json.load(f)
    loaded = time.perf_counter()
    first = lambda_handler(events[0], None)
    first_done = time.perf_counter()
    init_cpu = time.process_time() - c0
    event = events[-1]
    body = event["body"] if "body" in event else json.dumps(event)

    def phase(rounds):
        handler_ms, direct_ms = [], []
        handler_cpu, direct_cpu = 0.0, 0.0
        for _ in range(rounds):
            s, c = time.perf_counter(), time.process_time()
            lambda_handler(event, None)
            handler_ms.append((time.perf_counter() - s) * 1000)
            handler_cpu += time.process_time() - c
            s, c = time.perf_counter(), time.process_time()
            runtime.invoke_endpoint(
                EndpointName=ENDPOINT, ContentType="application/json", Accept="application/json", Body=body
            )["Body"].read()
            direct_ms.append((time.perf_counter() - s) * 1000)
            direct_cpu += time.process_time() - c
        return {
            "handlerMs": handler_ms,
            "directMs": direct_ms,
            "handlerCpuMsMean": handler_cpu * 1000 / rounds if rounds else 0,
            "directCpuMsMean": direct_cpu * 1000 / rounds if rounds else 0,
        }

    early = phase(early_rounds)
    warm = phase(warm_rounds)
    # As latency-runner.mjs: the warm-up's samples only as a curve, p50 per 250 rounds from the first early round.
    handler_all, direct_all = early["handlerMs"] + warm["handlerMs"], early["directMs"] + warm["directMs"]

    def p50(xs):
        return sorted(xs)[(len(xs) - 1) // 2]

    curve = [
        {
            "fromRound": start,
            "handlerP50Ms": p50(handler_all[start : start + 250]),
            "directP50Ms": p50(direct_all[start : start + 250]),
        }
        for start in range(0, len(handler_all), 250)
    ]
    steady = phase(steady_rounds)
    with open(out_file, "w") as f:
        json.dump(
            {
                "loadMs": (loaded - t0) * 1000,
                "firstInvokeMs": (first_done - loaded) * 1000,
                "initMs": (first_done - t0) * 1000,
                "initCpuMs": init_cpu * 1000,
                "firstStatus": first["statusCode"],
                "early": early,
                "steady": steady,
                "curve": curve,
                "boto3": boto3.__version__,
            },
            f,
        )


if __name__ == "__main__":
    main()
