"""The FuncCall grader's per-call verdicts on hand-built steps: errors and their ComplexEval labels, which oracle
step a read repeats, when a read is an extra and when it is wrong, and bookings and cancellations."""

from __future__ import annotations

from typing import Any

from locogym.core.types import ErrorKind, ToolCall, ToolResult
from locogym.scenarios.funccall.gold import Requirement
from locogym.scenarios.funccall.grading import verdict
from locogym.scenarios.funccall.world import World
from tests.funccall.hand_built import HOTEL, booking, gold, oracle_step, result, task, world

SEARCH = {"dest_id": "-1", "search_type": "CITY", "arrival_date": "2024-05-01", "departure_date": "2024-05-03"}
LATER = {**SEARCH, "arrival_date": "2024-06-01", "departure_date": "2024-06-03"}
# the oracle's steps hold normalised arguments: the search type case-folded
STEPS = [oracle_step("Search_Hotel_Destination", {"query": "oslo"}, "find the city"),
         oracle_step("Search_Hotels", {**SEARCH, "search_type": "city"}, "search", digest="d1"),
         oracle_step("Search_Hotels", {**LATER, "search_type": "city"}, "search later", digest="d2"),
         oracle_step("Book_Flight", subgoal="book the flight"), oracle_step("Book_Hotel", subgoal="book the hotel"),
         oracle_step("Cancel_Booking", subgoal="cancel")]
FLIGHT = Requirement(kind="flight", match={"fromId": "OSL"})
TASK = task(gold([FLIGHT, HOTEL], cancels=["P1"]), STEPS)


def _judge(name: str | None, arguments: dict[str, Any] | None = None, error: ErrorKind | None = None,
           state: dict[str, Any] | None = None, the_world: World | None = None, **data: Any) -> dict[str, Any]:
    call = ToolCall(name=name, arguments=arguments or {}) if name is not None else None
    return verdict(TASK, call, result(error, **data), the_world or world(), {} if state is None else state)


def test_an_undecodable_call_a_submit_and_an_unknown_tool() -> None:
    assert _judge(None) == {"wrong": True, "error_label": "decode_error", "verdict": "error"}
    assert _judge("submit", {"answer": "x"}) == {"subgoal": "submit", "verdict": "submit"}
    assert _judge("Book_Spaceship", error=ErrorKind.unknown_tool) == \
        {"wrong": True, "error_label": "hallucinated_function", "verdict": "error"}


def test_a_refused_call_is_labelled_from_the_schema() -> None:
    def label(name: str, arguments: dict[str, Any], error: ErrorKind = ErrorKind.invalid_arguments) -> Any:
        found = _judge(name, arguments, error)
        assert found["wrong"] is True and found["verdict"] == "error"
        return found["error_label"], found["subgoal"]

    assert label("Search_Hotels", {**SEARCH, "stars": 5}) == ("hallucinated_parameter", "search")
    assert label("Search_Hotels", {**SEARCH, "stars": 5, "dest_id": None} | {"adults": "x"}) == \
        ("hallucinated_parameter", "search")  # an invented parameter names the error before any other
    assert label("Search_Hotels", {"dest_id": "-1"}) == ("missing_parameter", "search")
    assert label("Search_Hotels", {**SEARCH, "adults": "many"}) == ("wrong_value", "search")
    assert label("Search_Hotels", SEARCH, ErrorKind.api_error) == ("wrong_value", "search")
    assert label("Get_Nothing", {"x": 1}) == ("wrong_value", None)


def test_a_refused_call_belongs_to_the_next_unmatched_step_of_its_api() -> None:
    state = {"matched_steps": [1]}
    assert _judge("Search_Hotels", {}, ErrorKind.api_error, state)["subgoal"] == "search later"
    state = {"matched_steps": [2, 1]}
    assert _judge("Search_Hotels", {}, ErrorKind.api_error, state)["subgoal"] == "search"


def test_a_read_repeats_an_oracle_step_by_arguments_or_by_its_result_set() -> None:
    state: dict[str, Any] = {}
    assert _judge("Search_Hotels", SEARCH, state=state, digest="d2") == \
        {"wrong": False, "subgoal": "search", "verdict": "oracle", "oracle_step": 1}
    assert _judge("Search_Hotels", SEARCH, state=state) == \
        {"wrong": False, "subgoal": "search", "verdict": "oracle", "oracle_step": 1}
    assert _judge("Search_Hotels", {**SEARCH, "page_number": 2}, state=state, digest="d2") == \
        {"wrong": False, "subgoal": "search later", "verdict": "same_result", "oracle_step": 2}
    assert state["matched_steps"] == [1, 2]


def test_a_read_that_matches_no_step_is_an_extra_or_wrong() -> None:
    # the same anchors, another view: an extra under the next unmatched step of its api
    assert _judge("Search_Hotels", {**SEARCH, "sort_by": "price"}, digest="d9") == \
        {"wrong": False, "verdict": "extra", "subgoal": "search"}
    # another question than every oracle call of its name asks
    assert _judge("Search_Hotels", {**SEARCH, "arrival_date": "2024-05-02"}) == \
        {"wrong": True, "error_label": "wrong_value", "verdict": "wrong", "subgoal": "search"}
    # a look-up may search anything; an api no step uses is exploring
    assert _judge("Search_Hotel_Destination", {"query": "Bergen"}) == \
        {"wrong": False, "verdict": "extra", "subgoal": "find the city"}
    assert _judge("Get_Hotel_Details", {"hotel_id": 7}) == {"wrong": False, "verdict": "extra"}
    # other anchors than the oracle's calls of other apis hold are no error for an api the oracle never calls
    assert _judge("Get_Hotel_Details", {"hotel_id": 7, "arrival_date": "2024-07-01"}) == \
        {"wrong": False, "verdict": "extra"}


def test_a_read_built_on_a_wrong_calls_output_is_wrong_unless_a_right_call_showed_it_too() -> None:
    assert _judge("Get_Hotel_Details", {"hotel_id": 7}, state={"wrong_values": {"7"}})["wrong"] is True
    assert _judge("Get_Hotel_Details", {"filters": [{"hotel_id": 7}]}, state={"wrong_values": {"7"}})["wrong"]
    assert _judge("Get_Hotel_Details", {"hotel_id": 7},
                  state={"wrong_values": {"7"}, "right_values": {"7"}})["verdict"] == "extra"
    assert _judge("Get_Hotel_Details", {"hotel_id": 8}, state={"wrong_values": {"7"}})["verdict"] == "extra"


def test_the_values_a_call_shows_are_remembered_as_right_or_wrong() -> None:
    state: dict[str, Any] = {}
    _judge("Search_Hotels", SEARCH, state=state, values=["H1", 2])
    _judge("Search_Hotels", {**SEARCH, "arrival_date": "2024-05-09"}, state=state, values=["H3"])
    _judge("Search_Hotels", {**SEARCH, "arrival_date": "2024-05-09"}, ErrorKind.api_error, state, values=["H4"])
    assert state["right_values"] == {"H1", "2"} and state["wrong_values"] == {"H3"}


def test_a_booking_is_right_when_it_meets_a_requirement_and_takes_that_requirements_step() -> None:
    state: dict[str, Any] = {}
    hotel = world(booking("B0", kind="flight", fromId="CPH"), booking("B1", hotel_id="H1"))
    assert _judge("Book_Hotel", {}, state=state, the_world=hotel) == \
        {"wrong": False, "verdict": "oracle", "oracle_step": 4, "subgoal": "book the hotel"}
    assert state["matched_steps"] == [4]
    flight = world(booking("B2", kind="flight", fromId=" OSL"))
    assert _judge("Book_Flight", {}, the_world=flight)["oracle_step"] == 3
    assert _judge("Book_Flight", {}, the_world=world(booking("B2", kind="flight", fromId="CPH"))) == \
        {"wrong": True, "error_label": "wrong_value", "verdict": "wrong", "subgoal": "book the flight"}
    assert _judge("Book_Hotel", {}, the_world=world())["wrong"] is True


def test_a_booking_beyond_the_oracles_booking_steps_matches_no_step() -> None:
    only_flight = task(gold([FLIGHT, HOTEL]), [oracle_step("Book_Flight", subgoal="book")])
    call = ToolCall(name="Book_Hotel", arguments={})
    found = verdict(only_flight, call, ToolResult(output=""), world(booking("B1", hotel_id="H1")), {})
    assert found == {"wrong": False, "verdict": "oracle", "oracle_step": None, "subgoal": None}


def test_cancelling_ones_own_booking_is_a_repair_unless_it_was_a_right_one() -> None:
    right = world(booking("B1", hotel_id="H1", status="cancelled"))
    assert _judge("Cancel_Booking", {"booking_id": " B1 "}, the_world=right) == \
        {"wrong": True, "verdict": "wrong", "subgoal": "cancel", "error_label": "wrong_value"}
    spare = world(booking("B2", hotel_id="H9", status="cancelled"))
    assert _judge("Cancel_Booking", {"booking_id": "B2"}, the_world=spare) == \
        {"wrong": False, "verdict": "repair", "subgoal": "cancel"}


def test_cancelling_a_standing_booking_is_right_only_when_the_request_names_it() -> None:
    state: dict[str, Any] = {}
    standing = world(booking("P1", preexisting=True, status="cancelled"), booking("P2", preexisting=True))
    assert _judge("Cancel_Booking", {"booking_id": "p1"}, state=state, the_world=standing) == \
        {"wrong": False, "verdict": "oracle", "subgoal": "cancel", "oracle_step": 5}
    assert state["matched_steps"] == [5]
    assert _judge("Cancel_Booking", {"booking_id": "P2"}, the_world=standing)["wrong"] is True
    no_step = task(gold(cancels=["P1"]), [])
    found = verdict(no_step, ToolCall(name="Cancel_Booking", arguments={"booking_id": "P1"}), ToolResult(output=""),
                    standing, {})
    assert found == {"wrong": False, "verdict": "oracle", "subgoal": None, "oracle_step": None}


def test_a_booking_takes_the_step_of_the_requirement_it_meets_not_the_next_of_its_api() -> None:
    two_hotels = task(gold([HOTEL, Requirement(kind="hotel", match={"hotel_id": "H2"})]),
                      [oracle_step("Book_Hotel", subgoal="first hotel"), oracle_step("Book_Hotel", subgoal="second")])
    call = ToolCall(name="Book_Hotel", arguments={})
    found = verdict(two_hotels, call, ToolResult(output=""), world(booking("B1", hotel_id="H2")), {})
    assert found == {"wrong": False, "verdict": "oracle", "oracle_step": 1, "subgoal": "second"}
