"""A bug is not bad input: `cli.main` prints one line naming a log file, exits 1, and the traceback
goes to that file, never to the terminal."""

from __future__ import annotations

import sys

import pytest

from seqarena import cli


@pytest.mark.parametrize("exc", [RuntimeError("boom\nsecond line"), MemoryError(), KeyError("k")])
def test_an_unexpected_exception_is_one_line_and_a_log(exc, tmp_path, monkeypatch, capsys):
    theory = sys.modules["seqarena.cli.theory"]  # the module (seqarena.cli.theory is also the command)

    def broken(*a, **k):
        raise exc

    monkeypatch.setattr(theory, "theory_rows", broken)
    monkeypatch.setenv("SEQARENA_LOG_DIR", str(tmp_path / "logs"))
    with pytest.raises(SystemExit) as e:
        cli.main(["theory", "--models", "bow", "--seq-len", "8"])
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert e.value.code == 1 and out == ""
    assert len(lines) == 1 and lines[0].startswith(f"seqarena: internal error: {type(exc).__name__}"), err
    assert "Traceback" not in err
    logs = list((tmp_path / "logs").iterdir())
    assert len(logs) == 1 and str(logs[0]) in lines[0]
    text = logs[0].read_text()
    assert "Traceback" in text and "broken" in text and "theory" in text


def test_bad_input_never_reaches_the_handler(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SEQARENA_LOG_DIR", str(tmp_path / "logs"))
    with pytest.raises(SystemExit) as e:
        cli.main(["theory", "--seq-len", "0"])
    assert e.value.code == 2 and not (tmp_path / "logs").exists()
    assert capsys.readouterr().err.startswith("seqarena: error: --seq-len")
