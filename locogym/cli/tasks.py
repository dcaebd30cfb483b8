"""``locogym tasks build|list|verify``: fill the task store with validated tasks of a project, show what it holds,
and check every entry (docs/task-store.md)."""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from locogym.cli.args import parse_env_args
from locogym.core import tokens
from locogym.core.errors import ConfigError

console = Console()
StoreOption = Annotated[Path | None, typer.Option(
    "--store", help="The task store folder (default: $LOCOGYM_TASK_STORE, else the user's cache folder).")]


def parse_seeds(text: str) -> list[int]:
    """``10`` is seeds 0-9; ``100-109`` a range; ``1,4,9`` a list (ranges and numbers may be mixed)."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    try:
        if len(parts) == 1 and "-" not in parts[0]:
            seeds = list(range(int(parts[0])))
        else:
            seeds = [s for part in parts for s in _seed_span(part)]
    except ValueError as exc:
        raise ConfigError(f"--seeds {text!r} is not a count, a range or a list of seeds.",
                          fix="Write --seeds 10 (seeds 0-9), --seeds 100-109 or --seeds 1,4,9.") from exc
    if not seeds:
        raise ConfigError(f"--seeds {text!r} names no seed.", fix="Write --seeds 10 (seeds 0-9).")
    return sorted(set(seeds))


def _seed_span(part: str) -> list[int]:
    first, sep, last = part.partition("-")
    return list(range(int(first), int(last) + 1)) if sep else [int(first)]


@dataclass(frozen=True)
class EntryReport:
    """One store entry as ``list`` and ``verify`` show it: ``problem`` is why it will not be read (None: sound)."""

    path: Path
    problem: str | None
    entry: Any = None  # the StoredTask, when it could be read

    @property
    def status(self) -> str:
        if self.problem is None:
            return "ok"
        return "stale" if self.entry is not None else "invalid"


def inspect_store(root: Path | None) -> tuple[Path, list[EntryReport]]:
    """Every entry of the store at ``root`` checked: readable, sound, and built by today's generator code."""
    from locogym.envs import env_class
    from locogym.envs.defects import DefectEnv
    from locogym.scenarios.defects.store import StoreEntryInvalid, TaskStore, read_entry, stale_reason

    store = TaskStore(root)
    reports: list[EntryReport] = []
    for path in store.entries():
        try:
            entry = read_entry(path)
        except StoreEntryInvalid as exc:
            reports.append(EntryReport(path, exc.reason))
            continue
        try:
            cls = env_class(entry.key.env_id)
        except ConfigError:
            reports.append(EntryReport(path, f"its env {entry.key.env_id} is not registered here", entry))
            continue
        current = cls.generator_fingerprint() if issubclass(cls, DefectEnv) else ""
        reports.append(EntryReport(path, stale_reason(entry, current), entry))
    return store.root, sorted(reports, key=_entry_order)


def _entry_order(report: EntryReport) -> tuple[int, str, str, int, int, str]:
    """Sound entries by env, project, seed and length; the unreadable ones last."""
    if report.entry is None:
        return (1, "", "", 0, 0, str(report.path))
    key = report.entry.key
    return (0, key.env_id, key.project, key.seed, key.length, str(report.path))


def register(app: typer.Typer) -> None:
    """Add the ``tasks`` command group to the ``locogym`` command."""
    group = typer.Typer(name="tasks", help="The task store: build real projects' tasks once, reset from them in "
                                           "seconds.", no_args_is_help=True)

    @group.command("build")
    def build_command(
        env_id: Annotated[str, typer.Argument(help="LoCo-RepoReview-v0 or LoCo-RepoPatch-v0.")],
        source: Annotated[str, typer.Option(help="The project: a folder, a git repository or a source archive "
                                                 "(or synthetic).")],
        seeds: Annotated[str, typer.Option(help="10 (seeds 0-9), 100-109, or 1,4,9.")] = "10",
        length: Annotated[list[str] | None, typer.Option(
            "--length", help="A length to build each seed at (repeat it; default 8k and 32k).")] = None,
        jobs: Annotated[int | None, typer.Option(help="Seeds built at once, each in its own process (default: "
                                                      "the cores the machine's load leaves free).")] = None,
        store: StoreOption = None,
        sandbox: Annotated[str, typer.Option(help="The backend that validates (and later runs) the tasks; "
                                                  "part of the key.")] = "auto",
        test_command: Annotated[str | None, typer.Option(help="The project's test command (default: its "
                                                              "locogym.toml, else pytest).")] = None,
        option: Annotated[list[str] | None, typer.Option(
            "--option", help="A reset option KEY=VALUE (difficulty=hard, tier=refactor); repeatable.")] = None,
        env_arg: Annotated[list[str] | None, typer.Option(
            "--env-arg", help="A gym.make argument KEY=VALUE (include, exclude, defects, ...); repeatable.")] = None,
        retries: Annotated[int, typer.Option(help="Tries after a time-out (the machine's load), per seed and "
                                                  "length.")] = 2,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object per result instead of a "
                                                             "table.")] = False,
    ) -> None:
        """Build and validate seeds of a project into the task store, so that resets read them in seconds."""
        from locogym.harness.task_build import BuildJob, build_all, default_workers
        from locogym.scenarios.defects.store import TaskStore

        root = TaskStore(store).root
        kwargs: dict[str, Any] = {**parse_env_args(env_arg or []), "source": source, "sandbox": sandbox,
                                  "task_store": str(root)}
        if test_command:
            kwargs["test_command"] = test_command
        options = parse_env_args(option or [], flag="--option", example="difficulty=hard")
        lengths = tuple(length or ["8k", "32k"])
        planned = [BuildJob(env_id, seed, lengths, kwargs, options) for seed in parse_seeds(seeds)]
        workers = jobs if jobs is not None else default_workers()
        if workers < 1:
            raise ConfigError(f"--jobs {workers} is not a count of processes.", fix="Pass --jobs 1 or more.")
        console.print(f"building {len(planned)} seed(s) × {len(lengths)} length(s) of {escape(source)} for "
                      f"{env_id} with {workers} process(es) into {escape(str(root))}")
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, transient=as_json) as progress:
            bar = progress.add_task("tasks", total=len(planned) * len(lengths))
            results = build_all(planned, workers, retries,
                                on_result=lambda r: progress.update(bar, advance=1, description=(
                                    f"seed {r.seed} {r.length}: {r.status}")))
        _report_build(results, as_json)
        if any(r.status == "failed" for r in results):
            raise typer.Exit(1)

    @group.command("list")
    def list_command(store: StoreOption = None) -> None:
        """Show every stored task: env, project, seed, length, options, build time and whether it is usable."""
        root, reports = inspect_store(store)
        table = Table(title=f"task store {escape(str(root))}")
        for column in ("env", "project", "seed", "length", "options", "built in", "status"):
            table.add_column(column, overflow="fold")
        for report in reports:
            table.add_row(*_entry_row(report))
        console.print(table)
        console.print(f"{sum(r.problem is None for r in reports)} usable of {len(reports)} entr(ies)")

    @group.command("verify")
    def verify_command(
        store: StoreOption = None,
        remove: Annotated[bool, typer.Option(help="Delete every entry that is invalid or stale.")] = False,
    ) -> None:
        """Check every stored task (readable, unaltered, under its own key, built by today's code); exit 1 when
        one is not usable and stays."""
        root, reports = inspect_store(store)
        bad = [r for r in reports if r.problem is not None]
        for report in bad:
            console.print(f"[red]{report.status}[/] {escape(str(report.path))}: {escape(str(report.problem))}",
                          soft_wrap=True)
            if remove:
                report.path.unlink(missing_ok=True)
        console.print(f"{len(reports) - len(bad)} of {len(reports)} entr(ies) in {escape(str(root))} are usable"
                      + (f"; removed {len(bad)}" if remove and bad else ""), soft_wrap=True)
        if bad and not remove:
            raise typer.Exit(1)

    app.add_typer(group)


def _entry_row(report: EntryReport) -> list[str]:
    entry = report.entry
    if entry is None:
        return ["?", "?", "?", "?", "", "", f"[red]invalid[/]: {escape(str(report.problem))}"]
    key = entry.key
    params = key.config.get("params", {})
    shown = {k: v for k, v in params.items() if v not in (None, [], False) and k != "source"}
    options = ", ".join(f"{k}={v}" for k, v in sorted({**shown, "difficulty": key.config.get("difficulty")}.items()))
    status = "ok" if report.problem is None else f"[yellow]stale[/]: {escape(report.problem)}"
    name, _, content = key.project.partition("@")
    return [key.env_id, escape(f"{name}@{content[:12]}" if content else name), str(key.seed), str(key.length),
            escape(options),
            f"{entry.build_seconds:.0f} s", status]


def _report_build(results: list[Any], as_json: bool) -> None:
    """The build's results, then each seed's build time (all its lengths: the core is validated once)."""
    ordered = sorted(results, key=lambda r: (r.seed, tokens.parse_length(r.length)))
    if as_json:
        for r in ordered:
            typer.echo(json.dumps({"seed": r.seed, "length": r.length, "status": r.status,
                                           "seconds": r.seconds, "attempts": r.attempts, "message": r.message,
                                           "task_id": r.task_id, "content_hash": r.content_hash}))
        return
    table = Table(title="task store build")
    for column in ("seed", "length", "status", "seconds", "tries", "message"):
        table.add_column(column, overflow="fold")
    for r in ordered:
        colour = "green" if r.ok else ("yellow" if r.status == "refused" else "red")
        table.add_row(str(r.seed), r.length, f"[{colour}]{r.status}[/]", f"{r.seconds:.1f}", str(r.attempts),
                      escape(r.message[:300]))
    console.print(table)
    per_seed: dict[int, float] = defaultdict(float)
    for r in ordered:
        if r.status in ("built", "rebuilt"):
            per_seed[r.seed] += r.seconds
    if per_seed:
        console.print(f"build time per seed (every length): median {statistics.median(per_seed.values()):.1f} s, "
                      f"max {max(per_seed.values()):.1f} s over {len(per_seed)} seed(s)")
