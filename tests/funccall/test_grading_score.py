"""The FuncCall episode score on hand-built worlds and trajectories: success as the share of right parts, the
outcome, the early-stop label, every metric and label, and an "unavailable" answer's fate."""

from __future__ import annotations

from typing import Any

from locogym.core.types import EpisodeScore, StepEvent
from locogym.scenarios.funccall.gold import Fact, Proof
from locogym.scenarios.funccall.grading import UNSUPPORTED, grade
from locogym.scenarios.funccall.world import Booking
from tests.funccall.hand_built import HOTEL, booking, gold, oracle_step, step, submit, task, trajectory, world

FACTS = [Fact(key="booking_id", type="booking", req=0), Fact(key="fare", type="number", value=100)]
TASK = task(gold([HOTEL], cancels=["P1"], facts=FACTS),
            [oracle_step("Search_Hotels"), oracle_step("Book_Hotel"), oracle_step("Cancel_Booking")])
RIGHT = {"booking_id": "B1", "fare": 100}


def _right(i: int) -> dict[str, Any]:
    return {"wrong": False, "oracle_step": i, "subgoal": f"s{i}"}


def _steps(answer: Any = RIGHT, cancel: bool = True) -> list[StepEvent]:
    steps = [step(0, "Search_Hotels", annotations=_right(0)), step(1, "Book_Hotel", annotations=_right(1))]
    if cancel:
        steps.append(step(2, "Cancel_Booking", annotations=_right(2)))
    return [*steps, submit(len(steps), answer)] if answer is not None else steps


def _world(cancelled: bool = True, *more: Booking) -> Any:
    return world(booking("P1", preexisting=True, status="cancelled" if cancelled else "confirmed"),
                 booking("B1", hotel_id="H1"), *more)


def _grade(steps: list[StepEvent], the_world: Any, the_task: Any = TASK) -> EpisodeScore:
    return grade(the_task, trajectory(*steps), the_world)


def test_everything_right_is_correct_with_every_metric_and_label() -> None:
    score = _grade(_steps(), _world())
    assert (score.success, score.outcome) == (1.0, "correct")
    assert score.metrics == {
        "fc.state_score": 1.0, "fc.facts_score": 1.0, "fc.collateral": 0.0, "fc.extra_bookings": 0.0,
        "fc.wrong_cancellations": 0.0, "fc.step_credit": 1.0, "fc.wrong_calls": 0.0, "fc.first_wrong_call": -1.0,
        "fc.cascaded_calls": 0.0, "fc.longest_cascade": 0.0, "fc.recovery_rate": 1.0,
        "fc.err_decode_error": 0.0, "fc.err_hallucinated_function": 0.0, "fc.err_missing_parameter": 0.0,
        "fc.err_hallucinated_parameter": 0.0, "fc.err_wrong_value": 0.0, "fc.err_stop_early": 0.0}
    assert score.labels == {
        "fc.template": "tpl", "fc.domain": "dom", "fc.stop_early": "no", "fc.cascade": "none", "fc.error_labels": "",
        "fc.cascaded_steps": "", "fc.unavailable_claim": "not_claimed", "fc.collateral": "",
        "fc.answer_fields": "booking_id:ok,fare:ok"}


def test_a_wrong_fact_costs_its_share_and_names_its_reason() -> None:
    score = _grade(_steps({**RIGHT, "fare": 120}), _world())
    assert (score.success, score.outcome) == (0.75, "partial")
    assert score.metrics["fc.facts_score"] == 0.5
    assert score.labels["fc.answer_fields"] == "booking_id:ok,fare:wrong value"
    assert score.labels["fc.stop_early"] == "no"  # every oracle step was made


def test_submitting_before_the_work_is_done_is_an_early_stop() -> None:
    score = _grade(_steps(cancel=False), _world(cancelled=False))
    assert (score.success, score.outcome) == (0.75, "partial")
    assert score.metrics["fc.state_score"] == 0.5 and score.metrics["fc.step_credit"] == 2 / 3
    assert score.metrics["fc.err_stop_early"] == 1.0
    assert score.labels["fc.stop_early"] == "yes" and score.labels["fc.error_labels"] == "stop_early:1"
    # the facts alone unmet, every step made: no early stop either
    assert _grade(_steps({**RIGHT, "fare": 1}), _world()).metrics["fc.err_stop_early"] == 0.0


def test_with_the_work_done_only_wrong_facts_and_an_unmatched_step_make_an_early_stop() -> None:
    """The search step is missing, so step credit is below one, while the bookings and cancellation stand."""
    no_search = [s.model_copy(update={"index": s.index - 1}) for s in _steps()[1:]]
    assert _grade(no_search, _world()).labels["fc.stop_early"] == "no"
    wrong_fare = [*no_search[:-1], submit(2, {**RIGHT, "fare": 1})]
    assert _grade(wrong_fare, _world()).labels["fc.stop_early"] == "yes"


def test_the_last_submit_is_the_answer() -> None:
    steps = _steps({**RIGHT, "fare": 1})
    assert _grade([*steps, submit(len(steps), RIGHT)], _world()).success == 1.0
    assert _grade([*_steps(), submit(4, {"fare": 1})], _world()).success == 0.5


def test_an_early_stop_needs_a_submit() -> None:
    score = _grade(_steps(answer=None, cancel=False), _world(cancelled=False))
    assert score.labels["fc.stop_early"] == "no" and score.outcome == "partial"


def test_any_change_nobody_asked_for_scores_zero() -> None:
    extra = booking("B2", hotel_id="H9")
    unasked = booking("P2", preexisting=True, status="cancelled")
    score = _grade(_steps(), _world(True, extra, unasked))
    assert (score.success, score.outcome) == (0.0, "wrong")
    assert (score.metrics["fc.collateral"], score.metrics["fc.extra_bookings"],
            score.metrics["fc.wrong_cancellations"]) == (2.0, 1.0, 1.0)
    assert score.metrics["fc.state_score"] == 1.0  # the asked-for part itself is complete
    assert score.labels["fc.collateral"] == "unasked booking B2 (hotel, booked); unasked cancellation of P2"


def test_no_answer_and_no_change_is_no_answer_but_a_change_is_partial() -> None:
    nothing = _grade([], world(booking("P1", preexisting=True)))
    assert (nothing.success, nothing.outcome) == (0.0, "no_answer")
    assert nothing.labels["fc.answer_fields"] == "booking_id:nothing to report,fare:missing"
    booked = _grade(_steps(answer=None, cancel=False), _world(cancelled=False))
    assert (booked.success, booked.outcome) == (0.25, "partial")
    wrong = _grade(_steps({"fare": 1}, cancel=False), world(booking("P1", preexisting=True)))
    assert (wrong.success, wrong.outcome) == (0.0, "wrong")


def test_a_request_with_nothing_to_book_scores_its_state_by_collateral() -> None:
    facts_only = task(gold(facts=[Fact(key="fare", type="number", value=100)]), [oracle_step("Search_Hotels")])
    clean = _grade([submit(0, {"fare": 100})], world(), facts_only)
    assert (clean.success, clean.metrics["fc.state_score"], clean.metrics["fc.facts_score"]) == (1.0, 1.0, 1.0)
    churn = _grade([submit(0, {"fare": 100})], world(booking("B9")), facts_only)
    assert (churn.success, churn.metrics["fc.state_score"]) == (0.0, 0.0)
    empty = _grade([], world(), task(gold(), []))
    assert (empty.success, empty.outcome, empty.metrics["fc.facts_score"]) == (0.0, "no_answer", 1.0)


def test_cascade_and_recovery_figures_reach_the_score() -> None:
    steps = [step(0, "Search_Hotels", annotations={"wrong": True, "subgoal": "s0", "error_label": "wrong_value"},
                  values=["H9"]),
             step(1, "Get_Hotel_Details", {"hotel_id": "H9"},
                  annotations={"wrong": True, "subgoal": "details", "error_label": "missing_parameter"}),
             *[s.model_copy(update={"index": s.index + 2}) for s in _steps()]]
    score = _grade(steps, _world())
    assert score.metrics["fc.wrong_calls"] == 2.0 and score.metrics["fc.first_wrong_call"] == 0.0
    assert score.metrics["fc.cascaded_calls"] == 1.0 and score.metrics["fc.longest_cascade"] == 2.0
    assert score.metrics["fc.recovery_rate"] == 0.5  # s0 recovered by the right step s0; details never
    assert score.metrics["fc.err_wrong_value"] == 1.0 and score.metrics["fc.err_missing_parameter"] == 1.0
    assert score.labels["fc.cascade"] == "cascaded" and score.labels["fc.cascaded_steps"] == "1"
    assert score.labels["fc.error_labels"] == "missing_parameter:1,wrong_value:1"
    contained = [steps[0], *[s.model_copy(update={"index": s.index - 1}) for s in steps[2:]]]
    assert _grade(contained, _world()).labels["fc.cascade"] == "contained"


PROOF = Proof(api="Search_Hotels", match={"dest_id": "-1"}, witness="H7")
INFEASIBLE = task(gold(facts=[Fact(key="status", type="text", value="unavailable")], infeasible=True, proof=PROOF,
                       keys=["booking_id"]), [oracle_step("Search_Hotels")])


def test_an_unavailable_answer_counts_only_when_proven() -> None:
    claim = submit(1, {"status": "unavailable"})
    looked = step(0, "Search_Hotels", {"dest_id": "-1"}, annotations=_right(0), items=["H7"])
    proven = _grade([looked, claim], world(), INFEASIBLE)
    assert (proven.success, proven.labels["fc.unavailable_claim"]) == (1.0, "proven")
    blind = _grade([looked.model_copy(update={"call": None}), claim], world(), INFEASIBLE)
    assert (blind.success, blind.outcome) == (0.0, "wrong")
    assert blind.labels["fc.answer_fields"] == f"status:{UNSUPPORTED}"
    assert blind.labels["fc.unavailable_claim"] == "unsupported"
    silent = _grade([looked, submit(1, {"status": "sold out"})], world(), INFEASIBLE)
    assert silent.labels["fc.answer_fields"] == "status:wrong value"
