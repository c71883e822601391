"""Command-line interface: parses flags, calls the layers, prints. The only module that knows the terminal.

Every failure caused by bad input is one line on stderr and exit code 2, never a traceback. Anything
else that goes wrong is a bug: one line `seqarena: internal error: ...; details in LOG` and exit code
1, the traceback written to a log file (`$SEQARENA_LOG_DIR`, else the user cache), never the terminal."""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

import typer

from seqarena.cli.common import fail
from seqarena.cli.compare import compare
from seqarena.cli.data import data_app
from seqarena.cli.default_run import run_command
from seqarena.cli.evaluate import evaluate
from seqarena.cli.export import export
from seqarena.cli.serve import serve
from seqarena.cli.gradients import gradients
from seqarena.cli.names import names_app
from seqarena.cli.predict import predict
from seqarena.cli.probe import probe
from seqarena.cli.report import recommend_command, report
from seqarena.cli.scale import scale
from seqarena.cli.theory import theory
from seqarena import __version__
from seqarena.cli.train import train
from seqarena.cli.tune import tune
from seqarena.errors import InputError

app = typer.Typer(
    name="seqarena",
    help="Compare sequence architectures (RNN, GRU, LSTM, CNN, hybrids, Transformers, baselines) "
    "by measurement: accuracy, cost and behaviour side by side.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"seqarena {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Compare sequence architectures by measurement. Run `seqarena COMMAND -h` for each command.

    Example: `seqarena compare --train reviews.csv --text-column body --label-column stars --out runs/reviews`"""


app.command("run")(run_command)
app.command()(compare)
app.command()(tune)
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
        path = ctx.command_path.split(" ", 1)[1] if ctx is not None and " " in ctx.command_path else ""
        where = f"{path}: " if path else ""  # `fail` already says "seqarena: error:"
        fail(where + e.format_message().replace("\n", " "))
    except (typer.Abort, KeyboardInterrupt):
        print("seqarena: interrupted", file=sys.stderr)
        code = 130
    except typer.Exit as e:
        code = e.exit_code
    except SystemExit:
        raise
    except Exception as e:  # noqa: BLE001 - a bug, not bad input: one line here, the traceback in a log
        log = write_crash_log(e, argv)
        print(f"seqarena: internal error: {type(e).__name__}: {_first_line(e)}; details in {log}", file=sys.stderr)
        code = 1
    sys.exit(code if isinstance(code, int) else 0)


def log_dir() -> Path:
    """Where crash logs go: $SEQARENA_LOG_DIR, else <user cache>/seqarena/logs."""
    if os.environ.get("SEQARENA_LOG_DIR"):
        return Path(os.environ["SEQARENA_LOG_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "seqarena" / "logs"


def write_crash_log(e: BaseException, argv: list[str] | None) -> Path | str:
    """Write the traceback, the command line and the version to a new log file; returns its path
    (or a note when no log could be written anywhere)."""
    from seqarena import __version__

    text = (f"seqarena {__version__}, python {sys.version.split()[0]}, pid {os.getpid()}\n"
            f"argv: {sys.argv[:1] + list(argv if argv is not None else sys.argv[1:])}\n\n"
            + "".join(traceback.format_exception(e)))
    name = f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    for d in (log_dir(), Path(tempfile.gettempdir())):
        try:
            d.mkdir(parents=True, exist_ok=True)
            path = d / name
            path.write_text(text, encoding="utf-8")
            return path
        except OSError:
            continue
    return "no log (no writable log directory)"


def _first_line(e: BaseException) -> str:
    lines = str(e).strip().splitlines()
    return lines[0][:300] if lines else "(no message)"
