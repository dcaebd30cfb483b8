"""Length statistics over paired tasks: the same core played at every length of a ladder.

A length curve only measures length when every point is the same set of tasks: then a drop between two lengths
is the effect of the context that grew, not of harder tasks drawn at one length. Episodes share a task when they
share env and ``core_hash`` (see :mod:`locogym.core.ladder`); trials of one task at one length are averaged first.
A task enters an agent's curve only when that agent has a score for it at *every* length of the curve
(complete pairs); tasks seen at some lengths only are counted as ``incomplete`` and left out.

On those tasks:

* the **paired curve** is the mean score at each length, with a bootstrap interval that resamples *tasks* (each
  resampled task brings its whole row of lengths, so the points move together, as they should);
* each length's **paired drop** is the mean of (score at the shortest length - score at that length) over the tasks,
  with its bootstrap interval;
* **degradation** is the paired drop at the longest length: the mean score a task loses from the shortest to the
  longest length (positive: worse with more context), with its interval and an exact two-sided sign test over the
  tasks whose score moved;
* the **paired effective length** is the longest length up to which the paired mean stays at or above 85% of the
  mean at the shortest length; its interval is the 2.5th and 97.5th percentile of the same figure over bootstrap
  resamples of tasks (so "32k [8k, 128k]" means the data cannot tell those apart).

Everything is deterministic: bootstraps draw from a generator seeded by the caller.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import binomtest

from locogym.core.types import EpisodeResult
from locogym.scoring.aggregate import (
    DEFAULT_BOOTSTRAP,
    EFFECTIVE_FRACTION,
    GroupKey,
    Interval,
    metric_of,
    usable,
)

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Degradation:
    """The mean paired drop from the shortest to the longest length (positive: the score falls)."""

    shortest: int
    longest: int
    drop: Interval
    worse: int  # tasks that scored lower at the longest length
    better: int  # tasks that scored higher there
    p_value: float  # exact two-sided sign test over the tasks whose score moved (1.0 when none moved)


@dataclass(frozen=True)
class PairedEffectiveLength:
    """The paired effective length: the longest length whose paired mean stays >= fraction x the shortest's."""

    effective: int | None  # None: the shortest length already scores 0, there is nothing to keep
    low: int | None  # bootstrap percentiles over resampled tasks
    high: int | None
    first_below: int | None  # the first length whose mean falls under the threshold (None: holds throughout)


@dataclass(frozen=True)
class PairedCurve:
    """One group's (for example one agent on one env) score against length over complete tasks."""

    lengths: list[int]
    means: list[Interval]  # the paired mean at each length, intervals over resampled tasks
    drops: list[Interval]  # score at the shortest length minus score at each length (the first is 0)
    degradation: Degradation
    effective: PairedEffectiveLength
    tasks: int  # complete tasks the curve is over
    incomplete: int  # tasks with a score at some lengths only (left out)
    per_task: dict[str, list[float]] = field(default_factory=dict)  # core -> score at each length

    def points(self) -> list[tuple[int, Interval]]:
        return list(zip(self.lengths, self.means, strict=True))


@dataclass(frozen=True)
class Unpaired:
    """Why a group has no paired curve: said in reports instead of drawing one."""

    reason: str
    lengths: list[int]
    incomplete: int = 0


def task_key(result: EpisodeResult) -> str | None:
    """The task an episode played, the same at every length: its env and core hash (None when the row has none)."""
    return f"{result.env}|{result.core_hash}" if result.core_hash else None


def _scores_by_task(members: Iterable[EpisodeResult], metric: str) -> tuple[dict[str, dict[int, float]], int]:
    """(task -> length -> mean over trials) and the number of rows that carry no core hash."""
    values: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    unkeyed = 0
    for result in members:
        key = task_key(result)
        value = metric_of(result, metric)
        if key is None:
            unkeyed += 1
        elif value is not None:
            values[key][result.length].append(value)
    return {k: {length: float(np.mean(v)) for length, v in by_length.items()}
            for k, by_length in values.items()}, unkeyed


def _columns(rows: np.ndarray, draws: np.ndarray | None) -> list[Interval]:
    """Per length (column), the mean over tasks with its interval from the resampled means (none: no draws)."""
    return [_interval(rows[:, j].mean(), draws[:, j] if draws is not None else None, len(rows))
            for j in range(rows.shape[1])]


def _why_unpaired(ladder: list[int], unkeyed: int, by_task: dict[str, dict[int, float]],
                  complete: dict[str, list[float]]) -> Unpaired | None:
    """Why no curve can be drawn from these tasks, or None when one can."""
    if len(ladder) < 2:
        return Unpaired("one length only: a curve needs two or more", ladder)
    if unkeyed and not by_task:
        return Unpaired(f"{unkeyed} episode(s) carry no core hash (recorded before tasks named their core), so "
                        "no two lengths can be paired", ladder)
    if not complete:
        incomplete = len(by_task)
        return Unpaired(f"no task was scored at every length ({incomplete} task(s) at some lengths only)", ladder,
                        incomplete)
    return None


def paired_curve(results: Iterable[EpisodeResult], metric: str = "success", *, lengths: Sequence[int] | None = None,
                 fraction: float = EFFECTIVE_FRACTION, n_boot: int = DEFAULT_BOOTSTRAP,
                 seed: int = 0) -> PairedCurve | Unpaired:
    """The paired curve of one group of episodes (see the module docstring).

    ``lengths`` is the ladder to pair on (default: every length the group has a score at). Returns
    :class:`Unpaired` with the reason when there is no curve to draw: fewer than two lengths, rows without a core
    hash (recorded before tasks had one), or no task scored at every length.
    """
    members = usable(results)
    by_task, unkeyed = _scores_by_task(members, metric)
    ladder = sorted(set(lengths) if lengths is not None else {r.length for r in members})
    complete = {k: [s[length] for length in ladder] for k, s in sorted(by_task.items()) if all(x in s for x in ladder)}
    unpaired = _why_unpaired(ladder, unkeyed, by_task, complete)
    if unpaired is not None:
        return unpaired
    table = np.asarray(list(complete.values()), dtype=float)  # tasks x lengths
    draws = _bootstrap_rows(table, n_boot, seed)  # resamples x lengths (means)
    drop_rows = table[:, :1] - table
    drops = _columns(drop_rows, draws[:, :1] - draws if draws is not None else None)
    return PairedCurve(lengths=ladder, means=_columns(table, draws), drops=drops,
                       degradation=_degradation(ladder, drop_rows[:, -1], drops[-1]),
                       effective=_effective(ladder, table.mean(axis=0), draws, fraction),
                       tasks=len(table), incomplete=len(by_task) - len(complete), per_task=complete)


def paired_curves(results: Iterable[EpisodeResult], metric: str = "success", by: Sequence[str] = ("agent", "env"),
                  *, fraction: float = EFFECTIVE_FRACTION, n_boot: int = DEFAULT_BOOTSTRAP,
                  seed: int = 0) -> dict[GroupKey, PairedCurve | Unpaired]:
    """:func:`paired_curve` per group of the named EpisodeResult fields; each group pairs on its own lengths."""
    groups: dict[GroupKey, list[EpisodeResult]] = defaultdict(list)
    for result in usable(results):
        groups[tuple(getattr(result, name) for name in by)].append(result)
    return {key: paired_curve(members, metric, fraction=fraction, n_boot=n_boot, seed=seed)
            for key, members in groups.items()}


def _bootstrap_rows(table: np.ndarray, n_boot: int, seed: int) -> np.ndarray | None:
    """Column means over ``n_boot`` resamples of the table's rows (tasks), or None without resampling (one task
    needs no special case: every resample of it is itself, so its intervals close on the mean)."""
    if n_boot <= 0:
        return None
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(table), size=(n_boot, len(table)))
    return np.asarray(table[picks].mean(axis=1))


def _interval(mean: float, draws: np.ndarray | None, n: int) -> Interval:
    if draws is None:
        return Interval(float(mean), float(mean), float(mean), n)
    tail = (1.0 - CONFIDENCE) / 2.0
    low, high = np.quantile(draws, [tail, 1.0 - tail])
    return Interval(float(mean), float(min(low, mean)), float(max(high, mean)), n)


def _degradation(ladder: list[int], drops: np.ndarray, interval: Interval) -> Degradation:
    worse, better = int((drops > 1e-12).sum()), int((drops < -1e-12).sum())
    moved = worse + better
    p_value = float(binomtest(worse, moved, 0.5).pvalue) if moved else 1.0
    return Degradation(ladder[0], ladder[-1], interval, worse, better, p_value)


def _effective_of(ladder: list[int], means: np.ndarray, fraction: float) -> tuple[int | None, int | None]:
    base = float(means[0])
    if base <= 0.0:
        return None, None
    threshold = fraction * base
    effective: int | None = None
    for length, score in zip(ladder, means, strict=True):
        if score < threshold - 1e-12:
            return effective, length
        effective = length
    return effective, None


def _effective(ladder: list[int], means: np.ndarray, draws: np.ndarray | None,
               fraction: float) -> PairedEffectiveLength:
    effective, first_below = _effective_of(ladder, means, fraction)
    if effective is None or draws is None:
        return PairedEffectiveLength(effective, effective, effective, first_below)
    found = [_effective_of(ladder, row, fraction)[0] for row in draws]
    spread = np.asarray([0 if f is None else f for f in found], dtype=float)
    tail = (1.0 - CONFIDENCE) / 2.0
    low, high = np.quantile(spread, [tail, 1.0 - tail], method="lower")
    return PairedEffectiveLength(effective, _rung(ladder, low), _rung(ladder, high), first_below)


def _rung(ladder: list[int], value: float) -> int | None:
    """A bootstrap percentile as a length of the ladder (0 stands for "none kept": the shortest already scored 0)."""
    return None if value <= 0 else max(length for length in ladder if length <= value)
