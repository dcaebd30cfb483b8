"""Paired-curve rules checked one at a time: defaults, the ladder asked for, round-off tolerances and the width
of the bootstrap intervals, each expected value derived by hand (binomial sums where resampling is involved)."""

from __future__ import annotations

import pytest

from locogym.core.types import EpisodeResult, EpisodeScore
from locogym.scoring.paired import PairedCurve, Unpaired, paired_curve, paired_curves

K8, K32, K128 = 8192, 32768, 131072


def _rows(scores: dict[str, tuple[float, ...]], lengths: tuple[int, ...] = (K8, K32)) -> list[EpisodeResult]:
    return [EpisodeResult(key=f"{core}-{length}", agent="a", env="E", seed=0, length=length,
                          score=EpisodeScore(success=s, outcome="x"), core_hash=core)
            for core, row in scores.items() for length, s in zip(lengths, row, strict=True)]


def _curve(rows: list[EpisodeResult], **kwargs: object) -> PairedCurve:
    curve = paired_curve(rows, **kwargs)  # type: ignore[arg-type]
    assert isinstance(curve, PairedCurve), curve
    return curve


def _mixed() -> list[EpisodeResult]:
    """Ten tasks whose resampled means seldom tie (square roots), so that two seeds give different intervals."""
    return _rows({f"t{i}": (1.0, i ** 0.5 / 3) for i in range(10)})


def test_the_default_seed_is_zero() -> None:
    rows = _mixed()
    assert _curve(rows) == _curve(rows, seed=0)
    assert _curve(rows) != _curve(rows, seed=1)  # the seed matters on these rows
    assert paired_curves(rows) == paired_curves(rows, seed=0)
    assert paired_curves(rows) != paired_curves(rows, seed=1)


def test_episodes_without_a_core_hash_are_counted_in_the_reason() -> None:
    found = paired_curve(_rows({"": (1.0, 0.0)}))
    assert isinstance(found, Unpaired)
    assert found.reason.startswith("2 episode(s) carry no core hash")


def test_the_lengths_asked_for_make_the_ladder() -> None:
    # t2 has no 128k score: complete on the 8k-32k ladder, incomplete on every length the rows have
    rows = _rows({"t1": (1.0, 0.5, 0.0)}, (K8, K32, K128)) + _rows({"t2": (1.0, 1.0)})
    curve = _curve(rows, lengths=[K8, K32])
    assert curve.lengths == [K8, K32] and curve.tasks == 2 and curve.incomplete == 0
    assert [m.mean for m in curve.means] == [1.0, 0.75]
    assert _curve(rows).tasks == 1


def test_a_single_task_has_intervals_closed_on_its_scores() -> None:
    curve = _curve(_rows({"t1": (1.0, 0.5)}))
    assert [(m.low, m.mean, m.high) for m in curve.means] == [(1.0, 1.0, 1.0), (0.5, 0.5, 0.5)]
    assert (curve.effective.effective, curve.effective.low, curve.effective.high) == (K8, K8, K8)


def test_score_changes_within_round_off_are_no_moves() -> None:
    # drops of exactly +-1e-12 and of +-7e-13 are round-off: no task moved, so the sign test has nothing to test
    rows = _rows({"a": (1e-12, 0.0), "b": (0.0, 1e-12), "c": (7e-13, 0.0), "d": (0.0, 7e-13)})
    degradation = _curve(rows).degradation
    assert (degradation.worse, degradation.better, degradation.p_value) == (0, 0, 1.0)


def test_a_length_within_round_off_of_the_threshold_holds() -> None:
    threshold = 0.85 * 1.0
    rows = _rows({"t": (1.0, threshold - 7e-13, threshold - 1e-12)}, (K8, K32, K128))
    effective = _curve(rows, fraction=0.85).effective
    assert (effective.effective, effective.first_below) == (K128, None)


def test_a_ladder_may_start_at_length_one() -> None:
    # every task scores 1 at length 1 and 0 at 4096, so every resample keeps length 1 and loses 4096
    rows = _rows({"t1": (1.0, 0.0), "t2": (1.0, 0.0)}, (1, 4096))
    effective = _curve(rows).effective
    assert (effective.effective, effective.low, effective.high, effective.first_below) == (1, 1, 1, 4096)


def test_mean_intervals_span_the_central_95_percent_of_resampled_means() -> None:
    # 20 tasks score 1 and 20 score 0 at both lengths: a resampled mean is Binomial(40, 1/2) / 40, whose 2.5th
    # and 97.5th percentiles are 14/40 and 26/40 (P(X <= 13) = 0.019, P(X <= 14) = 0.040); a 90% interval would
    # be [15/40, 25/40] (P(X <= 15) = 0.077)
    rows = _rows({f"t{i}": (float(i % 2), float(i % 2)) for i in range(40)})
    shortest = _curve(rows, n_boot=4000).means[0]
    assert shortest.mean == 0.5
    assert shortest.low == pytest.approx(0.35, abs=0.01)
    assert shortest.high == pytest.approx(0.65, abs=0.01)


def test_the_effective_length_interval_is_a_95_percent_one() -> None:
    # 13 tasks score 1 at both lengths, 2 lose everything at 32k: 32k holds (13/15 >= 0.7) unless a resample
    # draws 5 or more of the 2, which happens with P(Binomial(15, 2/15) >= 5) = 0.040: above the 2.5% tail, so
    # the lower bound is 8k; a 90% interval (5% tail) would keep 32k
    rows = _rows({f"t{i}": (1.0, 0.0 if i < 2 else 1.0) for i in range(15)})
    effective = _curve(rows, fraction=0.7, n_boot=4000).effective
    assert (effective.effective, effective.low, effective.high) == (K32, K8, K32)


def test_points_pair_each_length_with_its_mean() -> None:
    curve = _curve(_rows({"t1": (1.0, 0.5), "t2": (0.5, 0.5)}))
    assert [(length, point.mean) for length, point in curve.points()] == [(K8, 0.75), (K32, 0.5)]
    broken = PairedCurve(lengths=[K8, K32], means=curve.means[:1], drops=curve.drops, degradation=curve.degradation,
                         effective=curve.effective, tasks=2, incomplete=0)
    with pytest.raises(ValueError):  # a mean missing for a length is a bug to show, not a shorter curve
        broken.points()


def test_a_single_length_leaves_no_task_incomplete() -> None:
    found = paired_curve(_rows({"t1": (1.0,)}, (K8,)))
    assert isinstance(found, Unpaired) and found.incomplete == 0 and found.lengths == [K8]
