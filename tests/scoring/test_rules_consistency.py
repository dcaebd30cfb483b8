"""Consistency rules checked one at a time: how answers are normalised, which submit answers a session, and
what a family's own reading of the answers replaces. Every expected value is worked out in the comments."""

from __future__ import annotations

from typing import Any

from locogym.core.types import Probe
from locogym.scoring import consistency
from tests.scoring.scoring_builders import make_task, make_traj, step, submit


def test_yes_and_no_are_not_the_numbers_one_and_zero() -> None:
    assert consistency.normalize(None) is None
    assert consistency.agree(True, True) and consistency.agree([False, True], (True, False))
    assert not consistency.agree(True, 1)
    assert not consistency.agree(False, 0.0)
    assert not consistency.agree([True, 2], [1, 2])
    assert not consistency.agree(True, "true")  # a bool is not its spelling either


def test_numbers_agree_to_nine_decimals() -> None:
    assert consistency.agree(1.0, 1.0000000004)  # rounds to 1.000000000
    assert not consistency.agree(1.0, 1.000000002)  # rounds to 1.000000002
    assert consistency.agree("0.30000000001", 0.3)


def test_not_a_number_agrees_with_itself() -> None:
    assert consistency.agree(float("nan"), "NaN")
    assert consistency.agree([float("nan")], [float("nan")])


def _probe(pid: str, session: int, answer: Any, key: str = "k") -> Probe:
    return Probe(id=pid, session=session, question="Which file?", key=key, answer=answer)


def test_a_session_is_answered_by_its_first_submit_only() -> None:
    task = make_task(sessions=[["read", "submit"]], probes=[_probe("p1", 0, "Paris")])
    steps = make_traj(task, [step("read", {"path": "a"}, "Paris or Lyon"), submit({"p1": "Paris"}),
                             submit({"p1": "Lyon"})]).steps
    reading = consistency.read_probes(task, steps)
    assert reading.answers == {"p1": "paris"} and reading.right == {"p1": True}


def test_a_session_that_never_handed_in_answers_none_of_its_probes() -> None:
    task = make_task(sessions=[["submit"], ["submit"]], probes=[_probe("p1", 0, "Paris"), _probe("p2", 1, "Paris")])
    steps = make_traj(task, [submit({"p1": "Paris"}), step("read", {"path": "a"}, "text", session=1)],
                      termination="max_steps").steps
    metrics = consistency.measure(task, steps).metrics
    assert metrics["consistency.answered_rate"] == 0.5 and metrics["consistency.truth_rate"] == 0.5
    # the pair (p1, p2) is unchanged but p2 is unanswered: neither agreement nor contradiction
    assert metrics["consistency.self_agreement"] == 0.0 and metrics["consistency.contradiction_rate"] == 0.0


def _judged(answer: Any, annotations: dict[str, Any]):
    return submit(answer).model_copy(update={"annotations": annotations})


def test_the_family_reading_of_answers_and_truths_replaces_normalisation() -> None:
    # the family's grader reads "./src/a.py:1" as "src/a.py" on both sides; normalising the raw text could not
    task = make_task(sessions=[["submit"]], probes=[_probe("p1", 0, "./src/a.py:1"), _probe("p2", 0, "b.py", "j")])
    judged = {"p1": {"answer": "src/a.py", "right": True}, "p2": {"answer": None, "right": False}}
    steps = make_traj(task, [_judged({"p1": "./src/a.py:1", "p2": ""},
                                     {"probe_answers": judged, "probe_truths": {"p1": "src/a.py"}})]).steps
    reading = consistency.read_probes(task, steps)
    assert reading.truths == {"p1": "src/a.py", "p2": "b.py"}  # p2 keeps the task's own truth, normalised
    assert reading.answers == {"p1": "src/a.py"}  # a null answer is no answer
    assert reading.right == {"p1": True}
