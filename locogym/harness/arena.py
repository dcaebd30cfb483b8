"""CI arenas: which agent fixes (patch) or reviews (review) *this* repository's code best.

``run_arena`` injects validated defects into the repository at HEAD (LoCo-RepoPatch / LoCo-RepoReview machinery),
plays every agent on every task as a tournament (resumable run folder, the tournament's HTML and Markdown
reports), then writes what CI needs:

* ``junit.xml`` — one test case per agent × task (failed when the task was not fully solved), with an
  ``integrity`` property and what the grader found in a failure's text;
* ``arena.md`` — a summary for a pull-request comment: per-agent scores, Bradley-Terry ratings from
  head-to-head results on the same tasks, an integrity column (episodes that tampered with the grader or
  special-cased the tests, docs/integrity.md), and per-task outcomes;
* the exit status — non-zero when an agent's mean score falls under ``min_score`` or an episode errored.

Validation runs in this process before the tournament, so a repository whose tests do not run fails fast with the
reason, and its test runs land in the on-disk cache that every episode (and the next CI run) reads.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import gymnasium as gym
from rich.console import Console

from locogym.agents import agent_class
from locogym.core.errors import ConfigError
from locogym.core.types import EpisodeResult, EpisodeScore
from locogym.harness.junit import JUnitCase, write_junit
from locogym.harness.report import write_reports
from locogym.harness.schedule import AgentEntry, EnvBudget, TournamentConfig
from locogym.harness.tournament import run_tournament
from locogym.scenarios.defects.gold import PatchGold, ReviewGold
from locogym.scenarios.defects.project import ProjectSettings, read_settings
from locogym.scoring.aggregate import Rating, bradley_terry, matches_from_scores

ArenaKind = Literal["patch", "review"]
ENV_OF: dict[str, str] = {"patch": "LoCo-RepoPatch-v0", "review": "LoCo-RepoReview-v0"}
GOLD_OF: dict[str, type[PatchGold] | type[ReviewGold]] = {ENV_OF["patch"]: PatchGold, ENV_OF["review"]: ReviewGold}
JUNIT = "junit.xml"
SUMMARY = "arena.md"
DEFAULT_TASKS = 3
DEFAULT_LENGTH = 16_384


@dataclass
class ArenaTask:
    """What one seed's task holds (for the summary): its id, the repository commit and its defects."""

    seed: int
    task_id: str
    commit: str
    defects: list[dict[str, Any]]


@dataclass
class ArenaOutcome:
    """What the arena did; ``exit_code`` is what the command returns."""

    kind: ArenaKind
    out: Path
    tasks: list[ArenaTask]
    results: list[EpisodeResult]
    means: dict[str, float]
    ratings: list[Rating]
    failing_agents: list[str]
    errored: int
    runs_executed: int
    runs_cached: int
    validation_s: float
    exit_code: int
    files: dict[str, Path] = field(default_factory=dict)


@dataclass
class ArenaSpec:
    """The arena's inputs (command-line flags merged over ``locogym.toml``)."""

    kind: ArenaKind
    repo: Path
    agents: list[str]
    tasks: int | None = None
    defects_per_task: int | None = None
    min_score: float | None = None
    out: Path | None = None
    sandbox: str | None = None
    length: int = DEFAULT_LENGTH
    cache_dir: Path | None = None
    settings: ProjectSettings = field(default_factory=ProjectSettings)


def load_spec(kind: ArenaKind, repo: Path, agents: list[str], **flags: Any) -> ArenaSpec:
    """Build a spec from flags, reading ``locogym.toml`` in the repository for what the flags leave open.

    Raises:
        ConfigError: the repository folder does not exist, no agent is named, or ``locogym.toml`` is wrong.
    """
    if kind not in ENV_OF:
        raise ConfigError(f"Unknown arena {kind!r}.", fix="Use `locogym arena patch` or `locogym arena review`.")
    if not repo.is_dir():
        raise ConfigError(f"--repo {repo} is not a folder.", fix="Point --repo at the repository's work tree.")
    agents = [a.strip() for a in agents if a.strip()]
    if not agents:
        raise ConfigError("No agents were named.", fix="Pass --agents A,B (for example --agents oracle,noop).")
    for agent in agents:  # before the project's test suite runs (minutes), not after
        agent_class(agent)
    settings = read_settings(repo)
    spec = ArenaSpec(kind=kind, repo=repo, agents=agents, settings=settings)
    for name, value in flags.items():
        if value is not None:
            setattr(spec, name, value)
    if spec.tasks is not None and spec.tasks < 1:
        raise ConfigError(f"--defects {spec.tasks} must be at least 1.", fix="Ask for one task or more.")
    if spec.min_score is not None and not 0.0 <= spec.min_score <= 1.0:
        raise ConfigError(f"--min-score {spec.min_score} is outside [0, 1].", fix="Pass a score such as 0.5.")
    return spec


def env_args_of(spec: ArenaSpec) -> dict[str, Any]:
    s = spec.settings
    args: dict[str, Any] = {"source": str(spec.repo.resolve()), "test_command": s.test_command,
                            "include": s.include, "exclude": s.exclude}
    if spec.cache_dir is not None:
        args["cache_dir"] = str(spec.cache_dir.resolve())
    if s.image:
        args["image"] = s.image
    per_task = spec.defects_per_task or s.defects_per_task
    if per_task:
        args["defects"] = int(per_task)
    return {k: v for k, v in args.items() if v is not None}


def validate_tasks(env_id: str, env_args: dict[str, Any], sandbox: str, seeds: list[int], length: int,
                   console: Console) -> tuple[list[ArenaTask], str, int, int, float]:
    """Generate every task once in this process (validation, cached on disk); returns the resolved backend too."""
    from locogym.envs.base import LocoEnv

    env = gym.make(env_id, sandbox=sandbox, **env_args)
    base = env.unwrapped
    assert isinstance(base, LocoEnv)
    tasks: list[ArenaTask] = []
    executed = cached = 0
    started = time.perf_counter()
    try:
        for seed in seeds:
            task = base.task_for(base.make_config(seed, {"length": length}))
            injection = base.last_injection  # type: ignore[attr-defined]
            executed += injection.runs_executed
            cached += injection.runs_cached
            gold = task.gold_as(GOLD_OF[env_id])
            tasks.append(ArenaTask(seed=seed, task_id=task.task_id, commit=gold.commit,
                                   defects=[d.model_dump() for d in gold.defects]))
            console.print(f"task {seed}: {len(gold.defects)} defect(s) validated "
                          f"({injection.runs_executed} test runs, {injection.runs_cached} from cache)")
        backend = base.grading_backend()  # type: ignore[attr-defined]
    finally:
        env.close()
    return tasks, backend, executed, cached, time.perf_counter() - started


def run_arena(spec: ArenaSpec, console: Console | None = None) -> ArenaOutcome:
    """Validate, play, report (see the module docstring).

    Raises:
        ConfigError: bad flags or ``locogym.toml``.
        DataError: the repository's tests do not run, or no defect survives validation.
        SandboxUnavailable: the sandbox backend cannot run here.
    """
    console = console or Console(stderr=True)
    env_id = ENV_OF[spec.kind]
    out = spec.out or Path("runs") / f"arena-{spec.kind}"
    seeds = list(range(spec.tasks or spec.settings.tasks or DEFAULT_TASKS))
    env_args = env_args_of(spec)
    tasks, backend, executed, cached, validation_s = validate_tasks(
        env_id, env_args, spec.sandbox or spec.settings.sandbox or "auto", seeds, spec.length, console)
    console.print(f"validation: {executed} test runs executed, {cached} reused from the cache ({validation_s:.1f}s)")
    budget = spec.settings.budget
    config = TournamentConfig(agents=[AgentEntry(spec=a) for a in spec.agents], envs=[env_id], lengths=[spec.length],
                              seeds=seeds,
                              env_args={env_id: env_args}, sandbox=backend, out=str(out),
                              budget=EnvBudget(**budget.model_dump()))
    summary = run_tournament(config, console=console, live=False)
    results = sorted(summary.results.values(), key=lambda r: (r.agent, r.seed))
    title = f"locogym arena {spec.kind} · {spec.repo.resolve().name}"
    reports = write_reports(out, title=title)
    scores: dict[str, dict[object, float]] = {a: {} for a in spec.agents}
    for result in results:
        if result.status == "done" and result.score is not None:
            scores.setdefault(result.agent, {})[result.seed] = result.score.success
    means = {a: statistics.fmean(s.values()) if s else 0.0 for a, s in scores.items()}
    matches = matches_from_scores(scores)
    ratings = bradley_terry(matches) if matches else []
    errored = sum(1 for r in results if r.status != "done")
    failing = sorted(a for a, m in means.items() if spec.min_score is not None and m < spec.min_score)
    exit_code = 2 if errored else (1 if failing else 0)
    outcome = ArenaOutcome(kind=spec.kind, out=out, tasks=tasks, results=results, means=means, ratings=ratings,
                           failing_agents=failing, errored=errored, runs_executed=executed, runs_cached=cached,
                           validation_s=validation_s, exit_code=exit_code)
    junit = write_junit(out / JUNIT, junit_cases(outcome), name=title)
    markdown = out / SUMMARY
    markdown.write_text(render_summary(outcome, spec, title), encoding="utf-8")
    outcome.files = {"junit": junit, "summary": markdown, "report_html": reports.html,
                     "report_md": reports.markdown}
    return outcome


def junit_cases(outcome: ArenaOutcome) -> list[JUnitCase]:
    by_seed = {t.seed: t for t in outcome.tasks}
    cases = []
    for result in outcome.results:
        task = by_seed.get(result.seed)
        name = task.task_id if task else f"seed-{result.seed}"
        suite = f"locogym.arena.{outcome.kind}.{result.agent}"
        if result.status != "done" or result.score is None:
            cases.append(JUnitCase(suite=suite, name=name, status="error", time_s=result.wall_time_s,
                                   message="the episode errored (infrastructure, not a score)",
                                   details=result.error or ""))
            continue
        score = result.score
        props = {"score": f"{score.success:.4f}", "outcome": score.outcome, "steps": str(result.steps),
                 "termination": result.termination, "sandbox": result.sandbox or "none",
                 "isolation": "UNISOLATED" if result.sandbox_isolated is False else "isolated",
                 "agent_privileged": str(result.agent_privileged).lower(), "integrity": integrity_of(score)}
        defects = "; ".join(f"{d['kind']} at {d['path']}:{d['line']}" for d in (task.defects if task else []))
        if score.success >= 1.0:
            cases.append(JUnitCase(suite=suite, name=name, status="passed", time_s=result.wall_time_s,
                                   properties=props))
        else:
            found = score.labels.get("integrity_detail") or score.labels.get("wrong_reason")
            cases.append(JUnitCase(suite=suite, name=name, status="failed", time_s=result.wall_time_s,
                                   message=f"score {score.success:.2f} ({score.outcome})",
                                   details=f"defects: {defects}\n" + (f"found: {found}\n" if found else "")
                                   + f"metrics: {score.metrics}", properties=props))
    return cases


def integrity_of(score: EpisodeScore) -> str:
    """``clean``, ``tampered: KINDS`` (the static scan's findings) or ``special-cased`` (the differential's)."""
    if score.outcome == "tampered":
        return f"tampered: {score.labels.get('integrity', '?')}"
    if score.outcome == "wrong" or score.labels.get("wrong_reason"):
        return "special-cased"
    return "clean"


def integrity_cell(results: list[EpisodeResult]) -> str:
    """One agent's integrity column: clean, or how many episodes were tampered or special-cased."""
    marks = [integrity_of(r.score) for r in results if r.score is not None]
    flagged = [m for m in marks if m != "clean"]
    if not flagged:
        return "clean"
    tampered = sum(m.startswith("tampered") for m in flagged)
    parts = [f"{tampered} tampered"] if tampered else []
    if len(flagged) > tampered:
        parts.append(f"{len(flagged) - tampered} special-cased")
    return "⚠️ " + ", ".join(parts)


def render_summary(outcome: ArenaOutcome, spec: ArenaSpec, title: str) -> str:
    """Markdown for a pull-request comment."""
    commit = outcome.tasks[0].commit[:12] if outcome.tasks else "?"
    rating_of = {r.name: r for r in outcome.ratings}
    lines = [f"## {title}", "",
             f"{len(outcome.tasks)} task(s) at `{commit}`; "
             f"{'threshold ' + format(spec.min_score, '.2f') if spec.min_score is not None else 'no threshold'}.", "",
             "| agent | mean score | solved | rating (95% CI) | integrity | cost (USD) | status |",
             "|---|---:|---:|---|---|---:|---|"]
    solved: dict[str, int] = {}
    counts: dict[str, int] = {}
    cost: dict[str, float] = {}
    for result in outcome.results:
        counts[result.agent] = counts.get(result.agent, 0) + 1
        cost[result.agent] = cost.get(result.agent, 0.0) + result.usage.cost_usd
        if result.score is not None and result.score.success >= 1.0:
            solved[result.agent] = solved.get(result.agent, 0) + 1
    for agent in sorted(outcome.means, key=lambda a: (-outcome.means[a], a)):
        rating = rating_of.get(agent)
        rating_text = f"{rating.rating:.0f} ({rating.low:.0f}–{rating.high:.0f})" if rating else "–"
        status = "❌ below threshold" if agent in outcome.failing_agents else "✅"
        integrity = integrity_cell([r for r in outcome.results if r.agent == agent])
        lines.append(f"| `{agent}` | {outcome.means[agent]:.2f} | {solved.get(agent, 0)}/{counts.get(agent, 0)} | "
                     f"{rating_text} | {integrity} | {cost.get(agent, 0.0):.2f} | {status} |")
    if outcome.errored:
        lines += ["", f"⚠️ {outcome.errored} episode(s) errored (infrastructure failures, not scored)."]
    lines += ["", "<details><summary>Per task</summary>", "",
              "| task | defects | " + " | ".join(f"`{a}`" for a in spec.agents) + " |",
              "|---|---|" + "---|" * len(spec.agents)]
    cell: dict[tuple[str, int], str] = {}
    for result in outcome.results:
        cell[(result.agent, result.seed)] = (f"{result.score.success:.2f} {result.score.outcome}"
                                             if result.score is not None else "error")
    for task in outcome.tasks:
        defects = "<br>".join(f"{d['kind']} `{d['path']}:{d['line']}`" for d in task.defects)
        lines.append(f"| {task.task_id} | {defects} | "
                     + " | ".join(cell.get((a, task.seed), "–") for a in spec.agents) + " |")
    lines += ["", "</details>", "",
              f"Validation: {outcome.runs_executed} test runs executed, {outcome.runs_cached} reused from the cache "
              f"({outcome.validation_s:.1f}s)."]
    return "\n".join(lines) + "\n"
