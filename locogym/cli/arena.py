"""``locogym arena patch|review``: the CI arenas on the command line (thin over :mod:`locogym.harness.arena`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from locogym.core import tokens

if TYPE_CHECKING:  # the arena (and the report code it pulls in) loads when an arena runs, not at every command
    from locogym.harness.arena import ArenaKind

arena_app = typer.Typer(name="arena", help="Patch and review arenas on your own repository (for CI).",
                        no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)

RepoOpt = Annotated[Path, typer.Option("--repo", help="The repository's work tree (defects go in at HEAD).")]
AgentsOpt = Annotated[str, typer.Option("--agents", help="Comma-separated agents: oracle, noop, openai/gpt-4o, ...")]
DefectsOpt = Annotated[int | None, typer.Option("--defects", help="Number of tasks (one seed each; default 3 "
                                                                     "or `tasks` in locogym.toml).")]
PerTaskOpt = Annotated[int | None, typer.Option("--per-task", help="Defects combined in each task (default 1).")]
MinScoreOpt = Annotated[float | None, typer.Option("--min-score", help="Exit 1 when an agent's mean score is "
                                                                       "below this.")]
OutOpt = Annotated[Path | None, typer.Option("--out", help="Run folder (default runs/arena-KIND).")]
SandboxOpt = Annotated[str | None, typer.Option("--sandbox", help="auto, docker, bwrap or local (default: "
                                                                  "locogym.toml, else auto).")]
LengthOpt = Annotated[str, typer.Option("--length", help="Target length of review diffs, e.g. 16k.")]
CacheOpt = Annotated[Path | None, typer.Option("--cache-dir", help="Test-run cache folder (keep it between CI runs).")]


def _run(kind: ArenaKind, repo: Path, agents: str, defects: int | None, per_task: int | None,
         min_score: float | None, out: Path | None, sandbox: str | None, length: str, cache_dir: Path | None) -> None:
    from locogym.harness.arena import load_spec, run_arena

    spec = load_spec(kind, repo, agents.split(","), tasks=defects, defects_per_task=per_task, min_score=min_score,
                     out=out, sandbox=sandbox, length=tokens.parse_length(length), cache_dir=cache_dir)
    outcome = run_arena(spec, console=err_console)
    console.print(outcome.files["summary"].read_text(encoding="utf-8"), markup=False, highlight=False)
    for name, path in outcome.files.items():
        err_console.print(f"{name}: {path}")
    if outcome.exit_code:
        reason = (f"{outcome.errored} episode(s) errored" if outcome.errored
                  else f"below --min-score: {', '.join(outcome.failing_agents)}")
        err_console.print(f"[red]arena failed[/]: {reason}")
    raise typer.Exit(outcome.exit_code)


@arena_app.command("patch")
def patch_command(repo: RepoOpt, agents: AgentsOpt, defects: DefectsOpt = None, per_task: PerTaskOpt = None,
                  min_score: MinScoreOpt = None, out: OutOpt = None, sandbox: SandboxOpt = None,
                  length: LengthOpt = "16k", cache_dir: CacheOpt = None) -> None:
    """Inject validated defects into the repository and grade each agent's fixes by the project's own tests."""
    _run("patch", repo, agents, defects, per_task, min_score, out, sandbox, length, cache_dir)


@arena_app.command("review")
def review_command(repo: RepoOpt, agents: AgentsOpt, defects: DefectsOpt = None, per_task: PerTaskOpt = None,
                   min_score: MinScoreOpt = None, out: OutOpt = None, sandbox: SandboxOpt = None,
                   length: LengthOpt = "16k", cache_dir: CacheOpt = None) -> None:
    """Hide validated defects in long diffs of benign refactors and grade each agent's review findings."""
    _run("review", repo, agents, defects, per_task, min_score, out, sandbox, length, cache_dir)


def register(app: typer.Typer) -> None:
    app.add_typer(arena_app, name="arena")
