"""Paired curves at the points the mutation bench found unchecked: two tasks are enough to resample, a curve
that starts at zero keeps no length, and resamples that keep no length give a lower bound of none."""

from __future__ import annotations

from locogym.core.types import EpisodeResult, EpisodeScore
from locogym.scoring.paired import PairedCurve, paired_curve

K8, K32 = 8192, 32768


def _rows(scores: dict[str, tuple[float, float]]) -> list[EpisodeResult]:
    return [EpisodeResult(key=f"{core}{length}", agent="a", env="E", seed=0, length=length,
                          score=EpisodeScore(success=s, outcome="x"), core_hash=core)
            for core, pair in scores.items() for length, s in zip((K8, K32), pair, strict=True)]


def _curve(scores: dict[str, tuple[float, float]]) -> PairedCurve:
    curve = paired_curve(_rows(scores), seed=3)
    assert isinstance(curve, PairedCurve), curve
    return curve


def test_two_tasks_already_give_an_interval_over_resampled_tasks() -> None:
    curve = _curve({"t1": (1.0, 1.0), "t2": (0.0, 0.0)})
    shortest = curve.means[0]
    assert shortest.mean == 0.5 and shortest.low == 0.0 and shortest.high == 1.0


def test_a_curve_that_scores_zero_at_the_shortest_length_keeps_no_length() -> None:
    effective = _curve({"t1": (0.0, 1.0), "t2": (0.0, 0.0)}).effective
    assert (effective.effective, effective.low, effective.high) == (None, None, None)


def test_resamples_that_keep_no_length_make_the_lower_bound_none() -> None:
    # only t1 scores at the shortest length: about 30% of resamples of three tasks leave it out and keep nothing
    effective = _curve({"t1": (1.0, 1.0), "t2": (0.0, 0.0), "t3": (0.0, 0.0)}).effective
    assert effective.effective == K32 and effective.low is None and effective.high == K32
