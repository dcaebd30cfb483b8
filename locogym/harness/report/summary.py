"""The numbers every report shows, computed once from a run: leaderboard, curves, effective length, behaviours.

Only finished episodes are scored; errored ones (provider down, sandbox died, a defect in env code) are counted
apart and never pull a model's score down, and refused ones (a length too short for a task's core) were never
played. Every statistic comes from :mod:`locogym.scoring.aggregate` and :mod:`locogym.scoring.paired`, so the
reports and any analysis built on the scoring package agree to the last digit.

Length figures are paired: a curve, an effective length and a degradation are computed over the tasks (cores)
an agent played at every length, so they compare each task with itself; a run whose lengths cannot be paired
says why instead of drawing a curve.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from locogym.core.ladder import DEPTH_BINS, depth_bin
from locogym.core.tokens import format_length
from locogym.core.types import EpisodeResult
from locogym.harness.provenance import recorded_sandboxes
from locogym.harness.report.confidence import Confidence, assess, task_id
from locogym.harness.report.data import RunData
from locogym.scoring.aggregate import Interval, mean_ci, summarize
from locogym.scoring.calibration import Calibration, calibration_of
from locogym.scoring.common import passed
from locogym.scoring.paired import Degradation, PairedCurve, PairedEffectiveLength, Unpaired, paired_curve

BEHAVIOURS = ("cascade", "stop", "efficiency", "consistency")
# The one number per behaviour on the leaderboard: metrics that separate the baselines (the noop never acts, so
# failure rates such as cascade.rate tie it with the oracle) and that guessing cannot raise (efficiency.score is 0
# for an unsolved or guessed episode; stop.sound counts answers drawn from the prompt only when they rest on
# its evidence). When a run's scores do not carry the preferred key (an older scorer), the next one, or the
# namespace's first metric, is shown instead, named as such.
HEADLINE: dict[str, tuple[str, ...]] = {
    "cascade": ("cascade.error_free", "cascade.errors"),
    "stop": ("stop.sound", "stop.timely"),
    "efficiency": ("efficiency.score", "efficiency.step_ratio"),
    "consistency": ("consistency.truth_rate",),
}
# Which way is better, for the metrics a headline may show (None: no known direction, no arrow).
DIRECTION: dict[str, bool] = {"cascade.error_free": True, "cascade.errors": False, "cascade.rate": False,
                              "stop.sound": True, "stop.timely": True, "efficiency.score": True,
                              "efficiency.step_ratio": True, "consistency.truth_rate": True}
# A chart whose every non-exact interval is at least this wide (of the 0–1 range) is not drawn.
WIDE_INTERVAL = 0.9
BEHAVIOUR_TITLES = {"cascade": "cascading errors", "stop": "early stopping", "efficiency": "tool efficiency",
                    "consistency": "long-horizon consistency"}
Curve = PairedCurve | Unpaired


@dataclass
class AgentRow:
    """One leaderboard line."""

    agent: str
    score: Interval
    solved: float  # share of episodes with full success
    episodes: int
    errored: int
    steps: float
    input_tokens: int
    output_tokens: int
    cost_usd: float
    wall_time_s: float
    ecl: PairedEffectiveLength | None = None  # paired effective context length, pooled over envs
    degradation: Degradation | None = None  # paired drop from the shortest to the longest length, pooled
    per_env: dict[str, Interval] = field(default_factory=dict)
    behaviours: dict[str, float | None] = field(default_factory=dict)
    reference: bool = False  # the agent was handed the hidden task (the oracle): shown apart from the ranking
    planned: int | None = None  # playable episodes the sealed plan gives the agent (refused tasks left out)

    @property
    def incomplete(self) -> bool:
        """Fewer scored episodes than planned: its mean is over other tasks than a complete agent's, so it is
        marked and not ranked (never dropped, which would hide that it ran)."""
        return self.planned is not None and self.episodes < self.planned


@dataclass
class Summary:
    agents: list[str]
    envs: list[str]
    lengths: list[int]
    rows: list[AgentRow]  # best first
    curves: dict[str, dict[str, Curve]]  # env -> agent -> paired curve (or why there is none)
    overall_curves: dict[str, Curve]  # agent -> paired over every env's tasks, on the lengths the envs share
    headline_keys: dict[str, str | None]  # behaviour -> metric key shown
    metrics: dict[str, dict[str, float]]  # agent -> every numeric metric's mean
    metric_counts: dict[str, dict[str, int]]  # agent -> how many episodes each metric's mean is over
    ecl_by_env: dict[tuple[str, str], PairedEffectiveLength | None]  # (agent, env) -> paired effective length
    errored: list[EpisodeResult]
    missing: int
    refused: list[EpisodeResult] = field(default_factory=list)  # tasks a length could not hold: never played
    truncated: list[EpisodeResult] = field(default_factory=list)  # scored, but the provider cut some prompts
    ledger_usd: float | None = None  # the run's spending ledger, every invocation and attempt counted
    depths: dict[str, dict[str, Interval]] = field(default_factory=dict)  # agent -> depth third -> task mean
    sandbox: str | None = None  # the backends the episodes ran in, from their rows (never the last invocation)
    unisolated: int = 0  # finished episodes whose commands ran in the local sandbox, without isolation
    calibration: dict[str, Calibration] = field(default_factory=dict)  # agents that stated any confidence
    confidence: Confidence | None = None  # reliability over trials, paired comparisons, ratings


@dataclass
class _Groups:
    """A run's episodes by agent: the scored ones, a count of the errored ones, and every paid attempt."""

    done: dict[str, list[EpisodeResult]]
    errored: dict[str, int]
    spent: dict[str, list[EpisodeResult]]
    refused: dict[str, int]  # tasks a length could not hold: planned, but no agent can play them


def _groups(run: RunData) -> _Groups:
    done: dict[str, list[EpisodeResult]] = defaultdict(list)
    for result in run.done:
        done[result.agent].append(result)
    errored: dict[str, int] = defaultdict(int)
    for result in run.errored:
        errored[result.agent] += 1
    # Spend counts every attempt that ran (an errored one retried later was paid for too), not only the latest.
    spent: dict[str, list[EpisodeResult]] = defaultdict(list)
    for result in run.attempts or [*run.errored, *run.done]:
        spent[result.agent].append(result)
    refused: dict[str, int] = defaultdict(int)
    for result in run.refused:
        refused[result.agent] += 1
    return _Groups(done, errored, spent, refused)


def _curves(envs: list[str], agents: list[str],
            by_agent: dict[str, list[EpisodeResult]]) -> dict[str, dict[str, Curve]]:
    """Env -> agent -> the paired curve of the agent's episodes in that env (agents that played it)."""
    curves: dict[str, dict[str, Curve]] = {env: {} for env in envs}
    for env in envs:
        for agent in agents:
            members = [r for r in by_agent[agent] if r.env == env]
            if members:
                curves[env][agent] = paired_curve(members)
    return curves


def _metric_tables(done: list[EpisodeResult], agents: list[str]) -> tuple[dict[str, dict[str, float]],
                                                                          dict[str, dict[str, int]]]:
    """Per agent, every metric's mean over its episodes and how many episodes that mean is over."""
    means = summarize(done, by=("agent",), n_boot=0)
    metric_means = {agent: {k: iv.mean for k, iv in means.get((agent,), {}).items() if k != "success"}
                    for agent in agents}
    metric_counts = {agent: {k: iv.n for k, iv in means.get((agent,), {}).items() if k != "success"}
                     for agent in agents}
    return metric_means, metric_counts


def _row(agent: str, groups: _Groups, pooled: Curve | None, envs: list[str],
         behaviours: dict[str, float | None], planned: int | None) -> AgentRow:
    """One agent's leaderboard line: scores from its finished episodes, spend from every attempt it ran."""
    results, spent = groups.done[agent], groups.spent[agent]
    paired = pooled if isinstance(pooled, PairedCurve) else None
    return AgentRow(
        agent=agent, score=task_interval(results), solved=pass_rate([_success(r) for r in results]),
        episodes=len(results), errored=groups.errored[agent], steps=_mean([r.steps for r in results]),
        input_tokens=sum(r.usage.input for r in spent), output_tokens=sum(r.usage.output for r in spent),
        cost_usd=sum(r.usage.cost_usd for r in spent), wall_time_s=sum(r.wall_time_s for r in results),
        ecl=paired.effective if paired else None, degradation=paired.degradation if paired else None,
        per_env=_per_env(results, envs), behaviours=behaviours,
        reference=any(r.agent_privileged for r in results),
        planned=planned - groups.refused[agent] if planned is not None else None)


def _per_env(results: list[EpisodeResult], envs: list[str]) -> dict[str, Interval]:
    """The task-mean score in each env the agent played."""
    return {env: task_interval([r for r in results if r.env == env]) for env in envs
            if any(r.env == env for r in results)}


def _effective_by_env(
        curves: dict[str, dict[str, Curve]]) -> dict[tuple[str, str], PairedEffectiveLength | None]:
    return {(agent, env): curve.effective if isinstance(curve, PairedCurve) else None
            for env, per_agent in curves.items() for agent, curve in per_agent.items()}


def _sandbox(run: RunData) -> str | None:
    used = recorded_sandboxes(run.results)
    # Rows written before they carried their sandbox leave only the plan's word for it.
    return ", ".join(used) if used else (run.plan.get("sandbox") if run.plan else None)


def _overall_curves(agents: list[str], by_agent: dict[str, list[EpisodeResult]]) -> dict[str, Curve]:
    """Agent -> its paired curve pooled over every env it played (agents with a finished episode)."""
    return {agent: _pooled_curve(by_agent[agent]) for agent in agents if by_agent[agent]}


def _unisolated(done: list[EpisodeResult]) -> int:
    """Finished episodes whose commands ran in the local sandbox, without isolation."""
    return sum(1 for r in done if r.sandbox_isolated is False)


def _headlines(means: dict[str, float], keys: dict[str, str | None]) -> dict[str, float | None]:
    """Behaviour -> the agent's mean of the metric shown for it (None: no metric, or the agent has none)."""
    return {b: means.get(k) if k else None for b, k in keys.items()}


def _ranked(rows: list[AgentRow]) -> list[AgentRow]:
    """Best mean first; incomplete agents after every complete one, then references (handed the hidden task);
    rows without an episode last in their group; the name breaks ties."""
    return sorted(rows, key=lambda row: (row.reference, row.incomplete, -row.score.mean if row.episodes else 1.0,
                                         row.agent))


def _calibrations(agents: list[str], by_agent: dict[str, list[EpisodeResult]]) -> dict[str, Calibration]:
    """The calibration of each agent that stated any confidence."""
    return {agent: found for agent in agents
            if (found := calibration_of(r.score for r in by_agent[agent] if r.score is not None)).answers}


def summarise(run: RunData) -> Summary:
    done = run.done
    agents = _ordered([*(r.agent for r in run.results), *run.planned_agents])  # a planned agent with no row shows
    envs = _ordered(r.env for r in run.results)
    groups = _groups(run)
    by_agent = groups.done
    curves = _curves(envs, agents, by_agent)
    overall = _overall_curves(agents, by_agent)
    metric_means, metric_counts = _metric_tables(done, agents)
    headline_keys = {b: _headline_key(b, metric_means) for b in BEHAVIOURS}
    rows = _ranked([_row(agent, groups, overall.get(agent), envs, _headlines(metric_means[agent], headline_keys),
                         run.planned_per_agent) for agent in agents])
    ranked = [r.agent for r in rows]
    references = {r.agent for r in rows if r.reference}
    confidence = assess(done, ranked, envs, references=references) if done else None
    return Summary(agents=ranked, envs=envs, lengths=sorted({r.length for r in run.results}), rows=rows,
                   curves=curves, overall_curves=overall, headline_keys=headline_keys, metrics=metric_means,
                   metric_counts=metric_counts, ecl_by_env=_effective_by_env(curves), errored=run.errored,
                   missing=run.missing,
                   sandbox=_sandbox(run), unisolated=_unisolated(done),
                   calibration=_calibrations(agents, by_agent), confidence=confidence, refused=run.refused,
                   truncated=[r for r in done if r.context_truncated], depths=_by_depth(by_agent),
                   ledger_usd=run.ledger_usd)


def _pooled_curve(results: list[EpisodeResult]) -> Curve:
    """One agent's paired curve over the tasks of every env, on the lengths all of its envs were run at."""
    per_env: dict[str, set[int]] = defaultdict(set)
    for result in results:
        per_env[result.env].add(result.length)
    shared = sorted(set.intersection(*per_env.values()))
    if len(shared) < 2:
        spread = "; ".join(f"{env}: {', '.join(format_length(n) for n in sorted(ls))}" for env, ls in per_env.items())
        return Unpaired(f"the environments share fewer than two lengths ({spread})", shared)
    return paired_curve(results, lengths=shared)


def _by_depth(by_agent: dict[str, list[EpisodeResult]]) -> dict[str, dict[str, Interval]]:
    """Mean success per third of the context the evidence sat in (start, middle, end), over tasks; empty when no
    episode recorded a depth."""
    out: dict[str, dict[str, Interval]] = {}
    for agent, results in by_agent.items():
        placed = [r for r in results if r.depth is not None]
        if placed:
            out[agent] = {name: task_interval([r for r in placed if depth_bin(r.depth) == name])
                          for name, _ in DEPTH_BINS}
    return out


def curve_points(curve: Curve | None) -> list[tuple[int, Interval]]:
    """A paired curve's (length, mean) points; none for a group that could not be paired."""
    return curve.points() if isinstance(curve, PairedCurve) else []


def fmt_effective(found: PairedEffectiveLength | None) -> str:
    """``16k [8k, 32k]``: the paired effective length and its bootstrap interval over tasks; ``–`` for none."""
    if found is None or found.effective is None:
        return "–"
    low, high = found.low, found.high
    spread = "" if low == high == found.effective else \
        f" [{format_length(low) if low else '0'}, {format_length(high) if high else '0'}]"
    return format_length(found.effective) + spread


def fmt_degradation(found: Degradation | None) -> str:
    """``+0.25 [+0.05, +0.45]`` (a positive drop: the score falls as the context grows); ``–`` for none."""
    return "–" if found is None else fmt_signed(found.drop)


def rank_labels(rows: list[AgentRow]) -> list[str]:
    """The rank column: 1, 2, ... for ranked agents, ``ref`` for references (which saw the hidden task), ``–`` for
    incomplete agents (fewer scored episodes than planned)."""
    labels, rank = [], 0
    for row in rows:
        if row.reference:
            labels.append("ref")
        elif row.incomplete:
            labels.append("–")
        else:
            rank += 1
            labels.append(str(rank))
    return labels


def unisolated_note(summary: Summary) -> str | None:
    """The warning every report shows when agent commands ran on the host."""
    if not summary.unisolated:
        return None
    return (f"{summary.unisolated} episode(s) ran in the local sandbox: UNISOLATED, the agent's commands ran on the "
            "host and could read the harness and its files, so their scores are not protected against cheating.")


def interval(values: list[float]) -> Interval:
    """Mean and 95% bootstrap interval (an empty group is an n=0 interval, shown as a dash)."""
    return mean_ci(values) if values else Interval(0.0, 0.0, 0.0, 0)


def task_interval(results: list[EpisodeResult]) -> Interval:
    """Mean success with a 95% bootstrap interval over *tasks*: trials of one task are averaged first, since
    repeating a task is not new evidence about other tasks (with one trial per task this is the episode mean).
    ``n`` is the number of tasks."""
    by_task: dict[str, list[float]] = defaultdict(list)
    for result in results:
        by_task[task_id(result)].append(_success(result))
    return interval([sum(values) / len(values) for values in by_task.values()])


def fmt_episodes(row: AgentRow) -> str:
    """The episodes cell: the count, ``of N planned, incomplete`` when short of the plan, and the errored ones."""
    text = f"{row.episodes}"
    if row.incomplete:
        text += f" of {row.planned} planned, incomplete"
    return text + (f" (+{row.errored} errored)" if row.errored else "")


def fmt_interval(iv: Interval, digits: int = 2, n: bool = False) -> str:
    """``mean [low, high]``, with ``n=…`` after it when ``n`` is asked for (every mean a reader compares)."""
    if iv.n == 0:
        return "–"
    return f"{iv.mean:.{digits}f} [{iv.low:.{digits}f}, {iv.high:.{digits}f}]" + (f" n={iv.n}" if n else "")


def fmt_signed(iv: Interval, digits: int = 2) -> str:
    """A difference and its interval, signs shown: ``+0.25 [+0.05, +0.45]``."""
    return f"{iv.mean:+.{digits}f} [{iv.low:+.{digits}f}, {iv.high:+.{digits}f}]"


def pass_rate(values: list[float]) -> float:
    """Share of episodes that fully succeeded (the scoring package's pass threshold)."""
    return sum(1 for v in values if passed(v)) / len(values) if values else 0.0


def uninformative(series: dict[str, list[tuple[int, Interval]]]) -> bool:
    """True when a score-against-length chart would say nothing: every point whose interval has any spread
    spans at least :data:`WIDE_INTERVAL` of the 0–1 score range (exact points, such as an oracle's, cannot save a
    chart whose other lines are all noise)."""
    spread = [iv for points in series.values() for _, iv in points if iv.n and iv.high > iv.low]
    return bool(spread) and all(iv.high - iv.low >= WIDE_INTERVAL for iv in spread)


def higher_is_better(key: str) -> bool | None:
    return DIRECTION.get(key)


def _success(result: EpisodeResult) -> float:
    assert result.score is not None
    return float(result.score.success)


def _headline_key(behaviour: str, metric_means: dict[str, dict[str, float]]) -> str | None:
    present = {key for means in metric_means.values() for key in means}
    for key in HEADLINE[behaviour]:
        if key in present:
            return key
    namespaced = sorted(k for k in present if k.startswith(behaviour + "."))
    return namespaced[0] if namespaced else None


def _mean(values: list[int] | list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _ordered(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
