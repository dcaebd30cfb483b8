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
from locogym.harness.report.data import RunData
from locogym.scoring.aggregate import Interval, effective_lengths, length_curves, mean_ci, summarize
from locogym.scoring.common import passed

BEHAVIOURS = ("cascade", "stop", "efficiency", "consistency")
# The one number per behaviour on the leaderboard: metrics that separate the baselines (the noop never acts, so
# failure rates such as cascade.rate tie it with the oracle). When a run's scores do not carry the preferred key
# (an older scorer), the next one, or the namespace's first metric, is shown instead, named as such.
HEADLINE: dict[str, tuple[str, ...]] = {
    "cascade": ("cascade.error_free", "cascade.errors"),
    "stop": ("stop.timely",),
    "efficiency": ("efficiency.step_ratio",),
    "consistency": ("consistency.truth_rate",),
}
# Which way is better, for the metrics a headline may show (None: no known direction, no arrow).
DIRECTION: dict[str, bool] = {"cascade.error_free": True, "cascade.errors": False, "cascade.rate": False,
                              "stop.timely": True, "efficiency.step_ratio": True, "consistency.truth_rate": True}
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
    ecl_by_env: dict[tuple[str, str], tuple[int | None, int | None]]  # (agent, env) -> (effective, first below)
    errored: list[EpisodeResult]
    missing: int
    sandbox: str | None = None


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
    headline_keys = {b: _headline_key(b, metric_means) for b in BEHAVIOURS}
    rows = []
    for agent in agents:
        results = by_agent[agent]
        successes = [_success(r) for r in results]
        ecl = ecls.get(agent)
        rows.append(AgentRow(
            agent=agent, score=interval(successes), solved=pass_rate(successes), episodes=len(results),
            errored=errored_by_agent[agent], steps=_mean([r.steps for r in results]),
            # spend counts every episode that ran, errored ones included: their tokens were paid for
            input_tokens=sum(r.usage.input for r in spent[agent]), output_tokens=sum(r.usage.output for r in spent[agent]),
            cost_usd=sum(r.usage.cost_usd for r in spent[agent]), wall_time_s=sum(r.wall_time_s for r in results),
            ecl=ecl.effective if ecl else None, ecl_first_below=ecl.first_below if ecl else None,
            per_env={env: interval([_success(r) for r in results if r.env == env]) for env in envs
                     if any(r.env == env for r in results)},
            behaviours={b: metric_means[agent].get(k) if k else None for b, k in headline_keys.items()}))
    rows.sort(key=lambda row: (-row.score.mean if row.episodes else 1.0, row.agent))
    sandbox = run.plan.get("sandbox") if run.plan else None
    return Summary(agents=[r.agent for r in rows], envs=envs, lengths=lengths, rows=rows, curves=curves,
                   overall_curves=overall, headline_keys=headline_keys, metrics=metric_means, ecl_by_env=ecl_by_env,
                   errored=run.errored, missing=run.missing, sandbox=sandbox)


def interval(values: list[float]) -> Interval:
    """Mean and 95% bootstrap interval (an empty group is an n=0 interval, shown as a dash)."""
    return mean_ci(values) if values else Interval(0.0, 0.0, 0.0, 0)


def fmt_interval(iv: Interval, digits: int = 2) -> str:
    if iv.n == 0:
        return "–"
    return f"{iv.mean:.{digits}f} [{iv.low:.{digits}f}, {iv.high:.{digits}f}]"


def pass_rate(values: list[float]) -> float:
    """Share of episodes that fully succeeded (the scoring package's pass threshold)."""
    return sum(1 for v in values if passed(v)) / len(values) if values else 0.0


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
