"""`seqarena run` (make run): the steps run in this process into one directory under one progress bar
over the whole run, and the answer is printed at the end."""

from __future__ import annotations

import json

import pytest

from seqarena.cli import common, default_run, main


def test_the_default_plan_fills_every_section(tmp_path):
    plan = default_run.steps(tmp_path, 3, False, "es")
    names = [n for n, _, _ in plan]
    assert names == ["compare", "theory", "probe", "scale", "gradients", "report"]
    compare = plan[0][1]
    assert compare[compare.index("--seeds") + 1] == "3" and compare[compare.index("--lang") + 1] == "es"
    assert all(str(tmp_path) in argv for _, argv, _ in plan)
    quick = dict((n, a) for n, a, _ in default_run.steps(tmp_path, 1, True, "en"))
    assert "--quick" in quick["probe"] and "--epochs" in quick["compare"]


def test_a_step_moves_the_whole_bar_by_its_share():
    with common.whole_run(10.0, "whole") as whole:
        whole.weight = 4.0
        with common.progress_bar() as bar:  # a command's own bar joins the whole run's display
            t = bar.add_task("step", total=8)
            bar.advance(t, 2)
            assert whole.progress.tasks[0].completed == pytest.approx(1.0)  # 4 x 2/8
            bar.update(t, completed=8)
            assert whole.progress.tasks[0].completed == pytest.approx(4.0)
        assert len(whole.progress.tasks) == 1  # the step's bar is gone with the step
    assert common._session is None


def test_run_runs_its_steps_into_one_directory(tmp_path, monkeypatch, capsys):
    out = tmp_path / "run"

    def tiny(o, seeds, quick, lang):
        o = str(o)
        return [("compare", ["compare", "--models", "bow", "--epochs", "1", "--seeds", str(seeds), "--jobs", "1",
                             "--threads", "1", "--out", o, "--lang", lang], 50.0),
                ("theory", ["theory", "--out", o], 5.0),
                ("report", ["report", o, "--lang", lang], 5.0)]

    monkeypatch.setattr(default_run, "steps", tiny)
    with pytest.raises(SystemExit) as e:
        main(["run", "--out", str(out), "--seeds", "2"])
    assert e.value.code == 0
    captured = capsys.readouterr()
    assert "Use bow on seed-bigram." in captured.out
    assert f"report: {out / 'report.html'}" in captured.err
    assert (out / "theory.json").is_file()
    rows = json.loads((out / "results.json").read_text())["rows"]
    assert sorted(r["seed"] for r in rows) == [0, 1]
    page = (out / "report.html").read_text()
    assert 'id="theory"' in page and 'id="results"' in page


def test_run_refuses_bad_flags_before_any_step(tmp_path, capsys):
    for argv, flag in ((["--seeds", "0"], "--seeds"), (["--lang", "fr"], "--lang")):
        with pytest.raises(SystemExit) as e:
            main(["run", "--out", str(tmp_path / "r"), *argv])
        assert e.value.code == 2 and flag in capsys.readouterr().err
    assert not (tmp_path / "r").exists()
