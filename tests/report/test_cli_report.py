"""`seqarena report` and `seqarena recommend` through the CLI: output, exit codes, one-line errors."""

from __future__ import annotations

import json

import pytest
from rowmaker import TOY, make_rows, write_results

from seqarena.cli import main


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as e:
        main(argv)
    out, err = capsys.readouterr()
    return e.value.code, out, err


def test_recommend_prints_choice_front_and_reason(results_only_run, capsys):
    code, out, _ = run(["recommend", str(results_only_run)], capsys)
    assert code == 0
    assert "→ textcnn ★" in out and "bow ★" in out and "gru ★" not in out
    assert "textcnn is recommended" in out


def test_recommend_json_under_constraints(results_only_run, capsys):
    code, out, _ = run(
        ["recommend", str(results_only_run), "--max-latency-ms", "0.95", "--max-params", "400000", "--json"],
        capsys,
    )
    assert code == 0
    d = json.loads(out)  # stdout is JSON only
    assert d["chosen"]["model"] == "textcnn"
    assert sorted(d["feasible"]) == ["bow", "gru", "textcnn"]
    assert set(d["rejected"]) == {"transformer"}
    assert sorted(d["front"]) == ["bow", "textcnn"]


def test_recommend_exit_1_when_nothing_fits(results_only_run, capsys):
    code, out, err = run(["recommend", str(results_only_run), "--max-latency-ms", "0.01"], capsys)
    assert code == 1
    assert "No measured model meets the constraints" in out
    assert err.strip() == "seqarena: no measured model meets the constraints"
    code, out, _ = run(["recommend", str(results_only_run), "--min-accuracy", "0.99", "--json"], capsys)
    assert code == 1 and json.loads(out)["chosen"] is None


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--max-latency-ms", "-1"], "--max-latency-ms must be"),
        (["--min-accuracy", "1.5"], "--min-accuracy must be a fraction"),
        (["--dataset", "nope"], "--dataset: 'nope' is not in this run"),
    ],
)
def test_recommend_bad_flags_exit_2(results_only_run, capsys, args, needle):
    code, out, err = run(["recommend", str(results_only_run), *args], capsys)
    assert code == 2 and out == ""
    assert needle in err and len(err.strip().splitlines()) == 1


def test_bad_run_dir_exit_2(tmp_path, capsys):
    for cmd in ("recommend", "report"):
        code, _, err = run([cmd, str(tmp_path / "missing")], capsys)
        assert code == 2 and "no such directory" in err and len(err.strip().splitlines()) == 1
    (tmp_path / "results.json").write_text("{broken")
    code, _, err = run(["recommend", str(tmp_path)], capsys)
    assert code == 2 and "results.json: not valid JSON" in err


def test_recommend_several_datasets_needs_dataset(tmp_path, capsys):
    rows = make_rows(TOY, dataset="a") + make_rows({"gru": TOY["gru"], "bow": TOY["bow"]}, dataset="b")
    d = write_results(tmp_path / "run", rows)
    code, _, err = run(["recommend", str(d)], capsys)
    assert code == 2 and "choose from ['a', 'b']" in err
    code, out, _ = run(["recommend", str(d), "--dataset", "b", "--json"], capsys)
    assert code == 0 and json.loads(out)["chosen"]["model"] == "gru"


def test_report_command_writes_both_files_and_prints_path(results_only_run, capsys):
    code, out, err = run(["report", str(results_only_run)], capsys)
    assert code == 0
    assert out.strip() == str(results_only_run / "report.html")
    assert (results_only_run / "report.html").is_file() and (results_only_run / "report.md").is_file()
    assert "report.md" in err
    code, _, err = run(["report", str(results_only_run), "--out", str(results_only_run / "r.md")], capsys)
    assert code == 2 and "--out" in err
