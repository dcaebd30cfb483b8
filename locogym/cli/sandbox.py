"""``locogym sandbox build|doctor|prune``: make the image, explain what works here, clean up leftovers."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

console = Console()


def register(app: typer.Typer) -> None:
    """Add the ``sandbox`` command group to the ``locogym`` command."""
    group = typer.Typer(name="sandbox", help="Sandbox backends: build the image, check the machine, clean up.",
                        no_args_is_help=True)

    @group.command("build")
    def build_command(
        force: Annotated[bool, typer.Option(help="Rebuild even when an image with the recipe's tag exists.")] = False,
        suite: Annotated[str | None, typer.Option(help="Debian suite (default: the host's, from apt sources).")]
        = None,
    ) -> None:
        """Build the sandbox image offline (debootstrap from the machine's Debian mirror + docker import)."""
        from locogym.sandboxes.image import build_image, find_mirror

        tag = build_image(force=force, mirror=find_mirror(suite=suite), log=lambda m: console.print(m))
        console.print(f"[green]ready:[/] {tag}")

    @group.command("doctor")
    def doctor_command() -> None:
        """Say which sandbox backends work on this machine, and why the others do not."""
        from locogym.sandboxes.doctor import run_checks

        checks = run_checks()
        table = Table(title="locogym sandbox backends")
        for column in ("backend", "status", "detail", "what to do"):
            table.add_column(column, overflow="fold")
        for check in checks:
            table.add_row(check.backend, "[green]ok[/]" if check.ok else "[red]unavailable[/]", check.message,
                          check.fix)
        console.print(table)
        picked = next((c.backend for c in checks if c.ok and c.backend in {"docker", "bwrap"}), None)
        console.print(f"sandbox='auto' picks: {picked or 'nothing (pass sandbox=local explicitly to run unisolated)'}")
        if picked is None:
            raise typer.Exit(1)

    @group.command("prune")
    def prune_command(
        all_: Annotated[bool, typer.Option("--all", help="Remove every sandbox container, also those of runs that "
                                                        "may still be going.")] = False,
    ) -> None:
        """Remove sandbox containers whose owning process has provably ended (a crashed or killed run's)."""
        from locogym.sandboxes.doctor import prune

        removed = prune(everything=all_)
        console.print(f"removed {len(removed)} container(s)" + "".join(f"\n  {escape(str(r))}" for r in removed))

    app.add_typer(group)
