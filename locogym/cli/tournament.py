"""``locogym tournament``, ``locogym report RUN_DIR`` and ``locogym score RUN_DIR`` (thin over the harness)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from locogym.cli.tournament_options import (
    AcceptVersionOpt,
    AgentArgOpt,
    AgentsOpt,
    BackendOpt,
    BaseUrlOpt,
    ConcurrencyOpt,
    ConfigOpt,
    DepthsOpt,
    DryRunOpt,
    EnvArgOpt,
    EnvsOpt,
    ImportsOpt,
    LengthsOpt,
    MaxCostOpt,
    MaxStepsOpt,
    NoReportOpt,
    OutOpt,
    RayAddressOpt,
    RegradeTestsOpt,
    RetryErroredOpt,
    RunDirArg,
    SandboxOpt,
    ScoreSaltOpt,
    ScoreSandboxOpt,
    SeedSaltOpt,
    SeedsOpt,
    TaskOpt,
    ToleranceOpt,
    TrialsOpt,
    VerifyOpt,
    WorkersOpt,
)

console = Console()
err_console = Console(stderr=True)


def _split(values: list[str] | None) -> list[str] | None:
    """Repeatable options also take comma-separated lists: ``--agents oracle,noop``."""
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def tournament_command(
    config: ConfigOpt = None, agents: AgentsOpt = None, envs: EnvsOpt = None, lengths: LengthsOpt = None,
    seeds: SeedsOpt = None, depths: DepthsOpt = None, trials: TrialsOpt = None, task: TaskOpt = None,
    sandbox: SandboxOpt = None, env_arg: EnvArgOpt = None, base_url: BaseUrlOpt = None,
    agent_arg: AgentArgOpt = None, concurrency: ConcurrencyOpt = None, workers: WorkersOpt = None,
    max_steps: MaxStepsOpt = None, max_cost: MaxCostOpt = None, out: OutOpt = None, backend: BackendOpt = None,
    ray_address: RayAddressOpt = None, imports: ImportsOpt = None, dry_run: DryRunOpt = False,
    retry_errored: RetryErroredOpt = False, no_report: NoReportOpt = False, seed_salt: SeedSaltOpt = None,
) -> None:
    """Run agents over envs, lengths and seeds; resumable; prints the leaderboard and writes the reports.

    With no arguments: the baselines over every env at 8k and 16k, three seeds, on the best sandbox here.
    """
    from locogym.harness.keys import require_keys

    plain = {"envs": _split(envs), "lengths": _split(lengths), "depths": _split(depths), "seeds": seeds,
             "trials": trials, "sandbox": sandbox, "workers": workers, "max_total_cost_usd": max_cost,
             "out": str(out) if out else None, "backend": backend, "ray_address": ray_address,
             "imports": _split(imports)}
    overrides = _overrides(plain, agents, task, max_steps, concurrency, env_arg)
    cfg = _config(config, overrides)
    if base_url or agent_arg:
        cfg = cfg.model_copy(update={"agents": with_agent_settings(cfg.agents, base_url, agent_arg or [])})
    if dry_run:
        _print_dry_run(cfg, retry_errored)
        return
    require_keys(cfg.agents)  # before planning, which loads the provider SDKs (seconds) to check arguments
    _run(cfg, retry_errored, no_report, seed_salt)


def _overrides(plain: dict[str, Any], agents: list[str] | None, task: list[str] | None, max_steps: int | None,
               concurrency: list[str] | None, env_arg: list[str] | None) -> dict[str, Any]:
    """The tournament fields the flags set (a flag not given sets nothing, so the file's or preset's value holds)."""
    overrides: dict[str, Any] = {}
    if agents:
        overrides["agents"] = _split(agents)
    overrides.update({name: value for name, value in plain.items() if value is not None})
    if task:
        overrides["tasks"] = {"*": _split(task)}
    if max_steps is not None:
        overrides["budget"] = {"max_steps": max_steps}
    if concurrency:
        overrides["concurrency"] = _concurrency(concurrency)
    if env_arg:
        overrides["env_args"] = _env_args(env_arg)
    return overrides


def _concurrency(values: list[str]) -> dict[str, int]:
    """``--concurrency openai=16`` as provider -> episodes in flight."""
    from locogym.core.errors import ConfigError

    limits: dict[str, int] = {}
    for pair in _split(values) or []:
        provider, sep, number = pair.partition("=")
        if not sep or not number.strip().isdigit():
            raise ConfigError(f"--concurrency {pair!r} is not PROVIDER=N.",
                              fix="Write it like --concurrency openai=16.")
        limits[provider.strip()] = int(number)
    return limits


def _env_args(items: list[str]) -> dict[str, dict[str, Any]]:
    """``--env-arg ENV_ID:KEY=VALUE`` as env -> its family arguments."""
    from locogym.cli.args import parse_env_args
    from locogym.core.errors import ConfigError

    per_env: dict[str, dict[str, Any]] = {}
    for item in items:
        env_id, sep, pair = item.partition(":")
        if not sep:
            raise ConfigError(f"--env-arg {item!r} does not name its env.",
                              fix="Write it like --env-arg LoCo-WikiHop-v0:corpus=synthetic.")
        per_env.setdefault(env_id, {}).update(parse_env_args([pair]))
    return per_env


def _config(config: Path | None, overrides: dict[str, Any]) -> Any:
    """The tournament: the file with the flags over it, the defaults when the flags name agents or envs, else the
    preset."""
    from locogym.harness.schedule import build_config, default_fields, load_config, preset_config

    if config is not None:
        return load_config(config, overrides)
    if "agents" in overrides or "envs" in overrides:
        return build_config({**default_fields(), **overrides})
    return preset_config(**overrides)


def _print_dry_run(cfg: Any, retry_errored: bool) -> None:
    """The schedule, what is left to run and the missing keys, without running anything."""
    from locogym.harness.estimate import schedule_table
    from locogym.harness.keys import missing_keys
    from locogym.harness.rundir import RunDir
    from locogym.harness.schedule import plan
    from locogym.harness.tournament import pending_jobs

    jobs = plan(cfg)
    for problem in missing_keys(cfg.agents):
        err_console.print(f"[red]missing key:[/] {escape(problem)}; the run would stop before any episode")
    finished = RunDir(cfg.out).latest() if RunDir(cfg.out).episodes_path.exists() else {}
    todo = {job.key for job in pending_jobs(jobs, finished, retry_errored)}
    console.print(schedule_table(jobs, todo))
    console.print(f"[dim]run folder {cfg.out} · sandbox {cfg.sandbox} · backend {cfg.backend} · concurrency "
                  + ", ".join(f"{p} {cfg.concurrency_for(p)}" for p in sorted({j.provider for j in jobs})) + "[/]")


def _run(cfg: Any, retry_errored: bool, no_report: bool, seed_salt: str | None) -> None:
    """Run the tournament, print what happened, and exit non-zero when it did not finish cleanly."""
    # the runner, the reports and the families load only now: a missing key is reported before any of them
    from locogym.harness.schedule import plan
    from locogym.harness.tournament import run_tournament

    summary = run_tournament(cfg, retry_errored=retry_errored, console=err_console, jobs=plan(cfg),
                             seed_salt=seed_salt)
    # A newline first: the progress view (on stderr) may not have ended its line when both streams share a pipe.
    refused = f", {summary.refused} refused" if summary.refused else ""
    console.print(f"\n[bold]{summary.done} episodes run, {summary.skipped} already done, {summary.errored} errored"
                  f"{refused}[/] "
                  f"in {summary.wall_time_s:.1f} s · sandbox {summary.sandbox} · {summary.run_dir}")
    if summary.results:
        _print_reports(summary.run_dir, write=not no_report)
    _exit_when_unfinished(summary)


def _exit_when_unfinished(summary: Any) -> None:
    """Exit 130 when interrupted, 3 at the spending cap, 1 with errored episodes (naming a configuration error)."""
    from locogym.harness.tournament import stopped_by_cap

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
    run_dir: RunDirArg,
    title: Annotated[str | None, typer.Option(help="Title of the reports.")] = None,
) -> None:
    """Print the leaderboard and write report.md and report.html (self-contained) into RUN_DIR."""
    from locogym.harness.report import render_leaderboard, write_reports

    files = write_reports(run_dir, title=title)
    console.print(render_leaderboard(files.summary))
    console.print(f"reports: {files.markdown} · {files.html}")


def score_command(
    run_dir: RunDirArg, seed_salt: ScoreSaltOpt = None, sandbox: ScoreSandboxOpt = None,
    regrade_tests: RegradeTestsOpt = False, accept_version: AcceptVersionOpt = False, tolerance: ToleranceOpt = 1e-9,
    verify: VerifyOpt = None,
) -> None:
    """Re-grade every finished episode from its recorded actions; exit 1 with a table of differences when any
    number, state or record differs from what the run folder says, or when the rows are not exactly the
    sealed plan's grid (an episode missing, one outside the plan, or a plan edited after the run), or, with
    --verify, when the run is not signed by that key exactly as it is."""
    from locogym.harness.rescore import rescore_run

    if verify is not None:
        _check_signature(run_dir, verify)
    check = rescore_run(run_dir, seed_salt=seed_salt, sandbox=sandbox, regrade_tests=regrade_tests,
                        accept_version=accept_version, tolerance=tolerance)
    console.print(_agents_table(check))
    if check.failed:
        _print_differences(check.failed)
    if check.grid:
        _print_grid_problems(check.grid)
    if not check.ok:
        raise typer.Exit(1)
    _print_match(check)


def _check_signature(run_dir: Path, key: Path) -> None:
    """Exit 1 naming each problem unless the run is signed by ``key`` exactly as it is now."""
    from locogym.harness.signing import verify_run

    verdict = verify_run(run_dir, key)
    if not verdict.ok:
        for reason in verdict.problems:
            err_console.print(f"[red]signature:[/] {escape(reason)}")
        err_console.print(f"[red]the run is not signed by {key} as it is now[/]")
        raise typer.Exit(1)
    console.print(f"[green]signed by {verdict.signer} ({key}): the plan and every row are as signed[/]")


def _agents_table(check: Any) -> Table:
    """Per agent: episodes, recorded and re-graded means, and how many differ (reference agents last)."""
    table = Table(title=f"re-graded {check.checked} of {len(check.episodes)} finished episodes "
                        f"(locogym {check.version})")
    for column in ("agent", "episodes", "recorded mean", "re-graded mean", "differing"):
        table.add_column(column, justify="right" if column != "agent" else "left")
    for agent, row in sorted(check.by_agent().items(), key=lambda item: (item[1]["reference"], item[0])):
        name = f"{agent} [dim](reference: saw the hidden task)[/]" if row["reference"] else agent
        table.add_row(name, str(row["episodes"]), f"{row['recorded']:.4f}", f"{row['regraded']:.4f}",
                      str(row["differing"]))
    return table


def _print_differences(failed: list[Any]) -> None:
    """At most 8 differences per episode and 60 in all, then where each replay first diverged."""
    differences = Table(title="differences (recorded → re-graded)", show_lines=False)
    for column in ("episode", "agent", "env", "what", "recorded", "re-graded"):
        differences.add_column(column, overflow="fold")
    shown = 0
    for episode in failed:
        rows = [(f.what, f.recorded, f.regraded) for f in episode.findings] or [("not checked", "", episode.note or "")]
        for what, recorded, regraded in rows[:8]:
            if shown < 60:
                differences.add_row(episode.key[:12], episode.agent, episode.env, escape(what),
                                    escape(recorded[:120]), escape(regraded[:120]))
            shown += 1
    console.print(differences)
    for episode in failed:
        if episode.first_divergence:
            err_console.print(f"[red]{episode.key[:12]} ({episode.agent}, {episode.env}): the replay first "
                              f"diverged at {episode.first_divergence}[/]")
    err_console.print(f"[red]{len(failed)} episode(s) do not re-grade to what the run folder records[/]")


def _print_grid_problems(grid: list[Any]) -> None:
    """The first 40 ways the rows differ from the sealed plan's grid, and how many there are."""
    for problem in grid[:40]:
        err_console.print(f"[red]{problem.what}:[/] {escape(problem.detail)}")
    more = f" ({len(grid) - 40} more not shown)" if len(grid) > 40 else ""
    err_console.print(f"[red]the rows are not the sealed plan's grid: {len(grid)} problem(s){more}[/]")


def _print_match(check: Any) -> None:
    """The good news, with what was kept as recorded, refused again, or printed otherwise on the replay."""
    from locogym.harness.replay import VARIED_CAUSES

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
