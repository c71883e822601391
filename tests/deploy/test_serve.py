"""`seqarena serve` as a real server on loopback, called over HTTP: /health, /metadata, /predict with
one text and a list (the same probabilities as the checkpoint gives in-process), and 20 malformed
requests, each a 4xx JSON error, after which the server still answers."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from seqarena.cli import main
from seqarena.deploy.predictor import load_predictor
from seqarena.deploy.serve import BadRequest, parse_request

POS = ["good fun film", "a great cast", "warm and funny", "great fun", "a good story", "funny and warm"]
NEG = ["dull film", "a bad plot", "boring and slow", "bad acting", "slow dull story", "a boring cast"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    d = tmp_path_factory.mktemp("serve")
    data = d / "train.jsonl"
    data.write_text("".join(json.dumps({"text": t, "label": y}) + "\n"
                            for t, y in [(t, "pos") for t in POS] * 3 + [(t, "neg") for t in NEG] * 3))
    ckpt = d / "m.pt"
    with pytest.raises(SystemExit) as e:
        main(["train", "--model", "textcnn", "--train", str(data), "--epochs", "2", "--device", "cpu",
              "--threads", "1", "--out", str(ckpt)])
    assert e.value.code in (0, None)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "seqarena", "serve", str(ckpt), "--port", str(port),
                             "--threads", "1", "--max-chars", "5000"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            if request(port, "GET", "/health")[0] == 200:
                break
        except OSError:
            time.sleep(0.3)
        assert proc.poll() is None, proc.stderr.read().decode()
    else:
        proc.kill()
        pytest.fail("the server did not start within 90 s")
    yield port, ckpt, proc
    proc.terminate()
    proc.wait(timeout=20)


def request(port: int, method: str, path: str, body: bytes | None = None,
            headers: dict | None = None) -> tuple[int, dict]:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        c.request(method, path, body=body, headers=headers or {"Content-Type": "application/json"})
        r = c.getresponse()
        return r.status, json.loads(r.read() or b"null")
    finally:
        c.close()


def test_health_metadata_and_predictions(server):
    port, ckpt, _ = server
    assert request(port, "GET", "/health") == (200, {"status": "ok", "model": "textcnn"})
    code, meta = request(port, "GET", "/metadata")
    assert code == 200 and meta["model"] == "textcnn" and meta["labels"] == ["neg", "pos"]
    assert meta["vocab_size"] > 2 and meta["seqarena_version"]
    texts = ["great fun", "a boring plot", "never seen words"]
    code, res = request(port, "POST", "/predict", json.dumps({"texts": texts, "top_k": 2}).encode())
    assert code == 200 and len(res["predictions"]) == 3
    local = load_predictor(ckpt).predict_proba(texts)
    for p, q in zip(res["predictions"], local):
        np.testing.assert_allclose([p["probs"]["neg"], p["probs"]["pos"]], q, atol=1e-6)
        assert p["label"] == ["neg", "pos"][int(q.argmax())] and [t["label"] for t in p["top_k"]][0] == p["label"]
    code, res = request(port, "POST", "/predict", json.dumps({"text": "great fun"}).encode())
    assert code == 200 and len(res["predictions"]) == 1


MALFORMED = [
    b"", b"   ", b"{", b"not json", b"\xff\xfe\x00garbage", b'"just a string"', b"[1, 2]", b"null", b"{}",
    b'{"text": 5}', b'{"texts": "one string"}', b'{"texts": []}', b'{"texts": [1, "a"]}', b'{"text": ""}',
    b'{"text": "a", "texts": ["b"]}', b'{"text": "a", "unknown": 1}', b'{"text": "a", "top_k": 0}',
    b'{"text": "a", "top_k": "2"}', json.dumps({"text": "x" * 1_000_000}).encode(),
    b'{"texts": [' + b",".join([b'"a"'] * 1001) + b"]}",
]


def test_malformed_requests_are_4xx_json_and_the_server_survives(server):
    port, _, proc = server
    assert len(MALFORMED) == 20
    for body in MALFORMED:
        code, res = request(port, "POST", "/predict", body)
        assert 400 <= code < 500 and isinstance(res, dict) and res.get("error"), (body[:40], code, res)
    for method, path in (("GET", "/predict"), ("POST", "/nowhere"), ("DELETE", "/health")):
        code, res = request(port, method, path)
        assert 400 <= code < 500 and "error" in res
    assert proc.poll() is None
    assert request(port, "GET", "/health")[0] == 200


def test_parse_request_limits():
    assert parse_request(b'{"texts": ["a", "b"], "top_k": 1}', 2, 1000, 10, 10) == (["a", "b"], 1)
    for body, status in ((b"x" * 2000, 413), (b'{"text": "' + b"y" * 20 + b'"}', 413), (b"{}", 422)):
        with pytest.raises(BadRequest) as e:
            parse_request(body, 2, 1000, 10, 10)
        assert e.value.status == status


def test_serve_refuses_a_busy_port_in_one_line(server, capsys):
    port, ckpt, _ = server
    with pytest.raises(SystemExit) as e:
        main(["serve", str(ckpt), "--port", str(port)])
    err = capsys.readouterr().err
    assert e.value.code == 2 and err.count("\n") == 1 and "cannot listen" in err

