"""The API registry: every simulated endpoint by name, and one entry point that runs a call against a world."""

from __future__ import annotations

from typing import Any

from locogym.scenarios.funccall import api_flights, api_ground, api_hotels, api_misc
from locogym.scenarios.funccall.world import ApiResponse, World

HANDLERS: dict[str, Any] = {**api_flights.HANDLERS, **api_hotels.HANDLERS, **api_ground.HANDLERS,
                            **api_misc.HANDLERS}
DOMAINS: dict[str, str] = {
    **{n: "flights" for n in api_flights.HANDLERS}, **{n: "hotels" for n in api_hotels.HANDLERS},
    **{n: ("taxis" if "Taxi" in n else "cars") for n in api_ground.HANDLERS},
    **{n: ("attractions" if "Attraction" in n or "Availability" in n else
           "bookings" if "Booking" in n else "utilities") for n in api_misc.HANDLERS},
}
STATE_CHANGING = frozenset({"Book_Flight", "Book_Hotel", "Book_Car", "Book_Attraction", "Book_Taxi", "Cancel_Booking"})
# Look-ups that only translate a place name into an id; like ComplexFuncBench's evaluation, grading treats them
# as optional steps (an agent that already knows the id may skip them).
LOOKUPS = frozenset({"Search_Flight_Location", "Search_Hotel_Destination", "Search_Car_Location",
                     "Search_Attraction_Location", "Taxi_Search_Location", "Location_to_Lat_Long"})
# Request-bound parameters: two calls of an API that differ in one of these ask different questions (another day,
# party, cabin or route), even when they list the same items; other differences (page, sort, filters, currency,
# which hotel's details) only change the view.
ANCHORS = frozenset({"fromId", "toId", "departDate", "arrival_date", "departure_date", "adults", "room_qty",
                     "children", "cabinClass", "pick_up_date", "pick_up_time", "drop_off_date", "drop_off_time",
                     "driver_age", "date", "pick_up_place_id", "drop_off_place_id"})
# Keys whose string values are ids or tokens a later call may copy (for cascade tracking).
VALUE_KEYS = frozenset({"id", "token", "dest_id", "hotel_id", "block_id", "room_id", "vehicle_id", "search_key",
                        "slug", "productSlug", "googlePlaceId", "place_id", "resultId", "slot_id", "booking_id",
                        "genericId", "flightNumber", "code", "seatNumber"})


def collect_values(payload: Any, out: list[str] | None = None, limit: int = 4000) -> list[str]:
    """Every id-like value in a response body, in order of first appearance."""
    out = [] if out is None else out
    stack = [payload]
    seen = set(out)
    while stack and len(out) < limit:
        node = stack.pop(0)
        if isinstance(node, dict):
            for key, value in node.items():
                if key in VALUE_KEYS and isinstance(value, (str, int)) and not isinstance(value, bool):
                    text = str(value)
                    if text not in seen:
                        seen.add(text)
                        out.append(text)
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return out


def call_api(world: World, name: str, params: dict[str, Any]) -> ApiResponse:
    """Run one endpoint; raises :class:`~locogym.scenarios.funccall.world.ApiError` when the API rejects it."""
    world.calls += 1
    response = HANDLERS[name](world, **{k: v for k, v in params.items() if v is not None})
    response.values = collect_values(response.payload)
    return response
