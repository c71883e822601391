"""`seqarena compare --out DIR` writes DIR/report.html and DIR/report.md at the end of the run."""

from __future__ import annotations

import json

import pytest

from seqarena.cli import main


def test_compare_writes_report(tmp_path, capsys):
    out = tmp_path / "run"
    with pytest.raises(SystemExit) as e:
        main(
            [
                "compare",
                "--models",
                "bow",
                "--epochs",
                "1",
                "--jobs",
                "1",
                "--threads",
                "1",
                "--out",
                str(out),
                "--json",
            ]
        )
    assert e.value.code == 0
    stdout, stderr = capsys.readouterr()
    assert json.loads(stdout)[0]["model"] == "bow"  # --json: stdout stays JSON only
    assert f"report written to {out / 'report.html'}" in stderr
    html = (out / "report.html").read_text()
    assert 'id="results"' in html and ">bow<" in html and "<img" in html
    assert (out / "report.md").is_file()
