"""The FuncCall grader's cascade metrics on a hand-annotated trajectory, every figure worked out by hand: which
wrong calls carry a value a wrong call's output introduced, the longest chain, recovery and step credit."""

from __future__ import annotations

from typing import Any

from locogym.core.types import ErrorKind, StepEvent
from locogym.scenarios.funccall.grading import cascade_metrics
from tests.funccall.hand_built import gold, oracle_step, step, submit, task, trajectory

STEPS = [oracle_step("Search_Hotel_Destination", optional=True), oracle_step("Search_Hotels"),
         oracle_step("Get_Hotel_Details"), oracle_step("Book_Hotel")]
TASK = task(gold(), STEPS)


def _wrong(subgoal: str | None, label: str = "wrong_value") -> dict[str, Any]:
    return {"wrong": True, "error_label": label, "subgoal": subgoal}


def _right(subgoal: str, oracle: int | None = None) -> dict[str, Any]:
    return {"wrong": False, "subgoal": subgoal, "oracle_step": oracle}


def _episode() -> list[StepEvent]:
    """A wrong search shows H9; details and a booking built on it are cascaded; the right search then shows H1
    (and H9 again), details of H1 are right, and a wrong call built on H1 alone is contained."""
    return [
        step(0, "Search_Hotels", {"dest_id": "-2"}, annotations=_wrong("search"), values=["H9"]),
        step(1, "Get_Hotel_Details", {"hotel_id": "H9"}, annotations=_wrong("details"), values=["R9"]),
        step(2, "Book_Hotel", {"hotel_id": "H9", "block": {"id": "R9"}}, annotations=_wrong("book")),
        step(3, "Search_Hotels", {"dest_id": "-1"}, annotations=_right("search", 1), values=["H1", "H9"]),
        step(4, "Get_Hotel_Details", {"hotel_id": "H1"}, annotations=_right("details", 2), values=["R1"]),
        step(5, "Get_Room_List", {"hotel_id": "H1"}, annotations=_wrong("rooms", "hallucinated_parameter")),
        submit(6, {"booking_id": "none"}),
    ]


def _renumbered(steps: list[StepEvent]) -> list[StepEvent]:
    return [s.model_copy(update={"index": i}) for i, s in enumerate(steps)]


def test_a_hand_made_episode_gives_every_figure() -> None:
    assert cascade_metrics(TASK, trajectory(*_episode())) == {
        "first_wrong_call": 0, "wrong_calls": 4, "cascaded_calls": 2, "cascaded_steps": [1, 2],
        "longest_cascade": 3, "wrong_subgoals": 4, "recovered_subgoals": 2, "step_credit": 2 / 3,
        "labels": {"wrong_value": 3, "hallucinated_parameter": 1}}


def test_an_episode_without_a_wrong_call_has_no_cascade() -> None:
    found = cascade_metrics(TASK, trajectory(*_renumbered(_episode()[3:5])))
    assert (found["first_wrong_call"], found["wrong_calls"], found["longest_cascade"]) == (-1, 0, 0)
    assert (found["wrong_subgoals"], found["recovered_subgoals"], found["labels"]) == (0, 0, {})


def test_one_wrong_call_alone_is_a_chain_of_one() -> None:
    found = cascade_metrics(TASK, trajectory(*_renumbered(_episode()[3:6])))
    assert (found["first_wrong_call"], found["wrong_calls"], found["cascaded_calls"]) == (2, 1, 0)
    assert found["longest_cascade"] == 1


def test_values_of_a_refused_call_and_flags_introduce_nothing() -> None:
    steps = [step(0, "Search_Hotels", {}, ErrorKind.api_error, annotations=_wrong("search"), values=["H9"]),
             step(1, "Search_Hotels", {}, annotations=_wrong("search"), values=[True, None]),
             step(2, "Get_Hotel_Details", {"hotel_id": "H9", "flag": True, "none": None},
                  annotations=_wrong("details"))]
    assert cascade_metrics(TASK, trajectory(*steps))["cascaded_calls"] == 0


def test_a_value_counts_from_the_first_call_that_showed_it() -> None:
    """H9 was first shown by a right call: a wrong call showing it again does not make its users cascaded."""
    steps = [step(0, "Search_Hotels", {}, annotations=_right("search", 1), values=["H9"]),
             step(1, "Search_Hotels", {"x": 1}, annotations=_wrong("search"), values=["H9", 7]),
             step(2, "Get_Hotel_Details", {"hotel_id": "H9"}, annotations=_wrong("details")),
             step(3, "Get_Hotel_Details", {"ids": [7]}, annotations=_wrong("details"))]
    found = cascade_metrics(TASK, trajectory(*steps))
    assert found["cascaded_steps"] == [3]  # 7 reads as "7", first shown by the wrong call


def test_a_subgoal_is_recovered_only_by_a_right_call_after_its_last_wrong_one() -> None:
    steps = [step(0, "Search_Hotels", {}, annotations=_right("search", 1)),
             step(1, "Search_Hotels", {}, annotations=_wrong("search")),
             step(2, "Get_Hotel_Details", {}, annotations=_wrong("details")),
             step(3, "Get_Hotel_Details", {}, annotations=_right("details", 2)),
             step(4, "Get_Hotel_Details", {}, annotations=_wrong("details")),
             step(5, "Book_Hotel", {}, annotations=_wrong(None))]
    found = cascade_metrics(TASK, trajectory(*steps))
    assert (found["wrong_subgoals"], found["recovered_subgoals"]) == (2, 0)
    steps.append(step(6, "Get_Hotel_Details", {}, annotations=_right("details")))
    assert cascade_metrics(TASK, trajectory(*steps))["recovered_subgoals"] == 1


def test_step_credit_counts_required_steps_a_right_call_matched() -> None:
    lookup_only = [step(0, "Search_Hotel_Destination", {}, annotations=_right("find", 0))]
    assert cascade_metrics(TASK, trajectory(*lookup_only))["step_credit"] == 0.0
    wrong_match = [step(0, "Book_Hotel", {}, annotations={**_wrong("book"), "oracle_step": 3})]
    assert cascade_metrics(TASK, trajectory(*wrong_match))["step_credit"] == 0.0
    every = [step(i, s["name"], {}, annotations=_right(s["name"], i)) for i, s in enumerate(STEPS)]
    assert cascade_metrics(TASK, trajectory(*_renumbered(every[1:])))["step_credit"] == 1.0
    only_optional = task(gold(), [oracle_step("Search_Hotel_Destination", optional=True)])
    assert cascade_metrics(only_optional, trajectory())["step_credit"] == 1.0
