"""FuncCall's per-call verdicts and the figures built on them: claim labels, subgoals, cancellations, cascades and
recovery, each as a report shows it."""

from __future__ import annotations

from typing import Any

from locogym.core.types import ToolCall
from tests.funccall.funccall_support import last_body, make, plan, play, seed_for


def test_a_booked_answer_makes_no_unavailable_claim() -> None:
    env = make()
    seed = seed_for(env, "flight_seat")
    env.reset(seed=seed, options={"length": "4k", "task": "flight_seat"})
    traj = play(env, plan(env))
    assert traj.score is not None and traj.score.success == 1.0
    assert traj.score.labels["fc.unavailable_claim"] == "not_claimed"
    # no wrong call: no cascade at all, not a chain of one
    assert traj.score.metrics["fc.longest_cascade"] == 0.0 and traj.score.labels["fc.cascade"] == "none"
    assert traj.score.metrics["fc.first_wrong_call"] == -1.0  # the report's "none" marker, not a step index
    assert traj.steps[-1].annotations == {"subgoal": "submit", "verdict": "submit"}
    assert traj.score.metrics["fc.recovery_rate"] == 1.0  # nothing went wrong, so nothing is left unrecovered


def test_a_booking_cancelled_again_does_not_contradict_a_proven_claim() -> None:
    env = make()
    seed = seed_for(env, "flight_seat", infeasible=True)
    env.reset(seed=seed, options={"length": "4k", "task": "flight_seat"})
    oracle = plan(env)
    for call in [c for c in oracle if c.name == "Search_Flights"]:
        env.step(call)
    token = last_body(env)["data"]["flightOffers"][0]["token"]
    env.step(ToolCall(name="Book_Flight", arguments={"token": token, "passenger_name": "Someone Else"}))
    booking = last_body(env)["data"]["booking_id"]
    traj = play(env, [ToolCall(name="Cancel_Booking", arguments={"booking_id": booking}), oracle[-1]])
    score = traj.score
    # the claim stands (the agent holds nothing at the end), but the booking it made and undid still costs it all
    assert score is not None and score.labels["fc.unavailable_claim"] == "proven"
    assert score.success == 0.0 and score.metrics["fc.extra_bookings"] == 1.0


def test_refused_and_wrong_calls_count_as_wrong_under_the_subgoal_of_their_api() -> None:
    env = make()
    seed = seed_for(env, "flight_seat")
    env.reset(seed=seed, options={"length": "4k", "task": "flight_seat"})
    oracle = plan(env)
    searches = [c for c in oracle if c.name == "Search_Flights"]
    first = searches[0].arguments
    search_goal = next(s["subgoal"] for s in env.task.meta["oracle_steps"] if s["name"] == "Search_Flights")
    other_day = {**first, "departDate": "2031-01-01"}
    actions: list[Any] = ["Search_Flights(fromId=", {"name": "Get_Weather", "arguments": {"city": "Paris"}},
                          {"name": "Search_Flights", "arguments": {k: v for k, v in first.items()
                                                                   if k != "departDate"}},
                          *searches, ToolCall(name="Search_Flights", arguments=other_day),
                          ToolCall(name="submit", arguments={"answer": {}})]
    traj = play(env, actions)
    steps = traj.steps
    assert steps[0].annotations["wrong"] and traj.score is not None
    assert traj.score.metrics["fc.first_wrong_call"] == 0.0  # an undecodable call is the first wrong one
    assert steps[1].annotations["wrong"] and steps[1].annotations["error_label"] == "hallucinated_function"
    # a refused call and a search after every oracle search was matched both belong to the search subgoal
    assert steps[2].annotations["subgoal"] == search_goal
    late = steps[len(searches) + 3]
    assert late.annotations["wrong"] and late.annotations["subgoal"] == search_goal


def test_a_second_call_of_an_api_belongs_to_the_next_unmatched_step_of_that_api() -> None:
    env = make()
    seed = seed_for(env, "flight_seat")
    env.reset(seed=seed, options={"length": "4k", "task": "flight_seat"})
    locate = [(i, s["subgoal"]) for i, s in enumerate(env.task.meta["oracle_steps"])
              if s["name"] == "Search_Flight_Location"]
    assert len(locate) == 2  # the departure and the arrival airport
    first = next(c for c in plan(env) if c.name == "Search_Flight_Location")
    env.step(first)
    env.step(ToolCall(name="Search_Flight_Location", arguments={}))  # refused: no query
    steps = env.trajectory.steps
    assert steps[0].annotations["oracle_step"] == locate[0][0] and not steps[0].annotations["wrong"]
    assert steps[1].annotations["wrong"] and steps[1].annotations["subgoal"] == locate[1][1]


def test_cancelling_ones_right_booking_is_wrong_and_a_named_cancellation_is_the_oracle_step() -> None:
    env = make()
    seed = seed_for(env, "flight_seat")
    env.reset(seed=seed, options={"length": "4k", "task": "flight_seat"})
    for call in plan(env)[:-1]:
        env.step(call)
    booking = last_body(env)["data"]["booking_id"]
    env.step(ToolCall(name="Cancel_Booking", arguments={"booking_id": booking}))
    undo = env.trajectory.steps[-1].annotations
    assert undo["wrong"] and undo["verdict"] == "wrong" and undo["error_label"] == "wrong_value"

    seed = seed_for(env, "cancel_rebook")
    env.reset(seed=seed, options={"length": "4k", "task": "cancel_rebook"})
    cancel_step = next(i for i, s in enumerate(env.task.meta["oracle_steps"]) if s["name"] == "Cancel_Booking")
    traj = play(env, plan(env))
    cancel = next(s for s in traj.steps if s.call is not None and s.call.name == "Cancel_Booking")
    assert cancel.annotations["verdict"] == "oracle" and not cancel.annotations["wrong"]
    assert cancel.annotations["oracle_step"] == cancel_step > 0
    assert traj.score is not None and traj.score.metrics["fc.step_credit"] == 1.0
    assert traj.score.metrics["fc.wrong_calls"] == 0.0


def test_a_subgoal_is_recovered_only_when_a_right_call_follows_its_last_wrong_one() -> None:
    env = make()
    seed = seed_for(env, "flight_seat")
    env.reset(seed=seed, options={"length": "4k", "task": "flight_seat"})
    search = next(c for c in plan(env) if c.name == "Search_Flights")
    wrong = ToolCall(name="Search_Flights", arguments={**search.arguments, "departDate": "2031-01-01"})
    traj = play(env, [wrong, search, wrong, ToolCall(name="submit", arguments={"answer": {}})])
    assert [s.annotations.get("wrong") for s in traj.steps[:3]] == [True, False, True]
    assert traj.score is not None and traj.score.metrics["fc.recovery_rate"] == 0.0  # it went wrong again


def test_the_outcome_label_tells_no_answer_wrong_partial_and_correct_apart() -> None:
    env = make()
    seed = seed_for(env, "cancel_rebook")
    env.reset(seed=seed, options={"length": "4k", "task": "cancel_rebook"})
    oracle = plan(env)
    assert play(env, []).score.outcome == "no_answer"  # ran out without a word or a booking
    env.reset(seed=seed, options={"length": "4k", "task": "cancel_rebook"})
    wrong = play(env, [ToolCall(name="submit", arguments={"answer": {"booking_id": "nothing"}})]).score
    assert wrong.success == 0.0 and wrong.outcome == "wrong"
    env.reset(seed=seed, options={"length": "4k", "task": "cancel_rebook"})
    partial = play(env, [c for c in oracle if c.name != "Cancel_Booking"]).score
    assert 0.0 < partial.success < 1.0 and partial.outcome == "partial"
    assert partial.labels["fc.stop_early"] == "yes"  # the answer is right, but it submitted before cancelling
    env.reset(seed=seed, options={"length": "4k", "task": "cancel_rebook"})
    assert play(env, oracle).score.outcome == "correct"


def test_every_oracle_step_then_a_wrong_answer_is_a_wrong_answer_not_an_early_stop() -> None:
    env = make()
    seed = seed_for(env, "flight_seat")
    env.reset(seed=seed, options={"length": "4k", "task": "flight_seat"})
    oracle = plan(env)
    traj = play(env, [*oracle[:-1], ToolCall(name="submit", arguments={"answer": {"flight_number": "XX0000"}})])
    score = traj.score
    assert score is not None and score.metrics["fc.step_credit"] == 1.0 and score.metrics["fc.facts_score"] < 1.0
    assert score.labels["fc.stop_early"] == "no"


def test_calling_an_api_the_task_never_needs_is_exploring_not_an_error() -> None:
    env = make()
    seed = seed_for(env, "flight_seat")
    env.reset(seed=seed, options={"length": "4k", "task": "flight_seat"})
    assert all(s["name"] != "Search_Hotels" for s in env.task.meta["oracle_steps"])
    env.step(ToolCall(name="Search_Hotels", arguments={"dest_id": "-2000000", "search_type": "CITY",
                                                       "arrival_date": "2026-03-14", "departure_date": "2026-03-16"}))
    step = env.trajectory.steps[-1]
    assert step.result.error is None and step.annotations["verdict"] == "extra" and not step.annotations["wrong"]


def test_a_wrong_call_built_on_right_results_is_contained_not_cascaded() -> None:
    env = make()
    seed = seed_for(env, "flight_seat")
    env.reset(seed=seed, options={"length": "4k", "task": "flight_seat"})
    oracle = plan(env)
    book = next(c for c in oracle if c.name == "Book_Flight")
    calls = [c for c in oracle if c.name != "Book_Flight" and c.name != "submit"]
    wrong_name = ToolCall(name="Book_Flight", arguments={**book.arguments, "passenger_name": "Someone Else"})
    traj = play(env, [*calls, wrong_name, oracle[-1]])
    assert traj.steps[len(calls)].annotations["wrong"]  # the token it copied came from a right search
    score = traj.score
    assert score is not None and score.metrics["fc.cascaded_calls"] == 0.0
    assert score.metrics["fc.longest_cascade"] == 1.0 and score.labels["fc.cascade"] == "contained"
