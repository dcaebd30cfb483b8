"""Grading of LoCo-FuncCall-v0: alternative paths, hand-made cascades, error labels, infeasible requests."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import orjson

from locogym.core.types import ToolCall
from locogym.scenarios.funccall.normalize import norm_date, norm_time, normalize_args
from tests.funccall.funccall_support import last_body, make, plan, play, seed_for


def test_an_alternative_valid_path_scores_like_the_oracle() -> None:
    env = make()
    seed = seed_for(env, "flight_seat")
    env.reset(seed=seed, options={"length": "4k", "task": "flight_seat"})
    oracle = plan(env)
    searches = [c for c in oracle if c.name == "Search_Flights"]
    book = next(c for c in oracle if c.name == "Book_Flight")
    allowed = env.task.gold["requirements"][0]["match"]["seat"]["in"]
    other_seat = next((s for s in allowed if s != book.arguments["seat"]), book.arguments["seat"])
    # no look-ups (the airport ids are guessable), prices in USD, an extra details call, another allowed seat
    for search in searches:
        env.step(ToolCall(name="Search_Flights", arguments={**search.arguments, "currency_code": "USD"}))
    env.step(ToolCall(name="Get_Flight_Details", arguments={"token": book.arguments["token"]}))
    env.step(next(c for c in oracle if c.name == "Get_Seat_Map"))
    env.step(ToolCall(name="Book_Flight", arguments={**book.arguments, "seat": other_seat}))
    booking = last_body(env)["data"]["booking_id"]
    facts = oracle[-1].arguments["answer"]
    # the answer as JSON text inside prose, keys spelled differently, the fare as a string with its currency
    text = ("Done! " + orjson.dumps({"Booking ID": booking, "flight-number": facts["flight_number"].lower(),
                                      "FARE_EUR": f"{facts['fare_eur']:.2f} EUR"}).decode())
    traj = play(env, [ToolCall(name="submit", arguments={"answer": text})])
    assert traj.score is not None and traj.score.success == 1.0, traj.score
    verdicts = [s.annotations["verdict"] for s in traj.steps]
    assert verdicts[: len(searches)] == ["same_result"] * len(searches)
    assert verdicts[len(searches)] == "extra" and not any(s.annotations.get("wrong") for s in traj.steps)
    assert traj.score.metrics["fc.step_credit"] == 1.0


def test_a_different_route_to_the_same_bookings_still_scores_one() -> None:
    env = make()
    seed = seed_for(env, "hotel_cheapest")
    env.reset(seed=seed, options={"length": "4k", "task": "hotel_cheapest"})
    oracle = plan(env)
    search = next(c for c in oracle if c.name == "Search_Hotels")
    book = next(c for c in oracle if c.name == "Book_Hotel")
    # skip the filter and sort look-ups, filter by price instead of by category, read policies, book
    args = {k: v for k, v in search.arguments.items() if k not in ("categories_filter",)}
    steps = [ToolCall(name="Search_Hotels", arguments=args),
             ToolCall(name="Get_Hotel_Policies", arguments={"hotel_id": book.arguments["hotel_id"]}),
             book, oracle[-1]]
    traj = play(env, steps)
    assert traj.score is not None and traj.score.success == 1.0
    assert traj.score.labels["fc.stop_early"] == "no"


def test_a_hand_made_cascade_is_detected_and_the_recovery_counted() -> None:
    env = make()
    seed = seed_for(env, "flight_seat")
    env.reset(seed=seed, options={"length": "4k", "task": "flight_seat"})
    oracle = plan(env)
    search = next(c for c in oracle if c.name == "Search_Flights")
    seats_call = next(c for c in oracle if c.name == "Get_Seat_Map")
    book = next(c for c in oracle if c.name == "Book_Flight")
    wrong_day = (date.fromisoformat(search.arguments["departDate"]) + timedelta(days=1)).isoformat()
    env.step(ToolCall(name="Search_Flights", arguments={**search.arguments, "departDate": wrong_day, "pageNo": None}))
    bad_token = last_body(env)["data"]["flightOffers"][0]["token"]
    env.step(ToolCall(name="Get_Seat_Map", arguments={**seats_call.arguments, "token": bad_token}))
    seat = next(s["seatNumber"] for row in last_body(env)["data"]["seatMap"] for s in row["seats"] if s["available"])
    env.step(ToolCall(name="Book_Flight", arguments={**book.arguments, "token": bad_token, "seat": seat}))
    bad_booking = last_body(env)["data"]["booking_id"]
    # recovery: the right search, seats and booking; the wrong booking is cancelled
    for call in [c for c in oracle if c.name == "Search_Flights"] + [seats_call]:
        env.step(call)
    env.step(ToolCall(name="Cancel_Booking", arguments={"booking_id": bad_booking}))
    env.step(book)
    good_booking = last_body(env)["data"]["booking_id"]
    answer = {**oracle[-1].arguments["answer"], "booking_id": good_booking}
    traj = play(env, [ToolCall(name="submit", arguments={"answer": answer})])
    score = traj.score
    # the repaired wrong booking is still a change nobody asked for: the task fails, every figure says why
    assert score is not None and score.success == 0.0 and score.metrics["fc.collateral"] == 1.0
    assert score.metrics["fc.state_score"] == 1.0 and score.metrics["fc.facts_score"] == 1.0
    assert bad_booking in score.labels["fc.collateral"] and "booked/cancelled" in score.labels["fc.collateral"]
    wrong = [s.index for s in traj.steps if s.annotations.get("wrong")]
    assert wrong == [0, 1, 2]
    assert score.metrics["fc.first_wrong_call"] == 0 and score.metrics["fc.cascaded_calls"] == 2
    assert score.metrics["fc.longest_cascade"] == 3  # search -> seat map -> booking (token and seat copied)
    assert score.labels["fc.cascaded_steps"] == "1,2" and score.labels["fc.cascade"] == "cascaded"
    assert score.metrics["fc.recovery_rate"] == 1.0
    repair = next(s for s in traj.steps if s.call and s.call.name == "Cancel_Booking")
    assert repair.annotations["verdict"] == "repair" and not repair.annotations["wrong"]
    # the generic behaviour metrics see the same chain through the values each result introduced
    assert score.metrics["cascade.cascading"] >= 2


def test_error_labels_follow_complexeval_and_an_early_stop_is_labelled() -> None:
    env = make()
    seed = seed_for(env, "flight_seat")
    env.reset(seed=seed, options={"length": "4k", "task": "flight_seat"})
    search = next(c for c in plan(env) if c.name == "Search_Flights").arguments
    without_date = {k: v for k, v in search.items() if k != "departDate"}
    actions: list[Any] = [
        "Search_Flights(fromId=CDG",  # not a tool call at all
        {"name": "Get_Weather", "arguments": {"city": "Paris"}},
        {"name": "Search_Flights", "arguments": without_date},
        {"name": "Search_Flights", "arguments": {**search, "airline": "Aurora Air"}},
        {"name": "Search_Flights", "arguments": {**search, "departDate": "2020-01-01"}},
        {"name": "submit", "arguments": {}},
    ]
    traj = play(env, actions)
    labels = [s.annotations.get("error_label") for s in traj.steps]
    assert labels == ["decode_error", "hallucinated_function", "missing_parameter", "hallucinated_parameter",
                      "wrong_value", None]
    assert "in the past" in traj.steps[4].result.output and traj.steps[4].result.error.value == "api_error"
    score = traj.score
    assert score is not None and score.success == 0.0
    for label in ("decode_error", "hallucinated_function", "missing_parameter", "hallucinated_parameter",
                  "wrong_value", "stop_early"):
        assert score.metrics[f"fc.err_{label}"] == 1.0, label
    assert score.labels["fc.stop_early"] == "yes"


def test_an_infeasible_request_is_credited_only_after_looking_and_without_bookings() -> None:
    env = make()
    seed = seed_for(env, "flight_seat", infeasible=True)
    unavailable = ToolCall(name="submit", arguments={"answer": {"status": "unavailable"}})
    env.reset(seed=seed, options={"length": "4k", "task": "flight_seat"})
    assert play(env, [unavailable]).score.success == 0.0  # a guess without a single search
    env.reset(seed=seed, options={"length": "4k", "task": "flight_seat"})
    oracle = plan(env)
    assert oracle[-1].arguments == {"answer": {"status": "unavailable"}}
    assert play(env, oracle).score.success == 1.0
    env.reset(seed=seed, options={"length": "4k", "task": "flight_seat"})
    searches = [c for c in oracle if c.name == "Search_Flights"]
    for call in searches:
        env.step(call)
    token = last_body(env)["data"]["flightOffers"][0]["token"]
    traj = play(env, [ToolCall(name="Book_Flight", arguments={"token": token, "passenger_name": "Someone Else"}),
                      unavailable])
    assert traj.score.success == 0.0 and traj.score.metrics["fc.extra_bookings"] == 1.0
    assert traj.score.labels["fc.unavailable_claim"] == "contradicted"
    assert traj.steps[-2].annotations["wrong"]


def test_leaving_out_a_required_cancellation_costs_its_share() -> None:
    env = make()
    seed = seed_for(env, "cancel_rebook")
    env.reset(seed=seed, options={"length": "4k", "task": "cancel_rebook"})
    oracle = plan(env)
    traj = play(env, oracle)
    assert traj.score.success == 1.0 and traj.final_state["bookings"][0]["status"] == "cancelled"
    env.reset(seed=seed, options={"length": "4k", "task": "cancel_rebook"})
    without_cancel = [c for c in oracle if c.name != "Cancel_Booking"]
    assert 0.0 < play(env, without_cancel).score.success < 1.0


def test_typed_normalisation_makes_equal_meanings_compare_equal() -> None:
    assert norm_date("March 14, 2026") == norm_date("14 March 2026") == norm_date("2026/03/14") == "2026-03-14"
    assert norm_time("2 pm") == norm_time("14:00:00") == "14:00" and norm_time("12:30 am") == "00:30"
    a = normalize_args("Search_Hotels", {"dest_id": "-2000000", "search_type": "city", "arrival_date": "2026-03-14",
                                         "departure_date": "2026-03-16", "categories_filter": "facility::107,class::4",
                                         "page_number": 1, "currency_code": "eur", "adults": 1})
    b = normalize_args("Search_Hotels", {"dest_id": "-2000000", "search_type": "CITY", "arrival_date": "2026-03-14",
                                         "departure_date": "2026-03-16",
                                         "categories_filter": " class::4 , facility::107"})
    assert a == b
    c = normalize_args("Search_Car_Rentals", {"pick_up_latitude": 49.00971, "pick_up_longitude": 2.54791})
    d = normalize_args("Search_Car_Rentals", {"pick_up_latitude": 49.0097, "pick_up_longitude": 2.5479})
    assert c == d
    assert normalize_args("Search_Flights", {"sort": "CHEAPEST"}) != normalize_args("Search_Flights", {"sort": "BEST"})


def test_exploring_is_not_an_error_but_asking_the_wrong_question_is() -> None:
    env = make()
    seed = seed_for(env, "hotel_cheapest")
    env.reset(seed=seed, options={"length": "4k", "task": "hotel_cheapest"})
    oracle = plan(env)
    search = next(c for c in oracle if c.name == "Search_Hotels")
    rooms = next(c for c in oracle if c.name == "Get_Room_List")
    env.step(ToolCall(name="Search_Hotels", arguments={**search.arguments, "sort_by": "bayesian_review_score",
                                                       "categories_filter": None}))
    hotels = last_body(env)["data"]["hotels"]
    other = next(h["hotel_id"] for h in hotels if h["hotel_id"] != rooms.arguments["hotel_id"])
    env.step(ToolCall(name="Get_Room_List", arguments={**rooms.arguments, "hotel_id": other}))
    later = (date.fromisoformat(search.arguments["departure_date"]) + timedelta(days=1)).isoformat()
    env.step(ToolCall(name="Search_Hotels", arguments={**search.arguments, "departure_date": later}))
    verdicts = [(s.annotations["verdict"], s.annotations["wrong"]) for s in env.trajectory.steps]
    assert verdicts == [("extra", False), ("extra", False), ("wrong", True)]
    assert env.trajectory.steps[2].annotations["error_label"] == "wrong_value"


# ---------------------------------------------------------------------- the grader's parts, one by one
def _requirement() -> Any:
    from locogym.scenarios.funccall.gold import Requirement

    return Requirement(kind="flight", match={"token": "t1", "passenger_name": "Ana Lima", "seat": {"in": ["4A", "5A"]}})


def test_a_cancelled_booking_never_meets_a_requirement() -> None:
    from locogym.scenarios.funccall.grading import booking_matches
    from locogym.scenarios.funccall.world import Booking

    params = {"token": "t1", "passenger_name": "ana lima", "seat": "5A"}
    booking = Booking("FL1", "flight", "confirmed", params, 100.0, 1)
    assert booking_matches(booking, _requirement())
    booking.status = "cancelled"
    assert not booking_matches(booking, _requirement())
    assert not booking_matches(Booking("FL2", "flight", "confirmed", {**params, "seat": "6A"}, 100.0, 2),
                               _requirement())


def test_booking_then_cancelling_the_right_flight_leaves_the_requirement_unmet() -> None:
    env = make()
    seed = seed_for(env, "flight_seat")
    env.reset(seed=seed, options={"length": "4k", "task": "flight_seat"})
    oracle = plan(env)
    for call in oracle[:-1]:
        env.step(call)
    booking = last_body(env)["data"]["booking_id"]
    traj = play(env, [ToolCall(name="Cancel_Booking", arguments={"booking_id": booking}), oracle[-1]])
    assert traj.score.metrics["fc.state_score"] == 0.0 and traj.score.success == 0.0
    assert traj.score.labels["fc.answer_fields"].startswith("booking_id:nothing to report")


def test_numbers_are_graded_within_half_a_percent_and_a_cent() -> None:
    from locogym.scenarios.funccall.answers import field_ok

    field = {"key": "fare_eur", "type": "number", "rel": 0.005}
    assert field_ok(field, 20.0, [20.09])[0] and not field_ok(field, 20.0, [20.5])[0]  # 0.1 around 20, not 1.0
    assert field_ok(field, 1000.0, [1004.9])[0] and not field_ok(field, 1000.0, [1006])[0]  # 0.5%, not more
    assert field_ok(field, 1.0, [1.01])[0] and not field_ok(field, 1.0, [1.02])[0]  # at least a cent
    converted = {**field, "rel": 0.01}
    assert field_ok(converted, 1000.0, [1009])[0] and not field_ok(converted, 1000.0, [1011])[0]


def _proof_step(items: list[str], error: Any = None, **changes: Any) -> Any:
    from locogym.core.types import StepEvent, ToolResult

    args = {"fromId": "AMS.AIRPORT", "toId": "FCO.AIRPORT", "departDate": "2026-06-03", "maxStops": 0,
            "sort": "CHEAPEST", **changes}
    return StepEvent(index=0, call=ToolCall(name="Search_Flights", arguments=args),
                     result=ToolResult(output="{}", error=error, data={"items": items}))


def test_a_proof_needs_the_witness_an_error_free_call_and_every_filter() -> None:
    from locogym.core.types import ErrorKind
    from locogym.scenarios.funccall.gold import Proof
    from locogym.scenarios.funccall.grading import proves

    proof = Proof(api="Search_Flights", witness="w", match={
        "fromId": "AMS.AIRPORT", "toId": "FCO.AIRPORT", "departDate": "2026-06-03", "cabinClass": None,
        "maxStops": 0})
    assert proves(proof, _proof_step(["a", "w"]))
    assert proves(proof, _proof_step(["w"], pageNo=1, currency_code="USD"))  # the view may differ
    assert not proves(proof, _proof_step(["a", "b"]))  # the witness is not listed
    assert not proves(proof, _proof_step(["a", "w"], error=ErrorKind.api_error))  # the call failed
    assert not proves(proof, _proof_step(["a", "w"], maxStops=None))  # a filter dropped
    assert not proves(proof, _proof_step(["a", "w"], departDate="2026-06-05"))  # another day
    assert not proves(proof, _proof_step(["a", "w"], cabinClass="BUSINESS"))  # another cabin
