"""The HTTP service of a checkpoint (optional extra `serve`: FastAPI + uvicorn).

`POST /predict` takes `{"text": "..."}` or `{"texts": ["...", ...]}` (and optionally `"top_k": K`) and
answers one prediction per text; `GET /health`; `GET /metadata` (model, labels, vocabulary size,
seqarena version). The body is parsed here, not by a framework model, so every bad request (empty,
not UTF-8, not JSON, wrong types, unknown fields, too large) is a 4xx JSON `{"error": ...}` and the
server carries on. Model calls run one at a time on one worker thread (the event loop stays free;
torch's own threads do the parallel work)."""

# no `from __future__ import annotations`: FastAPI reads the route annotations at definition time

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from seqarena.deploy.batch import top_k
from seqarena.deploy.predictor import Predictor
from seqarena.errors import InputError

FIELDS = ("text", "texts", "top_k")


class BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def require_serve():
    try:
        import fastapi
        import uvicorn
    except ImportError:
        raise InputError("serve needs the optional extra: pip install 'seqarena[serve]' (fastapi, uvicorn)") from None
    return fastapi, uvicorn


def parse_request(body: bytes, n_labels: int, max_bytes: int, max_texts: int, max_chars: int) -> tuple[list[str], int | None]:
    """(texts, k) of a /predict body, or BadRequest with the status and a message naming the problem."""
    if len(body) > max_bytes:
        raise BadRequest(413, f"body of {len(body):,} bytes; at most {max_bytes:,}")
    if not body.strip():
        raise BadRequest(400, 'empty body; send JSON {"text": "..."} or {"texts": ["...", ...]}')
    try:
        obj = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise BadRequest(400, f"body is not UTF-8 (byte {e.start})") from None
    except (json.JSONDecodeError, RecursionError, ValueError) as e:
        raise BadRequest(400, f"body is not valid JSON ({str(e)[:80]})") from None
    if not isinstance(obj, dict):
        raise BadRequest(422, f"expected a JSON object with 'text' or 'texts', got {type(obj).__name__}")
    unknown = sorted(set(obj) - set(FIELDS))
    if unknown:
        raise BadRequest(422, f"unknown field(s) {unknown[:5]}; fields are {list(FIELDS)}")
    if ("text" in obj) == ("texts" in obj):
        raise BadRequest(422, "give exactly one of 'text' (a string) or 'texts' (a list of strings)")
    texts = [obj["text"]] if "text" in obj else obj["texts"]
    if not isinstance(texts, list) or not texts:
        raise BadRequest(422, "'texts' must be a non-empty list of strings")
    if len(texts) > max_texts:
        raise BadRequest(413, f"{len(texts):,} texts; at most {max_texts:,} per request")
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise BadRequest(422, f"text {i} is a {type(t).__name__}, expected a string")
        if not t.strip():
            raise BadRequest(422, f"text {i} is empty")
        if len(t) > max_chars:
            raise BadRequest(413, f"text {i} has {len(t):,} characters; at most {max_chars:,}")
    k = obj.get("top_k")
    if k is not None and (type(k) is not int or not 1 <= k <= n_labels):
        raise BadRequest(422, f"'top_k' must be an integer in 1..{n_labels} (got {k!r})")
    return texts, k


def predictions(pred: Predictor, texts: list[str], k: int | None) -> list[dict]:
    probs = pred.predict_proba(texts)
    tops = top_k(probs, pred.labels, k) if k else None
    out = []
    for i, p in enumerate(probs):
        b = int(p.argmax())
        r: dict[str, Any] = {"label": pred.labels[b], "probability": float(p[b]),
                             "probs": {c: float(v) for c, v in zip(pred.labels, p)}}
        if tops is not None:
            r["top_k"] = [{"label": lab, "probability": q} for lab, q in tops[i]]
        out.append(r)
    return out


def create_app(pred: Predictor, max_bytes: int = 2_000_000, max_texts: int = 1000, max_chars: int = 100_000):
    """The FastAPI application serving `pred`."""
    fastapi, _ = require_serve()
    from fastapi.responses import JSONResponse

    app = fastapi.FastAPI(title=f"seqarena: {pred.name}", docs_url=None, redoc_url=None, openapi_url=None)
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="seqarena-model")
    meta = pred.metadata()

    @app.exception_handler(Exception)
    async def _internal(request, exc):  # never a crash, never a traceback to the client
        return JSONResponse({"error": f"internal error ({type(exc).__name__})"}, status_code=500)

    @app.exception_handler(404)
    async def _not_found(request, exc):
        return JSONResponse({"error": f"no route {request.method} {request.url.path}; routes: POST /predict, "
                             "GET /health, GET /metadata"}, status_code=404)

    @app.exception_handler(405)
    async def _method(request, exc):
        return JSONResponse({"error": f"method {request.method} not allowed on {request.url.path}"}, status_code=405)

    @app.get("/health")
    async def health():
        return {"status": "ok", "model": pred.name}

    @app.get("/metadata")
    async def metadata():
        return meta

    @app.post("/predict")
    async def predict(request: fastapi.Request):
        body = await request.body()
        try:
            texts, k = parse_request(body, len(pred.labels), max_bytes, max_texts, max_chars)
        except BadRequest as e:
            return JSONResponse({"error": e.message}, status_code=e.status)
        rows = await asyncio.get_running_loop().run_in_executor(worker, predictions, pred, texts, k)
        return {"model": pred.name, "predictions": rows}

    return app
