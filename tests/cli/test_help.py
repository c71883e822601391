"""Every command's help (`-h` as well as `--help`) shows an example command line, whatever commands
are added."""

from __future__ import annotations

import click
import typer

from seqarena.cli import app


def _commands(group: click.Group, ctx: click.Context, path: tuple[str, ...] = ()):
    for name, cmd in group.commands.items():
        sub = click.Context(cmd, info_name=name, parent=ctx)
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, sub, path + (name,))
        else:
            yield path + (name,), cmd, sub


def test_every_command_has_an_example_in_its_help():
    root = typer.main.get_command(app)
    ctx = click.Context(root, info_name="seqarena")
    found = list(_commands(root, ctx))
    assert len(found) >= 15  # the scan sees the commands
    missing = [" ".join(p) for p, cmd, sub in found if "`seqarena " not in cmd.get_help(sub).replace("\n", " ")]
    assert missing == []


def test_dash_h_is_help(capsys):
    import pytest

    from seqarena.cli import main

    for argv in (["-h"], ["run", "-h"], ["names", "-h"]):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 0 and "Usage: seqarena" in capsys.readouterr().out
