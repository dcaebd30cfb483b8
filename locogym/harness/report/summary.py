"""The numbers every report shows, computed once from a run: leaderboard, curves, effective length, behaviours.

Only finished episodes are scored; errored ones (provider down, sandbox died, a defect in env code) are counted
apart and never pull a model's score down. Every statistic comes from :mod:`locogym.scoring.aggregate`, so the
reports and any analysis built on the scoring package agree to the last digit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from locogym.core.types import EpisodeResult
from locogym.harness.provenance import recorded_sandboxes
from locogym.harness.report.confidence import Confidence, assess, task_id
from locogym.harness.report.data import RunData
from locogym.scoring.aggregate import Interval, effective_lengths, length_curves, mean_ci, summarize
from locogym.scoring.calibration import Calibration, calibration_of
from locogym.scoring.common import passed

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
    ecl: int | None = None  # effective context length (tokens)
    ecl_first_below: int | None = None
    per_env: dict[str, Interval] = field(default_factory=dict)
    behaviours: dict[str, float | None] = field(default_factory=dict)
    reference: bool = False  # the agent was handed the hidden task (the oracle): shown apart from the ranking


@dataclass
class Summary:
    agents: list[str]
    envs: list[str]
    lengths: list[int]
    rows: list[AgentRow]  # best first
    curves: dict[str, dict[str, list[tuple[int, Interval]]]]  # env -> agent -> [(length, score)]
    overall_curves: dict[str, list[tuple[int, Interval]]]  # agent -> pooled over envs
    headline_keys: dict[str, str | None]  # behaviour -> metric key shown
    metrics: dict[str, dict[str, float]]  # agent -> every numeric metric's mean
    metric_counts: dict[str, dict[str, int]]  # agent -> how many episodes each metric's mean is over
    ecl_by_env: dict[tuple[str, str], tuple[int | None, int | None]]  # (agent, env) -> (effective, first below)
    errored: list[EpisodeResult]
    missing: int
    sandbox: str | None = None  # the backends the episodes ran in, from their rows (never the last invocation)
    unisolated: int = 0  # finished episodes whose commands ran in the local sandbox, without isolation
    calibration: dict[str, Calibration] = field(default_factory=dict)  # agents that stated any confidence
    confidence: Confidence | None = None  # reliability over trials, paired comparisons, ratings


def summarise(run: RunData) -> Summary:
    done = run.done
    agents = _ordered(r.agent for r in run.results)
    envs = _ordered(r.env for r in run.results)
    lengths = sorted({r.length for r in run.results})
    by_agent: dict[str, list[EpisodeResult]] = defaultdict(list)
    for result in done:
        by_agent[result.agent].append(result)
    errored_by_agent: dict[str, int] = defaultdict(int)
    spent: dict[str, list[EpisodeResult]] = defaultdict(list)
    for result in run.errored:
        errored_by_agent[result.agent] += 1
        spent[result.agent].append(result)
    for result in done:
        spent[result.agent].append(result)

    curves: dict[str, dict[str, list[tuple[int, Interval]]]] = {env: {} for env in envs}
    for (env, agent), points in length_curves(done, by=("env", "agent")).items():
        curves[str(env)][str(agent)] = [(p.length, p.score) for p in points]
    overall: dict[str, list[tuple[int, Interval]]] = {agent: [] for agent in agents}
    for (agent,), points in length_curves(done, by=("agent",)).items():
        overall[str(agent)] = [(p.length, p.score) for p in points]
    ecls = {str(key[0]): value for key, value in effective_lengths(done, by=("agent",)).items()}
    ecl_by_env = {(str(agent), str(env)): (value.effective, value.first_below)
                  for (agent, env), value in effective_lengths(done, by=("agent", "env")).items()}
    means = summarize(done, by=("agent",), n_boot=0)
    metric_means = {agent: {k: iv.mean for k, iv in means.get((agent,), {}).items() if k != "success"}
                    for agent in agents}
    metric_counts = {agent: {k: iv.n for k, iv in means.get((agent,), {}).items() if k != "success"}
                     for agent in agents}
    headline_keys = {b: _headline_key(b, metric_means) for b in BEHAVIOURS}
    rows = []
    for agent in agents:
        results = by_agent[agent]
        successes = [_success(r) for r in results]
        ecl = ecls.get(agent)
        rows.append(AgentRow(
            agent=agent, score=task_interval(results), solved=pass_rate(successes), episodes=len(results),
            errored=errored_by_agent[agent], steps=_mean([r.steps for r in results]),
            # spend counts every episode that ran, errored ones included: their tokens were paid for
            input_tokens=sum(r.usage.input for r in spent[agent]), output_tokens=sum(r.usage.output for r in spent[agent]),
            cost_usd=sum(r.usage.cost_usd for r in spent[agent]), wall_time_s=sum(r.wall_time_s for r in results),
            ecl=ecl.effective if ecl else None, ecl_first_below=ecl.first_below if ecl else None,
            per_env={env: task_interval([r for r in results if r.env == env]) for env in envs
                     if any(r.env == env for r in results)},
            behaviours={b: metric_means[agent].get(k) if k else None for b, k in headline_keys.items()},
            reference=any(r.agent_privileged for r in results)))
    rows.sort(key=lambda row: (row.reference, -row.score.mean if row.episodes else 1.0, row.agent))
    used = recorded_sandboxes(run.results)
    # Rows written before they carried their sandbox leave only the plan's word for it.
    sandbox = ", ".join(used) if used else (run.plan.get("sandbox") if run.plan else None)
    unisolated = sum(1 for r in done if r.sandbox_isolated is False)
    calibration = {agent: found for agent in agents
                   if (found := calibration_of(r.score for r in by_agent[agent] if r.score is not None)).answers}
    ranked = [r.agent for r in rows]
    return Summary(agents=ranked, envs=envs, lengths=lengths, rows=rows, curves=curves,
                   overall_curves=overall, headline_keys=headline_keys, metrics=metric_means, metric_counts=metric_counts,
                   ecl_by_env=ecl_by_env, errored=run.errored, missing=run.missing, sandbox=sandbox,
                   unisolated=unisolated, calibration=calibration,
                   confidence=assess(done, ranked, envs) if done else None)


def rank_labels(rows: list[AgentRow]) -> list[str]:
    """The rank column: 1, 2, ... for ranked agents, ``ref`` for references (which saw the hidden task)."""
    labels, rank = [], 0
    for row in rows:
        if row.reference:
            labels.append("ref")
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
