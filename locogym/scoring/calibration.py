"""Calibration across episodes: does an agent's stated confidence match how often it is right?

An episode contributes when its answer came with a confidence in [0, 1] (the wiki family records it as the
metric ``wiki.confidence``); its outcome is right (``success`` 1) or not. Two numbers summarise the pairs:

* the **Brier score**, the mean squared gap between confidence and outcome (0 is perfect; always saying 0.5
  scores 0.25; saying 1.0 on every wrong answer scores 1 on those answers);
* the **expected calibration error** (ECE), with confidences grouped in equal-width bins: the mean over
  answers of |accuracy of its bin - mean confidence of its bin|.

Episodes without a confidence are left out and counted (``coverage``): giving no confidence is allowed, but
it earns no calibration figure rather than a good one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from locogym.core.types import EpisodeScore

CONFIDENCE_METRIC = "wiki.confidence"
DEFAULT_BINS = 10


@dataclass(frozen=True)
class CalibrationBin:
    low: float
    high: float
    count: int
    confidence: float  # mean stated confidence in the bin
    accuracy: float  # share of right answers in the bin


@dataclass(frozen=True)
class Calibration:
    """Calibration of a set of episodes; ``ece`` and ``brier`` are ``None`` when no episode gave a confidence."""

    answers: int  # episodes with a confidence
    episodes: int  # episodes considered
    ece: float | None
    brier: float | None
    bins: list[CalibrationBin] = field(default_factory=list)

    @property
    def coverage(self) -> float:
        return self.answers / self.episodes if self.episodes else 0.0


def _checked(pairs: Iterable[tuple[float, bool]]) -> list[tuple[float, bool]]:
    """The pairs as (float, bool); a confidence that is not a probability is the caller's bug, so it raises."""
    points = [(float(c), bool(right)) for c, right in pairs]
    for c, _ in points:
        if not math.isfinite(c) or not 0.0 <= c <= 1.0:
            raise ValueError(f"a confidence must be a probability from 0 to 1, got {c!r}")
    return points


def _bins(points: list[tuple[float, bool]], bins: int) -> list[CalibrationBin]:
    """The non-empty equal-width bins of confidence (a confidence of exactly 1 falls in the last one)."""
    grouped: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for c, right in points:
        grouped[min(bins - 1, int(c * bins))].append((c, right))
    table: list[CalibrationBin] = []
    for i, members in enumerate(grouped):
        if members:
            mean_conf = sum(c for c, _ in members) / len(members)
            accuracy = sum(1 for _, right in members if right) / len(members)
            table.append(CalibrationBin(low=i / bins, high=(i + 1) / bins, count=len(members),
                                        confidence=mean_conf, accuracy=accuracy))
    return table


def calibration(pairs: Iterable[tuple[float, bool]], bins: int = DEFAULT_BINS,
                episodes: int | None = None) -> Calibration:
    """Brier score and ECE of (confidence, right) pairs.

    Raises:
        ValueError: a confidence outside [0, 1] or not finite, or fewer than one bin.
    """
    if bins < 1:
        raise ValueError("calibration needs at least one bin")
    points = _checked(pairs)
    total = len(points) if episodes is None else episodes
    if not points:
        return Calibration(answers=0, episodes=total, ece=None, brier=None)
    brier = sum((c - (1.0 if right else 0.0)) ** 2 for c, right in points) / len(points)
    table = _bins(points, bins)
    ece = sum(b.count / len(points) * abs(b.accuracy - b.confidence) for b in table)
    return Calibration(answers=len(points), episodes=total, ece=ece, brier=brier, bins=table)


def calibration_of(scores: Iterable[EpisodeScore], metric: str = CONFIDENCE_METRIC,
                   bins: int = DEFAULT_BINS) -> Calibration:
    """Calibration of scored episodes: each one's ``metrics[metric]`` against its success (1 = right)."""
    listed = list(scores)
    pairs = [(s.metrics[metric], s.success >= 1.0) for s in listed if metric in s.metrics]
    return calibration(pairs, bins=bins, episodes=len(listed))
