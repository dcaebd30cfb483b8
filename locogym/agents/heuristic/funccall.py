"""The rule-based LoCo-FuncCall-v0 baseline: fill API calls from the request's wording, take first results.

It reads places, dates, names and party sizes out of the prompt with regular expressions, runs the obvious chain
of calls for the domain (look-up, search sorted by price, detail, book) and copies ids from each response into the
next call. It does not check time windows, ratings or budgets and never pages, so it shows how far naive
filling gets: the floor a model must beat by actually reading the long responses.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from datetime import datetime, timedelta
from typing import Any

import orjson

from locogym.agents.scripted import ScriptedAgent
from locogym.core.dates import norm_date, norm_time
from locogym.core.types import ToolCall

Plan = Generator[ToolCall, str, dict[str, Any]]
Steps = Generator[ToolCall, str, None]
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|(?:[A-Z][a-z]+day )?\d{1,2} [A-Z][a-z]+ \d{4}|[A-Z][a-z]+ \d{1,2}, \d{4}")
_NAME = re.compile(r"\b(?:for|name) ([A-Z][a-z]+ [A-Z][a-z]+)|^([A-Z][a-z]+ [A-Z][a-z]+) flies")


def _body(obs: str) -> Any:
    try:
        return orjson.loads(obs)
    except orjson.JSONDecodeError:
        return {}


def _dates(prompt: str) -> list[str]:
    return [norm_date(re.sub(r"^[A-Z][a-z]+day ", "", d)) for d in _DATE.findall(prompt)]


def _time_after(prompt: str, phrase: str) -> str:
    match = re.search(phrase + r" (\d{1,2})(?::(\d{2}))?\s*(am|pm)?", prompt)
    if match is None:
        return "10:00"
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if match.group(3) == "pm" and hour < 12:
        hour += 12
    if match.group(3) == "am" and hour == 12:
        hour = 0
    return f"{hour:02d}:{minute:02d}"


def _attraction_place(prompt: str, kind_pattern: str) -> Generator[ToolCall, str, tuple[str, re.Match[str]] | None]:
    """The destination id of the prompt's city (one location search) and the match of the attraction type, or None
    when the prompt names no city, type or date, or the search finds no destination."""
    city = re.search(r"In ([A-Z][a-z]+(?: [A-Z][a-z]+)?), find", prompt)
    kind = re.search(kind_pattern, prompt)
    if city is None or kind is None or not _dates(prompt):
        return None
    loc = _body((yield ToolCall(name="Search_Attraction_Location", arguments={"query": city.group(1)})))
    destinations = loc.get("data", {}).get("destinations", [])
    return (destinations[0]["id"], kind) if destinations else None


def _number(pattern: str, prompt: str, default: int) -> int:
    match = re.search(pattern, prompt)
    return int(match.group(1)) if match else default


class Policy(ScriptedAgent):
    name = "heuristic"
    restart_per_session = False

    def __init__(self) -> None:
        super().__init__()
        self._answer: dict[str, Any] = {}

    def reset(self, task_info: dict[str, Any]) -> None:
        super().reset(task_info)
        self._answer = {}

    def script(self, obs: str) -> Plan:
        return self._solve(obs)

    def finish(self, value: Any) -> ToolCall:
        answer = value if isinstance(value, dict) else self._answer
        return ToolCall(name="submit", arguments={"answer": answer or {"status": "unavailable"}})

    # ------------------------------------------------------------------ domain routines
    def _solve(self, prompt: str) -> Plan:
        who_match = _NAME.search(prompt)
        who = (who_match.group(1) or who_match.group(2)) if who_match else "Alex Traveller"
        keys = re.findall(r'"([a-z_]+)" \(', prompt.split("these fields:")[-1])
        facts: dict[str, Any] = {}
        if "do not book" in prompt:
            yield from self._hotel(prompt, who, facts, book=False)
        elif "taxi" in prompt and "flight" not in prompt:
            yield from self._taxi(prompt, who, facts)
        elif "Rent a car" in prompt:
            yield from self._car(prompt, who, facts)
        elif "attraction" in prompt:
            yield from self._attraction(prompt, who, facts)
        elif "flight" in prompt or "flies" in prompt:
            yield from self._flight(prompt, who, facts)
        elif "hotel" in prompt:
            if (reservation := re.search(r"reservation (\w+)", prompt)) is not None:
                yield ToolCall(name="Cancel_Booking", arguments={"booking_id": reservation.group(1)})
            yield from self._hotel(prompt, who, facts, book=True)
        return {k: facts[k] for k in keys if k in facts} or {"status": "unavailable"}

    def _flight(self, prompt: str, who: str, facts: dict[str, Any]) -> Steps:
        route = re.search(r"from (.+?) to (.+?) on ", prompt)
        if route is None:
            return
        ids = []
        for place in route.groups():
            body = _body((yield ToolCall(name="Search_Flight_Location", arguments={"query": place})))
            airports = [d["id"] for d in body.get("data", []) if d.get("type") == "AIRPORT"]
            ids.append(airports[0] if airports else f"{place[:3].upper()}.CITY")
        day = (_dates(prompt) or ["2026-03-01"])[0]
        cabin = "BUSINESS" if "business" in prompt.lower() else None
        body = _body((yield ToolCall(name="Search_Flights", arguments={
            "fromId": ids[0], "toId": ids[1], "departDate": day, "sort": "CHEAPEST",
            **({"cabinClass": cabin} if cabin else {})})))
        offers = body.get("data", {}).get("flightOffers", [])
        if not offers:
            return
        offer = offers[0]
        seat = None
        if re.search(r"(window|aisle) seat", prompt):
            position = "WINDOW" if "window" in prompt else "AISLE"
            seats = _body((yield ToolCall(name="Get_Seat_Map", arguments={"token": offer["token"],
                                                                         **({"cabinClass": cabin} if cabin else {})})))
            free = [s["seatNumber"] for row in seats.get("data", {}).get("seatMap", []) for s in row["seats"]
                    if s["available"] and s["type"] == position]
            seat = free[0] if free else None
        booked = _body((yield ToolCall(name="Book_Flight", arguments={
            "token": offer["token"], "passenger_name": who, **({"seat": seat} if seat else {}),
            **({"cabinClass": cabin} if cabin else {})})))
        data = booked.get("data", {})
        facts.update({"booking_id": data.get("booking_id"), "flight_booking_id": data.get("booking_id"),
                      "flight_number": (data.get("flightNumbers") or [None])[0]})
        total = offer["priceBreakdown"]["total"]
        facts["fare_eur"] = total["units"] + total["nanos"] / 1e9
        arrival = offer["segments"][0]["arrivalTime"]
        if "taxi" in prompt:
            yield from self._taxi_after(prompt, who, facts, route.group(2), arrival)
        elif "hotel" in prompt:
            yield from self._airport_hotel(prompt, who, facts, route.group(2), arrival[:10])

    def _taxi_after(self, prompt: str, who: str, facts: dict[str, Any], airport: str, arrival: str) -> Steps:
        delay = _number(r"exactly (\d+) minutes", prompt, 30)
        city = re.search(r"to ([A-Z][a-z]+(?: [A-Z][a-z]+)?) City Centre", prompt)
        when = datetime.fromisoformat(arrival) + timedelta(minutes=delay)
        ids = []
        for place in (airport, f"{city.group(1) if city else ''} City Centre"):
            body = _body((yield ToolCall(name="Taxi_Search_Location", arguments={"query": place})))
            ids.append((body.get("data") or [{}])[0].get("googlePlaceId", ""))
        yield from self._book_taxi(ids, when, who, _number(r"seats (\d+)", prompt, 1), facts, "taxi_booking_id")
        facts["taxi_pickup"] = when.strftime("%Y-%m-%dT%H:%M")

    def _book_taxi(self, ids: list[str], when: datetime, who: str, party: int, facts: dict[str, Any],
                   key: str) -> Steps:
        body = _body((yield ToolCall(name="Search_Taxi", arguments={
            "pick_up_place_id": ids[0], "drop_off_place_id": ids[1], "pick_up_date": when.date().isoformat(),
            "pick_up_time": when.strftime("%H:%M")})))
        results = [r for r in body.get("data", {}).get("results", []) if r.get("maxPassenger", 0) >= party]
        if not results:
            return
        booked = _body((yield ToolCall(name="Book_Taxi", arguments={
            "result_id": results[0]["resultId"], "passenger_name": who, "passengers": party})))
        facts.update({key: booked.get("data", {}).get("booking_id"), "vehicle_type": results[0]["vehicleType"],
                      "price_eur": results[0]["price"]["amount"]})

    def _taxi(self, prompt: str, who: str, facts: dict[str, Any]) -> Steps:
        route = re.search(r"from (.+?) to the hotel (.+?) in ([A-Z][a-z]+(?: [A-Z][a-z]+)?), ", prompt)
        if route is None:
            return
        ids = []
        for place in route.groups()[:2]:  # with the city, so that a hotel of the same name elsewhere is not taken
            query = place if route.group(3) in place else f"{place} {route.group(3)}"
            body = _body((yield ToolCall(name="Taxi_Search_Location", arguments={"query": query})))
            ids.append((body.get("data") or [{}])[0].get("googlePlaceId", ""))
        day = (_dates(prompt) or ["2026-03-01"])[0]
        when = datetime.fromisoformat(f"{day}T{_time_after(prompt, 'at')}")
        yield from self._book_taxi(ids, when, who, _number(r"\((\d+) passenger", prompt, 1), facts, "booking_id")

    def _airport_hotel(self, prompt: str, who: str, facts: dict[str, Any], airport: str, day: str) -> Steps:
        geo = _body((yield ToolCall(name="Location_to_Lat_Long", arguments={"query": airport})))
        results = geo.get("results") or []
        if not results:
            return
        point = results[0]["geometry"]["location"]
        nights = _number(r"for (\d+) night", prompt, 1)
        departure = (datetime.fromisoformat(day) + timedelta(days=nights)).date().isoformat()
        body = _body((yield ToolCall(name="Search_Hotels_By_Coordinates", arguments={
            "latitude": point["lat"], "longitude": point["lng"], "arrival_date": day, "departure_date": departure,
            "radius": _number(r"within (\d+) km", prompt, 5)})))
        hotels = body.get("data", {}).get("hotels", [])
        if hotels:
            yield from self._book_room(hotels[0], day, departure, 1, who, facts, "hotel_booking_id")
        facts["check_in"] = day

    def _hotel(self, prompt: str, who: str, facts: dict[str, Any], book: bool) -> Steps:
        city = re.search(r"in ([A-Z][a-z]+(?: [A-Z][a-z]+)?) (?:for|from)", prompt) or re.search(
            r"in ([A-Z][a-z]+(?: [A-Z][a-z]+)?)", prompt)
        if city is None:
            return
        dates = _dates(prompt)
        if not dates:
            return
        nights = _number(r"staying (\d+) night", prompt, 1)
        arrival = dates[0]
        departure = (dates[1] if len(dates) > 1
                     else (datetime.fromisoformat(arrival) + timedelta(days=nights)).date().isoformat())
        adults = _number(r"(\d+) adult", prompt, 1)
        dest = _body((yield ToolCall(name="Search_Hotel_Destination", arguments={"query": city.group(1)})))
        if not dest.get("data"):
            return
        first = dest["data"][0]
        stars = re.search(r"(\d)-star", prompt)
        body = _body((yield ToolCall(name="Search_Hotels", arguments={
            "dest_id": first["dest_id"], "search_type": first["search_type"], "arrival_date": arrival,
            "departure_date": departure, "adults": adults, "sort_by": "price",
            **({"categories_filter": f"class::{stars.group(1)}"} if stars else {})})))
        hotels = body.get("data", {}).get("hotels", [])
        if not hotels:
            return
        facts["hotel_name"] = hotels[0]["property"]["name"]
        price = hotels[0]["property"]["priceBreakdown"]["grossPrice"]["value"]
        facts["total_price_eur"] = price
        currency = re.search(r"cost in ([A-Z]{3})", prompt)
        if currency:
            converted = _body((yield ToolCall(name="Convert_Currency", arguments={
                "amount": price, "from_currency": "EUR", "to_currency": currency.group(1)})))
            facts[f"total_price_{currency.group(1).lower()}"] = converted.get("data", {}).get("converted_amount")
        if book:
            yield from self._book_room(hotels[0], arrival, departure, adults, who, facts, "booking_id")

    def _book_room(self, hotel: dict[str, Any], arrival: str, departure: str, adults: int, who: str,
                   facts: dict[str, Any], key: str) -> Steps:
        rooms = _body((yield ToolCall(name="Get_Room_List", arguments={
            "hotel_id": hotel["hotel_id"], "arrival_date": arrival, "departure_date": departure})))
        blocks = [b for b in rooms.get("data", {}).get("block", [])
                  if b["available_rooms"] > 0 and b["max_occupancy"] >= adults]
        if not blocks:
            return
        block = min(blocks, key=lambda b: b["product_price_breakdown"]["gross_amount"]["value"])
        booked = _body((yield ToolCall(name="Book_Hotel", arguments={
            "hotel_id": hotel["hotel_id"], "block_id": block["block_id"], "arrival_date": arrival,
            "departure_date": departure, "guest_name": who})))
        facts.update({key: booked.get("data", {}).get("booking_id"), "hotel_name": hotel["property"]["name"],
                      "total_price_eur": block["product_price_breakdown"]["gross_amount"]["value"]})

    def _car(self, prompt: str, who: str, facts: dict[str, Any]) -> Steps:
        place = re.search(r"\(age \d+\) at (.+?): pick-up", prompt)
        dates = _dates(prompt)
        if place is None or len(dates) < 2:
            return
        loc = _body((yield ToolCall(name="Search_Car_Location", arguments={"query": place.group(1)})))
        if not loc.get("data"):
            return
        point = loc["data"][0]["coordinates"]
        times = re.findall(r" at (\d{1,2}(?::\d{2})?(?: [ap]m)?)", prompt)

        start, end = (norm_time(t) for t in (times + ["10:00", "10:00"])[:2])
        body = _body((yield ToolCall(name="Search_Car_Rentals", arguments={
            "pick_up_latitude": point["latitude"], "pick_up_longitude": point["longitude"],
            "drop_off_latitude": point["latitude"], "drop_off_longitude": point["longitude"],
            "pick_up_date": dates[0], "pick_up_time": start, "drop_off_date": dates[1], "drop_off_time": end,
            "sort_by": "price_low_to_high"})))
        data = body.get("data", {})
        seats = _number(r"at least (\d+) seats", prompt, 1)
        cars = [c for c in data.get("search_results", []) if c["vehicle_info"]["seats"] >= seats]
        if not cars:
            return
        booked = _body((yield ToolCall(name="Book_Car", arguments={
            "vehicle_id": cars[0]["vehicle_id"], "search_key": data["search_key"], "driver_name": who})))
        facts.update({"booking_id": booked.get("data", {}).get("booking_id"),
                      "car_model": cars[0]["vehicle_info"]["v_name"], "supplier": cars[0]["supplier_info"]["name"],
                      "total_price_eur": cars[0]["pricing_info"]["price"]})

    def _attraction(self, prompt: str, who: str, facts: dict[str, Any]) -> Steps:
        dates = _dates(prompt)
        found = yield from _attraction_place(prompt, r'of type "(.+?)"')
        if found is None:
            return
        place, kind = found
        body = _body((yield ToolCall(name="Search_Attractions", arguments={
            "id": place, "sortBy": "lowest_price", "typeFilters": kind.group(1)})))
        products = body.get("data", {}).get("products", [])
        if not products:
            return
        slots = _body((yield ToolCall(name="Get_Attraction_Availability", arguments={
            "slug": products[0]["slug"], "date": dates[0]})))
        adults = _number(r"for (\d+) adult", prompt, 1)
        children = _number(r"and (\d+) child", prompt, 0)
        free = [s for s in slots.get("data", []) if s["availableSpots"] >= adults + children]
        if not free:
            return
        booked = _body((yield ToolCall(name="Book_Attraction", arguments={
            "slot_id": free[0]["slot_id"], "adults": adults, "children": children, "contact_name": who})))
        facts.update({"booking_id": booked.get("data", {}).get("booking_id"), "attraction": products[0]["name"],
                      "start_time": free[0]["start"][11:16]})


# ---------------------------------------------------------------------- the abstain baseline's policy
_PAGE_PARAM = {"Search_Flights": "pageNo", "Search_Hotels": "page_number", "Search_Car_Rentals": "page_number",
               "Search_Attractions": "page"}
MAX_PAGES = 8


def _listed(body: Any) -> list[str]:
    """The ids a search page lists (flight tokens, hotel ids, vehicle ids, product slugs), for paging."""
    data = body.get("data", {}) if isinstance(body, dict) else {}
    rows = (data.get("flightOffers") or data.get("hotels") or data.get("search_results") or data.get("products")
            or []) if isinstance(data, dict) else []
    keys = ("token", "hotel_id", "vehicle_id", "slug")
    return [str(next((r[k] for k in keys if k in r), "")) for r in rows if isinstance(r, dict)]


class Abstain(Policy):
    """The ``abstain`` baseline's policy: the deciding search of the request with every constraint the search can
    apply (stops and cabin, star class, facility, review bucket and free cancellation, the cheapest attraction
    with the rating), every page of it, no booking and no cancellation; then ``{"status": "unavailable"}``.

    It scores exactly the share of infeasible requests: a proof on each of them, nothing anywhere else. A model
    that scores no more than this has not shown it can do the work."""

    name = "abstain"

    def script(self, obs: str) -> Plan:
        return self._decide(obs)

    def finish(self, value: Any) -> ToolCall:
        return ToolCall(name="submit", arguments={"answer": {"status": "unavailable"}})

    def _decide(self, prompt: str) -> Plan:
        if "Rent a car" in prompt or ("taxi" in prompt and "flight" not in prompt and "flies" not in prompt):
            yield from self._ground(prompt)
        elif "attraction" in prompt:
            yield from self._attraction_search(prompt)
        elif "flight" in prompt or "flies" in prompt:
            yield from self._flight_search(prompt)
        elif "reservation" in prompt:
            yield from self._rebook_search(prompt)
        elif "hotel" in prompt:
            yield from self._hotel_search(prompt, None)
        return {}

    def _ground(self, prompt: str) -> Steps:
        """The heuristic's car and taxi searches already carry every constraint those searches take; its
        bookings are never sent."""
        chain = self._car(prompt, "", {}) if "Rent a car" in prompt else self._taxi(prompt, "", {})
        try:
            call = next(chain)
            while not call.name.startswith("Book_"):
                if call.name in _PAGE_PARAM:  # the search itself: every page of it, and nothing after it
                    yield from self._pages(call.name, call.arguments)
                    return
                call = chain.send((yield call))
        except StopIteration:
            return

    def _pages(self, name: str, arguments: dict[str, Any]) -> Generator[ToolCall, str, list[Any]]:
        """Every page of a search, until one is shorter than the first (the last) or lists nothing new; the
        bodies, in order."""
        bodies: list[Any] = []
        seen: set[str] = set()
        full = 0
        for page in range(1, MAX_PAGES + 1):
            body = _body((yield ToolCall(name=name, arguments={
                **arguments, **({_PAGE_PARAM[name]: page} if page > 1 else {})})))
            listed = _listed(body)
            if not listed or set(listed) <= seen:
                break
            bodies.append(body)
            seen.update(listed)
            full = full or len(listed)
            if len(listed) < full:
                break
        return bodies

    def _flight_search(self, prompt: str) -> Steps:
        route = re.search(r"from (.+?) to (.+?) on ", prompt)
        if route is None:
            return
        ids = []
        for place in route.groups():
            body = _body((yield ToolCall(name="Search_Flight_Location", arguments={"query": place})))
            airports = [d["id"] for d in body.get("data", []) if d.get("type") == "AIRPORT"]
            ids.append(airports[0] if airports else f"{place[:3].upper()}.CITY")
        direct = re.search(r"a direct flight|with no stops", prompt) is not None
        cabin = {"cabinClass": "BUSINESS"} if "business" in prompt.lower() else {}
        yield from self._pages("Search_Flights", {
            "fromId": ids[0], "toId": ids[1], "departDate": (_dates(prompt) or ["2026-03-01"])[0], "sort": "CHEAPEST",
            "maxStops": 0 if direct else 1, **cabin})

    def _rebook_search(self, prompt: str) -> Steps:
        """The reservation's city and dates come from the booking and its hotel; then the hotel search."""
        reservation = re.search(r"reservation (\w+)", prompt)
        if reservation is None:
            return
        booking = _body((yield ToolCall(name="Get_Booking", arguments={"booking_id": reservation.group(1)})))
        details = booking.get("data", {}).get("details", {})
        stay = {k: details.get(k) for k in ("arrival_date", "departure_date")}
        if not details.get("hotel_id") or not all(stay.values()):
            return
        hotel = _body((yield ToolCall(name="Get_Hotel_Details", arguments={"hotel_id": details["hotel_id"],
                                                                           **stay})))
        city = hotel.get("data", {}).get("city")
        if city:
            yield from self._hotel_search(prompt, (city, stay["arrival_date"], stay["departure_date"]))

    def _hotel_search(self, prompt: str, known: tuple[str, str, str] | None) -> Steps:
        wanted = re.search(r"(\d)-star hotel with (.+?) and a review score of at least (\d+(?:\.\d+)?)", prompt)
        if known is None:
            city = re.search(r"in ([A-Z][a-z]+(?: [A-Z][a-z]+)?) (?:for|from)", prompt)
            dates = _dates(prompt)
            if city is None or not dates:
                return
            nights = _number(r"staying (\d+) night", prompt, 1)
            departure = dates[1] if len(dates) > 1 else (
                datetime.fromisoformat(dates[0]) + timedelta(days=nights)).date().isoformat()
            known = (city.group(1), dates[0], departure)
        if wanted is None:
            return
        dest = _body((yield ToolCall(name="Search_Hotel_Destination", arguments={"query": known[0]})))
        if not dest.get("data"):
            return
        adults = _number(r"for (\d+) adult", prompt, 1)
        stay = {"dest_id": dest["data"][0]["dest_id"], "search_type": dest["data"][0]["search_type"],
                "arrival_date": known[1], "departure_date": known[2], **({"adults": adults} if adults > 1 else {})}
        filters = _body((yield ToolCall(name="Get_Hotel_Filter", arguments=stay)))
        facility = next((o["genericId"] for g in filters.get("data", {}).get("filters", [])
                         for o in g.get("options", []) if o.get("genericId", "").startswith("facility::")
                         and o.get("title", "").lower() == wanted.group(2).lower()), None)
        bucket = int(float(wanted.group(3)) * 10) // 10 * 10
        parts = [f"class::{wanted.group(1)}", facility, f"reviewscorebuckets::{bucket}",
                 "free_cancellation::1" if "free cancellation" in prompt else None]
        yield from self._pages("Search_Hotels", {**stay, "sort_by": "price",
                                                 "categories_filter": ",".join(p for p in parts if p)})

    def _attraction_search(self, prompt: str) -> Steps:
        """The cheapest attraction of the type rated at least the floor, then its slots that day."""
        dates = _dates(prompt)
        found = yield from _attraction_place(prompt, r'of type "(.+?)" rated at least (\d+(?:\.\d+)?)')
        if found is None:
            return
        place, kind = found
        bodies = yield from self._pages("Search_Attractions", {
            "id": place, "sortBy": "lowest_price", "typeFilters": kind.group(1)})
        floor = float(kind.group(2))
        rated = [p for body in bodies for p in body.get("data", {}).get("products", [])
                 if p["reviewsStats"]["combinedNumericStats"]["average"] >= floor]
        if rated:
            yield ToolCall(name="Get_Attraction_Availability", arguments={"slug": rated[0]["slug"], "date": dates[0]})
