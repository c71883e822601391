"""`seqarena data list`: presence, sizes and protocol per dataset; a broken dataset does not hide the rest."""

from __future__ import annotations

import json

import pytest

from seqarena.cli import main


def run(args, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as e:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return e.value.code, out, err


def fake_sst2(root, train="1 good film\n0 bad film\n1 great\n"):
    d = root / "classification" / "sst2"
    d.mkdir(parents=True)
    (d / "stsa.binary.train").write_text(train)
    (d / "stsa.binary.dev").write_text("0 awful\n")
    (d / "stsa.binary.test").write_text("1 good\n0 bad\n")


def test_list_reports_presence_sizes_and_protocol(tmp_path, monkeypatch, capsys):
    fake_sst2(tmp_path)
    monkeypatch.setenv("SEQARENA_DATA", str(tmp_path))
    code, out, _ = run(["data", "list", "--json"], capsys)
    assert code == 0
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["sst2"]["present"] and rows["sst2"]["where"] == str(tmp_path)
    assert (rows["sst2"]["train"], rows["sst2"]["dev"], rows["sst2"]["test"]) == (3, 1, 2)
    assert rows["sst2"]["protocol"] == "given" and rows["sst2"]["classes"] == ["negative", "positive"]
    assert not rows["mr"]["present"] and not rows["subj"]["present"]
    assert rows["seed-bigram"]["where"] == "built in" and rows["seed-bigram"]["train"] == 4000


def test_a_broken_dataset_is_reported_not_fatal(tmp_path, capsys):
    fake_sst2(tmp_path, train="1 good film\n0\n0 bad\n")
    code, out, _ = run(["data", "list", "--json", "--data-dir", tmp_path], capsys)
    assert code == 0
    rows = {r["name"]: r for r in json.loads(out)}
    assert "stsa.binary.train:2: no text after the label" in rows["sst2"]["error"]
    assert rows["seed-bigram"]["train"] == 4000
    code, out, _ = run(["data", "list", "--data-dir", tmp_path], capsys)
    assert code == 0 and "no text after the label" in out
