"""Bradley-Terry ratings at the points the mutation bench found unchecked: two agents are already rated, and a
tie is half a win to each side."""

from __future__ import annotations

import math

import pytest

from locogym.scoring.reliability import BT_PRIOR_WINS, bradley_terry


def _gap(scores: dict[str, dict[str, float]]) -> float:
    ratings = bradley_terry(scores, n_boot=0)
    return ratings["a"].mean - ratings["b"].mean


def test_two_agents_are_rated_apart_and_a_tie_counts_half_a_win_each() -> None:
    # a beats b on t1 and ties on t2: 1.5 wins to 0.5, each side starting from the prior's pseudo-wins
    expected = 400.0 * math.log10((1.5 + BT_PRIOR_WINS) / (0.5 + BT_PRIOR_WINS))
    assert _gap({"a": {"t1": 1.0, "t2": 0.5}, "b": {"t1": 0.0, "t2": 0.5}}) == pytest.approx(expected, abs=0.01)
    ratings = bradley_terry({"a": {"t1": 1.0}, "b": {"t1": 0.0}}, n_boot=0)
    assert ratings["a"].mean > 1000.0 > ratings["b"].mean
    assert _gap({"a": {"t1": 0.5, "t2": 0.5}, "b": {"t1": 0.5, "t2": 0.5}}) == pytest.approx(0.0, abs=1e-6)
