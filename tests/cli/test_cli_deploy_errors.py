"""Bad input to evaluate, predict, export and serve: one line naming the flag or file, exit 2, no
traceback, and no existing output overwritten or left half-written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from seqarena.cli import main
from seqarena.models import create_model
from seqarena.train.checkpoint import save_checkpoint

POS = ["good fun film", "a great cast", "warm and funny", "great fun", "a good story", "funny and warm"]
NEG = ["dull film", "a bad plot", "boring and slow", "bad acting", "slow dull story", "a boring cast"]


def run(args, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as e:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return e.value.code, out, err


@pytest.fixture(scope="module")
def ckpts(tmp_path_factory):
    d = tmp_path_factory.mktemp("ckpts")
    (d / "train.jsonl").write_text("".join(json.dumps({"text": t, "label": y}) + "\n"
                                          for t, y in [(t, "pos") for t in POS] * 2 + [(t, "neg") for t in NEG] * 2))
    for m in ("bow", "tfidf_lr"):
        with pytest.raises(SystemExit):
            main(["train", "--model", m, "--train", str(d / "train.jsonl"), "--epochs", "1", "--device", "cpu",
                  "--out", str(d / f"{m}.pt")])
    assert (d / "bow.pt").exists() and (d / "tfidf_lr.pt").exists()
    cut = d / "cut.pt"
    cut.write_bytes((d / "bow.pt").read_bytes()[:300])
    save_checkpoint(d / "lm.pt", create_model("gru", "lm", 12), vocab=["<pad>", "<unk>"])
    marker = d / "ran"

    class Payload:
        def __reduce__(self):
            return (exec, (f"open({str(marker)!r}, 'w').write('ran')",))

    torch.save({"format": "seqarena-checkpoint", "format_version": 1, "payload": Payload()}, d / "evil.pt")
    (d / "texts.txt").write_text("great fun\nboring plot\n")
    return d


@pytest.mark.parametrize("command", ["evaluate", "predict", "export", "serve"])
@pytest.mark.parametrize("bad", ["cut", "lm", "evil", "missing"])
def test_bad_checkpoints_are_one_line(ckpts, capsys, command, bad):
    d = ckpts
    tail = {"evaluate": ["--test", d / "train.jsonl"], "predict": ["--file", d / "texts.txt"],
            "export": ["--out", d / "x.onnx"], "serve": ["--port", "1"]}[command]
    if command == "serve":
        tail = ["--port", "65000"]
    code, out, err = run([command, d / f"{bad}.pt", *tail], capsys)
    expect = {"cut": "not a readable checkpoint", "lm": "task 'lm', not 'classify'", "evil": "refused",
              "missing": "no such checkpoint"}[bad]
    assert code == 2 and out == "" and err.count("\n") == 1 and expect in err, err
    assert not (d / "ran").exists() and not (d / "x.onnx").exists()


def test_predict_output_errors_leave_existing_files_whole(ckpts, capsys, tmp_path):
    d = ckpts
    old = tmp_path / "preds.csv"
    old.write_text("precious\n")
    code, _, err = run(["predict", d / "bow.pt", "--file", d / "texts.txt", "--top-k", "0", "--output", old], capsys)
    assert code == 2 and "--top-k must be >= 1" in err
    code, _, err = run(["predict", d / "bow.pt", "--file", d / "texts.txt", "--top-k", "3"], capsys)
    assert code == 2 and "the model has 2 classes" in err
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    code, _, err = run(["predict", d / "bow.pt", "--file", d / "texts.txt", "--output", blocker / "p.csv"], capsys)
    assert code == 2 and err.count("\n") == 1 and "--output" in err
    code, _, err = run(["predict", d / "bow.pt", "--file", d / "texts.txt", "--output", tmp_path / "p.txt"], capsys)
    assert code == 2 and ".csv or .jsonl" in err
    # an error at row 20,001 (after 2 chunks were written): the old file stays as it was, no temp file left
    big = tmp_path / "big.csv"
    big.write_text("id,text\n" + "1,great fun\n" * 20000 + "2,\n")
    code, _, err = run(["predict", d / "bow.pt", "--file", big, "--output", old], capsys)
    assert code == 2 and err.count("\n") == 1 and "big.csv:20002: empty text" in err
    assert old.read_text() == "precious\n" and sorted(p.name for p in tmp_path.iterdir()) == ["a_file", "big.csv",
                                                                                           "preds.csv"]
    code, _, err = run(["predict", d / "bow.pt", "--file", big, "--output", big], capsys)
    assert code == 2 and "is the input file" in err


def test_evaluate_and_export_bad_input(ckpts, capsys, tmp_path):
    d = ckpts
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"text": "meh", "label": "mixed"}) + "\n")
    code, _, err = run(["evaluate", d / "bow.pt", "--test", other], capsys)
    assert code == 2 and err.count("\n") == 1 and "other.jsonl:1: label 'mixed' is not a class" in err
    code, _, err = run(["evaluate", d / "bow.pt"], capsys)
    assert code == 2 and "give --test FILE" in err
    code, _, err = run(["export", d / "tfidf_lr.pt", "--out", tmp_path / "s.onnx"], capsys)
    assert code == 2 and "sparse baseline" in err and not (tmp_path / "s.onnx").exists()
    code, _, err = run(["export", d / "bow.pt", "--format", "tflite"], capsys)
    assert code == 2 and "unknown export format" in err


def test_export_writes_graph_and_sidecar(ckpts, capsys, tmp_path):
    d = ckpts
    out = tmp_path / "bow.onnx"
    code, stdout, err = run(["export", d / "bow.pt", "--out", out, "--threads", "1", "--json"], capsys)
    assert code == 0, err
    res = json.loads(stdout)
    assert res["max_abs_logit_diff"] <= 1e-4 and res["onnx_latency_ms"] > 0 and res["torch_throughput"] > 0
    side = json.loads(Path(res["metadata"]).read_text())
    assert side["labels"] == ["neg", "pos"] and side["vocab"][:2] == ["<pad>", "<unk>"] and side["tokenizer"] == "kim"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bow.onnx", "bow.onnx.json"]
