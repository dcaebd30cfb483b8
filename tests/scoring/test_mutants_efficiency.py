"""Redundant reads at the point the mutation bench found unchecked: spans read back to back cover their union."""

from __future__ import annotations

from locogym.scoring.efficiency import redundant_steps
from tests.scoring.scoring_builders import make_task, make_traj, step, submit


def test_a_read_of_two_adjacent_spans_already_read_is_redundant() -> None:
    steps = [step("read", {"path": "c", "at": 0}, "c0-10", data={"span": {"source": "c", "start": 0, "end": 10}}),
             step("read", {"path": "c", "at": 10}, "c10-20", data={"span": {"source": "c", "start": 10, "end": 20}}),
             step("read", {"path": "c", "at": 5}, "c5-15", data={"span": {"source": "c", "start": 5, "end": 15}}),
             step("read", {"path": "c", "at": 15}, "c15-25",
                  data={"span": {"source": "c", "start": 15, "end": 25}}),  # 20-25 is new
             submit("x")]
    traj = make_traj(make_task(), steps)
    assert redundant_steps(traj.steps) == [2]
