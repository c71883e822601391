"""`compare` and `train` with --embeddings / --embedding-mode on tiny files: coverage printed and stored,
the subset cached beside the run, a multichannel checkpoint that predict reads, and bad input (a bad
vectors file, a preset without its file, a width mismatch) as one line, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from seqarena.cli import main
from seqarena.train.checkpoint import load_checkpoint

POS = ["good fun film", "a great cast", "warm and funny", "great fun", "a good story", "funny and warm"]
NEG = ["dull film", "a bad plot", "boring and slow", "bad acting", "slow dull story", "a boring cast"]
FAST = ["--epochs", "2", "--device", "cpu", "--threads", "1"]


def run(args, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as e:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return e.value.code, out, err


def setup(d: Path, dim: int = 8) -> dict[str, Path]:
    rows = [(t, "pos") for t in POS] + [(t, "neg") for t in NEG]
    files = {}
    for split, part in (("train", rows * 2), ("test", rows[1::2])):
        files[split] = d / f"{split}.jsonl"
        files[split].write_text("".join(json.dumps({"text": t, "label": y}) + "\n" for t, y in part))
    words = sorted({w for t, _ in rows for w in t.split()} - {"boring", "slow"})
    rng = np.random.default_rng(0)
    files["vec"] = d / "vec.txt"
    files["vec"].write_text(f"{len(words)} {dim}\n" + "".join(
        w + " " + " ".join(f"{x:.4f}" for x in rng.normal(0, 0.3, dim)) + "\n" for w in words))
    files["spec"] = d / "spec.toml"
    files["spec"].write_text('name = "v"\nmodels = ["textcnn", "nbsvm"]\n[datasets.tiny]\ntrain = "train.jsonl"\n'
                             'test = "test.jsonl"\n[train]\nepochs = 2\nembeddings = "vec.txt"\n'
                             f'embedding_mode = "static"\n[hparams]\nd_embed = {dim}\n')
    return files


def test_compare_with_a_spec_prints_and_stores_the_coverage(tmp_path, capsys):
    f = setup(tmp_path)
    out = tmp_path / "run"
    code, table, err = run(["compare", "--config", f["spec"], "--jobs", "1", "--out", out, *FAST], capsys)
    assert code == 0, err
    assert "static vectors vec.txt" in table  # the table's title names the vectors
    assert "tiny: vec.txt (8-d, text+header, 14 words) covers 87.5% of the vocabulary (14 of 16 words)" in err
    rows = {r["model"]: r for r in json.loads((out / "results.json").read_text())["rows"]}
    assert rows["textcnn"]["embedding_mode"] == "static" and rows["textcnn"]["emb_vocab_coverage"] == pytest.approx(14 / 16)
    assert "embedding_mode" not in rows["nbsvm"]
    assert len(list((out / "vectors").glob("*.npz"))) == 1
    # train --from-run rebuilds the measured cell: same vectors, same mode, same hash
    code, _, err = run(["train", "--from-run", out, "--model", "textcnn", "--out", tmp_path / "m.pt", *FAST], capsys)
    assert code == 0, err
    assert "with the configuration compare measured (config hash " + rows["textcnn"]["config_hash"] in err
    # the flag beats the spec: another mode is another cell, measured beside the first
    code, _, err = run(["compare", "--config", f["spec"], "--jobs", "1", "--out", out, "--embedding-mode",
                        "multichannel", *FAST], capsys)
    assert code == 0, err
    hashes = {r["config_hash"] for r in json.loads((out / "results.json").read_text())["rows"] if r["model"] == "textcnn"}
    assert rows["textcnn"]["config_hash"] not in hashes


def test_train_multichannel_then_predict(tmp_path, capsys):
    f = setup(tmp_path)
    ckpt = tmp_path / "m.pt"
    code, out, err = run(["train", "--model", "textcnn", "--train", f["train"], "--test", f["test"], "--hparam",
                          "d_embed=8", "--embeddings", f["vec"], "--embedding-mode", "multichannel", "--out", ckpt,
                          "--json", *FAST], capsys)
    assert code == 0, err
    row = json.loads(out)
    assert row["embedding_mode"] == "multichannel" and 0.5 < row["emb_token_coverage"] < 1
    assert "covers" in err
    saved = load_checkpoint(ckpt, task="classify")
    assert "emb.static" not in saved["state_dict"]  # one table: the channels' sum
    code, out, err = run(["predict", ckpt, "a good film", "--json", "--device", "cpu"], capsys)
    assert code == 0, err
    assert json.loads(out)[0]["label"] in ("pos", "neg")


@pytest.mark.parametrize("case", ["preset-without-file", "file-without-mode", "bad-value", "width", "truncated",
                                  "missing", "mode"])
def test_bad_input_is_one_line_exit_2(tmp_path, capsys, case):
    f = setup(tmp_path)
    base = ["compare", "--train", f["train"], "--test", f["test"], "--models", "textcnn", "--jobs", "1",
            "--out", tmp_path / "run", *FAST]
    args, match = {
        "preset-without-file": (["--preset", "kim-static"], "preset 'kim-static': embedding mode 'static' needs word "
                                                            "vectors: add --embeddings FILE"),
        "file-without-mode": (["--embeddings", f["vec"]], "unused with embedding mode 'rand'"),
        "bad-value": (["--embeddings", "BAD", "--embedding-mode", "static"], "bad.txt:3: non-numeric value 'x'"),
        "width": (["--embeddings", f["vec"], "--embedding-mode", "static"],
                  "the vectors have 8 dimensions but textcnn's d_embed is 64"),
        "truncated": (["--embeddings", "BIN", "--embedding-mode", "non-static"], "v.bin: truncated at entry 2 of 2"),
        "missing": (["--embeddings", tmp_path / "nope.vec", "--embedding-mode", "static"], "nope.vec: no such file"),
        "mode": (["--embeddings", f["vec"], "--embedding-mode", "frozen"], "--embedding-mode: unknown 'frozen'"),
    }[case]
    (tmp_path / "bad.txt").write_text("good 1 2\nfilm 3 4\nfun 5 x\n")
    (tmp_path / "v.bin").write_bytes(b"2 2\ngood " + np.ones(2, "<f4").tobytes() + b"\nfun " + b"\x00" * 5)
    args = [tmp_path / "bad.txt" if a == "BAD" else tmp_path / "v.bin" if a == "BIN" else a for a in args]
    code, out, err = run(base + args, capsys)
    assert code == 2, err
    lines = [x for x in err.splitlines() if x.startswith("seqarena: error")]
    assert len(lines) == 1 and match in lines[0] and "Traceback" not in err
    assert not (tmp_path / "run" / "results.json").exists()


def test_tune_keeps_the_vectors_width_and_mode(tmp_path, capsys):
    f = setup(tmp_path)
    spec = tmp_path / "tune.toml"
    spec.write_text(f["spec"].read_text().replace('models = ["textcnn", "nbsvm"]', 'models = ["textcnn"]')
                    + "[protocol]\ndev_fraction = 0.25\n")
    out = tmp_path / "tuned"
    code, _, err = run(["tune", "--config", spec, "--trials", "2", "--embedding-mode", "non-static", "--out", out,
                        "--jobs", "1", "--threads", "1", "--device", "cpu"], capsys)
    assert code == 0, err
    assert "tiny: vec.txt (8-d" in err
    doc = json.loads((out / "tune.json").read_text())
    best = json.loads(next(r for r in doc["summary"] if r["model"] == "textcnn")["best_params"])
    assert best and "d_embed" not in best  # the width is the vectors' (8), never sampled
    rows = json.loads((out / "results.json").read_text())["rows"]
    assert rows and all(r["embedding_mode"] == "non-static" and r["emb_dim"] == 8 for r in rows)
