"""The edges of the scoring rules: the defaults, limits and boundaries a one-character slip would move.

Each case pins a value the reports depend on and that no broader test would notice changing (found by
``bench/mutants.py``: these are the mutants the rest of the suite let through).
"""

from __future__ import annotations

import pytest

from locogym.core.types import EpisodeResult, EpisodeScore
from locogym.scoring import aggregate as agg
from locogym.scoring import cascade, efficiency
from locogym.scoring.calibration import calibration
from locogym.scoring.common import empty
from locogym.scoring.paired import PairedCurve, Unpaired, paired_curve, paired_curves
from tests.scoring.scoring_builders import make_task, make_traj, step, submit

# spread-out values, so that the bootstrap's quantiles move with its seed and its number of draws
VALUES = [round((i * 0.6180339887) % 1, 3) for i in range(1, 30)]


def test_the_default_bootstrap_is_seed_0_with_2000_draws() -> None:
    # reports quote intervals without naming the draws: the defaults are part of every published figure
    assert agg.DEFAULT_BOOTSTRAP == 2000
    default = agg.mean_ci(VALUES)
    assert default == agg.mean_ci(VALUES, n_boot=2000, seed=0)
    assert default != agg.mean_ci(VALUES, n_boot=2000, seed=1)
    assert default != agg.mean_ci(VALUES, n_boot=1999, seed=0)


@pytest.mark.parametrize("confidence", [0.0, 1.0, -0.1])
def test_a_confidence_on_or_outside_the_open_unit_interval_is_refused(confidence: float) -> None:
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        agg.mean_ci([1.0, 2.0], confidence=confidence)


def test_one_bootstrap_draw_already_gives_an_interval_and_zero_draws_none() -> None:
    mean = agg.mean_ci(VALUES, n_boot=0).mean
    assert agg.mean_ci(VALUES, n_boot=0) == agg.Interval(mean, mean, mean, len(VALUES))
    one = agg.mean_ci(VALUES, n_boot=1)
    assert (one.low, one.high) != (mean, mean)


def _episode(agent: str, env: str, success: float) -> EpisodeResult:
    return EpisodeResult(key=f"{agent}-{env}-{success}", agent=agent, env=env, seed=0, length=8192, status="done",
                         score=EpisodeScore(success=success, outcome="x"))


def test_summaries_are_per_agent_and_env_by_default() -> None:
    results = [_episode("a", "E1", 1.0), _episode("a", "E2", 0.0), _episode("b", "E1", 0.5)]
    table = agg.summarize(results, n_boot=0)
    assert sorted(table) == [("a", "E1"), ("a", "E2"), ("b", "E1")]
    assert table[("a", "E2")]["success"].mean == 0.0


MATCHES = [agg.Match("x", "y", 1.0), agg.Match("x", "y", 1.0), agg.Match("x", "y", 0.0), agg.Match("y", "z", 1.0),
           agg.Match("y", "z", 0.5), agg.Match("x", "z", 1.0), agg.Match("z", "x", 1.0)]


def test_bradley_terry_without_draws_gives_point_ratings_and_with_draws_intervals() -> None:
    points = agg.bradley_terry(MATCHES, n_boot=0)
    assert all(r.low == r.rating == r.high for r in points)
    drawn = agg.bradley_terry(MATCHES, n_boot=50)
    assert [r.rating for r in drawn] == [r.rating for r in points]
    assert all(r.low < r.rating < r.high for r in drawn)


@pytest.mark.parametrize("score", [1.5, -0.5])
def test_a_match_score_outside_0_to_1_is_refused(score: float) -> None:
    with pytest.raises(ValueError, match="must be 1"):
        agg.bradley_terry([agg.Match("x", "y", score)])


def test_the_default_arena_bootstrap_is_seed_0_with_500_draws() -> None:
    default = agg.bradley_terry(MATCHES)
    assert default == agg.bradley_terry(MATCHES, n_boot=500, seed=0)
    assert default != agg.bradley_terry(MATCHES, n_boot=499, seed=0)


def test_calibration_needs_at_least_one_bin() -> None:
    assert calibration([(0.5, True)], bins=1).answers == 1
    with pytest.raises(ValueError, match="at least one bin"):
        calibration([(0.5, True)], bins=0)


@pytest.mark.parametrize("value", [0, 0.0, 3.5, False, [0], {"x": 0}])
def test_a_number_is_an_answer_even_zero(value: object) -> None:
    assert empty(value) is False


@pytest.mark.parametrize("value", [None, "", "  ", [], {}, {"x": ""}, {"x": None, "y": []}])
def test_nothing_in_any_shape_is_empty(value: object) -> None:
    assert empty(value) is True


def test_a_sound_step_that_fed_a_later_mistake_is_not_itself_a_mistake() -> None:
    task = make_task(plan=["search", "book", "submit"])
    steps = [
        step("search", {"city": "Lisbon"}, "Flights: fl-100 at 09:00, fl-200 at 11:00"),
        step("book", {"flight": "fl-100"}, "Booked fl-100.", wrong=True),  # the wrong one of the two
        submit("fl-100"),
    ]
    m = cascade.measure(task, make_traj(task, steps).steps, True, 0.0)
    assert m.metrics["cascade.errors"] == 2  # the booking and the failed answer, never the search that fed them


def test_a_right_answer_read_from_nothing_when_the_oracle_read_something_has_token_ratio_0() -> None:
    task = make_task(plan=["read", "submit"], meta={"oracle_obs_tokens": 100})
    m = efficiency.measure(task, make_traj(task, [submit("42")]).steps, 1.0)
    assert m.metrics["efficiency.token_ratio"] == 0.0
    reads_nothing = make_task(plan=["submit"], meta={"oracle_obs_tokens": 0})
    m = efficiency.measure(reads_nothing, make_traj(reads_nothing, [submit("42")]).steps, 1.0)
    assert m.metrics["efficiency.token_ratio"] == 1.0


def test_an_episode_without_steps_has_no_redundancy() -> None:
    m = efficiency.measure(make_task(), [], 0.0)
    assert (m.metrics["efficiency.redundant"], m.metrics["efficiency.redundant_rate"]) == (0.0, 0.0)


def _played(core: str | None, length: int, success: float) -> EpisodeResult:
    return EpisodeResult(key=f"{core}-{length}", agent="a", env="E", seed=0, length=length, status="done",
                         core_hash=core or "", score=EpisodeScore(success=success, outcome="x"))


def test_rows_without_a_core_hash_do_not_stop_the_keyed_ones_from_pairing() -> None:
    rows = [_played("c1", 8192, 1.0), _played("c1", 16384, 0.0), _played(None, 8192, 1.0)]
    curve = paired_curve(rows, n_boot=0)
    assert isinstance(curve, PairedCurve)
    assert (curve.tasks, [m.mean for m in curve.means]) == (1, [1.0, 0.0])
    assert isinstance(paired_curve([_played(None, 8192, 1.0), _played(None, 16384, 1.0)], n_boot=0), Unpaired)


LADDER_ROWS = [_played(core, length, score) for core, scores in
               [("c1", (1.0, 1.0, 0.0)), ("c2", (1.0, 0.0, 0.0)), ("c3", (0.0, 1.0, 1.0)), ("c4", (1.0, 1.0, 1.0))]
               for length, score in zip((8192, 16384, 32768), scores, strict=True)]


def test_the_degradation_runs_from_the_shortest_to_the_longest_length() -> None:
    curve = paired_curve(LADDER_ROWS, n_boot=0)
    assert isinstance(curve, PairedCurve)
    assert (curve.degradation.shortest, curve.degradation.longest) == (8192, 32768)
    assert curve.degradation.drop.mean == pytest.approx(0.25)  # (1 + 1 - 1 + 0) / 4
    assert (curve.degradation.worse, curve.degradation.better) == (2, 1)


def test_paired_intervals_need_a_draw_and_have_none_without() -> None:
    flat = paired_curve(LADDER_ROWS, n_boot=0)
    assert isinstance(flat, PairedCurve)
    assert all(m.low == m.mean == m.high for m in flat.means)
    one = paired_curve(LADDER_ROWS, n_boot=1, seed=3)
    assert isinstance(one, PairedCurve)
    assert any((m.low, m.high) != (m.mean, m.mean) for m in one.means)


def test_an_off_path_read_that_fed_a_mistake_is_part_of_the_cascade() -> None:
    task = make_task(plan=["search", "book", "submit"])
    detour = step("search", {"city": "Porto"}, "Flights: fl-100 at 09:00")
    detour.annotations["off_path"] = True  # the family's word: this read was not needed
    steps = [detour, step("book", {"flight": "fl-100"}, "Booked fl-100.", wrong=True), submit("fl-100")]
    m = cascade.measure(task, make_traj(task, steps).steps, True, 0.0)
    assert m.metrics["cascade.errors"] == 3  # the detour fed the wrong booking: it counts with it


def test_paired_curves_are_per_agent_and_env_by_default() -> None:
    rows = [r.model_copy(update={"agent": agent}) for agent in ("a", "b") for r in LADDER_ROWS]
    assert sorted(paired_curves(rows, n_boot=0)) == [("a", "E"), ("b", "E")]


def test_an_off_path_read_that_fed_nothing_stays_out_of_the_cascade() -> None:
    task = make_task(plan=["search", "book", "submit"])
    detour = step("hotels", {"city": "Porto"}, "Hotels: ht-7 from 80 EUR")
    detour.annotations["off_path"] = True
    steps = [detour, step("search", {"city": "Lisbon"}, "Flights: fl-100 at 09:00"),
             step("book", {"flight": "fl-100"}, "Booked fl-100.", wrong=True), submit("fl-100")]
    m = cascade.measure(task, make_traj(task, steps).steps, True, 0.0)
    assert m.metrics["cascade.errors"] == 2  # the booking and the answer; the detour fed neither
