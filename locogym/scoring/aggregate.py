"""Across episodes: means with bootstrap intervals, pass^k, score-vs-length curves, effective context length,
and Bradley-Terry ratings for head-to-head arenas.

Everything is plain numpy and deterministic: bootstraps draw from a generator seeded by the caller (default 0),
so the same episodes always give the same intervals. Episodes recorded as ``errored`` (a provider or sandbox
failure) are never counted: they are not the model's failures.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from locogym.core.types import EpisodeResult
from locogym.scoring.common import PASS_THRESHOLD, passed

DEFAULT_BOOTSTRAP = 2000
EFFECTIVE_FRACTION = 0.85
ELO_SCALE = 400.0 / math.log(10.0)
ELO_BASE = 1000.0


@dataclass(frozen=True)
class Interval:
    """A mean and its two-sided bootstrap confidence interval over ``n`` values."""

    mean: float
    low: float
    high: float
    n: int


def mean_ci(values: Sequence[float], *, confidence: float = 0.95, n_boot: int = DEFAULT_BOOTSTRAP,
            seed: int = 0) -> Interval:
    """The mean of ``values`` with a percentile-bootstrap interval (resampling values with replacement).

    One value gives a zero-width interval: every resample of it is the value itself.

    Raises:
        ValueError: no values, a value that is not finite, or ``confidence`` outside (0, 1).
    """
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        raise ValueError("mean_ci needs at least one value; filter out empty groups first.")
    if not np.all(np.isfinite(data)):
        raise ValueError("mean_ci got a NaN or infinite value; metrics must be finite numbers.")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence={confidence} must lie strictly between 0 and 1 (0.95 for a 95% interval).")
    mean = float(data.mean())
    if n_boot <= 0:
        return Interval(mean, mean, mean, int(data.size))
    rng = np.random.default_rng(seed)
    draws = data[rng.integers(0, data.size, size=(n_boot, data.size))].mean(axis=1)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(draws, [tail, 1.0 - tail])
    return Interval(mean, float(min(low, mean)), float(max(high, mean)), int(data.size))


def pass_hat_k(successes: Sequence[float], k: int, threshold: float = PASS_THRESHOLD) -> float:
    """pass^k of one group of trials: the chance that ``k`` trials drawn without replacement all pass.

    With ``c`` passes among ``n`` trials this is C(c, k) / C(n, k) — 1 only when every trial passes (k <= n),
    and it falls quickly with k for an agent that passes only sometimes.

    Raises:
        ValueError: ``k`` < 1 or more than the number of trials.
    """
    n = len(successes)
    if k < 1 or k > n:
        raise ValueError(f"pass^{k} needs 1 <= k <= the number of trials ({n}).")
    c = sum(1 for s in successes if passed(float(s), threshold))
    return math.comb(c, k) / math.comb(n, k)


def usable(results: Iterable[EpisodeResult]) -> list[EpisodeResult]:
    """Finished, scored episodes (errored ones are infrastructure failures, not the agent's)."""
    return [r for r in results if r.status == "done" and r.score is not None]


def metric_of(result: EpisodeResult, metric: str) -> float | None:
    """``success`` or any recorded metric of an episode; ``None`` when that episode does not have it."""
    assert result.score is not None
    if metric == "success":
        return float(result.score.success)
    value = result.score.metrics.get(metric)
    return None if value is None else float(value)


GroupKey = tuple[object, ...]


def group(results: Iterable[EpisodeResult], by: Sequence[str]) -> dict[GroupKey, list[EpisodeResult]]:
    """Usable episodes grouped by the named EpisodeResult fields (e.g. ``("agent", "env", "length")``)."""
    groups: dict[GroupKey, list[EpisodeResult]] = {}
    for result in usable(results):
        groups.setdefault(tuple(getattr(result, f) for f in by), []).append(result)
    return dict(sorted(groups.items(), key=lambda item: repr(item[0])))


def summarize(results: Iterable[EpisodeResult], by: Sequence[str] = ("agent", "env"),
              metrics: Sequence[str] | None = None, *, n_boot: int = DEFAULT_BOOTSTRAP,
              seed: int = 0) -> dict[GroupKey, dict[str, Interval]]:
    """Mean and 95% interval of every metric (default: success and all recorded metrics) per group.

    A metric absent from some episodes of a group (consistency metrics exist only for tasks with probes) is
    averaged over the episodes that have it; its ``n`` says how many.
    """
    table: dict[GroupKey, dict[str, Interval]] = {}
    for key, members in group(results, by).items():
        names = list(metrics) if metrics is not None else ["success", *sorted(
            {m for r in members for m in (r.score.metrics if r.score else {})})]
        row: dict[str, Interval] = {}
        for name in names:
            values = [v for v in (metric_of(r, name) for r in members) if v is not None]
            if values:
                row[name] = mean_ci(values, n_boot=n_boot, seed=seed)
        table[key] = row
    return table


def pass_k_table(results: Iterable[EpisodeResult], k: int, by: Sequence[str] = ("agent", "env", "length"),
                 threshold: float = PASS_THRESHOLD) -> dict[GroupKey, float]:
    """pass^k over seeds per group: the chance that ``k`` of the group's seeds, drawn at random, all pass.

    Groups with fewer than ``k`` seeds are left out.
    """
    table: dict[GroupKey, float] = {}
    for key, members in group(results, by).items():
        if len(members) >= k:
            table[key] = pass_hat_k([m.score.success for m in members if m.score], k, threshold)
    return table


@dataclass(frozen=True)
class CurvePoint:
    length: int
    score: Interval


def length_curves(results: Iterable[EpisodeResult], metric: str = "success", by: Sequence[str] = ("agent", "env"),
                  *, n_boot: int = DEFAULT_BOOTSTRAP, seed: int = 0) -> dict[GroupKey, list[CurvePoint]]:
    """Score against context length: per group, the metric's mean and interval at each length, shortest first."""
    curves: dict[GroupKey, list[CurvePoint]] = {}
    for key, members in group(results, (*by, "length")).items():
        values = [v for v in (metric_of(r, metric) for r in members) if v is not None]
        if values:
            length = int(key[-1])  # type: ignore[call-overload]  # EpisodeResult.length is an int
            curves.setdefault(key[:-1], []).append(CurvePoint(length, mean_ci(values, n_boot=n_boot, seed=seed)))
    for points in curves.values():
        points.sort(key=lambda p: p.length)
    return curves


@dataclass(frozen=True)
class EffectiveLength:
    """The effective context length of one curve.

    ``effective`` is the longest length up to which the score stays at or above ``threshold`` (= fraction × the
    score at the shortest length, ``base``); ``first_below`` is the first length where it falls below (``None``
    if it never does). With a base of 0 there is nothing to keep: both are ``None``.
    """

    base: float
    threshold: float
    effective: int | None
    first_below: int | None


def effective_length(points: Sequence[tuple[int, float]], fraction: float = EFFECTIVE_FRACTION) -> EffectiveLength:
    """Effective context length of a (length, score) curve; see :class:`EffectiveLength`.

    Raises:
        ValueError: an empty curve, two scores for one length, or ``fraction`` outside (0, 1].
    """
    if not points:
        raise ValueError("effective_length needs at least one (length, score) point.")
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction={fraction} must lie in (0, 1]; the usual value is 0.85.")
    ordered = sorted((int(length), float(score)) for length, score in points)
    lengths = [length for length, _ in ordered]
    if len(set(lengths)) != len(lengths):
        raise ValueError("effective_length got two scores for one length; average them per length first.")
    base = ordered[0][1]
    threshold = fraction * base
    if base <= 0.0:
        return EffectiveLength(base, threshold, None, None)
    effective: int | None = None
    for length, score in ordered:
        if score < threshold - 1e-12:
            return EffectiveLength(base, threshold, effective, length)
        effective = length
    return EffectiveLength(base, threshold, effective, None)


def effective_lengths(results: Iterable[EpisodeResult], metric: str = "success", by: Sequence[str] = ("agent", "env"),
                      fraction: float = EFFECTIVE_FRACTION) -> dict[GroupKey, EffectiveLength]:
    """Effective context length per group (``by=("agent",)`` pools each agent's envs length by length)."""
    curves = length_curves(results, metric, by, n_boot=0)
    return {key: effective_length([(p.length, p.score.mean) for p in points], fraction)
            for key, points in curves.items()}


# ---------------------------------------------------------------------------------------------- Bradley-Terry
@dataclass(frozen=True)
class Match:
    """One head-to-head comparison: ``score`` is 1 when ``a`` won, 0 when ``b`` won, 0.5 for a tie."""

    a: str
    b: str
    score: float


@dataclass(frozen=True)
class Rating:
    """A Bradley-Terry rating on the Elo scale (1000 = the field's average) with its bootstrap interval."""

    name: str
    rating: float
    low: float
    high: float
    matches: int


def _fit(names: list[str], a: np.ndarray, b: np.ndarray, s: np.ndarray, l2: float,
         start: np.ndarray | None = None) -> np.ndarray:
    """Maximise the Bradley-Terry log-likelihood with a small Gaussian prior by Newton's method.

    The prior keeps an undefeated player's strength finite and makes the solution unique; strengths are
    returned centred on 0 (natural-log odds scale).
    """
    theta = np.zeros(len(names)) if start is None else start.copy()
    eye = np.eye(len(names))
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(theta[a] - theta[b])))
        resid = s - p
        grad = np.bincount(a, resid, len(names)) - np.bincount(b, resid, len(names)) - l2 * theta
        w = p * (1.0 - p)
        hess = -l2 * eye
        np.add.at(hess, (a, a), -w)
        np.add.at(hess, (b, b), -w)
        np.add.at(hess, (a, b), w)
        np.add.at(hess, (b, a), w)
        step = np.linalg.solve(hess, grad)
        theta = theta - step
        if float(np.max(np.abs(step))) < 1e-10:
            break
    centred: np.ndarray = theta - theta.mean()  # the scale has no origin: ratings sum to zero
    return centred


def bradley_terry(matches: Sequence[Match], *, confidence: float = 0.95, n_boot: int = 500, seed: int = 0,
                  l2: float = 0.01) -> list[Rating]:
    """Bradley-Terry ratings of every player in ``matches``, best first, with bootstrap intervals.

    Intervals come from refitting on matches resampled with replacement (seeded: deterministic). Ratings are on
    the Elo scale: a 400-point gap means 10:1 odds of winning.

    Raises:
        ValueError: no matches, a player matched with itself, or a score outside [0, 1].
    """
    if not matches:
        raise ValueError("bradley_terry needs at least one match.")
    for m in matches:
        if m.a == m.b:
            raise ValueError(f"A match of {m.a!r} against itself cannot rate anyone; drop it.")
        if not 0.0 <= m.score <= 1.0:
            raise ValueError(f"Match score {m.score} for {m.a!r} vs {m.b!r} must be 1 (a won), 0 (b won) or 0.5.")
    names = sorted({m.a for m in matches} | {m.b for m in matches})
    index = {n: i for i, n in enumerate(names)}
    a = np.array([index[m.a] for m in matches])
    b = np.array([index[m.b] for m in matches])
    s = np.array([float(m.score) for m in matches])
    theta = _fit(names, a, b, s, l2)
    draws = np.empty((max(n_boot, 0), len(names)))
    rng = np.random.default_rng(seed)
    for r in range(draws.shape[0]):
        pick = rng.integers(0, len(matches), size=len(matches))
        draws[r] = _fit(names, a[pick], b[pick], s[pick], l2, start=theta)
    tail = (1.0 - confidence) / 2.0
    counts = np.bincount(a, minlength=len(names)) + np.bincount(b, minlength=len(names))
    ratings = []
    for i, name in enumerate(names):
        mid = ELO_BASE + ELO_SCALE * theta[i]
        if draws.shape[0]:
            lo, hi = ELO_BASE + ELO_SCALE * np.quantile(draws[:, i], [tail, 1.0 - tail])
        else:
            lo = hi = mid
        ratings.append(Rating(name, float(mid), float(min(lo, mid)), float(max(hi, mid)), int(counts[i])))
    return sorted(ratings, key=lambda r: (-r.rating, r.name))


def win_probability(a: Rating, b: Rating) -> float:
    """The fitted chance that ``a`` beats ``b``."""
    return 1.0 / (1.0 + math.exp(-(a.rating - b.rating) / ELO_SCALE))


def matches_from_scores(scores: Mapping[str, Mapping[object, float]],
                        better: Callable[[float, float], float] | None = None) -> list[Match]:
    """Head-to-head matches from per-task scores: every pair of agents that both played a task meet once on it.

    ``scores`` maps agent -> task key -> score. By default the higher score wins and equal scores tie; pass
    ``better(x, y)`` returning 1, 0 or 0.5 for another rule.
    """
    decide = better or (lambda x, y: 1.0 if x > y else 0.0 if x < y else 0.5)
    agents = sorted(scores)
    out = []
    for i, first in enumerate(agents):
        for second in agents[i + 1:]:
            for task in sorted(set(scores[first]) & set(scores[second]), key=repr):
                out.append(Match(first, second, decide(scores[first][task], scores[second][task])))
    return out
