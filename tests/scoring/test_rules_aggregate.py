"""Cross-episode statistics checked on inputs small enough to work out by hand: which episodes count, how groups
are ordered, the edges of pass^k and effective length, and what the Bradley-Terry arena fits and resamples."""

from __future__ import annotations

import math

import pytest

from locogym.core.types import EpisodeResult, EpisodeScore
from locogym.scoring import aggregate as agg

# spread-out successes, so that a bootstrap interval moves with the seed it is drawn with
SPREAD = [round((i * 0.6180339887) % 1, 3) for i in range(1, 21)]


def _result(key: str, agent: str = "a", length: int = 1024, success: float | None = 1.0, status: str = "done",
            **metrics: float) -> EpisodeResult:
    score = None if success is None else EpisodeScore(success=success, outcome="x", metrics=metrics)
    return EpisodeResult(key=key, agent=agent, env="E", seed=0, length=length, status=status,  # type: ignore[arg-type]
                         score=score)


def test_only_finished_and_scored_episodes_are_usable() -> None:
    done = _result("k1")
    errored_with_a_score = _result("k2", status="errored")  # a partial score of a crashed episode is not a result
    done_without_a_score = _result("k3", success=None)
    assert agg.usable([done, errored_with_a_score, done_without_a_score]) == [done]


def test_groups_come_in_the_order_of_their_keys_whatever_their_episodes() -> None:
    # agent "a" plays an episode keyed "z", agent "b" one keyed "a": the groups still read a, then b
    groups = agg.group([_result("a-key", agent="b"), _result("z-key", agent="a")], ("agent",))
    assert list(groups) == [("a",), ("b",)]


def test_a_summary_is_bootstrapped_with_seed_0_unless_told_otherwise() -> None:
    results = [_result(f"k{i}", success=s) for i, s in enumerate(SPREAD)]
    row = agg.summarize(results, by=("agent",))[("a",)]
    assert row["success"] == agg.mean_ci(SPREAD, seed=0)
    assert row["success"] != agg.mean_ci(SPREAD, seed=1)


def test_a_summary_of_named_metrics_has_those_metrics_only() -> None:
    results = [_result("k1", success=1.0, hops=2.0), _result("k2", success=0.0, hops=4.0)]
    row = agg.summarize(results, by=("agent",), metrics=["hops"], n_boot=0)[("a",)]
    assert list(row) == ["hops"] and row["hops"].mean == 3.0


def test_a_length_curve_is_bootstrapped_with_seed_0_unless_told_otherwise() -> None:
    results = [_result(f"k{i}", success=s) for i, s in enumerate(SPREAD)]
    (point,) = agg.length_curves(results, by=("agent",))[("a",)]
    assert point.score == agg.mean_ci(SPREAD, seed=0) and point.score != agg.mean_ci(SPREAD, seed=1)


def test_a_curve_of_a_metric_some_episodes_lack_averages_over_those_that_have_it() -> None:
    results = [_result("k1", hops=2.0), _result("k2", hops=4.0), _result("k3")]
    (point,) = agg.length_curves(results, "hops", by=("agent",), n_boot=0)[("a",)]
    assert (point.score.mean, point.score.n) == (3.0, 2)


def test_pass_hat_k_refuses_k_of_zero() -> None:
    # "all of no trials pass" is vacuous: a k of 0 is a caller's mistake, not a pass^k of 1
    with pytest.raises(ValueError, match="1 <= k"):
        agg.pass_hat_k([1.0, 0.0], 0)


@pytest.mark.parametrize("fraction", [0.0, -0.5, 1.01])
def test_an_effective_fraction_outside_0_to_1_is_refused(fraction: float) -> None:
    with pytest.raises(ValueError, match=r"must lie in \(0, 1\]"):
        agg.effective_length([(1000, 1.0), (2000, 0.9)], fraction)


def test_a_fraction_of_1_keeps_only_lengths_that_lose_nothing() -> None:
    assert agg.effective_length([(1000, 0.8), (2000, 0.8), (4000, 0.79)], 1.0).effective == 2000


def test_matches_from_scores_count_a_lower_score_as_a_loss() -> None:
    scores = {"a": {"t1": 0.2, "t2": 0.9, "t3": 0.5}, "b": {"t1": 0.7, "t2": 0.1, "t3": 0.5}}
    assert [m.score for m in agg.matches_from_scores(scores)] == [0.0, 1.0, 0.5]


def test_an_arena_without_matches_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one match"):
        agg.bradley_terry([])


def _map_gap(wins: int, losses: int, l2: float) -> float:
    """The prior-penalised maximum-likelihood gap of two players, in Elo points, found by bisection.

    With strengths +d/2 and -d/2 the log-likelihood is wins·log σ(d) + losses·log σ(-d) - l2·d²/4, whose
    derivative wins - (wins + losses)·σ(d) - l2·d/2 falls from positive to negative as d grows.
    """
    low, high = 0.0, 20.0
    for _ in range(200):
        d = (low + high) / 2
        slope = wins - (wins + losses) / (1.0 + math.exp(-d)) - l2 * d / 2
        low, high = (d, high) if slope > 0 else (low, d)
    return 400.0 * low / math.log(10.0)


def test_the_arena_fits_with_a_prior_of_0_01_unless_told_otherwise() -> None:
    # 3 wins to 1: ln 3 apart without a prior (190.8 Elo points); the 0.01 prior pulls the two a little closer
    ratings = {r.name: r.rating for r in agg.bradley_terry([agg.Match("a", "b", 1.0)] * 3
                                                           + [agg.Match("a", "b", 0.0)], n_boot=0)}
    assert ratings["a"] - ratings["b"] == pytest.approx(_map_gap(3, 1, 0.01), abs=0.01)
    assert ratings["a"] - ratings["b"] < 400.0 * math.log10(3.0) - 1.0


def test_an_undefeated_player_stays_finite_and_the_fit_converges_to_the_prior_s_optimum() -> None:
    # one win only: without a prior the gap would grow without bound; with 0.01 it settles where the slope is 0
    (first, second) = agg.bradley_terry([agg.Match("a", "b", 1.0)], n_boot=0)
    assert first.rating - second.rating == pytest.approx(_map_gap(1, 0, 0.01), abs=0.01)


def test_the_arena_s_interval_resamples_every_match_at_the_asked_confidence() -> None:
    # One win and one loss. A resample of two matches holds 0, 1 or 2 wins (chances 1/4, 1/2, 1/4), and the
    # player is rated as after two losses, level, or after two wins. A 60% interval reaches from the 20th to the
    # 80th percentile of the draws: from the two-loss rating to the two-win one.
    split = [agg.Match("a", "b", 1.0), agg.Match("a", "b", 0.0)]
    two_losses = {r.name: r.rating for r in agg.bradley_terry([agg.Match("a", "b", 0.0)] * 2, n_boot=0)}["a"]
    two_wins = {r.name: r.rating for r in agg.bradley_terry([agg.Match("a", "b", 1.0)] * 2, n_boot=0)}["a"]
    rating = {r.name: r for r in agg.bradley_terry(split, confidence=0.6, n_boot=200)}["a"]
    assert rating.rating == pytest.approx(1000.0)
    assert rating.low == pytest.approx(two_losses, abs=1e-6) and rating.high == pytest.approx(two_wins, abs=1e-6)


def test_the_arena_s_defaults_are_a_95_percent_interval_drawn_with_seed_0() -> None:
    matches = [agg.Match("x", "y", 1.0), agg.Match("x", "y", 0.0), agg.Match("y", "z", 1.0),
               agg.Match("x", "z", 0.5), agg.Match("z", "x", 1.0), agg.Match("x", "y", 1.0)]
    default = agg.bradley_terry(matches, n_boot=60)
    assert default == agg.bradley_terry(matches, n_boot=60, confidence=0.95, seed=0)
    assert default != agg.bradley_terry(matches, n_boot=60, confidence=0.9, seed=0)
    assert default != agg.bradley_terry(matches, n_boot=60, confidence=0.95, seed=1)
