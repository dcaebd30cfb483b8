"""The ``locogym`` command: a thin layer over the harness."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from locogym.core.errors import ConfigError, LocoError

app = typer.Typer(name="locogym", help="An agentic long-context evaluation gym.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
console = Console()
err_console = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        import locogym

        console.print(f"locogym {locogym.__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Print the version and exit.")] = False) -> None:
    """An agentic long-context evaluation gym: codebases, multi-hop search and function calling."""


def parse_env_args(pairs: list[str], flag: str = "--env-arg", example: str = "corpus=synthetic") -> dict[str, Any]:
    """``KEY=VALUE`` pairs; a VALUE that parses as JSON (numbers, true, lists) is taken as that value."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{flag} {pair!r} is not KEY=VALUE.", fix=f"Write it like {flag} {example}.")
        try:
            out[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[key.strip()] = value
    return out


@app.command("envs")
def envs_command() -> None:
    """List the registered environments: ids, families, tools and reset options."""
    console.print(envs_table())


def envs_table() -> Table:
    """One row per env: its id whole (users copy it), then what it measures, its tools and its reset options, as
    wrapped lines that stay readable in an 80-column terminal."""
    import gymnasium as gym

    import locogym  # noqa: F401 - registers the environments
    from locogym.envs import ENVIRONMENTS
    from locogym.harness.runner import unwrap

    table = Table(title="locogym environments", show_lines=True)
    table.add_column("id", no_wrap=True)
    table.add_column("family · what it measures · tools · reset options", overflow="fold")
    for env_id, (_entry, family, summary) in ENVIRONMENTS.items():
        env = unwrap(gym.make(env_id, sandbox="fake"))  # construction is cheap: data loads happen in reset
        tools = ", ".join(env.toolset.names)
        options = ", ".join(sorted({"length", "task", "difficulty"} | set(env.option_names)))
        env.close()
        table.add_row(env_id, f"[bold]{family}[/]: {escape(summary)}\n[dim]tools:[/] {tools}\n"
                              f"[dim]options:[/] {options}")
    return table


@app.command("run")
def run_command(
    env_id: Annotated[str, typer.Argument(help="Environment id, e.g. LoCo-Repo-v0 (see `locogym envs`).")],
    agent: Annotated[str, typer.Option(help="Agent: noop, random, oracle, heuristic, or PROVIDER/MODEL.")] = "oracle",
    seed: Annotated[int, typer.Option(min=0, help="Task seed (0 or more): the same seed and options give the same "
                                                  "task.")] = 0,
    length: Annotated[str | None, typer.Option(help='Target context length in tokens, e.g. 8k, 32k, 1m.')] = None,
    task: Annotated[str | None, typer.Option(help="Task kind of the family (e.g. qa, multisession).")] = None,
    difficulty: Annotated[str | None, typer.Option(help="Task difficulty: easy, medium (the default) or hard.")] = None,
    sandbox: Annotated[str | None, typer.Option(help="Sandbox backend: auto, docker, bwrap, local, fake.")] = None,
    env_arg: Annotated[list[str] | None, typer.Option("--env-arg", help="Family argument KEY=VALUE (repeatable).")] = None,
    base_url: Annotated[str | None, typer.Option(help="Base URL of the model's server (model agents only).")] = None,
    agent_arg: Annotated[list[str] | None, typer.Option("--agent-arg", help="Model agent setting KEY=VALUE "
                                                                         "(repeatable), e.g. tool_choice=required "
                                                                         "or context_window=8192.")] = None,
    max_steps: Annotated[int | None, typer.Option(help="Step budget of the episode.")] = None,
    out: Annotated[Path, typer.Option(help="Folder for the trajectory file.")] = Path("runs/single"),
) -> None:
    """Run one episode with a live view of every step, and write its trajectory."""
    import gymnasium as gym

    import locogym
    from locogym.harness.live import StepPrinter
    from locogym.harness.runner import trajectory_file_name

    kwargs = parse_env_args(env_arg or [])
    if sandbox is not None:
        kwargs["sandbox"] = sandbox
    if max_steps is not None:
        kwargs["max_steps"] = max_steps
    options: dict[str, Any] = {}
    if length is not None:
        options["length"] = length
    if task is not None:
        options["task"] = task
    if difficulty is not None:
        options["difficulty"] = difficulty
    _require_registered(env_id)
    agent_kwargs = parse_env_args(agent_arg or [], flag="--agent-arg", example="tool_choice=required")
    if base_url:
        agent_kwargs["base_url"] = base_url
    the_agent = locogym.make_agent(agent, **agent_kwargs)
    env = gym.make(env_id, **kwargs)
    path = out / "trajectories" / trajectory_file_name(env_id, the_agent.name, the_agent.settings, seed, options)
    try:
        traj = locogym.run_episode(env, the_agent, seed=seed, options=options, trajectory_path=path,
                                   listeners=[StepPrinter(console)])
    finally:
        env.close()
    assert traj.score is not None
    if traj.termination == "error":
        # A provider failure (no key, rejected request, retries used up) is not the model's answer: no score is
        # printed, only the cause; exit 1.
        console.print(f"[bold red]errored[/] after {len(traj.steps)} steps (not scored); trajectory: {path}")
        for event in traj.events:
            if event.get("kind") == "provider_error":
                fix = f" Fix: {event['fix']}" if event.get("fix") else ""
                err_console.print(f"[red]error:[/] {escape(str(event.get('message', '')) + fix)}")
        raise typer.Exit(1)
    console.print(f"[bold]{traj.termination}[/]: success {traj.score.success:.3f} ({traj.score.outcome}); "
                  f"{len(traj.steps)} steps; trajectory: {path}")


def _require_registered(env_id: str) -> None:
    """Fail with the list of ids (not Gymnasium's traceback) when ``env_id`` is not registered."""
    import gymnasium as gym

    import locogym  # noqa: F401 - registers the environments
    from locogym.envs import ENV_IDS

    if env_id not in gym.registry:
        raise ConfigError(f"Unknown environment {env_id!r}.",
                          fix=f"Use one of {', '.join(ENV_IDS)} (see `locogym envs`).")


@app.command("replay")
def replay_command(
    trajectory: Annotated[Path, typer.Argument(help="A trajectory file (JSON lines) written by locogym.")],
    sandbox: Annotated[str | None, typer.Option(help="Override the recorded sandbox backend.")] = None,
) -> None:
    """Re-run a recorded episode's actions and check every observation matches the recording."""
    from locogym.harness.replay import replay

    report = replay(trajectory, sandbox=sandbox)
    if report.ok:
        console.print(f"[green]replay ok[/]: {report.steps} steps match; success recorded "
                      f"{report.success_recorded} replayed {report.success_replayed}")
        return
    if not report.content_hash_matches:
        err_console.print("[red]the task generated now differs from the recorded one (content_hash)[/]")
    for mismatch in report.mismatches[:10]:
        err_console.print(f"[red]step {mismatch['step']} differs[/]\n  recorded: {mismatch['recorded'][:200]!r}\n"
                          f"  replayed: {mismatch['replayed'][:200]!r}")
    raise typer.Exit(1)


# Command groups that live with their part of the package: each module defines ``register(app)``.
_COMMAND_GROUPS: tuple[str, ...] = (
    "locogym.harness.commands",
    "locogym.harness.arena_commands",
    "locogym.sandboxes.commands",
)
for _module in _COMMAND_GROUPS:
    importlib.import_module(_module).register(app)


def main() -> None:
    try:
        app()
    except LocoError as exc:
        err_console.print(f"[red]error:[/] {exc}")
        sys.exit(2)
