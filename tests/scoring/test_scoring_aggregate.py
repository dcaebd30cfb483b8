"""Cross-episode statistics: intervals, pass^k, length curves, effective context length, Bradley-Terry."""

from __future__ import annotations

import math

import pytest

from locogym.core.types import EpisodeResult, EpisodeScore
from locogym.scoring import aggregate as agg


def _result(agent: str, env: str, length: int, seed: int, success: float, status: str = "done",
            **metrics: float) -> EpisodeResult:
    score = EpisodeScore(success=success, outcome="x", metrics=metrics) if status == "done" else None
    return EpisodeResult(key=f"{agent}{env}{length}{seed}", agent=agent, env=env, seed=seed, length=length,
                         status=status, score=score)  # type: ignore[arg-type]


def test_bootstrap_interval_of_two_values() -> None:
    # resampled means of [0, 1]: 0 (p=1/4), 0.5 (1/2), 1 (1/4) -> the 2.5% and 97.5% quantiles are 0 and 1
    ci = agg.mean_ci([0.0, 1.0], n_boot=4000, seed=3)
    assert (ci.mean, ci.low, ci.high, ci.n) == (0.5, 0.0, 1.0, 2)


def test_bootstrap_is_deterministic_and_brackets_the_mean() -> None:
    values = [0.1, 0.9, 0.4, 0.7, 0.3, 1.0, 0.0, 0.6]
    first = agg.mean_ci(values, seed=7)
    assert first == agg.mean_ci(values, seed=7)
    assert first.low < first.mean < first.high
    assert first.mean == pytest.approx(0.5)
    assert agg.mean_ci([2.0, 2.0, 2.0]) == agg.Interval(2.0, 2.0, 2.0, 3)
    assert agg.mean_ci([0.25]) == agg.Interval(0.25, 0.25, 0.25, 1)
    narrow = agg.mean_ci(values * 50, seed=7)
    assert narrow.high - narrow.low < first.high - first.low  # more data, tighter interval


def test_bootstrap_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="at least one"):
        agg.mean_ci([])
    with pytest.raises(ValueError, match="NaN"):
        agg.mean_ci([1.0, float("nan")])
    with pytest.raises(ValueError, match="confidence"):
        agg.mean_ci([1.0, 2.0], confidence=1.5)


def test_pass_hat_k() -> None:
    trials = [1.0, 1.0, 0.0, 1.0]  # c = 3 of n = 4
    assert agg.pass_hat_k(trials, 1) == 0.75
    assert agg.pass_hat_k(trials, 2) == 0.5  # C(3,2) / C(4,2) = 3 / 6
    assert agg.pass_hat_k(trials, 3) == 0.25  # 1 / 4
    assert agg.pass_hat_k(trials, 4) == 0.0
    assert agg.pass_hat_k([1.0] * 5, 5) == 1.0
    assert agg.pass_hat_k([0.9, 1.0], 1) == 0.5  # 0.9 is not a pass at the default full-credit threshold
    assert agg.pass_hat_k([0.9, 1.0], 2, threshold=0.8) == 1.0
    with pytest.raises(ValueError, match="k <="):
        agg.pass_hat_k(trials, 5)


def test_effective_length() -> None:
    # base 0.8 -> threshold 0.68: 8k 0.8 ok, 16k 0.7 ok, 32k 0.6 below; the 64k recovery does not count
    e = agg.effective_length([(32768, 0.6), (8192, 0.8), (65536, 0.7), (16384, 0.7)])
    assert e == agg.EffectiveLength(0.8, pytest.approx(0.68), 16384, 32768)
    assert agg.effective_length([(1000, 0.5), (2000, 0.5)]).effective == 2000
    assert agg.effective_length([(1000, 0.5), (2000, 0.5)]).first_below is None
    # falls below at once: only the shortest length is effective
    assert agg.effective_length([(1000, 1.0), (2000, 0.5)]) == agg.EffectiveLength(1.0, 0.85, 1000, 2000)
    # exactly 85% stays
    assert agg.effective_length([(1000, 1.0), (2000, 0.85)]).effective == 2000
    assert agg.effective_length([(1000, 0.0), (2000, 0.0)]) == agg.EffectiveLength(0.0, 0.0, None, None)
    with pytest.raises(ValueError, match="two scores"):
        agg.effective_length([(1000, 1.0), (1000, 0.5)])


def test_curves_summaries_and_pass_k_from_episode_results() -> None:
    results = [
        _result("a", "E", 1000, 0, 1.0, **{"stop.timely": 1.0}), _result("a", "E", 1000, 1, 1.0),
        _result("a", "E", 4000, 0, 1.0), _result("a", "E", 4000, 1, 0.0),
        _result("a", "E", 4000, 2, 0.0, status="errored"),  # an infrastructure failure: never counted
        _result("b", "E", 1000, 0, 0.0), _result("b", "E", 4000, 0, 0.0),
    ]
    curves = agg.length_curves(results, n_boot=0)
    assert [(p.length, p.score.mean, p.score.n) for p in curves[("a", "E")]] == [(1000, 1.0, 2), (4000, 0.5, 2)]
    eff = agg.effective_lengths(results)
    assert eff[("a", "E")].effective == 1000 and eff[("a", "E")].first_below == 4000
    assert eff[("b", "E")].effective is None
    table = agg.summarize(results, by=("agent",), n_boot=0)
    assert table[("a",)]["success"].mean == 0.75 and table[("a",)]["success"].n == 4
    assert table[("a",)]["stop.timely"].n == 1  # present in one episode only
    assert agg.pass_k_table(results, 2) == {("a", "E", 1000): 1.0, ("a", "E", 4000): 0.0}


def test_bradley_terry_two_players_matches_the_closed_form() -> None:
    # a beats b 3 times of 4: the maximum-likelihood gap is ln 3, i.e. 400 * log10(3) = 190.85 Elo points
    matches = [agg.Match("a", "b", 1.0)] * 3 + [agg.Match("a", "b", 0.0)]
    ratings = agg.bradley_terry(matches, l2=1e-9, n_boot=0)
    by_name = {r.name: r for r in ratings}
    assert by_name["a"].rating - by_name["b"].rating == pytest.approx(400 * math.log10(3), abs=1e-3)
    assert by_name["a"].rating + by_name["b"].rating == pytest.approx(2000.0)
    assert agg.win_probability(by_name["a"], by_name["b"]) == pytest.approx(0.75, abs=1e-6)


def test_bradley_terry_orders_and_bounds() -> None:
    matches = ([agg.Match("x", "y", 1.0)] * 8 + [agg.Match("x", "y", 0.0)] * 2
               + [agg.Match("y", "z", 1.0)] * 6 + [agg.Match("y", "z", 0.5)] * 2 + [agg.Match("x", "z", 1.0)] * 3)
    ratings = agg.bradley_terry(matches, n_boot=200, seed=1)
    assert [r.name for r in ratings] == ["x", "y", "z"]
    assert all(r.low <= r.rating <= r.high and math.isfinite(r.high) for r in ratings)
    assert ratings == agg.bradley_terry(matches, n_boot=200, seed=1)
    assert {r.name: r.matches for r in ratings} == {"x": 13, "y": 18, "z": 11}
    with pytest.raises(ValueError, match="itself"):
        agg.bradley_terry([agg.Match("x", "x", 1.0)])


def test_matches_from_scores() -> None:
    scores = {"a": {"t1": 1.0, "t2": 0.0, "t3": 0.5}, "b": {"t1": 0.0, "t2": 0.0}}
    assert agg.matches_from_scores(scores) == [agg.Match("a", "b", 1.0), agg.Match("a", "b", 0.5)]
