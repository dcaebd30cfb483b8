"""Conformance on LoCo-FuncCall-v0: a wrong search carried into a booking and the answer, stops, efficiency."""

from __future__ import annotations

import math

from tests.scoring.conformance.driver import Episode, behaviour

ENV = "LoCo-FuncCall-v0"
SEED = 0  # a flight then a taxi: locate, locate, Search_Flights, Book_Flight, ..., submit


def episode(**kwargs: object) -> Episode:
    return Episode(ENV, seed=SEED, **kwargs)  # type: ignore[arg-type]


def test_a_wrong_search_carried_into_a_booking_and_the_answer_is_a_chain_of_three() -> None:
    with episode() as ep:
        plan = ep.plan()
        assert [c.name for c in plan[:4]] == ["Search_Flight_Location", "Search_Flight_Location", "Search_Flights",
                                               "Book_Flight"]
        ep.replay(plan[:2])
        search = dict(plan[2].arguments, departDate="2026-03-23")  # the day after the one asked for
        found = ep.call("Search_Flights", **search)
        token = next(t for t in found.result.data["values"] if t != plan[3].arguments["token"])
        booked = ep.call("Book_Flight", token=token, passenger_name=plan[3].arguments["passenger_name"])
        ep.call("submit", answer={"flight_booking_id": booked.result.data["values"][0]})
        assert ep.score.success < 1.0
        assert behaviour(ep.score, "cascade") == {
            "cascade.errors": 3.0, "cascade.error_free": 0.0, "cascade.first_error": 2.0, "cascade.cascading": 2.0,
            "cascade.rate": 2 / 3, "cascade.longest_chain": 3.0, "cascade.recovered": 0.0, "cascade.recovery_rate": 0.0}
        assert ep.labels["cascade"] == "cascading"


def test_oracle_is_timely_error_free_and_fully_efficient() -> None:
    with episode() as ep:
        ep.replay(ep.plan())
        m = ep.metrics
        assert ep.score.success == 1.0 and ep.labels["stop"] == "timely" and m["stop.sound"] == 1.0
        assert m["stop.overrun"] == 1.0  # the taxi booking after the last response read: within the slack
        assert m["cascade.errors"] == 0.0 and m["efficiency.step_ratio"] == 1.0
        assert m["efficiency.score"] == math.sqrt(min(1.0, m["efficiency.token_ratio"])) >= 0.95


def test_handing_in_the_answer_without_booking_is_a_premature_guess() -> None:
    with episode() as ep:
        ep.act(ep.plan()[-1])
        assert ep.score.success < 1.0
        assert ep.labels["stop"] == "premature" and ep.labels["efficiency"] == "guess"
        assert ep.metrics["efficiency.score"] == 0.0 and ep.metrics["stop.sound"] == 0.0


def test_lookups_after_the_last_booking_are_over_search() -> None:
    with episode() as ep:
        plan = ep.plan()
        ep.replay(plan[:-1])
        for city in ("Paris", "Rome", "Oslo"):
            ep.call("Search_Flight_Location", query=city)
        ep.act(plan[-1])
        assert ep.score.success == 1.0
        # the evidence is complete at the taxi search: the taxi booking, then three lookups, come after it
        assert ep.labels["stop"] == "over-search" and ep.metrics["stop.overrun"] == 4.0
        assert ep.metrics["efficiency.step_ratio"] == len(plan) / (len(plan) + 3)


def test_a_repeated_lookup_is_redundant_and_an_invented_function_invalid() -> None:
    with episode() as ep:
        plan = ep.plan()
        ep.act(plan[0])
        ep.act(plan[0])
        ep.call("Book_Spaceship", destination="Moon")
        ep.replay(plan[1:])
        m = ep.metrics
        assert ep.score.success == 1.0
        assert m["efficiency.redundant"] == 1.0 and m["efficiency.invalid"] == 1.0
        assert m["efficiency.invalid.unknown_tool"] == 1.0
        assert m["efficiency.step_ratio"] == len(plan) / (len(plan) + 2)
        assert m["cascade.errors"] == 1.0 and ep.labels["cascade"] == "isolated"


def test_running_out_of_steps_is_never_stopping() -> None:
    with episode(max_steps=2) as ep:
        ep.replay(ep.plan()[:2])
        assert ep.labels["stop"] == "never" and ep.labels["efficiency"] == "unsolved"


def test_no_probes_no_consistency() -> None:
    with episode() as ep:
        ep.replay(ep.plan())
        assert behaviour(ep.score, "consistency") == {}
