"""The HTML report and its Markdown twin: every section present with data, notes without it, nothing
external, tolerant reading of analysis files."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from rowmaker import FIXTURES, TOY, make_rows, write_results

from seqarena.errors import InputError
from seqarena.report import write_report
from seqarena.run.store import ResultsStore

SECTIONS = (
    "answer",
    "overview",
    "results",
    "per-class",
    "learning-curves",
    "accuracy-cost",
    "scaling",
    "gradient-flow",
    "theory",
    "probes",
    "recommendation",
)


def sections(html: str) -> dict[str, str]:
    """section id -> its HTML."""
    return dict(re.findall(r'<section id="([^"]+)">(.*?)</section>', html, flags=re.DOTALL))


def test_every_section_present_with_its_content(full_report):
    _d, html, _ = full_report
    s = sections(html)
    assert tuple(s) == SECTIONS
    for sid, body in s.items():
        assert "in this run directory" not in body, f"section {sid} claims its data is missing"
    # each section shows its own data: tables and figures
    assert s["results"].count("<tr>") == 1 + len(TOY) and "95 % CI" in s["results"] and "p = " in s["results"]
    assert s["learning-curves"].count("<img") == 1
    assert s["accuracy-cost"].count("<img") == 2
    assert s["scaling"].count("<img") == 4  # train step, latency, throughput, peak memory
    assert s["gradient-flow"].count("<img") == 2 and "first / last" in s["gradient-flow"]  # init, trained
    theory = json.loads((FIXTURES / "theory.json").read_text())["rows"]
    assert "flops per token" in s["theory"] and all(r["model"] in s["theory"] for r in theory)
    probes = json.loads((FIXTURES / "probes.json").read_text())
    n_probes = len({r["probe"] for r in probes["rows"]})
    assert s["probes"].count("<img") == n_probes and "probe = longrange" in s["probes"]  # one plot per probe
    assert "comparison table, measured" in s["probes"] and "comparison table, computed" in s["theory"]
    assert "textcnn is recommended" in s["recommendation"]


def test_results_table_marks_significance(full_report):
    _, html, _ = full_report
    rows = re.findall(r"<tr>(.*?)</tr>", sections(html)["results"], flags=re.DOTALL)
    best = next(r for r in rows if ">textcnn<" in r)
    bow = next(r for r in rows if ">bow<" in r)
    assert ">best<" in best
    assert "(significant)" in bow  # 0.81 vs 0.958 on every seed


def test_html_is_self_contained(full_report):
    _, html, _ = full_report
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?\s*(?:https?:|//)", html, flags=re.IGNORECASE)
    assert "http://" not in html and "https://" not in html
    assert all(src.startswith("data:image/png;base64,") for src in re.findall(r'src="([^"]*)"', html))
    assert all(h.startswith("#") for h in re.findall(r'href="([^"]*)"', html))
    assert "<script" not in html and "<link" not in html
    assert '<meta name="viewport"' in html


def test_markdown_twin(full_report):
    d, html, md = full_report
    for sid in SECTIONS:
        assert f'<a id="{sid}"></a>' in md
    for title in re.findall(r"<h2>([^<]+)</h2>", html):
        assert f"## {title}" in md
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert len(images) == html.count("<img")
    for rel in images:
        assert (d / rel).read_bytes().startswith(b"\x89PNG")
    assert "| textcnn |" in md


def test_sections_without_data_collapse_into_one_line(results_only_run):
    html = write_report(results_only_run)[0].read_text()
    s = sections(html)
    absent = ("scaling", "gradient-flow", "theory", "probes")
    assert tuple(s) == tuple(x for x in SECTIONS if x not in absent) + ("not-measured",)
    line = s["not-measured"]
    assert line.count("<p>") == 1  # one line, naming each missing section and the command that fills it
    for title, command in (("Scaling", "seqarena scale"), ("Gradient flow", "seqarena gradients"),
                           ("Theory", "seqarena theory"), ("Probes", "seqarena probe")):
        assert title in line and command in line
    assert "<img" in s["learning-curves"]


def test_reads_the_sqlite_store_when_json_is_absent(tmp_path):
    store = ResultsStore(tmp_path / "results.sqlite")
    for r in make_rows(TOY):
        store.put(r)
    store.close()
    html = write_report(tmp_path, tmp_path / "out" / "mine.html")[0]
    assert html == tmp_path / "out" / "mine.html"
    assert (tmp_path / "out" / "mine.md").is_file() and list((tmp_path / "out" / "mine_files").glob("*.png"))
    assert "results.sqlite" in html.read_text()


def test_tolerant_analysis_reading(tmp_path):
    d = write_results(tmp_path / "run", make_rows(TOY))
    (d / "theory.json").write_text(
        json.dumps({"kind": "theory", "rows": [{"model": "gru", "new_column": 3.5}]})
    )
    (d / "probes.json").write_text(json.dumps({"rows": [{"model": "gru", "task": "count", "score": 0.7}]}))
    (d / "scaling.json").write_text("{not json")
    (d / "gradients.json").write_text(json.dumps({"rows": "nope"}))
    s = sections(write_report(d)[0].read_text())
    assert "new column" in s["theory"] and "3.5" in s["theory"]
    assert "score" in s["probes"] and "0.7" in s["probes"]  # unknown probe schema: a plain table
    assert "scaling.json: skipped, not valid JSON" in s["overview"]
    assert "gradients.json: skipped" in s["overview"]


def test_bad_run_directory_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such directory"):
        write_report(tmp_path / "missing")
    with pytest.raises(InputError, match="nothing to report"):
        write_report(tmp_path)
    (tmp_path / "results.json").write_text("[1, 2")
    with pytest.raises(InputError, match="results.json: not valid JSON"):
        write_report(tmp_path)


def test_analyses_without_results(tmp_path):
    shutil.copy(FIXTURES / "theory.json", tmp_path / "theory.json")
    s = sections(write_report(tmp_path)[0].read_text())
    assert "results" not in s and "recommendation" not in s
    assert "Results, Per-class results, Learning curves, Accuracy against cost, Recommendation " \
        "(<code>seqarena compare --out DIR</code>)" in s["not-measured"]
    assert "Nothing measured to recommend from yet" in s["answer"]
    assert "flops per token" in s["theory"]


def test_figure_names_are_safe_file_names(tmp_path):
    d = write_results(tmp_path / "run", make_rows({"a": {}, "b": {}}, dataset="my data/v1"))
    md = write_report(d)[1].read_text()
    assert "](report_files/learning-my-data-v1.png)" in md
    assert (d / "report_files" / "learning-my-data-v1.png").is_file()


def test_matplotlib_is_imported_only_when_plotting():
    import subprocess
    import sys

    code = "import sys, seqarena.cli, seqarena.report.document; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
    src = Path(__file__).parents[2] / "src" / "seqarena"
    importers = [
        p.name
        for p in src.rglob("*.py")
        if re.search(r"^\s*(from|import) matplotlib", p.read_text(), re.MULTILINE)
    ]
    assert importers == ["plots.py"]


def test_mixed_analysis_rows(tmp_path):
    d = write_results(tmp_path / "run", make_rows(TOY))
    grads = [{"model": "gru", "phase": "init", "position": t, "grad_norm": 0.1 * (t + 1)} for t in range(4)]
    grads.append(
        {"model": "char-gru", "d_hidden": 128, "loss": 2.1, "time_s": 3.0}
    )  # a hidden-size sweep row
    (d / "gradients.json").write_text(json.dumps({"rows": grads}))
    s = sections(write_report(d)[0].read_text())["gradient-flow"]
    assert "first / last" in s and "<img" in s  # the flow rows: summary and plot
    assert "d hidden" in s and "char-gru" in s  # the other rows: as they come


def test_tick_labels_are_short():
    from seqarena.report.plots import tick_label

    assert [tick_label(v) for v in (0.332194512, 12000.0, 2.5e-05, 0, 1.0, 250.0)] == \
        ["0.332", "12,000", "2.5e-05", "0", "1", "250"]
