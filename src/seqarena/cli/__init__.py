"""Command-line interface: parses flags, calls the layers, prints. The only module that knows the terminal.

Every failure caused by bad input is one line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import sys

import typer

from seqarena.cli.common import fail
from seqarena.cli.compare import compare
from seqarena.cli.data import data_app
from seqarena.cli.evaluate import evaluate
from seqarena.cli.export import export
from seqarena.cli.serve import serve
from seqarena.cli.predict import predict
from seqarena.cli.train import train
from seqarena.cli.report import recommend_command, report
from seqarena.cli.names import names_app
from seqarena.cli.gradients import gradients
from seqarena.cli.probe import probe
from seqarena.cli.scale import scale
from seqarena.cli.theory import theory
from seqarena.errors import InputError

app = typer.Typer(
    name="seqarena",
    help="Compare sequence architectures (RNN, GRU, LSTM, CNN, hybrids, Transformers, baselines) "
    "by measurement: accuracy, cost and behaviour side by side.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _root() -> None:
    """Compare sequence architectures by measurement. Run `seqarena COMMAND --help` for each command."""


app.command()(compare)
app.add_typer(data_app, name="data")
app.command()(train)
app.command()(predict)
app.command()(evaluate)
app.command()(export)
app.command()(serve)
app.command()(report)
app.command("recommend")(recommend_command)
app.add_typer(names_app, name="names")
app.command()(theory)
app.command()(probe)
app.command()(scale)
app.command()(gradients)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the app, turning bad input into one line and exit code 2."""
    code: object = 0
    try:
        code = app(args=argv, prog_name="seqarena", standalone_mode=False)
    except InputError as e:
        fail(str(e))
    except typer.TyperException as e:  # typer's usage errors (bad flag, bad value): exit_code 2
        if type(e).__name__ == "NoArgsIsHelpError":
            ctx = getattr(e, "ctx", None)
            print(ctx.get_help() if ctx else e.format_message())
            sys.exit(0)
        ctx = getattr(e, "ctx", None)
        where = f"{ctx.command_path}: " if ctx is not None else ""
        fail(where + e.format_message().replace("\n", " "))
    except (typer.Abort, KeyboardInterrupt):
        print("seqarena: interrupted", file=sys.stderr)
        code = 130
    except typer.Exit as e:
        code = e.exit_code
    sys.exit(code if isinstance(code, int) else 0)
