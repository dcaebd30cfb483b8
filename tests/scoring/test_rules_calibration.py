"""Calibration rules checked one at a time: the default bins, the edges of a probability, and the counts of an
empty run. Every expected value is worked out in the comments."""

from __future__ import annotations

import pytest

from locogym.scoring.calibration import calibration


def test_the_default_is_ten_bins_of_a_tenth() -> None:
    # 0.05 falls in [0.0, 0.1) and 0.95 in [0.9, 1.0); with 9 or 11 bins their edges would be ninths or elevenths
    result = calibration([(0.05, True), (0.95, False)])
    assert [(b.low, b.high) for b in result.bins] == [(0.0, 0.1), (0.9, 1.0)]


def test_certainty_falls_in_the_last_bin_with_its_edges() -> None:
    result = calibration([(1.0, True)], bins=4)
    assert [(b.low, b.high, b.count) for b in result.bins] == [(0.75, 1.0, 1)]
    assert result.ece == 0.0 and result.brier == 0.0


def test_zero_and_one_are_probabilities() -> None:
    result = calibration([(0.0, False), (1.0, True)], bins=2)
    assert result.brier == 0.0 and result.ece == 0.0
    assert [(b.low, b.high) for b in result.bins] == [(0.0, 0.5), (0.5, 1.0)]


def test_without_an_episode_count_every_pair_is_an_episode() -> None:
    result = calibration([(0.5, True), (0.5, False)])
    assert result.answers == 2 and result.episodes == 2 and result.coverage == 1.0
    assert result.brier == pytest.approx(0.25)


def test_no_confidence_given_means_no_answers_and_no_figures() -> None:
    result = calibration([], episodes=3)
    assert (result.answers, result.episodes, result.coverage) == (0, 3, 0.0)
    assert result.ece is None and result.brier is None and result.bins == []
