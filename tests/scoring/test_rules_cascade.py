"""Cascade rules checked one at a time on trajectories of two or three steps, each value worked out by hand."""

from __future__ import annotations

from locogym.core.types import ErrorKind
from locogym.scoring import cascade
from tests.scoring.scoring_builders import make_task, make_traj, step, submit


def _booking() -> list:
    """A search that shows FL-100, a failed booking of it, and a sound lookup of it."""
    return make_traj(make_task(), [
        step("search", {"q": "Oslo"}, "Found flight FL-100"),
        step("book", {"id": "FL-100"}, "Seat sold out", error=ErrorKind.api_error),
        step("get", {"id": "FL-100"}, "FL-100 leaves at noon"),
    ]).steps


def test_flows_search_only_the_targets_asked_for() -> None:
    steps = _booking()
    # both later steps use fl-100, which step 0 introduced
    assert cascade.flows(make_task(), steps) == [set(), {0}, {0}]
    # asked about step 1 only, step 2's feeders are not searched
    assert cascade.flows(make_task(), steps, [1]) == [set(), {0}, set()]


def test_only_erroneous_steps_get_their_feeders() -> None:
    erroneous, parents = cascade.erroneous_steps(make_task(), _booking(), submitted=False, success=0.0)
    assert erroneous == [False, True, False]
    assert parents == [set(), {0}, set()]  # step 2 is sound: its feeder is not looked for


def test_an_episode_without_errors_has_a_cascade_rate_of_zero() -> None:
    task = make_task()
    steps = make_traj(task, [step("read", {"path": "a"}, "text"), submit("a")]).steps
    metrics = cascade.measure(task, steps, submitted=True, success=1.0).metrics
    assert metrics["cascade.errors"] == 0.0
    assert metrics["cascade.rate"] == 0.0
