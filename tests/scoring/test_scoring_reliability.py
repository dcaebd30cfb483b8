"""Reliability statistics: pass^k, pass@k, flip rate, paired comparisons, tasks needed, Bradley-Terry."""

from __future__ import annotations

import math

import pytest

from locogym.scoring.reliability import (
    ELO_CENTRE,
    TaskTrials,
    bradley_terry,
    compare,
    flips,
    holm,
    pass_at_k,
    pass_hat_k,
    reliability,
    sign_test,
    tasks_needed,
)


def test_pass_hat_k_matches_the_combinatorial_definition() -> None:
    # 4 trials, 2 passes: the chance that 2 drawn trials both pass is C(2,2)/C(4,2) = 1/6.
    task = TaskTrials(trials=4, passes=2)
    assert pass_hat_k(task, 1) == pytest.approx(0.5)
    assert pass_hat_k(task, 2) == pytest.approx(1 / 6)
    assert pass_hat_k(task, 3) == 0.0
    assert pass_at_k(task, 2) == pytest.approx(1 - 1 / 6)
    assert pass_at_k(task, 3) == 1.0


def test_pass_hat_k_falls_with_k_for_a_flaky_agent_and_not_for_a_steady_one() -> None:
    flaky = [TaskTrials(5, 3), TaskTrials(5, 2), TaskTrials(5, 4)]
    steady = [TaskTrials(5, 5), TaskTrials(5, 0), TaskTrials(5, 5)]
    hats = [reliability(flaky, k).pass_hat_k.mean for k in (1, 3, 5)]
    assert hats[0] > hats[1] > hats[2] == 0.0
    assert [reliability(steady, k).pass_hat_k.mean for k in (1, 3, 5)] == pytest.approx([2 / 3] * 3)


def test_an_agent_that_passes_once_in_three_is_not_reliable() -> None:
    # The cheapest way to look good on pass@k: succeed sometimes. pass^k catches it.
    lucky = [TaskTrials(3, 1)] * 10
    result = reliability(lucky)
    assert result.k == 3
    assert result.pass_at_k.mean == pytest.approx(1.0)
    assert result.pass_hat_k.mean == 0.0
    assert result.flip_rate == 1.0 and result.flip_tasks == 10


def test_flip_rate_needs_two_trials_and_counts_disagreeing_tasks() -> None:
    assert reliability([TaskTrials(1, 1), TaskTrials(1, 0)]).flip_rate is None
    assert flips(TaskTrials(3, 1)) and not flips(TaskTrials(3, 3)) and not flips(TaskTrials(3, 0))
    found = reliability([TaskTrials(3, 1), TaskTrials(3, 3), TaskTrials(3, 0), TaskTrials(3, 2)])
    assert found.flip_rate == pytest.approx(0.5)
    assert found.flip_interval is not None and found.flip_interval.mean == pytest.approx(0.5)
    assert found.flip_interval.low <= 0.5 <= found.flip_interval.high and found.flip_interval.n == found.flip_tasks


def test_impossible_counts_and_a_k_beyond_the_trials_are_refused() -> None:
    with pytest.raises(ValueError, match="impossible"):
        TaskTrials(2, 3)
    with pytest.raises(ValueError, match="k=3"):
        pass_hat_k(TaskTrials(2, 1), 3)
    with pytest.raises(ValueError, match="at least one task"):
        reliability([])


def test_sign_test_is_exact() -> None:
    assert sign_test(0, 0) == 1.0
    assert sign_test(5, 0) == pytest.approx(2 / 32)
    assert sign_test(3, 3) == 1.0
    assert sign_test(10, 0) < 0.01


def test_paired_comparison_separates_a_clear_winner_and_not_noise() -> None:
    tasks = [f"t{i}" for i in range(30)]
    strong = {t: 1.0 for t in tasks}
    weak = {t: 0.0 if i % 3 else 1.0 for i, t in enumerate(tasks)}
    clear = compare("strong", "weak", strong, weak)
    assert clear.tasks == 30 and clear.separated and clear.difference.low > 0
    assert clear.a_better == 20 and clear.b_better == 0 and clear.sign_p < 1e-4
    noise_a = {t: float(i % 2) for i, t in enumerate(tasks)}
    noise_b = {t: float((i // 2) % 2) for i, t in enumerate(tasks)}
    noisy = compare("a", "b", noise_a, noise_b)
    assert not noisy.separated and noisy.sign_p > 0.5


def test_paired_comparison_uses_only_shared_tasks() -> None:
    # An agent that plays only the tasks it is good at cannot claim the others.
    a = {"t1": 1.0, "t2": 1.0, "t3": 1.0}
    b = {"t1": 1.0, "t4": 0.0, "t5": 0.0}
    found = compare("a", "b", a, b)
    assert found.tasks == 1 and found.difference.mean == 0.0 and not found.separated


def test_tasks_needed_is_the_exact_sign_test_power() -> None:
    # The leader wins every task the two differ on, and they differ on half: with N tasks the test rejects when
    # at least 6 differ (2 / 2**6 < 0.05). P(Bin(N, 1/2) >= 6) first reaches 80% at N = 15 (84.9%; 78.8% at 14).
    def at_least_six(n: int) -> float:
        return sum(math.comb(n, m) for m in range(6, n + 1)) / 2 ** n

    assert at_least_six(14) < 0.8 <= at_least_six(15)
    assert tasks_needed([1.0, 1.0, 1.0, 0.0, 0.0, 0.0]) == 15
    assert tasks_needed([1.0] * 6) == 6  # never fewer than an exact sign test can use
    assert tasks_needed([1.0, 1.0]) == 6
    assert tasks_needed([0.0, 0.0, 0.0]) is None and tasks_needed([1.0, -1.0]) is None
    # Winning a smaller share of the differing tasks needs more of them.
    assert tasks_needed([1.0, 1.0, 1.0, -1.0]) > tasks_needed([1.0, 1.0, 1.0, 1.0])


def test_holm_adjusts_step_down_and_stays_monotone() -> None:
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([]) == [] and holm([0.5]) == [0.5]


def test_a_pair_is_separated_only_when_the_paired_test_clears() -> None:
    tasks = [f"t{i}" for i in range(6)]
    ahead = compare("a", "b", {t: 1.0 for t in tasks}, {t: 0.0 if i < 3 else 1.0 for i, t in enumerate(tasks)})
    assert ahead.difference.low > 0 and ahead.sign_p == pytest.approx(0.25) and not ahead.separated
    behind = compare("a", "b", {t: 0.0 for t in tasks * 2}, {t: 1.0 for t in tasks * 2})
    assert behind.leader == "b"


def test_bradley_terry_orders_agents_and_stays_finite_when_one_always_wins() -> None:
    tasks = [f"t{i}" for i in range(12)]
    scores = {"best": {t: 1.0 for t in tasks},
              "middle": {t: 1.0 if i % 2 else 0.0 for i, t in enumerate(tasks)},
              "worst": {t: 0.0 for t in tasks}}
    ratings = bradley_terry(scores, n_boot=50)
    assert ratings["best"].mean > ratings["middle"].mean > ratings["worst"].mean
    assert all(math.isfinite(r.mean) and r.low <= r.mean <= r.high for r in ratings.values())
    assert sum(r.mean for r in ratings.values()) / 3 == pytest.approx(ELO_CENTRE)
    assert ratings["best"].n == 12


def test_bradley_terry_ties_equal_agents_and_repeats_exactly() -> None:
    tasks = {f"t{i}": float(i % 2) for i in range(10)}
    first = bradley_terry({"a": tasks, "b": dict(tasks)}, n_boot=30, seed=3)
    assert first["a"].mean == pytest.approx(first["b"].mean)
    assert first == bradley_terry({"a": tasks, "b": dict(tasks)}, n_boot=30, seed=3)
