"""The travel world and its APIs: tokens, bookings that change the world, API errors, response sizes."""

from __future__ import annotations

import math
from typing import Any

import orjson
import pytest

from locogym.core.types import ErrorKind, Task, ToolCall
from locogym.scenarios.funccall.apis import DOMAINS, HANDLERS
from locogym.scenarios.funccall.calls import run_api
from locogym.scenarios.funccall.catalog import Catalog
from locogym.scenarios.funccall.schemas import API_SPECS
from locogym.scenarios.funccall.world import World
from locogym.tools.api import build_api_tools
from locogym.tools.base import ToolContext, ToolSet

DAY = "2026-03-14"


def _world(size: int = 1, seed: int = 7) -> World:
    return World(Catalog(seed), size=size)


def _ok(world: World, name: str, **params: Any) -> Any:
    result = run_api(world, name, params)
    assert result.error is None, result.output
    return orjson.loads(result.output)


def test_there_are_about_forty_apis_across_six_domains_each_with_a_schema() -> None:
    assert len(HANDLERS) == 40 and set(API_SPECS) == set(HANDLERS)
    assert set(DOMAINS.values()) == {"flights", "hotels", "cars", "attractions", "taxis", "utilities", "bookings"}
    for tool in build_api_tools():
        spec = tool.spec()
        assert spec.description and spec.parameters["type"] == "object"


def test_tokens_resolve_in_a_fresh_world_and_forged_tokens_are_rejected() -> None:
    world = _world()
    offers = _ok(world, "Search_Flights", fromId="CDG.AIRPORT", toId="OSL.AIRPORT", departDate=DAY)
    token = offers["data"]["flightOffers"][0]["token"]
    fresh = _world()
    assert _ok(fresh, "Get_Flight_Details", token=token)["data"]["token"] == token
    forged = token[:-2] + ("aa" if not token.endswith("aa") else "bb")
    result = run_api(fresh, "Get_Flight_Details", {"token": forged})
    assert result.error == ErrorKind.api_error and "Invalid or expired token" in result.output
    other_seed = run_api(_world(seed=8), "Get_Flight_Details", {"token": token})
    assert other_seed.error == ErrorKind.api_error


def test_bookings_take_inventory_and_cancelling_gives_it_back() -> None:
    world = _world()
    hotels = _ok(world, "Search_Hotels", dest_id="-2013117", search_type="CITY", arrival_date=DAY,
                 departure_date="2026-03-16", sort_by="price")["data"]["hotels"]
    hotel_id = hotels[0]["hotel_id"]
    rooms = _ok(world, "Get_Room_List", hotel_id=hotel_id, arrival_date=DAY, departure_date="2026-03-16")
    block = next(b for b in rooms["data"]["block"] if b["available_rooms"] > 0)
    left = block["available_rooms"]
    booking_ids = []
    for i in range(left):
        booked = _ok(world, "Book_Hotel", hotel_id=hotel_id, block_id=block["block_id"], arrival_date=DAY,
                     departure_date="2026-03-16", guest_name=f"Guest {i}")
        booking_ids.append(booked["data"]["booking_id"])
    sold_out = run_api(world, "Book_Hotel", {"hotel_id": hotel_id, "block_id": block["block_id"],
                                             "arrival_date": DAY, "departure_date": "2026-03-16",
                                             "guest_name": "One Too Many"})
    assert sold_out.error == ErrorKind.api_error and "sold out" in sold_out.output
    _ok(world, "Cancel_Booking", booking_id=booking_ids[0])
    again = run_api(world, "Cancel_Booking", {"booking_id": booking_ids[0]})
    assert again.error == ErrorKind.api_error and "already cancelled" in again.output
    _ok(world, "Book_Hotel", hotel_id=hotel_id, block_id=block["block_id"], arrival_date=DAY,
        departure_date="2026-03-16", guest_name="Replacement")
    statuses = [b["status"] for b in _ok(world, "List_Bookings")["data"]]
    assert statuses.count("CONFIRMED") == left and statuses.count("CANCELLED") == 1


def test_a_booked_seat_disappears_from_the_seat_map() -> None:
    world = _world()
    token = _ok(world, "Search_Flights", fromId="LHR.AIRPORT", toId="MAD.AIRPORT",
                departDate=DAY)["data"]["flightOffers"][0]["token"]
    seats = _ok(world, "Get_Seat_Map", token=token)["data"]["seatMap"]
    seat = next(s["seatNumber"] for row in seats for s in row["seats"] if s["available"])
    _ok(world, "Book_Flight", token=token, passenger_name="Ana Ortiz", seat=seat)
    seats = _ok(world, "Get_Seat_Map", token=token)["data"]["seatMap"]
    assert seat not in [s["seatNumber"] for row in seats for s in row["seats"] if s["available"]]
    full = _ok(_world(size=3), "Get_Seat_Map", token=token)["data"]["seatMap"]  # the full view lists every seat
    assert any(not s["available"] for row in full for s in row["seats"])
    taken = run_api(world, "Book_Flight", {"token": token, "passenger_name": "Ben Keller", "seat": seat})
    assert taken.error == ErrorKind.api_error and "no longer available" in taken.output


def test_filter_ids_from_one_api_feed_another_and_unknown_filters_are_refused() -> None:
    world = _world()
    stay = {"dest_id": "-2013117", "search_type": "CITY", "arrival_date": DAY, "departure_date": "2026-03-15"}
    groups = _ok(world, "Get_Hotel_Filter", **stay)["data"]["filters"]
    facility = next(o for g in groups if g["field"] == "facility" for o in g["options"]
                    if o["countNotAutoextended"] > 0)
    hotels = _ok(world, "Search_Hotels", **stay, categories_filter=facility["genericId"])["data"]
    assert hotels["meta"][0]["title"] == f"{facility['countNotAutoextended']} properties"
    bad = run_api(world, "Search_Hotels", {**stay, "categories_filter": "stars::4"})
    assert bad.error == ErrorKind.api_error and "Get_Hotel_Filter" in orjson.loads(bad.output)["message"]


def test_response_size_grows_responses_without_changing_the_result_set() -> None:
    sizes, items = [], []
    for size in (1, 4, 16):
        result = run_api(_world(size), "Search_Flights", {"fromId": "CDG.AIRPORT", "toId": "OSL.AIRPORT",
                                                          "departDate": DAY, "sort": "CHEAPEST", "pageNo": 1})
        sizes.append(len(result.output))
        items.append(result.data["items"])
    assert sizes[0] < sizes[1] < sizes[2] and sizes[2] > 4 * sizes[0]
    assert items[1][: len(items[0])] == items[0]  # a bigger page starts with the smaller page


@pytest.mark.parametrize("name", sorted(HANDLERS))
def test_odd_but_schema_valid_arguments_never_crash_an_api(name: str) -> None:
    """Every API answers hostile values with a result or an api_error, never an internal error."""
    odd: dict[str, list[Any]] = {"string": ["", " ", "x" * 500, "2026-02-30", "-1", "ChIJ", "a_b"],
                                 "integer": [0, -5, 10**12], "number": [0.0, -1e9, 1e9, math.inf]}
    tools = ToolSet(build_api_tools())
    ctx = ToolContext(task=Task(task_id="t", family="funccall", prompt="", tool_names=[]), world=_world())
    schema = API_SPECS[name][0].model_json_schema()
    props = schema.get("properties", {})
    for kind, values in odd.items():
        for value in values:
            args = {}
            for field, spec in props.items():
                types = [spec.get("type")] + [a.get("type") for a in spec.get("anyOf", [])]
                args[field] = value if kind in types else ({"integer": 1, "number": 1.0}.get(
                    next((t for t in types if t in ("integer", "number")), ""), "2026-03-14"))
            result = tools.invoke(ctx, ToolCall(name=name, arguments=args))
            assert result.error != ErrorKind.internal, (name, args, result.output)


@pytest.mark.parametrize(("field", "value"), [
    ("maxStops", "1"), ("maxStops", 1.0), ("maxStops", True), ("adults", "2"),  # an integer as text, float, bool
    ("fromId", "ams.airport"), ("currency_code", "usd"),  # codes in another case than the API's
])
def test_a_mistyped_or_misspelt_argument_is_an_error_the_agent_sees_never_a_coercion(field: str, value: Any) -> None:
    from tests.funccall.funccall_support import make, plan, play, seed_for

    env = make()
    seed = seed_for(env, "flight_seat")
    env.reset(seed=seed, options={"length": "4k", "task": "flight_seat"})
    search = next(c for c in plan(env) if c.name == "Search_Flights")
    right = {**search.arguments, "fromId": search.arguments["fromId"], "maxStops": 1, "adults": 2}
    traj = play(env, [ToolCall(name="Search_Flights", arguments=right),
                      ToolCall(name="Search_Flights", arguments={**right, field: value})])
    assert traj.steps[0].result.error is None, traj.steps[0].result.output
    step = traj.steps[1]
    assert step.result.error == ErrorKind.invalid_arguments and field in step.result.output, step.result.output
    assert step.annotations["error_label"] == "wrong_value" and step.annotations["wrong"]


def test_the_schema_states_the_types_and_spellings_it_enforces() -> None:
    params = next(t.spec() for t in build_api_tools() if t.name == "Search_Flights").parameters["properties"]
    assert params["fromId"]["pattern"] and params["currency_code"]["anyOf"][0]["pattern"] == "^[A-Z]{3}$"
    assert {"type": "integer", "minimum": 0, "maximum": 2}.items() <= params["maxStops"]["anyOf"][0].items()
