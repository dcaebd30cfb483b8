"""Aggregate statistics at the points the mutation bench found unchecked: the width of a 95% interval, the
default metric list of a summary, and the error for an empty curve."""

from __future__ import annotations

import pytest

from locogym.core.types import EpisodeResult, EpisodeScore
from locogym.scoring import aggregate as agg


def test_a_95_percent_interval_spans_about_two_standard_errors_each_side() -> None:
    # 50 zeros and 50 ones: mean 0.5, standard error 0.05, so the 95% interval is close to [0.40, 0.60]
    # (a 90% one is [0.42, 0.58], a 99% one near [0.37, 0.63])
    ci = agg.mean_ci([0.0] * 50 + [1.0] * 50, n_boot=4000, seed=1)
    assert 0.37 < ci.low < 0.415 and 0.585 < ci.high < 0.63


def test_a_summary_without_a_metric_list_has_success_and_every_recorded_metric() -> None:
    def result(seed: int, success: float, **metrics: float) -> EpisodeResult:
        return EpisodeResult(key=f"k{seed}", agent="a", env="e", seed=seed, length=1024,
                             score=EpisodeScore(success=success, outcome="x", metrics=metrics))

    rows = agg.summarize([result(0, 1.0, **{"wiki.hops": 2.0}), result(1, 0.0, **{"cascade.errors": 3.0})],
                         by=("agent",), n_boot=0)
    row = rows[("a",)]
    assert list(row) == ["success", "cascade.errors", "wiki.hops"]
    assert row["success"].mean == 0.5 and row["success"].n == 2
    assert (row["wiki.hops"].mean, row["wiki.hops"].n) == (2.0, 1)  # over the episodes that have it


def test_an_empty_curve_has_no_effective_length_and_says_so() -> None:
    with pytest.raises(ValueError, match="at least one"):
        agg.effective_length([])
