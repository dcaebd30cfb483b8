"""``locogym salt``: make a seed salt strong enough to keep a run's tasks secret."""

from __future__ import annotations

import typer
from rich.console import Console


def register(app: typer.Typer) -> None:
    """Add the ``salt`` command group to the ``locogym`` command."""
    group = typer.Typer(name="salt", help="Seed salts: secret tasks that only the salt's holder can regenerate.",
                        no_args_is_help=True)

    @group.command("new")
    def new_command() -> None:
        """Print a random salt (256 bits). Keep it secret, e.g. export LOCOGYM_SEED_SALT=..., and keep a copy:
        without it a salted run can neither be resumed nor re-graded."""
        from locogym.core.salt import new_salt

        Console(soft_wrap=True).print(new_salt(), highlight=False)

    app.add_typer(group)
