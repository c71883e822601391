"""`seqarena run`: the default run (`make run`). Seed 000's comparison over 3 seeds, the theory table, a
quick probe sweep, a quick scaling sweep and the gradient-flow measurements into one run directory,
then its report, so every section of the report holds measurements; one progress bar over the whole."""

from __future__ import annotations

from pathlib import Path

import typer

from seqarena.cli.common import check_min, err_console, out_console, whole_run
from seqarena.errors import InputError
from seqarena.report.i18n import LANGS, check_lang


def steps(out: Path, seeds: int, quick: bool, lang: str) -> list[tuple[str, list[str], float]]:
    """(name, the command's arguments, its share of the whole run's time). The shares follow the step
    times of one `seqarena run` on the 2-core machine (docs/report.md), so the whole bar's ETA means
    something."""
    o = str(out)
    compare = ["compare", "--seeds", str(seeds), "--out", o, "--lang", lang]
    scale = ["scale", "--lengths", "16,64" if quick else "16,64,256", "--batch-sizes", "1" if quick else "1,64",
             "--out", o]
    # a quick gradient flow (T = 128, brief training on 500 texts: 12 s against 3 min 6 s for the
    # command's defaults, measured side by side) and the hidden-size sweep without H = 1024
    gradients = ["gradients", "--seq-len", "128", "--n-train", "500", "--epochs", "2",
                 "--hiddens", "2,16" if quick else "2,16,128", "--out", o]
    return [
        ("compare", compare + (["--epochs", "3"] if quick else []), 58.0),
        ("theory", ["theory", "--out", o], 4.0),
        ("probe", ["probe", "--quick", "--out", o], 10.0),
        ("scale", scale, 20.0),
        ("gradients", gradients, 6.0),
        ("report", ["report", o, "--lang", lang], 2.0),
    ]


def run_command(
    out: Path = typer.Option(Path("runs/latest"), "--out", help="Run directory for every step's results and the report."),
    seeds: int = typer.Option(3, "--seeds", help="Seeds of the comparison (mean ± std, 95 % CI, paired tests)."),
    quick: bool = typer.Option(False, "--quick", help="A one-minute look: 1 seed, 3 epochs, a smaller scaling sweep."),
    lang: str = typer.Option("en", "--lang", help=f"Language of the report: {', '.join(LANGS)}."),
) -> None:
    """The default run: seed 000's comparison (gru, bilstm, textcnn, cnn_rnn, transformer and bow on
    the signal-bigram task), the theory table, a quick probe sweep, a quick scaling sweep and a quick
    gradient-flow measurement into one run directory, then its report, whose every section holds
    measurements. One progress bar over the whole run; each step resumes from what the directory
    already holds.

    Example: `seqarena run --out runs/latest` (what `make run` does); `seqarena run --quick --out runs/look`"""
    from seqarena.cli import app  # the commands themselves: run in this process, one after another

    check_min("--seeds", seeds, 1)
    check_lang(lang)
    if quick:
        seeds = 1
    plan = steps(out, seeds, quick, lang)
    quiet = out_console.quiet
    out_console.quiet = True  # each step's own tables: the report holds them all
    try:
        with whole_run(sum(w for _, _, w in plan), f"seqarena run: {len(plan)} steps") as whole:
            for i, (name, argv, weight) in enumerate(plan, 1):
                whole.weight = weight
                whole.progress.update(whole.task, description=f"seqarena run: step {i}/{len(plan)} ({name})")
                code = app(args=argv, prog_name="seqarena", standalone_mode=False)
                if isinstance(code, int) and code != 0:
                    raise InputError(f"seqarena run: step '{' '.join(argv)}' ended with exit code {code}")
                whole.done += weight
                whole.set_fraction(0.0)
    finally:
        out_console.quiet = quiet
    _print_answer(out, lang)


def _print_answer(out: Path, lang: str) -> None:
    """The report's answer, one line per dataset, and where the report is."""
    from seqarena.report import load_run
    from seqarena.report.document import answer

    for b in answer(load_run(out), lang).blocks[:-1]:  # the last block points to `recommend`
        if isinstance(b, str):
            out_console.print(b.replace("**", ""), markup=False, highlight=False, soft_wrap=True)
    err_console.print(f"report: {out / 'report.html'} (Markdown twin: {out / 'report.md'})",
                      markup=False, highlight=False, soft_wrap=True)
