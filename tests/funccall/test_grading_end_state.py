"""The FuncCall grader's end-state rules on hand-built worlds: which booking meets which requirement, what counts
as a change nobody asked for, the answer's facts, and what becomes of an "unavailable" claim."""

from __future__ import annotations

from locogym.core.types import ErrorKind
from locogym.scenarios.funccall.gold import Fact, Proof, Requirement
from locogym.scenarios.funccall.grading import (
    booking_matches,
    check_facts,
    claim_of,
    end_state,
    match_requirements,
    proves,
    unavailable_proven,
)
from tests.funccall.hand_built import HOTEL, booking, gold, step, task, trajectory, world

FLIGHT = Requirement(kind="flight", match={"cabinClass": {"in": ["business", "first"]}, "departDate": "2024-05-01"})


def test_a_booking_meets_a_requirement_by_kind_status_and_every_normalised_field() -> None:
    assert booking_matches(booking("B1", hotel_id="H1"), HOTEL)
    assert booking_matches(booking("B1", hotel_id=" H1 ", guests=2), HOTEL)  # spelling aside, extra fields aside
    assert not booking_matches(booking("B1", hotel_id="H2"), HOTEL)
    assert not booking_matches(booking("B1", hotel_id="H1", status="cancelled"), HOTEL)
    assert not booking_matches(booking("B1", kind="car", hotel_id="H1"), HOTEL)
    assert not booking_matches(booking("B1"), HOTEL)  # the field absent


def test_a_value_that_merely_contains_in_is_a_plain_value() -> None:
    city = Requirement(kind="hotel", match={"city": "Berlin", "stars": 4})
    assert booking_matches(booking("B1", city="Berlin", stars=4), city)
    assert not booking_matches(booking("B1", city="Bern", stars=4), city)


def test_a_field_may_require_one_of_several_values() -> None:
    flight = booking("F1", kind="flight", cabinClass="FIRST", departDate="01/05/2024")
    assert booking_matches(flight, FLIGHT)
    assert not booking_matches(booking("F1", kind="flight", cabinClass="economy", departDate="2024-05-01"), FLIGHT)
    assert not booking_matches(booking("F1", kind="flight", cabinClass="first", departDate="2024-05-02"), FLIGHT)
    empty = Requirement(kind="flight", match={"cabinClass": {"in": []}})
    assert not booking_matches(flight, empty)


def test_each_booking_meets_one_requirement_and_the_rest_are_extra() -> None:
    gold_two = task(gold([HOTEL, HOTEL]))
    one, two, other = booking("B1", hotel_id="H1"), booking("B2", hotel_id="H1"), booking("B3", hotel_id="H9")
    standing = booking("P1", hotel_id="H1", preexisting=True)
    assert match_requirements(gold_two, world(standing, one, other)) == ([one, None], [other])
    assert match_requirements(gold_two, world(two, one)) == ([two, one], [])
    assert match_requirements(task(gold([HOTEL])), world(standing)) == ([None], [])


def test_the_end_state_counts_requirements_cancellations_and_every_unasked_change() -> None:
    named = booking("P1", preexisting=True, status="cancelled")
    untouched = booking("P2", preexisting=True)
    unasked = booking("P3", preexisting=True, status="cancelled")
    spare = booking("B2", hotel_id="H9", status="cancelled")
    state = end_state(task(gold([HOTEL], cancels=["P4", "P1"])),
                      world(named, untouched, unasked, booking("B1", hotel_id="H1"), spare))
    assert [b.booking_id if b else None for b in state.matched] == ["B1"]
    assert state.cancels_ok == [True, False]  # sorted: P1 cancelled, P4 not
    assert state.collateral == ["unasked booking B2 (hotel, booked/cancelled)", "unasked cancellation of P3"]
    assert state.done == 2


def test_an_untouched_world_is_an_empty_end_state() -> None:
    state = end_state(task(gold([HOTEL], cancels=["P1"])), world(booking("P1", preexisting=True)))
    assert (state.matched, state.cancels_ok, state.collateral, state.done) == ([None], [False], [], 0)
    # an agent's own booking cancelled again is not the named cancellation
    own = booking("P1", status="cancelled")
    assert end_state(task(gold(cancels=["P1"])), world(own)).cancels_ok == [False]


def test_a_booking_fact_reports_the_matched_booking_id_and_nothing_without_one() -> None:
    facts = [Fact(key="booking_id", type="booking", req=0), Fact(key="fare", type="number", value=412.5),
             Fact(key="note", type="booking")]
    the_task = task(gold([HOTEL], facts=facts))
    answer = {"booking_id": "b-1", "fare": "412.50 EUR", "note": "B1"}
    assert check_facts(the_task, answer, [booking("B1", hotel_id="H1")]) == \
        ([True, True, False], ["", "", "nothing to report"])
    assert check_facts(the_task, answer, [None]) == \
        ([False, True, False], ["nothing to report", "", "nothing to report"])


PROOF = Proof(api="Search_Hotels", match={"dest_id": "-1"}, witness="H7")


def _search(error: ErrorKind | None = None, name: str = "Search_Hotels", **arguments: str) -> object:
    return step(0, name, {"dest_id": "-1", **arguments}, error, items=["H7", "H8"])


def test_a_proof_is_an_error_free_call_of_its_api_with_its_arguments_listing_the_witness() -> None:
    assert proves(PROOF, _search())
    assert not proves(PROOF, _search(name="Search_Hotels_By_Coordinates"))
    assert not proves(PROOF, _search(ErrorKind.invalid_arguments))
    assert not proves(PROOF, step(0, "Search_Hotels", {"dest_id": "-2"}, items=["H7"]))
    assert not proves(PROOF.model_copy(update={"witness": "H9"}), _search())
    assert proves(PROOF.model_copy(update={"witness": None}), step(0, "Search_Hotels", {"dest_id": "-1"}))
    assert not proves(PROOF, step(0, None))


def test_unavailable_is_proven_by_any_step_and_never_without_a_proof() -> None:
    steps = trajectory(step(0, "Search_Hotels", {"dest_id": "-2"}, items=["H7"]), _search())
    assert unavailable_proven(task(gold(proof=PROOF, infeasible=True)), steps)
    assert not unavailable_proven(task(gold(infeasible=True)), steps)
    assert not unavailable_proven(task(gold(proof=PROOF, infeasible=True)), trajectory(steps.steps[0]))


def test_an_unavailable_claim_is_proven_contradicted_or_unsupported() -> None:
    infeasible, feasible = task(gold(infeasible=True, proof=PROOF)), task(gold(proof=PROOF))
    looked = trajectory(_search())
    claim = {"status": "unavailable"}
    assert claim_of(infeasible, looked, {"fare": 1}, world()) == "not_claimed"
    assert claim_of(infeasible, looked, claim, world()) == "proven"
    assert claim_of(infeasible, trajectory(), claim, world()) == "unsupported"
    assert claim_of(feasible, looked, claim, world()) == "unsupported"
    assert claim_of(infeasible, looked, claim, world(booking("B1"))) == "contradicted"
    # a booking the agent cancelled again, or one made before the episode, is no booking of its own standing
    assert claim_of(infeasible, looked, claim, world(booking("B1", status="cancelled"),
                                                     booking("P1", preexisting=True))) == "proven"
