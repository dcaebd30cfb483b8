"""``locogym envs``, ``locogym run`` and ``locogym replay``: one environment, one episode at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from locogym.cli.args import parse_env_args
from locogym.core.errors import ConfigError

console = Console()
err_console = Console(stderr=True)


def envs_command(
    env_id: Annotated[str | None, typer.Argument(help="Show one environment's family arguments, with their "
                                                      "defaults and choices.")] = None,
) -> None:
    """List the registered environments: ids, families, tools and reset options (one env: its arguments too)."""
    if env_id is None:
        console.print(envs_table())
        return
    _require_registered(env_id)
    console.print(arguments_table(env_id))


def arguments_table(env_id: str) -> Table:
    """A family's ``gym.make`` arguments (also ``--env-arg KEY=VALUE``) with defaults and choices."""
    from locogym.cli.family_args import family_arguments
    from locogym.envs import docs_page, env_class

    cls = env_class(env_id)
    table = Table(title=f"{env_id} · {cls.family}: {escape(cls.summary)}", expand=True, caption=(
        "Pass them to gym.make, or as --env-arg KEY=VALUE; every env also takes sandbox, max_steps, "
        f"max_context_tokens and max_wall_time_s. More in {docs_page(cls)}"))
    for column in ("argument", "default", "choices"):
        table.add_column(column, overflow="fold")
    arguments = family_arguments(cls)
    for argument in arguments:
        table.add_row(argument.name, escape(repr(argument.default)),
                      escape(", ".join(str(c) for c in argument.choices)) or "–")
    if not arguments:
        table.add_row("(none)", "", "")
    return table


def envs_table() -> Table:
    """One row per env: its id whole (users copy it), then what it measures, its tools and its reset options, as
    wrapped lines that stay readable in an 80-column terminal."""
    import gymnasium as gym

    from locogym.envs import docs_page, families
    from locogym.envs.base import RESERVED_OPTIONS
    from locogym.harness.runner import unwrap

    table = Table(title="locogym environments", show_lines=True)
    table.add_column("id", no_wrap=True)
    table.add_column("family · what it measures · tools · reset options", overflow="fold")
    for env_id, cls in families().items():
        env = unwrap(gym.make(env_id, sandbox="fake"))  # construction is cheap: data loads happen in reset
        tools = ", ".join(env.toolset.names)
        options = ", ".join(sorted(RESERVED_OPTIONS | set(env.option_names)))
        env.close()
        table.add_row(env_id, f"[bold]{cls.family}[/]: {escape(cls.summary)}\n[dim]tools:[/] {tools}\n"
                              f"[dim]options:[/] {options}\n[dim]page:[/] {docs_page(cls)}")
    return table


def run_command(
    env_id: Annotated[str, typer.Argument(help="Environment id, e.g. LoCo-Repo-v0 (see `locogym envs`).")],
    agent: Annotated[str, typer.Option(
        help="Agent: noop, random, oracle, heuristic, grep, abstain, or PROVIDER/MODEL.")] = "oracle",
    seed: Annotated[int, typer.Option(min=0, help="Task seed (0 or more): the same seed and options give the same "
                                                  "task.")] = 0,
    length: Annotated[str | None, typer.Option(help='Target context length in tokens, e.g. 8k, 32k, 1m.')] = None,
    task: Annotated[str | None, typer.Option(help="Task kind of the family (e.g. qa, multisession).")] = None,
    difficulty: Annotated[str | None, typer.Option(help="Task difficulty: easy, medium (the default) or hard.")] = None,
    depth: Annotated[str | None, typer.Option(help="Where the evidence sits in the context: start, middle, end or a "
                                                   "fraction from 0 to 1 (default: drawn from the seed).")] = None,
    sandbox: Annotated[str | None, typer.Option(help="Sandbox backend: auto, docker, bwrap, local, fake.")] = None,
    env_arg: Annotated[list[str] | None, typer.Option("--env-arg", help="Family argument KEY=VALUE "
                                                                        "(repeatable).")] = None,
    base_url: Annotated[str | None, typer.Option(help="Base URL of the model's server (model agents only).")] = None,
    agent_arg: Annotated[list[str] | None, typer.Option("--agent-arg", help="Model agent setting KEY=VALUE "
                                                                         "(repeatable), e.g. tool_choice=required "
                                                                         "or context_window=8192.")] = None,
    max_steps: Annotated[int | None, typer.Option(help="Step budget of the episode.")] = None,
    out: Annotated[Path, typer.Option(help="Folder for the trajectory file.")] = Path("runs/single"),
    seed_salt: Annotated[str | None, typer.Option(help="Secret mixed into task generation "
                                                       "(default: $LOCOGYM_SEED_SALT).")] = None,
    trials: Annotated[int, typer.Option(min=1, help="Independent attempts at the same task; agents that take a "
                                                    "seed get a different one each time.")] = 1,
    overwrite: Annotated[bool, typer.Option(help="Replace the trajectory of an earlier run of the same episode "
                                                 "(by default a new file NAME__runN.jsonl is written beside it).")]
    = False,
) -> None:
    """Run one episode (or TRIALS attempts at it) with a live view of every step, and write its trajectories."""
    from locogym.harness.keys import require_keys
    from locogym.harness.schedule import AgentEntry

    kwargs = parse_env_args(env_arg or [])
    if sandbox is not None:
        kwargs["sandbox"] = sandbox
    if max_steps is not None:
        kwargs["max_steps"] = max_steps
    if seed_salt is not None:
        kwargs["seed_salt"] = seed_salt
    options: dict[str, Any] = {}
    if length is not None:
        options["length"] = length
    if task is not None:
        options["task"] = task
    if difficulty is not None:
        options["difficulty"] = difficulty
    if depth is not None:
        options["depth"] = depth
    _require_registered(env_id)
    agent_settings = parse_env_args(agent_arg or [], flag="--agent-arg", example="tool_choice=required")
    if base_url:
        agent_settings["base_url"] = base_url
    entry = AgentEntry(spec=agent, settings=agent_settings)
    require_keys([entry])
    # the env, the agents and the runner load only now: a missing key is reported before any of them
    import gymnasium as gym

    from locogym.agents import make_agent
    from locogym.harness.live import StepPrinter
    from locogym.harness.runner import reserve_path, run_episode, trajectory_file_name
    from locogym.harness.schedule import trial_agent
    from locogym.scoring.common import passed

    env = gym.make(env_id, **kwargs)
    passes = 0
    try:
        for trial in range(trials):
            settings = trial_agent(entry, trial).settings
            the_agent = make_agent(agent, **settings)
            name = trajectory_file_name(env_id, the_agent.name, the_agent.settings, seed, options)
            path = out / "trajectories" / (name.removesuffix(".jsonl")
                                           + (f"__trial{trial}.jsonl" if trial else ".jsonl"))
            path = path if overwrite else reserve_path(path)
            if trials > 1:
                console.rule(f"trial {trial + 1} of {trials}" + (f" (seed {settings['seed']})" if "seed" in settings
                                                                 else ""))
            try:
                traj = run_episode(env, the_agent, seed=seed, options=options, trajectory_path=path,
                                   listeners=[StepPrinter(console)])
            except BaseException:
                if path.exists() and path.stat().st_size == 0:  # reserved, never written: the reset failed
                    path.unlink()
                raise
            assert traj.score is not None
            if traj.termination == "error":
                # Not the model's answer: no score is printed, only the cause (below).
                console.print(f"[bold red]errored[/] after {len(traj.steps)} steps (not scored); trajectory: {path}")
                break
            console.print(f"[bold]{traj.termination}[/]: success {traj.score.success:.3f} ({traj.score.outcome}); "
                          f"{len(traj.steps)} steps; trajectory: {path}")
            passes += passed(traj.score.success)
    finally:
        env.close()
    if trials > 1 and traj.termination != "error":
        console.print(f"\n{passes} of {trials} trials passed; pass^{trials} = {1 if passes == trials else 0}")
    if traj.termination == "error":
        # A provider failure (no key, rejected request, retries used up) is not the model's answer: say why, exit 1.
        for event in traj.events:
            if event.get("kind") == "provider_error":
                fix = f" Fix: {event['fix']}" if event.get("fix") else ""
                err_console.print(f"[red]error:[/] {escape(str(event.get('message', '')) + fix)}")
        raise typer.Exit(1)


def _require_registered(env_id: str) -> None:
    """Fail with the list of ids (not Gymnasium's traceback) when ``env_id`` is not a registered family."""
    from locogym.envs import env_ids

    if env_id not in env_ids():
        raise ConfigError(f"Unknown environment {env_id!r}.",
                          fix=f"Use one of {', '.join(env_ids())} (see `locogym envs`).")


def replay_command(
    trajectory: Annotated[Path, typer.Argument(help="A trajectory file (JSON lines) written by locogym.")],
    sandbox: Annotated[str | None, typer.Option(help="Override the recorded sandbox backend.")] = None,
    seed_salt: Annotated[str | None, typer.Option(help="The secret seed salt the episode was generated with "
                                                       "(default: $LOCOGYM_SEED_SALT).")] = None,
) -> None:
    """Play a recorded episode's actions again; exit 1 on any difference, naming the step that diverged first."""
    from locogym.harness.replay import VARIED_CAUSES, replay

    report = replay(trajectory, sandbox=sandbox, seed_salt=seed_salt)
    varied = sorted({d.step for d in report.varied if d.step is not None})
    if varied:
        console.print(f"output printed otherwise at step(s) {', '.join(map(str, varied))} ({VARIED_CAUSES}): not a "
                      "difference; every number derived from it is checked")
    if report.ok:
        console.print(f"[green]replay ok[/]: {report.steps} steps, the final state and the score match "
                      f"(success {report.success_replayed})")
        return
    first = report.first_divergence
    assert first is not None
    where = f"step {first.step}" if first.step is not None else "the episode's end"
    err_console.print(f"[red]replay differs: first at {where}[/] ({len(report.differences)} difference(s); "
                      f"success recorded {report.success_recorded}, replayed {report.success_replayed})")
    for difference in report.differences[:20]:
        err_console.print(f"  {escape(difference.describe())}")
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("envs")(envs_command)
    app.command("run")(run_command)
    app.command("replay")(replay_command)
