"""`seqarena train` -> checkpoint -> `seqarena predict`, at tiny size on files written in tmp_path;
a checkpoint carrying a pickled object is refused without running it; bad input is one line, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from seqarena.cli import main
from seqarena.train.checkpoint import load_checkpoint

POS = ["good fun film", "a great cast", "warm and funny", "great fun", "a good story", "funny and warm"]
NEG = ["dull film", "a bad plot", "boring and slow", "bad acting", "slow dull story", "a boring cast"]


def run(args, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as e:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return e.value.code, out, err


def write_splits(d: Path) -> dict[str, Path]:
    rows = [(t, "pos") for t in POS] + [(t, "neg") for t in NEG]
    files = {}
    for split, part in (("train", rows * 3), ("dev", rows[::2]), ("test", rows[1::2])):
        files[split] = d / f"{split}.jsonl"
        files[split].write_text("".join(json.dumps({"sentence": t, "y": y}) + "\n" for t, y in part))
    return files


def train_tiny(tmp_path: Path, capsys, model: str = "bow") -> tuple[dict, dict[str, Path], Path]:
    files = write_splits(tmp_path)
    ckpt = tmp_path / "m.pt"
    code, out, err = run(["train", "--model", model, "--train", files["train"], "--dev", files["dev"],
                          "--test", files["test"], "--format", "jsonl", "--text-column", "sentence",
                          "--label-column", "y", "--epochs", "3", "--device", "cpu", "--threads", "1",
                          "--out", ckpt, "--json"], capsys)
    assert code == 0, err
    return json.loads(out), files, ckpt


def test_train_then_predict_reproduces_the_test_accuracy(tmp_path, capsys):
    row, files, ckpt = train_tiny(tmp_path, capsys)
    assert row["n_train"] == 36 and row["n_test"] == 6 and row["checkpoint"] == str(ckpt)
    assert 1 <= row["selected_epoch"] <= row["epochs_run"] == 3
    saved = load_checkpoint(ckpt, task="classify")
    assert saved["label_names"] == ["neg", "pos"] and saved["tokenizer"] == "kim"
    assert saved["vocab"][:2] == ["<pad>", "<unk>"]
    # no training sentence has an unknown word (min_freq 1): its row starts at zero and stays there,
    # so an unseen word at predict time reads as padding rather than as one fixed random vector
    table = saved["state_dict"]["emb.weight"]  # bow's words, then its n-gram buckets
    assert table.shape[0] > len(saved["vocab"])
    assert torch.count_nonzero(table[1]) == 0 and torch.count_nonzero(table[2]) > 0

    test = [json.loads(line) for line in files["test"].read_text().splitlines()]
    texts = tmp_path / "texts.txt"
    texts.write_text("".join(t["sentence"] + "\n" for t in test))
    code, out, err = run(["predict", ckpt, "--file", texts, "--json", "--device", "cpu"], capsys)
    assert code == 0, err
    preds = json.loads(out)
    assert [p["text"] for p in preds] == [t["sentence"] for t in test]
    for p in preds:
        assert set(p["probs"]) == {"neg", "pos"} and abs(sum(p["probs"].values()) - 1) < 1e-5
        assert p["label"] == max(p["probs"], key=p["probs"].get)
    acc = sum(p["label"] == t["y"] for p, t in zip(preds, test)) / len(test)
    assert acc == pytest.approx(row["test_acc"])  # the checkpoint is the model that was scored


def test_predict_texts_as_arguments_and_table_output(tmp_path, capsys):
    _, _, ckpt = train_tiny(tmp_path, capsys, model="textcnn")
    code, out, _ = run(["predict", ckpt, "great fun", "a boring plot", "--device", "cpu"], capsys)
    assert code == 0 and "great fun" in out and "p(pos)" in out


def test_pickled_object_in_a_checkpoint_is_refused_not_run(tmp_path, capsys):
    marker = tmp_path / "side_effect_ran"

    class Payload:  # unpickling calls exec(...), which would create `marker`
        def __reduce__(self):
            return (exec, (f"open({str(marker)!r}, 'w').write('ran')",))

    evil = tmp_path / "evil.pt"
    torch.save({"format": "seqarena-checkpoint", "format_version": 1, "payload": Payload()}, evil)
    code, out, err = run(["predict", evil, "some text"], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "refused" in err and "pickled" in err and str(evil) in err
    assert not marker.exists()
    # the payload is real: an unsafe load would have run it
    torch.load(evil, weights_only=False)
    assert marker.read_text() == "ran"


@pytest.mark.parametrize("case", ["missing-column", "label-missing", "label-only-in-test", "single-class",
                                  "undecodable", "unknown-format", "unknown-tokenizer", "unknown-dataset",
                                  "dataset-and-files", "no-texts"])
def test_bad_input_is_one_line_exit_2(tmp_path, capsys, case):
    files = write_splits(tmp_path)
    base = ["train", "--model", "bow", "--epochs", "1", "--out", tmp_path / "m.pt"]
    jsonl = ["--format", "jsonl", "--text-column", "sentence", "--label-column", "y"]
    bad = tmp_path / "bad.txt"
    if case == "missing-column":
        args, expect = base + ["--train", files["train"], "--format", "jsonl"], "train.jsonl:1: no key 'text'"
    elif case == "label-missing":
        bad.write_text("1 fine\n0 also fine\n\n1\n")
        args, expect = base + ["--train", bad, "--format", "label-text"], "bad.txt:4: no text after the label"
    elif case == "label-only-in-test":
        files["test"].write_text(files["test"].read_text() + json.dumps({"sentence": "meh", "y": "mixed"}) + "\n")
        args = base + ["--train", files["train"], "--test", files["test"]] + jsonl
        expect = "test.jsonl:7: label 'mixed' does not occur in the training data"
    elif case == "single-class":
        bad.write_text("1 fine\n1 also fine\n")
        args, expect = base + ["--train", bad, "--format", "label-text"], "bad.txt: only one class ('1')"
    elif case == "undecodable":
        bad.write_bytes(b"1 fine\n0 \x81\x8d bytes\n")
        args, expect = base + ["--train", bad, "--format", "label-text"], "bad.txt:2: byte 0x81 is neither UTF-8 nor cp1252"
    elif case == "unknown-format":
        args, expect = base + ["--train", files["train"], "--format", "xml"], "unknown format 'xml'"
    elif case == "unknown-tokenizer":
        args, expect = base + ["--train", files["train"], "--tokenizer", "bpe"] + jsonl, "unknown tokenizer 'bpe'"
    elif case == "unknown-dataset":
        args, expect = base + ["--dataset", "imdb"], "unknown dataset 'imdb'; choose from"
    elif case == "dataset-and-files":
        args, expect = base + ["--dataset", "sst2", "--train", files["train"]], "either --dataset NAME or --train"
    else:
        args, expect = ["predict", tmp_path / "m.pt"], "give texts as arguments or --file"
    code, out, err = run(args, capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and expect in err, err
    assert not (tmp_path / "m.pt").exists()


def test_predict_refuses_a_missing_checkpoint_and_a_model_without_vocab(tmp_path, capsys):
    code, _, err = run(["predict", tmp_path / "none.pt", "x"], capsys)
    assert code == 2 and "no such checkpoint file" in err
    code, _, err = run(["train", "--model", "bow", "--dataset", "seed-bigram", "--epochs", "1", "--threads", "1",
                        "--device", "cpu", "--out", tmp_path / "ids.pt"], capsys)
    assert code == 0, err
    code, _, err = run(["predict", tmp_path / "ids.pt", "x"], capsys)
    assert code == 2 and "no vocabulary" in err


def test_missing_named_dataset_is_one_line(tmp_path, capsys):
    code, out, err = run(["train", "--model", "bow", "--dataset", "mr", "--data-dir", tmp_path], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "dataset 'mr' not found" in err and str(tmp_path) in err and "seqarena data download mr" in err


def test_cp1252_file_warns_in_one_stderr_line(tmp_path, capsys):
    d = tmp_path / "classes"
    d.mkdir()
    (d / "pos.txt").write_bytes("caf\u00e9 au lait \u2014 lovely\ngood\n".encode("cp1252"))
    (d / "neg.txt").write_bytes(b"bad\nawful\n")
    code, out, err = run(["train", "--model", "bow", "--train", d, "--format", "per-class", "--epochs", "1",
                          "--threads", "1", "--device", "cpu", "--out", tmp_path / "m.pt", "--json"], capsys)
    assert code == 0, err
    warned = [line for line in err.splitlines() if "warning" in line and "UTF-8" in line]
    assert len(warned) == 1 and "pos.txt: not valid UTF-8" in warned[0] and "cp1252" in warned[0]
    assert sum("no held-out score" in line for line in err.splitlines()) == 1  # no test split: said once
    assert json.loads(out)["n_train"] == 4
