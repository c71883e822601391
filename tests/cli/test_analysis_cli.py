"""The analysis commands in-process: --json prints only the envelope, --out writes the same file,
bad input is one line and exit code 2."""

import json

import pytest

from seqarena.cli import main


def run(argv, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


def envelope_ok(doc, kind):
    assert doc["kind"] == kind and doc["version"] == 1
    assert {"torch_version", "device", "threads"} <= set(doc["env"])
    assert doc["rows"] and all(isinstance(r, dict) for r in doc["rows"])
    for r in doc["rows"]:  # flat rows: no nested containers
        assert all(not isinstance(v, (dict, list)) for v in r.values())


def test_theory_json_and_out(tmp_path, capsys):
    code, out, _ = run(["theory", "--models", "gru,textcnn", "--seq-len", "32", "--json", "--out", str(tmp_path)],
                       capsys)
    assert code == 0
    doc = json.loads(out)
    envelope_ok(doc, "theory")
    assert [r["model"] for r in doc["rows"]] == ["gru", "textcnn"]
    assert json.loads((tmp_path / "theory.json").read_text()) == doc
    assert doc["table"][0]["dimension"] == "parallelism"


def test_theory_table_mode_prints_tables(capsys):
    code, out, _ = run(["theory", "--models", "bow", "--seq-len", "8"], capsys)
    assert code == 0 and "parallelism" in out and "bow" in out


def test_probe_quick_json(capsys):
    code, out, _ = run(["probe", "--quick", "--models", "bow", "--tasks", "order", "--threads", "1", "--json"], capsys)
    assert code == 0
    doc = json.loads(out)
    envelope_ok(doc, "probes")
    assert {r["difficulty"] for r in doc["rows"]} == {1, 8}
    assert doc["summary"][0]["probe"] == "order" and doc["table"][0]["dimension"] == "order"


def test_scale_json(capsys):
    code, out, _ = run(["scale", "--models", "bow", "--lengths", "8,16", "--batch-sizes", "2", "--device", "cpu",
                        "--repeats", "1", "--json"], capsys)
    assert code == 0
    doc = json.loads(out)
    envelope_ok(doc, "scaling")
    assert [(r["seq_len"], r["batch_size"]) for r in doc["rows"]] == [(8, 2), (16, 2)]
    assert len(doc["fits"]) == 3


def test_gradients_json(capsys):
    code, out, _ = run(["gradients", "--models", "gru", "--seq-len", "20", "--n-train", "8", "--epochs", "1",
                        "--hiddens", "2", "--sweep-steps", "2", "--json"], capsys)
    assert code == 0
    doc = json.loads(out)
    envelope_ok(doc, "gradients")
    assert len(doc["rows"]) == 2 * 20 and len(doc["summary"]) == 2 and doc["hidden_sweep"][0]["hidden"] == 2


@pytest.mark.parametrize("argv", [
    ["theory", "--models", "nope"],
    ["scale", "--lengths", "16,x"],
    ["scale", "--batch-sizes", "0"],
    ["probe", "--tasks", "ngram", "--difficulties", "2"],
    ["probe", "--tasks", "nope"],
    ["gradients", "--seq-len", "17"],
])
def test_bad_input_is_one_line_exit_2(argv, capsys):
    code, out, err = run(argv, capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("seqarena: error:")
