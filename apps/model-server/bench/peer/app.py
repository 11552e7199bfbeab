"""The benchmark's peer: the model server a Python team would write in an afternoon, in its best configuration.

FastAPI on uvicorn (uvloop + httptools), Pillow decoding with JPEG draft mode (DCT-domain shrink-on-load) and
onnxruntime on the CPU, serving the same model dir with the same preprocessing contract as the TypeScript server
(metadata.json: resize the shorter side, centre crop, RGB, mean/std, NCHW float32). `nx benchmark model-server`
drives both with the same client on the same photos; the peer's figures are what ours are steered against.

    MODEL_DIR=dir PEER_INTRA_OP_THREADS=1 python -m uvicorn app:app --app-dir bench/peer --workers 2 ...

Routes: `GET /ping` → 200 once the session is loaded; `POST /invocations` with a raw image body → top-K JSON
(`topK=N` in `X-Amzn-SageMaker-Custom-Attributes`, else PEER_TOP_K).
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import numpy as np
import onnxruntime as ort
from fastapi import FastAPI, Request, Response
from PIL import Image, ImageOps
from starlette.concurrency import run_in_threadpool

MODEL_DIR = Path(os.environ.get("MODEL_DIR", "/opt/ml/model"))
INTRA_OP_THREADS = int(os.environ.get("PEER_INTRA_OP_THREADS", "1"))
DEFAULT_TOP_K = int(os.environ.get("PEER_TOP_K", "5"))
TOP_K_ATTRIBUTE = re.compile(r"(?:^|[;,])\s*topK=(\d+)")


def load_session() -> tuple[dict, ort.InferenceSession]:
    meta = json.loads((MODEL_DIR / "metadata.json").read_text())
    options = ort.SessionOptions()
    options.intra_op_num_threads = INTRA_OP_THREADS
    options.inter_op_num_threads = 1
    # Idle pool threads spin by default and steal the other worker's core; the TypeScript server turns it off too.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(str(MODEL_DIR / "model.onnx"), options, providers=["CPUExecutionProvider"])
    return meta, session


META, SESSION = load_session()
PRE = META["preprocessing"]
HEIGHT, WIDTH = META["input"]["height"], META["input"]["width"]
# (x / 255 - mean) / std as one multiply-add per value.
SCALE = (1.0 / (255.0 * np.asarray(PRE["std"], dtype=np.float32))).reshape(1, 1, 3)
OFFSET = (-np.asarray(PRE["mean"], dtype=np.float32) / np.asarray(PRE["std"], dtype=np.float32)).reshape(1, 1, 3)
OUTPUTS = [META["output"]["name"]] + ([META["output"]["dog"]["name"]] if META["output"].get("dog") else [])
CLASSES = META["classNames"]

app = FastAPI()


def target_size(width: int, height: int) -> tuple[int, int]:
    """torchvision Resize(shorter side): the shorter side to `resizeShorterSide`, the other `int(s * long / short)`."""
    if PRE["policy"] == "stretch":
        return WIDTH, HEIGHT
    s = PRE["resizeShorterSide"]
    return (s, int(s * height / width)) if width <= height else (int(s * width / height), s)


def preprocess(body: bytes) -> np.ndarray:
    img = Image.open(io.BytesIO(body))
    # JPEG draft: libjpeg decodes at 1/2…1/8 scale, never below the size the resize needs (what sharp's
    # shrink-on-load does for ours). The size is proportional, so the EXIF rotation applied after does not matter.
    img.draft("RGB", target_size(*img.size))
    img = ImageOps.exif_transpose(img).convert("RGB")
    w, h = target_size(*img.size)
    img = img.resize((w, h), Image.Resampling.BILINEAR)
    left, top = int(round((w - WIDTH) / 2.0)), int(round((h - HEIGHT) / 2.0))
    img = img.crop((left, top, left + WIDTH, top + HEIGHT))
    x = np.asarray(img, dtype=np.float32) * SCALE + OFFSET
    return np.ascontiguousarray(x.transpose(2, 0, 1)[np.newaxis])


def predict(body: bytes, top_k: int) -> dict:
    outputs = SESSION.run(OUTPUTS, {META["input"]["name"]: preprocess(body)})
    row = outputs[0][0].astype(np.float64)
    if META["output"]["kind"] == "logits":
        row = np.exp(row - row.max())
        row /= row.sum()
    order = np.argsort(-row)[:top_k]
    answer: dict = {
        "predictions": [{"label": CLASSES[i], "index": int(i), "probability": float(row[i])} for i in order],
        "modelVersion": META["modelVersion"],
    }
    if len(outputs) > 1:
        answer["dog"] = {"probability": float(outputs[1][0][0])}
    return answer


@app.get("/ping")
def ping() -> dict:
    return {"status": "Healthy", "modelVersion": META["modelVersion"]}


@app.post("/invocations")
async def invocations(request: Request) -> Response:
    body = await request.body()
    match = TOP_K_ATTRIBUTE.search(request.headers.get("x-amzn-sagemaker-custom-attributes", ""))
    top_k = int(match.group(1)) if match else DEFAULT_TOP_K
    try:
        # Off the event loop: Pillow and onnxruntime release the GIL, so requests overlap as they do in ours.
        answer = await run_in_threadpool(predict, body, top_k)
    except (OSError, ValueError) as err:
        return Response(
            json.dumps({"error": {"code": "INVALID_IMAGE", "message": str(err)}}), 400, media_type="application/json"
        )
    return Response(json.dumps(answer), media_type="application/json")
