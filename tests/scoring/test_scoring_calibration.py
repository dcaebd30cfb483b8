"""Brier score and expected calibration error across episodes."""

from __future__ import annotations

import pytest

from locogym.core.types import EpisodeScore
from locogym.scoring.calibration import calibration, calibration_of


def test_brier_and_ece_on_a_hand_worked_example() -> None:
    # bin 0.8-0.9: two answers at 0.8, one right -> |0.5 - 0.8| = 0.3; bin 0.2-0.3: one wrong at 0.2 -> 0.2
    result = calibration([(0.8, True), (0.8, False), (0.2, False)], bins=10)
    assert result.brier == pytest.approx((0.04 + 0.64 + 0.04) / 3)
    assert result.ece == pytest.approx(2 / 3 * 0.3 + 1 / 3 * 0.2)
    assert [(b.low, b.count, b.accuracy) for b in result.bins] == [(0.2, 1, 0.0), (0.8, 2, 0.5)]


def test_a_confidence_of_one_lands_in_the_last_bin() -> None:
    result = calibration([(1.0, True), (0.95, True)], bins=10)
    assert len(result.bins) == 1 and result.bins[0].count == 2 and result.ece == pytest.approx(0.025)


def test_always_confident_and_always_wrong_is_the_worst_case() -> None:
    result = calibration([(1.0, False)] * 5)
    assert result.brier == 1.0 and result.ece == 1.0


@pytest.mark.parametrize("bad", [1.2, -0.01, float("nan"), float("inf")])
def test_a_confidence_that_is_no_probability_is_an_error(bad: float) -> None:
    with pytest.raises(ValueError, match="probability"):
        calibration([(bad, True)])


def test_scores_without_confidence_lower_the_coverage_only() -> None:
    scores = [EpisodeScore(success=1.0, outcome="correct", metrics={"wiki.confidence": 0.9}),
              EpisodeScore(success=0.0, outcome="wrong", metrics={}),
              EpisodeScore(success=0.0, outcome="wrong", metrics={"wiki.confidence": 0.1})]
    result = calibration_of(scores)
    assert result.answers == 2 and result.episodes == 3 and result.coverage == pytest.approx(2 / 3)
    assert result.brier == pytest.approx(0.01)
    assert calibration_of([]).ece is None and calibration_of([]).coverage == 0.0
