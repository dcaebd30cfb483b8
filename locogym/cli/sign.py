"""``locogym sign``: a lab's signature over a run folder (see :mod:`locogym.harness.signing`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()


def register(app: typer.Typer) -> None:
    """Add the ``sign`` command group to the ``locogym`` command."""
    group = typer.Typer(name="sign", help="Sign run folders with a lab's Ed25519 key; `locogym score --verify` "
                                          "checks the signature.", no_args_is_help=True)

    @group.command("keygen")
    def keygen_command(
        path: Annotated[Path, typer.Argument(help="Where to write the private key; the public key goes to PATH.pub.")],
    ) -> None:
        """Make a signing key pair. Keep the private key secret; publish the .pub file with your results."""
        from locogym.harness.signing import keygen

        private, public = keygen(path)
        console.print(f"private key: {private} (keep it secret) · public key: {public} (publish it)")

    @group.command("run")
    def run_command(
        run_dir: Annotated[Path, typer.Argument(help="A tournament's run folder (its --out), after it has run.")],
        key: Annotated[Path, typer.Option(help="The private key from `locogym sign keygen`.")],
    ) -> None:
        """Sign the run's sealed plan and every row as they are now (sign again after resuming a run)."""
        from locogym.harness.signing import sign_run

        console.print(f"signed: {sign_run(run_dir, key)}")

    app.add_typer(group)
