"""The ``locogym`` typer application: the root options and the command groups, each from its own module."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from locogym.cli import arena, episodes, retrieval, salt, sandbox, sign, tasks, tournament
from locogym.cli.help import HumaneGroup
from locogym.core.errors import LocoError
from locogym.core.version import package_version

app = typer.Typer(name="locogym", help="An agentic long-context evaluation gym.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False, cls=HumaneGroup)
err_console = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        Console().print(f"locogym {package_version()}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Print the version and exit.")] = False) -> None:
    """An agentic long-context evaluation gym: codebases, multi-hop search and function calling."""


for _group in (episodes, tournament, retrieval, arena, sandbox, salt, sign, tasks):
    _group.register(app)


def main() -> None:
    try:
        app()
    except LocoError as exc:
        err_console.print(f"[red]error:[/] {exc}")
        sys.exit(2)
