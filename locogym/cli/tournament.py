"""``locogym tournament``, ``locogym report RUN_DIR`` and ``locogym score RUN_DIR`` (thin over the harness)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

console = Console()
err_console = Console(stderr=True)


def _split(values: list[str] | None) -> list[str] | None:
    """Repeatable options also take comma-separated lists: ``--agents oracle,noop``."""
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def tournament_command(
    config: Annotated[Path | None, typer.Option(help="TOML tournament file (flags below override its fields).")] = None,
    agents: Annotated[list[str] | None, typer.Option(help="Agents: oracle, heuristic, grep, random, noop, abstain, "
                                                          "openai/MODEL, anthropic/MODEL, "
                                                          "openai-compatible/NAME.")] = None,
    envs: Annotated[list[str] | None, typer.Option(help="Environment ids (default: every registered env).")] = None,
    lengths: Annotated[list[str] | None, typer.Option(help="Target lengths, e.g. 8k,32k.")] = None,
    seeds: Annotated[int | None, typer.Option(help="Seeds 0..N-1 per cell.")] = None,
    depths: Annotated[list[str] | None, typer.Option(help="Evidence depths as a controlled axis, e.g. "
                                                          "start,middle,end or 0,0.5,1 (default: each seed draws "
                                                          "one).")] = None,
    trials: Annotated[int | None, typer.Option(min=1, help="Independent attempts per task (default 1); with 2 or "
                                                           "more the report shows pass^k and the flip rate.")] = None,
    task: Annotated[list[str] | None, typer.Option(help="Task kinds for every env (default: each family's).")] = None,
    sandbox: Annotated[str | None, typer.Option(help="Sandbox backend: auto, docker, bwrap, local, fake.")] = None,
    env_arg: Annotated[list[str] | None, typer.Option("--env-arg", help="ENV_ID:KEY=VALUE family argument "
                                                                         "(repeatable).")] = None,
    base_url: Annotated[str | None, typer.Option(help="Base URL for every model agent (openai/, anthropic/, "
                                                      "openai-compatible/).")] = None,
    agent_arg: Annotated[list[str] | None, typer.Option("--agent-arg", help="Model agent setting KEY=VALUE for every "
                                                                         "model agent, or AGENT:KEY=VALUE for one "
                                                                         "(repeatable), e.g. tool_choice=required."
                                                        )] = None,
    concurrency: Annotated[list[str] | None, typer.Option(help="PROVIDER=N episodes in flight (repeatable), "
                                                               "e.g. openai=16.")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default: the CPU count).")] = None,
    max_steps: Annotated[int | None, typer.Option(help="Step budget per episode.")] = None,
    max_cost: Annotated[float | None, typer.Option(help="Spending cap in USD for the run folder, across invocations: "
                                                        "every model request is booked against it; the run stops "
                                                        "at it and exits 3.")] = None,
    out: Annotated[Path | None, typer.Option(help="Run folder, default runs/main (resumes when it "
                                                  "already holds episodes).")] = None,
    backend: Annotated[str | None, typer.Option(help="local or ray.")] = None,
    ray_address: Annotated[str | None, typer.Option(help="Ray cluster address (default: a local instance).")] = None,
    imports: Annotated[list[str] | None, typer.Option("--import", help="Module that registers extra envs.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the schedule and the cost estimate; "
                                                            "run nothing.")] = False,
    retry_errored: Annotated[bool, typer.Option("--retry-errored", help="Run errored episodes again.")] = False,
    no_report: Annotated[bool, typer.Option("--no-report", help="Skip writing report.md and report.html.")] = False,
    seed_salt: Annotated[str | None, typer.Option(help="Secret mixed into task generation, so that only its holder "
                                                       "can regenerate the tasks "
                                                       "(default: $LOCOGYM_SEED_SALT).")] = None,
) -> None:
    """Run agents over envs, lengths and seeds; resumable; prints the leaderboard and writes the reports.

    With no arguments: the baselines over every env at 8k and 16k, three seeds, on the best sandbox here.
    """
    from locogym.cli.args import parse_env_args
    from locogym.core.errors import ConfigError
    from locogym.harness.keys import missing_keys, require_keys
    from locogym.harness.schedule import build_config, default_fields, load_config, plan, preset_config

    overrides: dict[str, Any] = {}
    if agents:
        overrides["agents"] = _split(agents)
    for name, value in (("envs", _split(envs)), ("lengths", _split(lengths)), ("depths", _split(depths)),
                        ("seeds", seeds), ("trials", trials),
                        ("sandbox", sandbox), ("workers", workers), ("max_total_cost_usd", max_cost),
                        ("out", str(out) if out else None), ("backend", backend), ("ray_address", ray_address),
                        ("imports", _split(imports))):
        if value is not None:
            overrides[name] = value
    if task:
        overrides["tasks"] = {"*": _split(task)}
    if max_steps is not None:
        overrides["budget"] = {"max_steps": max_steps}
    if concurrency:
        limits: dict[str, int] = {}
        for pair in _split(concurrency) or []:
            provider, sep, number = pair.partition("=")
            if not sep or not number.strip().isdigit():
                raise ConfigError(f"--concurrency {pair!r} is not PROVIDER=N.",
                                  fix="Write it like --concurrency openai=16.")
            limits[provider.strip()] = int(number)
        overrides["concurrency"] = limits
    if env_arg:
        per_env: dict[str, dict[str, Any]] = {}
        for item in env_arg:
            env_id, sep, pair = item.partition(":")
            if not sep:
                raise ConfigError(f"--env-arg {item!r} does not name its env.",
                                  fix="Write it like --env-arg LoCo-WikiHop-v0:corpus=synthetic.")
            per_env.setdefault(env_id, {}).update(parse_env_args([pair]))
        overrides["env_args"] = per_env
    if config is not None:
        cfg = load_config(config, overrides)
    elif "agents" in overrides or "envs" in overrides:
        cfg = build_config({**default_fields(), **overrides})
    else:
        cfg = preset_config(**overrides)

    if base_url or agent_arg:
        cfg = cfg.model_copy(update={"agents": with_agent_settings(cfg.agents, base_url, agent_arg or [])})
    if not dry_run:
        require_keys(cfg.agents)  # before planning, which loads the provider SDKs (seconds) to check arguments
    # the runner, the reports and the families load only now: a missing key is reported before any of them
    from locogym.harness.estimate import schedule_table
    from locogym.harness.rundir import RunDir
    from locogym.harness.tournament import pending_jobs, run_tournament, stopped_by_cap

    jobs = plan(cfg)
    if dry_run:
        missing = missing_keys(cfg.agents)
        for problem in missing:
            err_console.print(f"[red]missing key:[/] {escape(problem)}; the run would stop before any episode")
        finished = RunDir(cfg.out).latest() if RunDir(cfg.out).episodes_path.exists() else {}
        todo = {job.key for job in pending_jobs(jobs, finished, retry_errored)}
        console.print(schedule_table(jobs, todo))
        console.print(f"[dim]run folder {cfg.out} · sandbox {cfg.sandbox} · backend {cfg.backend} · concurrency "
                      + ", ".join(f"{p} {cfg.concurrency_for(p)}" for p in sorted({j.provider for j in jobs})) + "[/]")
        return
    summary = run_tournament(cfg, retry_errored=retry_errored, console=err_console, seed_salt=seed_salt)
    # A newline first: the progress view (on stderr) may not have ended its line when both streams share a pipe.
    refused = f", {summary.refused} refused" if summary.refused else ""
    console.print(f"\n[bold]{summary.done} episodes run, {summary.skipped} already done, {summary.errored} errored"
                  f"{refused}[/] "
                  f"in {summary.wall_time_s:.1f} s · sandbox {summary.sandbox} · {summary.run_dir}")
    if summary.results:
        _print_reports(summary.run_dir, write=not no_report)
    if summary.interrupted:
        err_console.print("[yellow]interrupted: run the same command again to finish the rest[/]")
        raise typer.Exit(130)
    if summary.stopped_by_budget:
        unplayed = summary.planned - sum(1 for r in summary.results.values() if not stopped_by_cap(r))
        err_console.print(f"[red]stopped by the spending cap[/]: ${summary.spent_usd:.4f} of ${summary.cap_usd} "
                          f"spent in this run folder (every invocation counted); {unplayed} planned episode(s) "
                          "not played. Raise --max-cost (max_total_cost_usd) and run the same command again to "
                          "go on.")
        raise typer.Exit(3)
    errored = [r for r in summary.results.values() if r.status == "errored"]
    if errored:
        # A wrong task, option or data file errors the same way every time: name it, or retrying is pointless.
        causes = sorted({r.error for r in errored if r.error and r.error.startswith(_USER_ERRORS)})
        for cause in causes[:5]:
            err_console.print(f"[red]error:[/] {escape(cause.partition(': ')[2])}")
        then = ("fix the configuration as said above, then" if causes else "see the report, then")
        err_console.print(f"[red]{len(errored)} planned episode(s) are errored[/] (not scored); {then} "
                          "run the same command with --retry-errored.")
        raise typer.Exit(1)


def with_agent_settings(entries: list[Any], base_url: str | None, pairs: list[str]) -> list[Any]:
    """The tournament's agents with ``--base-url`` and ``--agent-arg`` applied to the model agents they name.

    Raises:
        ConfigError: a setting names an agent not in the tournament, is not KEY=VALUE, or ``--base-url`` was
            given to a tournament without a model agent (baselines call no server).
    """
    from locogym.cli.args import parse_env_args
    from locogym.core.errors import ConfigError
    from locogym.harness.schedule import BASELINE_PROVIDER

    models = [e for e in entries if e.provider != BASELINE_PROVIDER]
    if base_url and not models:
        raise ConfigError("--base-url was given but no agent of the tournament calls a model server.",
                          fix="Add a model agent (openai/, anthropic/, openai-compatible/) or drop --base-url.")
    shared: dict[str, Any] = {"base_url": base_url} if base_url else {}
    own: dict[str, dict[str, Any]] = {}
    for pair in pairs:
        head = pair.partition("=")[0]
        if ":" in head:
            name, _, key_part = head.rpartition(":")
            setting = parse_env_args([f"{key_part}={pair.partition('=')[2]}"], flag="--agent-arg",
                                     example="tool_choice=required")
            if not any(e.name == name or e.spec == name for e in models):
                raise ConfigError(f"--agent-arg {pair!r} names {name!r}, which is not a model agent of the tournament.",
                                  fix="Name an agent as listed in --agents (its label or spec), or drop the prefix.")
            own.setdefault(name, {}).update(setting)
        else:
            if not models:
                raise ConfigError(f"--agent-arg {pair!r}: the tournament has no model agent to apply it to.",
                                  fix="Add a model agent or drop --agent-arg.")
            shared.update(parse_env_args([pair], flag="--agent-arg", example="tool_choice=required"))
    updated = []
    for entry in entries:
        if entry.provider == BASELINE_PROVIDER:
            updated.append(entry)
            continue
        settings = {**entry.settings, **shared, **own.get(entry.name, {}), **own.get(entry.spec, {})}
        updated.append(entry.model_copy(update={"settings": settings}))
    return updated


# Errors of the user's configuration (as workers record them): the same episode fails the same way until fixed.
_USER_ERRORS = ("locogym.core.errors.ConfigError:", "locogym.core.errors.DataError:")


def _print_reports(run_dir: Path, write: bool) -> None:
    from locogym.harness.report import load_run, render_leaderboard, summarise, write_reports

    if write:
        files = write_reports(run_dir)
        console.print(render_leaderboard(files.summary))
        console.print(f"reports: {files.markdown} · {files.html}")
    else:
        console.print(render_leaderboard(summarise(load_run(run_dir))))


def report_command(
    run_dir: Annotated[Path, typer.Argument(help="A tournament's run folder (its --out).")],
    title: Annotated[str | None, typer.Option(help="Title of the reports.")] = None,
) -> None:
    """Print the leaderboard and write report.md and report.html (self-contained) into RUN_DIR."""
    from locogym.harness.report import render_leaderboard, write_reports

    files = write_reports(run_dir, title=title)
    console.print(render_leaderboard(files.summary))
    console.print(f"reports: {files.markdown} · {files.html}")


def score_command(
    run_dir: Annotated[Path, typer.Argument(help="A tournament's run folder (its --out).")],
    seed_salt: Annotated[str | None, typer.Option(help="The secret seed salt the run was generated with "
                                                       "(default: $LOCOGYM_SEED_SALT).")] = None,
    sandbox: Annotated[str | None, typer.Option(help="Replay in this sandbox backend instead of the recorded "
                                                     "one.")] = None,
    regrade_tests: Annotated[bool, typer.Option("--regrade-tests", help="Also re-play LoCo-RepoPatch episodes and "
                                                "re-run their hidden tests.")] = False,
    accept_version: Annotated[bool, typer.Option("--accept-version", help="Do not count a trajectory recorded by "
                                                 "another locogym release as a difference.")] = False,
    tolerance: Annotated[float, typer.Option(help="Largest difference between numbers that still counts as "
                                                  "equal.")] = 1e-9,
    verify: Annotated[Path | None, typer.Option(help="A lab's public key (.pub): also check the run's signature "
                                                     "(signature.json) over its plan and rows.")] = None,
) -> None:
    """Re-grade every finished episode from its recorded actions; exit 1 with a table of differences when any
    number, state or record differs from what the run folder says, or when the rows are not exactly the
    sealed plan's grid (an episode missing, one outside the plan, or a plan edited after the run), or, with
    --verify, when the run is not signed by that key exactly as it is."""
    from locogym.harness.replay import VARIED_CAUSES
    from locogym.harness.rescore import rescore_run

    if verify is not None:
        from locogym.harness.signing import verify_run

        verdict = verify_run(run_dir, verify)
        if not verdict.ok:
            for reason in verdict.problems:
                err_console.print(f"[red]signature:[/] {escape(reason)}")
            err_console.print(f"[red]the run is not signed by {verify} as it is now[/]")
            raise typer.Exit(1)
        console.print(f"[green]signed by {verdict.signer} ({verify}): the plan and every row are as signed[/]")

    check = rescore_run(run_dir, seed_salt=seed_salt, sandbox=sandbox, regrade_tests=regrade_tests,
                        accept_version=accept_version, tolerance=tolerance)
    table = Table(title=f"re-graded {check.checked} of {len(check.episodes)} finished episodes "
                        f"(locogym {check.version})")
    for column in ("agent", "episodes", "recorded mean", "re-graded mean", "differing"):
        table.add_column(column, justify="right" if column != "agent" else "left")
    for agent, row in sorted(check.by_agent().items(), key=lambda item: (item[1]["reference"], item[0])):
        name = f"{agent} [dim](reference: saw the hidden task)[/]" if row["reference"] else agent
        table.add_row(name, str(row["episodes"]), f"{row['recorded']:.4f}", f"{row['regraded']:.4f}",
                      str(row["differing"]))
    console.print(table)
    if check.failed:
        differences = Table(title="differences (recorded → re-graded)", show_lines=False)
        for column in ("episode", "agent", "env", "what", "recorded", "re-graded"):
            differences.add_column(column, overflow="fold")
        shown = 0
        for episode in check.failed:
            rows = ([(f.what, f.recorded, f.regraded) for f in episode.findings]
                    or [("not checked", "", episode.note or "")])
            for what, recorded, regraded in rows[:8]:
                if shown < 60:
                    differences.add_row(episode.key[:12], episode.agent, episode.env, escape(what),
                                        escape(recorded[:120]), escape(regraded[:120]))
                shown += 1
        console.print(differences)
        for episode in check.failed:
            if episode.first_divergence:
                err_console.print(f"[red]{episode.key[:12]} ({episode.agent}, {episode.env}): the replay first "
                                  f"diverged at {episode.first_divergence}[/]")
        err_console.print(f"[red]{len(check.failed)} episode(s) do not re-grade to what the run folder records[/]")
    if check.grid:
        for problem in check.grid[:40]:
            err_console.print(f"[red]{problem.what}:[/] {escape(problem.detail)}")
        more = f" ({len(check.grid) - 40} more not shown)" if len(check.grid) > 40 else ""
        err_console.print(f"[red]the rows are not the sealed plan's grid: {len(check.grid)} problem(s){more}[/]")
    if not check.ok:
        raise typer.Exit(1)
    kept = f"; {len(check.kept)} LoCo-RepoPatch episode(s) kept as recorded (--regrade-tests re-runs their hidden " \
           "tests)" if check.kept else ""
    console.print(f"[green]all {check.checked} re-graded episodes match the recorded numbers{kept}[/]")
    if check.refusals:
        console.print(f"{len(check.refusals)} refused episode(s) were made again and refused again (a length too "
                      "short for the task's core)")
    varied = [e for e in check.episodes if e.varied]
    if varied:
        console.print(f"{sum(e.varied for e in varied)} command or test output(s) in {len(varied)} episode(s) printed "
                      f"otherwise on the replay ({VARIED_CAUSES}); every number derived from them matches")


def register(app: typer.Typer) -> None:
    app.command("tournament")(tournament_command)
    app.command("report")(report_command)
    app.command("score")(score_command)
