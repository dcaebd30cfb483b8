"""Reliability statistics checked against values worked out by hand: which trial counts are possible, which k
is used, when a pair counts as separated, the exact power behind "tasks needed", and what the Bradley-Terry
ratings of two agents must be in closed form."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
import scipy.stats  # noqa: F401  # imported at collection: its import time is no one test's

from locogym.scoring.aggregate import Interval, mean_ci
from locogym.scoring.reliability import (
    TaskTrials,
    bradley_terry,
    compare,
    holm,
    pass_hat_k,
    reliability,
    sign_test,
    tasks_needed,
)

SPREAD = [round((i * 0.6180339887) % 1, 3) for i in range(1, 21)]


def test_a_task_with_no_trials_is_impossible() -> None:
    with pytest.raises(ValueError, match="impossible"):
        TaskTrials(trials=0, passes=0)


def test_k_of_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="k=0"):
        pass_hat_k(TaskTrials(3, 2), 0)


def test_the_default_k_is_the_fewest_trials_any_task_has() -> None:
    # tasks of 2 and 4 trials: k = 2, so pass^2 of (2 of 2) is 1 and of (2 of 4) is C(2,2)/C(4,2) = 1/6
    found = reliability([TaskTrials(2, 2), TaskTrials(4, 2)], n_boot=0)
    assert found.k == 2
    assert found.pass_hat_k.mean == pytest.approx((1.0 + 1 / 6) / 2)


def test_two_trials_are_enough_to_flip() -> None:
    found = reliability([TaskTrials(2, 1), TaskTrials(2, 2), TaskTrials(1, 0)], n_boot=0)
    assert (found.flip_tasks, found.flip_rate) == (2, 0.5)


def test_reliability_and_comparisons_are_bootstrapped_with_seed_0_unless_told_otherwise() -> None:
    tasks = [TaskTrials(9, round(s * 9)) for s in SPREAD]
    hats = [t.passes / 9 for t in tasks]  # pass^1: each task's share of passing trials
    assert reliability(tasks, 1).pass_hat_k == mean_ci(hats, seed=0) != mean_ci(hats, seed=1)
    a = {f"t{i:02d}": s for i, s in enumerate(SPREAD)}
    b = {f"t{i:02d}": 0.5 for i in range(len(SPREAD))}
    diffs = [s - 0.5 for s in SPREAD]
    assert compare("a", "b", a, b).difference == mean_ci(diffs, seed=0) != mean_ci(diffs, seed=1)


def test_two_agents_with_no_task_in_common_compare_as_nothing() -> None:
    found = compare("a", "b", {"t1": 1.0}, {"t2": 0.0})
    assert found.tasks == 0 and found.difference == Interval(0.0, 0.0, 0.0, 0)
    assert found.sign_p == 1.0 and found.tasks_needed is None and not found.separated


def test_the_leader_is_the_agent_the_mean_difference_favours_and_a_on_a_tie() -> None:
    level = compare("a", "b", {"t1": 1.0, "t2": 0.0}, {"t1": 0.0, "t2": 1.0})
    assert level.difference.mean == 0.0 and level.leader == "a"
    assert compare("a", "b", {"t1": 1.0}, {"t1": 0.0}).leader == "a"
    assert compare("a", "b", {"t1": 0.0}, {"t1": 1.0}).leader == "b"


def _clear_win() -> object:
    tasks = [f"t{i}" for i in range(12)]
    return compare("a", "b", {t: 1.0 for t in tasks}, {t: 0.0 for t in tasks}, n_boot=200)


def test_separation_needs_p_below_5_percent_after_holm_and_an_interval_clear_of_zero() -> None:
    clear = _clear_win()  # 12 wins of 12: p = 2 / 2**12, the interval is [1, 1]
    assert clear.separated  # type: ignore[attr-defined]
    assert not replace(clear, p_holm=0.05).separated  # type: ignore[type-var]
    assert replace(clear, p_holm=0.049).separated  # type: ignore[type-var]
    assert replace(clear, p_holm=0.2).p_value == 0.2  # type: ignore[type-var]
    for low, high in [(0.0, 0.4), (-0.4, 0.0), (-0.2, 0.3)]:
        assert not replace(clear, difference=Interval(0.1, low, high, 12)).separated  # type: ignore[type-var]
    assert replace(clear, difference=Interval(-0.3, -0.5, -0.1, 12)).separated  # type: ignore[type-var]


def test_holm_keeps_each_p_in_its_own_place() -> None:
    # sorted 0.01 (x3 = 0.03), 0.02 (x2 = 0.04), 0.5 (x1): handed back in the order given
    assert holm([0.5, 0.01, 0.02]) == pytest.approx([0.5, 0.03, 0.04])


def test_a_sign_test_over_one_task_proves_nothing() -> None:
    assert sign_test(1, 0) == 1.0 and sign_test(0, 1) == 1.0


def _power(n: int, share: float, lead: float, alpha: float = 0.05) -> float:
    """The exact power of the two-sided sign test on n tasks, of which Binomial(n, share) differ and the leader
    wins each differing one with chance ``lead``: summed by hand over the number of differing tasks."""
    total = 0.0
    for m in range(n + 1):
        tail = 0.0
        critical = None
        for c in range(m, -1, -1):  # the least c with 2 P(Bin(m, 1/2) >= c) <= alpha
            tail += math.comb(m, c) / 2 ** m
            if 2 * tail > alpha:
                break
            critical = c
        if critical is None:
            continue
        reject = sum(math.comb(m, i) * lead ** i * (1 - lead) ** (m - i) for i in range(critical, m + 1))
        reject += sum(math.comb(m, i) * lead ** i * (1 - lead) ** (m - i) for i in range(0, m - critical + 1))
        total += math.comb(n, m) * share ** m * (1 - share) ** (n - m) * reject
    return total


@pytest.mark.parametrize(("wins", "losses", "ties"), [(3, 1, 0), (4, 1, 2), (5, 2, 1), (3, 0, 3)])
def test_tasks_needed_is_the_first_count_whose_exact_power_reaches_80_percent(wins: int, losses: int,
                                                                              ties: int) -> None:
    needed = tasks_needed([1.0] * wins + [-1.0] * losses + [0.0] * ties)
    assert needed is not None
    share, lead = (wins + losses) / (wins + losses + ties), max(wins, losses) / (wins + losses)
    assert _power(needed, share, lead) >= 0.8 > _power(needed - 1, share, lead)


def test_a_near_even_pair_needs_thousands_of_tasks_and_the_estimate_stops_at_5000() -> None:
    # 21 wins to 19 on tasks that all differ: the normal approximation ((1.96 + 0.84) / (2 * 0.025))**2 = 3136
    assert 3000 < (tasks_needed([1.0] * 21 + [-1.0] * 19) or 0) < 3400
    # 51 to 49 would need about 19,600: more than the estimate reports
    assert tasks_needed([1.0] * 51 + [-1.0] * 49) == 5000


def _rating(wins: float, losses: float) -> float:
    """The rating of ``a`` against a single rival ``b``: its strength ratio is its wins over its losses, each with
    the half-win prior added, and the two ratings are centred on 1000 (400 Elo points per tenfold ratio)."""
    return 1000.0 + 200.0 * math.log10((wins + 0.5) / (losses + 0.5))


def test_two_agents_are_rated_by_their_wins_with_half_a_win_each_way_and_ties_as_halves() -> None:
    # a wins t1, b wins nothing, two ties: a has 1 + 2 * 0.5 = 2 wins, b has 1
    ratings = bradley_terry({"a": {"t1": 1.0, "t2": 0.5, "t3": 0.5}, "b": {"t1": 0.0, "t2": 0.5, "t3": 0.5}},
                            n_boot=0)
    assert ratings["a"].mean == pytest.approx(_rating(2.0, 1.0), abs=1e-6)
    assert ratings["b"].mean == pytest.approx(_rating(1.0, 2.0), abs=1e-6)
    assert ratings["a"] == Interval(ratings["a"].mean, ratings["a"].mean, ratings["a"].mean, 3)


def test_a_lone_agent_is_rated_at_the_centre() -> None:
    assert bradley_terry({"a": {"t1": 1.0, "t2": 0.0}}) == {"a": Interval(1000.0, 1000.0, 1000.0, 2)}


def test_the_rating_interval_resamples_every_task_and_spans_95_percent() -> None:
    # a wins t1 and b wins t2. A resample of two tasks gives a 0, 1 or 2 wins (chances 1/4, 1/2, 1/4): the
    # 2.5th percentile of the draws is the two-loss rating, the 97.5th the two-win one.
    rating = bradley_terry({"a": {"t1": 1.0, "t2": 0.0}, "b": {"t1": 0.0, "t2": 1.0}}, n_boot=200)["a"]
    assert rating.mean == pytest.approx(1000.0)
    assert rating.low == pytest.approx(_rating(0.0, 2.0), abs=1e-6)
    assert rating.high == pytest.approx(_rating(2.0, 0.0), abs=1e-6)


def test_the_ratings_are_drawn_with_seed_0_unless_told_otherwise() -> None:
    scores = {"a": {f"t{i}": s for i, s in enumerate(SPREAD)}, "b": {f"t{i}": 0.5 for i in range(len(SPREAD))},
              "c": {f"t{i}": 1.0 - s for i, s in enumerate(SPREAD)}}
    default = bradley_terry(scores, n_boot=20)
    assert default == bradley_terry(scores, n_boot=20, seed=0) != bradley_terry(scores, n_boot=20, seed=1)

