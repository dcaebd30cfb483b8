"""The "How sure are we" part of a report: reliability over trials and paired comparisons between agents.

A *task* is everything that decides an episode except the agent and the trial: env, reset options, family
arguments, seed and length. Trials of one task are pooled into one per-task mean before any comparison, so an
agent is never credited for playing a task more often, and agents are compared only on tasks both played.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace

from locogym.core.types import EpisodeResult, stable_hash
from locogym.scoring.aggregate import Interval
from locogym.scoring.common import passed
from locogym.scoring.reliability import (
    PairedComparison,
    Reliability,
    TaskTrials,
    bradley_terry,
    compare,
    holm,
    reliability,
)


@dataclass
class Confidence:
    """Everything the reports say about how far the leaderboard can be trusted."""

    trials: int  # most trials any task has
    reliability: dict[tuple[str, str], Reliability]  # (agent, env) -> pass^k, pass@k, flip rate
    overall: dict[str, Reliability]  # agent -> pooled over envs
    pairs: dict[tuple[str, str], PairedComparison]  # (a, b), a above b on the leaderboard
    ratings: dict[str, Interval]  # Bradley-Terry, Elo scale
    findings: list[str] = field(default_factory=list)  # plain sentences a reader sees first


def task_id(result: EpisodeResult) -> str:
    """What makes two episodes attempts at the same task (the trial and the agent left out)."""
    return stable_hash({"env": result.env, "options": result.options, "env_args": result.env_args,
                        "seed": result.seed, "length": result.length}, 16)


def _trials(done: Sequence[EpisodeResult]) -> dict[tuple[str, str, str], list[float]]:
    """(agent, env, task) -> the success of each trial, in the order played."""
    trials: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for result in done:
        assert result.score is not None
        trials[(result.agent, result.env, task_id(result))].append(float(result.score.success))
    return trials


def _pooled(trials: dict[tuple[str, str, str], list[float]]
            ) -> tuple[dict[tuple[str, str], list[TaskTrials]], dict[str, dict[str, float]]]:
    """Per (agent, env) the passes of each task's trials, and per agent each task's mean over its trials."""
    counts: dict[tuple[str, str], list[TaskTrials]] = defaultdict(list)
    per_task: dict[str, dict[str, float]] = defaultdict(dict)
    for (agent, env, task), values in trials.items():
        counts[(agent, env)].append(TaskTrials(len(values), sum(1 for v in values if passed(v))))
        per_task[agent][task] = sum(values) / len(values)
    return counts, per_task


def _compared(contestants: list[str], per_task: dict[str, dict[str, float]]
              ) -> dict[tuple[str, str], PairedComparison]:
    """Every pair of contestants that both played, with its sign test Holm-corrected over all the pairs."""
    raw = {(a, b): compare(a, b, per_task[a], per_task[b])
           for i, a in enumerate(contestants) for b in contestants[i + 1:] if per_task.get(a) and per_task.get(b)}
    adjusted = holm([pair.sign_p for pair in raw.values()])
    return {key: replace(pair, p_holm=p) for (key, pair), p in zip(raw.items(), adjusted, strict=True)}


def assess(done: Sequence[EpisodeResult], agents: Sequence[str], envs: Sequence[str],
           references: Collection[str] = ()) -> Confidence:
    """Reliability, pairwise comparisons and ratings of finished episodes; ``agents`` in leaderboard order.

    ``references`` (agents that saw the hidden task) get their reliability but are compared with no one: beating
    or trailing a reference says nothing about an agent. The sign tests of all pairs are Holm-corrected together,
    since a reader scans every one of them."""
    trials = _trials(done)
    counts, per_task = _pooled(trials)
    by_env = {key: reliability(found) for key, found in counts.items()}
    overall = {agent: reliability([t for env in envs for t in counts.get((agent, env), [])])
               for agent in agents if any((agent, env) in counts for env in envs)}
    contestants = [a for a in agents if a not in references]
    ratings = bradley_terry({a: per_task[a] for a in agents if per_task.get(a)})
    most = max((len(v) for v in trials.values()), default=0)
    confidence = Confidence(trials=most, reliability=by_env, overall=overall,
                            pairs=_compared(contestants, per_task), ratings=ratings)
    confidence.findings = _findings(confidence, contestants)
    return confidence


def _findings(found: Confidence, agents: list[str]) -> list[str]:
    """A few sentences in plain words: which neighbours on the leaderboard are really apart, and how flaky."""
    lines = []
    ranked = [a for a in agents if a in found.overall]
    for a, b in zip(ranked, ranked[1:], strict=False):
        pair = found.pairs.get((a, b))
        if pair is None or pair.tasks == 0:
            continue
        diff = pair.difference
        leader, other = (a, b) if pair.leader == a else (b, a)
        sign = 1.0 if leader == a else -1.0  # the gap is told from the leader's side
        low, high = sorted((sign * diff.low, sign * diff.high))
        gap = f"{sign * diff.mean:+.2f} [{low:+.2f}, {high:+.2f}] over {pair.tasks} shared tasks"
        if pair.separated:
            lines.append(f"{leader} is ahead of {other}: {gap} (sign test p = {pair.sign_p:.3g}, "
                         f"{pair.p_value:.3g} after Holm's correction over {len(found.pairs)} pairs).")
        elif pair.tasks_needed is None:
            lines.append(f"{a} and {b} cannot be told apart: neither wins more shared tasks than the other ({gap}).")
        else:
            lines.append(f"{a} and {b} cannot be told apart yet: {gap} for {leader} (sign test p = "
                         f"{pair.p_value:.3g} after Holm's correction); about {pair.tasks_needed} tasks would be "
                         f"needed to separate them at this difference.")
    if found.trials < 2:
        lines.append("Each task was played once, so pass^k and the flip rate are not measured: run with "
                     "--trials 3 to see how often results change between identical runs.")
    else:
        flaky = [(a, r.flip_rate) for a, r in found.overall.items() if r.flip_rate]
        for agent, rate in sorted(flaky, key=lambda item: -item[1]):
            rel = found.overall[agent]
            lines.append(f"{agent} flips on {rate:.0%} of {rel.flip_tasks} tasks between identical trials; "
                         f"pass^{rel.k} = {rel.pass_hat_k.mean:.2f} against pass@{rel.k} = {rel.pass_at_k.mean:.2f}.")
        if not flaky:
            lines.append(f"No agent's result changed between its {found.trials} trials of any task.")
    return lines
