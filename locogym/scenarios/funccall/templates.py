"""Task templates: user requests with 2 to 8 dependent calls and explicit constraints.

Each template draws a request from the world, decides the gold answer from the catalog with its own logic, then
plays the oracle plan through the APIs (:class:`Planner`) and checks that the plan's responses agree with that
gold. ``infeasible=True`` asks for a variant whose constraints nothing satisfies; its right answer is to book
nothing and say so.

Every template names its *anchor*: the list the answer is read from (the deciding search), the item in it the
answer rests on, and where that item sits. Each request has a constraint that this list cannot filter on (a
departure window, a review floor finer than the search's buckets, a seat count, a rating floor, a bag count, a
distance ranking with a score floor), so the list can hold near misses ahead of the answer: the context fill
(:mod:`~locogym.scenarios.funccall.fill`) adds them there, and dearer entries after it, to place the answer at a
chosen depth of a longer list. Choices that shape the request are made on ``Planner.base`` (the world without
fill); the answer is solved on ``Planner.world``, so a fill that would move it is caught.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from locogym.scenarios.funccall import api_ground, api_hotels
from locogym.scenarios.funccall.answers import answer_clause
from locogym.scenarios.funccall.catalog import FACILITY_NAME
from locogym.scenarios.funccall.geo import CITIES, City, haversine_km
from locogym.scenarios.funccall.normalize import normalize_args
from locogym.scenarios.funccall.planner import Planner, Retry
from locogym.scenarios.funccall.text import person
from locogym.scenarios.funccall.world import World

FIRST_TRIP_DAY = date(2026, 2, 2)
TRIP_DAYS = 145


@dataclass
class Spec:
    """What a template produced (the oracle plan lives in the planner)."""

    domain: str
    prompt: str
    answer_keys: dict[str, tuple[str, str]]  # field name -> (kind, description with the unit)
    facts: list[dict[str, Any]] = field(default_factory=list)
    requirements: list[dict[str, Any]] = field(default_factory=list)
    cancels: list[str] = field(default_factory=list)
    infeasible: bool = False
    parallel: list[list[int]] = field(default_factory=list)
    initial_bookings: list[dict[str, Any]] = field(default_factory=list)
    proof: dict[str, Any] | None = None  # infeasible only: the call whose result shows that nothing fits
    anchor: dict[str, Any] = field(default_factory=dict)  # see anchor()


def anchor(api: str, item: str, ranked: list[str], kind: str, params: dict[str, Any]) -> dict[str, Any]:
    """Where the answer is read from: the deciding search ``api``, the ``item`` the answer rests on, its ``rank``
    among the ``total`` entries that search lists (all pages, in the search's own order), and how to fill that list
    (``kind`` and ``params`` for :mod:`~locogym.scenarios.funccall.fill`)."""
    return {"api": api, "item": item, "rank": ranked.index(item), "total": len(ranked),
            "fill": {"kind": kind, "params": params}}


# ---------------------------------------------------------------------- phrasing helpers
def say_date(rng: random.Random, day: date) -> str:
    month = day.strftime("%B")
    return rng.choice((f"{day.day} {month} {day.year}", f"{month} {day.day}, {day.year}", day.isoformat(),
                       f"{day.strftime('%A')} {day.day} {month} {day.year}"))


def say_time(rng: random.Random, minutes: int) -> str:
    h, m = divmod(minutes, 60)
    if rng.random() < 0.5:
        return f"{h:02d}:{m:02d}"
    suffix = "am" if h < 12 else "pm"
    h12 = h % 12 or 12
    return f"{h12}{'' if m == 0 else f':{m:02d}'} {suffix}"


def trip_day(rng: random.Random) -> date:
    return FIRST_TRIP_DAY + timedelta(days=rng.randrange(TRIP_DAYS))


def city_pair(rng: random.Random, min_km: float = 300) -> tuple[City, City]:
    while True:
        a, b = rng.sample(CITIES, 2)
        if haversine_km(a.lat, a.lon, b.lat, b.lon) >= min_km:
            return a, b


def money_up(value: float, rng: random.Random) -> int:
    return int(math.ceil(value * rng.uniform(1.06, 1.35) / 10) * 10)


def money_down(value: float, rng: random.Random) -> int:
    budget = int(math.floor(value * rng.uniform(0.7, 0.95) / 10) * 10)
    if budget <= 0 or budget >= value:
        raise Retry("no round budget under the price")
    return budget


def infeasible_spec(domain: str, prompt: str, keys: dict[str, tuple[str, str]], proof: dict[str, Any],
                    where: dict[str, Any], initial: list[dict[str, Any]] | None = None) -> Spec:
    return Spec(domain, prompt, keys, facts=[{"key": "status", "type": "text", "value": "unavailable"}],
                infeasible=True, proof=proof, anchor=where, initial_bookings=initial or [])


def proof_call(p: Planner, api: str, anchors: tuple[str, ...], witness: str | None) -> dict[str, Any]:
    """What proves an "unavailable" answer: a successful ``api`` call whose normalised ``anchors`` (route, dates,
    entity, party) equal those of the oracle's last such call and whose result lists ``witness``, the item that
    shows nothing fits (the first offer over budget, the cheapest match that is too dear)."""
    step = next(s for s in reversed(p.steps) if s.call.name == api)
    normal = normalize_args(api, step.call.arguments)
    if witness is not None and witness not in step.items:
        raise AssertionError(f"the oracle's {api} call does not list the witness {witness}")
    return {"api": api, "match": {k: normal.get(k) for k in anchors}, "witness": witness}


def binding(rng: random.Random, p: Planner, naive: Any, gold: Any) -> None:
    """Prefer draws whose constraints matter: when the unconstrained pick is already the answer, usually redraw
    (how usually is the difficulty's ``strictness``). The coin is tossed whatever the picks, so that the draws
    after it never depend on them (a fill that adds a cheaper near miss changes the unconstrained pick)."""
    coin = rng.random()
    if naive == gold and coin < p.strictness:
        raise Retry("the constraints do not change the answer")


def page_of(rank: int, per_page: int) -> int:
    return rank // per_page + 1


# ---------------------------------------------------------------------- flights
def _flight_pick(rng: random.Random, p: Planner, cabin: str, window: tuple[int, int] | None, max_stops: int,
                 a: str, b: str, day: date) -> tuple[list[Any], Any]:
    offers = [o for o in p.world.catalog.flights(a, b, day) if cabin in o.cabins and o.stops <= max_stops]
    offers.sort(key=lambda o: (o.price_eur[cabin], o.token))

    def ok(o: Any) -> bool:
        minutes = o.depart.hour * 60 + o.depart.minute
        return window is None or window[0] <= minutes <= window[1]

    eligible = [o for o in offers if ok(o)]
    if not eligible:
        raise Retry("no flight meets the constraints")
    return offers, eligible[0]


def _search_pages(p: Planner, subgoal: str, offers: list[Any], stop_rank: int, **search: Any) -> None:
    per_page = p.world.page_size(5)
    for page in range(1, page_of(stop_rank, per_page) + 1):
        body = p.call(subgoal, "Search_Flights", **search, pageNo=None if page == 1 else page)
        shown = [o["token"] for o in body["data"]["flightOffers"]]
        expected = [o.token for o in offers[(page - 1) * per_page: page * per_page]]
        if shown != expected:
            raise AssertionError("Search_Flights disagrees with the template's ordering")


# What a proof of "unavailable" must hold equal to the request: the deciding search's anchors (route, dates,
# entity, party) and every filter the request's constraints set (stops, cabin, star class, facility, review
# bucket, free cancellation, the return place).
FLIGHT_PROOF = ("fromId", "toId", "departDate", "cabinClass", "maxStops")
HOTEL_PROOF = ("dest_id", "arrival_date", "departure_date", "adults", "categories_filter")
CAR_PROOF = ("pick_up_latitude", "pick_up_longitude", "drop_off_latitude", "drop_off_longitude", "pick_up_date",
             "pick_up_time", "drop_off_date", "drop_off_time")


def flight_seat(rng: random.Random, p: Planner, infeasible: bool) -> Spec:
    ca, cb = city_pair(rng)
    a, b = rng.choice(ca.airports), rng.choice(cb.airports)
    day = trip_day(rng)
    cabin = rng.choice(("ECONOMY", "ECONOMY", "ECONOMY", "BUSINESS"))
    start = rng.choice(range(6 * 60, 15 * 60, 30))
    window = (start, start + rng.choice((240, 300, 360, 480)))
    max_stops = rng.choice((0, 1, 1))
    offers, gold = _flight_pick(rng, p, cabin, window, max_stops, a.iata, b.iata, day)
    binding(rng, p, min((o for o in p.world.catalog.flights(a.iata, b.iata, day) if cabin in o.cabins),
                     key=lambda o: (o.price_eur[cabin], o.token)), gold)
    fare = gold.price_eur[cabin]
    budget = money_down(fare, rng) if infeasible else money_up(fare, rng)
    where = anchor("Search_Flights", gold.token, [o.token for o in offers], "flights", {
        "origin": a.iata, "destination": b.iata, "day": day.isoformat(), "cabin": cabin, "max_stops": max_stops,
        "window": list(window), "before_max": min(fare, budget), "after_min": fare})
    position = rng.choice(("WINDOW", "AISLE")) if cabin == "ECONOMY" else "WINDOW"
    seats = [s for s, pos, _x, free in p.world.catalog.seat_map(gold, cabin)
             if pos == position and free and not p.world.taken(f"seat|{gold.token}|{cabin}|{s}")]
    if not seats:
        raise Retry("no free seat of the wanted kind")
    who = person(rng)
    keys = {"booking_id": ("booking", "the booking id"), "flight_number": ("id", "the first flight's number"),
            "fare_eur": ("number", "the fare in EUR, before any seat fee")}
    stops_text = "a direct flight" if max_stops == 0 else "at most one stop"
    prompt = (f"Please book a one-way {cabin.replace('_', ' ').lower()} flight for {who} from {a.name} to {b.name} "
              f"on {say_date(rng, day)}. It must depart between {say_time(rng, window[0])} and "
              f"{say_time(rng, window[1])} local time, with {stops_text}, and the fare must not exceed {budget} EUR. "
              f"Take the cheapest flight that fits and reserve a {position.lower()} seat on it. " + answer_clause(keys))
    p.call("locate", "Search_Flight_Location", query=ca.name)
    p.call("locate", "Search_Flight_Location", query=cb.name)
    search = dict(fromId=f"{a.iata}.AIRPORT", toId=f"{b.iata}.AIRPORT", departDate=day.isoformat(), sort="CHEAPEST",
                  cabinClass=None if cabin == "ECONOMY" else cabin, maxStops=max_stops)
    gold_rank = offers.index(gold)
    if infeasible:
        over = next((i for i, o in enumerate(offers) if o.price_eur[cabin] > budget), len(offers) - 1)
        stop = min(gold_rank, over)
        _search_pages(p, "search", offers, stop, **search)
        where = {**where, "item": offers[stop].token, "rank": stop}  # the offer that proves it
        return infeasible_spec("flights", prompt, keys, proof_call(
            p, "Search_Flights", FLIGHT_PROOF, offers[stop].token), where)
    _search_pages(p, "search", offers, gold_rank, **search)
    p.call("seats", "Get_Seat_Map", token=gold.token, cabinClass=None if cabin == "ECONOMY" else cabin)
    p.call("book", "Book_Flight", token=gold.token, passenger_name=who,
           cabinClass=None if cabin == "ECONOMY" else cabin, seat=seats[0])
    return Spec("flights", prompt, keys, parallel=[[0, 1]], anchor=where,
                requirements=[{"kind": "flight", "match": {"token": gold.token, "cabin": cabin, "passenger_name": who,
                                                           "seat": {"in": seats}}}],
                facts=[{"key": "booking_id", "type": "booking", "req": 0},
                       {"key": "flight_number", "type": "id", "value": gold.legs[0].flight_number},
                       {"key": "fare_eur", "type": "number", "value": fare}])


# ---------------------------------------------------------------------- hotels
def _hotel_choice(world: World, city: City, arrival: date, nights: int, adults: int, stars: int, facility: int,
                  min_score: int | None, room_ok: Any) -> tuple[list[tuple[Any, Any, float]], list[date]]:
    """The hotels of ``city`` with the star class, the facility and the review score (x10) that have a room for
    the party every night, cheapest stay first (ties by id): the order of a filtered Search_Hotels sorted by price."""
    days = [arrival + timedelta(days=i) for i in range(nights)]
    rows = []
    for h in world.catalog.hotels(city.code):
        if h.stars != stars or facility not in h.facilities or (min_score and h.review_score * 10 < min_score):
            continue
        best = api_hotels.best_room(world, h, days, adults, 1, room_ok)
        if best is not None:
            rows.append((h, best[0], best[1]))
    rows.sort(key=lambda t: (t[2], t[0].hotel_id))
    return rows, days


def _cheapest_blocks(p: Planner, hotel: Any, days: list[date], adults: int, price: float,
                     room_ok: Any = None) -> list[str]:
    return sorted(r.block_id for r in hotel.rooms if r.max_occupancy >= adults
                  and api_hotels.room_left(p.world, r, days) >= 1 and (room_ok is None or room_ok(r))
                  and abs(api_hotels.room_total(p.world, hotel, r, days) - price) < 0.005)


# Review floors (score x10). None is a multiple of 10, so the search's review buckets (6+, 7+, 8+, 9+) can only
# narrow the list to the bucket below: the hotels between the bucket and the floor stay listed as near misses.
REVIEW_FLOORS = (65, 75, 78, 82, 85, 88)


@dataclass
class HotelPick:
    """A hotel request's constraints and its answer: the cheapest match and where the filtered search lists it."""

    hotel: Any
    price: float
    days: list[date]
    filters: str
    room_ok: Any
    wording: str
    listed: list[str]  # hotel ids the filtered search lists (all pages, in its order)
    fill: dict[str, Any]


def _hotel_search(rng: random.Random, p: Planner, city: City, arrival: date, nights: int, adults: int,
                  refundable: bool = False) -> HotelPick:
    """Draw hotel constraints with at least one match; the cheapest match, its filters and the request's words.

    ``refundable`` adds free cancellation: then the price that counts is the cheapest *refundable* room's. Whether a
    draw has a match is decided on the world without fill, so the fill never changes the request."""
    room_ok = (lambda r: r.refundable) if refundable else None
    for _ in range(12):
        stars = rng.choice((2, 3, 3, 4, 4, 5))
        facility = rng.choice((107, 2, 301, 11, 54, 17, 3, 28))
        floor = rng.choice(REVIEW_FLOORS)
        if _hotel_choice(p.base, city, arrival, nights, adults, stars, facility, floor, room_ok)[0]:
            break
    else:
        raise Retry("no hotel matches the drawn constraints")
    bucket = floor // 10 * 10  # the search's review filter: the bucket under the floor
    rows, days = _hotel_choice(p.world, city, arrival, nights, adults, stars, facility, bucket, room_ok)
    hotel, _room, price = next(row for row in rows if row[0].review_score * 10 >= floor)
    naive = [(best[1], h.hotel_id, h) for h in p.world.catalog.hotels(city.code) if h.stars == stars
             and (best := api_hotels.best_room(p.world, h, days, adults, 1)) is not None]
    binding(rng, p, min(naive, key=lambda t: t[:2])[2], hotel)
    filters = ",".join(f for f in (f"class::{stars}", f"facility::{facility}", f"reviewscorebuckets::{bucket}",
                                   "free_cancellation::1" if refundable else None) if f)
    wording = (f"a {stars}-star hotel with {FACILITY_NAME[facility].lower()} and a review score of at least "
               f"{floor / 10:.1f}" + (" that offers free cancellation" if refundable else ""))
    listed = [str(h.hotel_id) for h, _r, _p in rows]
    fill = {"mode": "city", "city": city.code, "stars": stars, "facility": facility, "refundable": refundable,
            "arrival": arrival.isoformat(), "nights": nights, "adults": adults, "bucket": bucket, "floor": floor}
    return HotelPick(hotel, price, days, filters, room_ok, wording, listed, fill)


def _hotel_pages(p: Planner, pick: HotelPick, **search: Any) -> None:
    """Search_Hotels page by page until the page that lists the answer, checking each page's order."""
    per_page = p.world.page_size(5)
    rank = pick.listed.index(str(pick.hotel.hotel_id))
    for page in range(1, page_of(rank, per_page) + 1):
        body = p.call("search", "Search_Hotels", **search, page_number=None if page == 1 else page)
        shown = [str(h["hotel_id"]) for h in body["data"]["hotels"]]
        if shown != pick.listed[(page - 1) * per_page: page * per_page]:
            raise AssertionError("Search_Hotels disagrees with the template's ordering")


def _hotel_anchor(pick: HotelPick, before_max: float) -> dict[str, Any]:
    return anchor("Search_Hotels", str(pick.hotel.hotel_id), pick.listed, "hotels",
                  {**pick.fill, "before_max": before_max, "after_min": pick.price})


def hotel_cheapest(rng: random.Random, p: Planner, infeasible: bool) -> Spec:
    city = rng.choice(CITIES)
    arrival, nights, adults = trip_day(rng), rng.randint(1, 4), rng.choice((1, 2, 2, 3))
    refundable = rng.random() < 0.4
    pick = _hotel_search(rng, p, city, arrival, nights, adults, refundable)
    hotel, price, days = pick.hotel, pick.price, pick.days
    budget = money_down(price, rng) if infeasible else money_up(price, rng)
    who = person(rng)
    departure = arrival + timedelta(days=nights)
    keys = {"booking_id": ("booking", "the booking id"), "hotel_name": ("text", "the hotel's name"),
            "total_price_eur": ("number", "the total price of the stay in EUR")}
    prompt = (f"Find {pick.wording} in {city.name} for {adults} adult(s), checking in on {say_date(rng, arrival)} "
              f"and staying {nights} night(s). Take the cheapest one whose total price for the stay is at most "
              f"{budget} EUR and book its cheapest {'refundable ' if refundable else ''}room that sleeps everyone "
              f"(one room) for {who}. " + answer_clause(keys))
    dest = p.call("locate", "Search_Hotel_Destination", query=city.name)["data"][0]
    stay = dict(dest_id=dest["dest_id"], search_type=dest["search_type"], arrival_date=arrival.isoformat(),
                departure_date=departure.isoformat())
    party = None if adults == 1 else adults
    p.call("filters", "Get_Hotel_Filter", **stay, adults=party)
    p.call("sort", "Get_Sort_By", **stay)
    _hotel_pages(p, pick, **stay, adults=party, categories_filter=pick.filters, sort_by="price")
    where = _hotel_anchor(pick, price)
    if infeasible:
        return infeasible_spec("hotels", prompt, keys, proof_call(p, "Search_Hotels", HOTEL_PROOF, str(hotel.hotel_id)),
                               where)
    blocks = _cheapest_blocks(p, hotel, days, adults, price, pick.room_ok)
    p.call("rooms", "Get_Room_List", hotel_id=hotel.hotel_id,
           **{k: stay[k] for k in ("arrival_date", "departure_date")}, adults=party)
    p.call("book", "Book_Hotel", hotel_id=hotel.hotel_id, block_id=blocks[0], arrival_date=stay["arrival_date"],
           departure_date=stay["departure_date"], guest_name=who)
    return Spec("hotels", prompt, keys, requirements=[_hotel_req(hotel, blocks, arrival, departure, who)],
                anchor=where,
                facts=[{"key": "booking_id", "type": "booking", "req": 0},
                       {"key": "hotel_name", "type": "text", "value": hotel.name},
                       {"key": "total_price_eur", "type": "number", "value": price}])


def _hotel_req(hotel: Any, blocks: list[str], arrival: date, departure: date, who: str) -> dict[str, Any]:
    return {"kind": "hotel", "match": {"hotel_id": hotel.hotel_id, "block_id": {"in": blocks},
                                       "arrival_date": arrival.isoformat(), "departure_date": departure.isoformat(),
                                       "guest_name": who, "room_qty": 1}}


def hotel_price_info(rng: random.Random, p: Planner, infeasible: bool) -> Spec:
    """No booking: a price question answered in another currency (hotels + utilities)."""
    city = rng.choice(CITIES)
    arrival, nights, adults = trip_day(rng), rng.randint(1, 3), rng.choice((1, 2))
    pick = _hotel_search(rng, p, city, arrival, nights, adults)
    currency = rng.choice(tuple(c for c in ("USD", "GBP", "JPY", "CHF", "SEK", "AUD", "CAD") if c != city.currency))
    departure = arrival + timedelta(days=nights)
    keys = {"hotel_name": ("text", "the hotel's name"),
            f"total_price_{currency.lower()}": ("number", f"its total price in {currency}")}
    budget = money_down(pick.price, rng) if infeasible else money_up(pick.price, rng)
    prompt = (f"I am only comparing prices, do not book anything. What is the cheapest {pick.wording[2:]} in "
              f"{city.name} for {adults} adult(s) from {say_date(rng, arrival)} to {say_date(rng, departure)} whose "
              f"stay costs at most {budget} EUR, and what does the stay cost in {currency}? " + answer_clause(keys))
    dest = p.call("locate", "Search_Hotel_Destination", query=city.name)["data"][0]
    stay = dict(dest_id=dest["dest_id"], search_type=dest["search_type"], arrival_date=arrival.isoformat(),
                departure_date=departure.isoformat())
    party = None if adults == 1 else adults
    p.call("filters", "Get_Hotel_Filter", **stay, adults=party)
    p.call("sort", "Get_Sort_By", **stay)
    _hotel_pages(p, pick, **stay, adults=party, categories_filter=pick.filters, sort_by="price")
    if infeasible:
        return infeasible_spec("hotels+utilities", prompt, keys, proof_call(
            p, "Search_Hotels", HOTEL_PROOF, str(pick.hotel.hotel_id)), _hotel_anchor(pick, pick.price))
    converted = p.call("convert", "Convert_Currency", amount=pick.price, from_currency="EUR", to_currency=currency)
    return Spec("hotels+utilities", prompt, keys, anchor=_hotel_anchor(pick, pick.price),
                facts=[{"key": "hotel_name", "type": "text", "value": pick.hotel.name},
                       {"key": f"total_price_{currency.lower()}", "type": "number",
                        "value": converted["data"]["converted_amount"], "rel": 0.01}])


def cancel_rebook(rng: random.Random, p: Planner, infeasible: bool) -> Spec:
    """Cancel an existing reservation (looked up by id) and book a replacement for the same stay."""
    from locogym.scenarios.funccall.apis import call_api

    city = rng.choice(CITIES)
    arrival, nights = trip_day(rng), rng.randint(2, 4)
    departure = arrival + timedelta(days=nights)
    who = person(rng)
    days = [arrival + timedelta(days=i) for i in range(nights)]
    old_hotel = rng.choice([h for h in p.base.catalog.hotels(city.code) if h.stars <= 3])
    old = api_hotels.best_room(p.world, old_hotel, days, 1, 1)
    if old is None:
        raise Retry("the reservation to cancel has no room those nights")
    initial: dict[str, Any] = {"api": "Book_Hotel", "args": {"hotel_id": old_hotel.hotel_id,
                                             "block_id": old[0].block_id,
                                             "arrival_date": arrival.isoformat(),
                                             "departure_date": departure.isoformat(), "guest_name": who}}
    existing = call_api(p.world, "Book_Hotel", initial["args"]).payload["data"]["booking_id"]
    p.world.bookings[-1].preexisting = True
    p.call("lookup", "Get_Booking", booking_id=existing)
    if not infeasible:  # before choosing: the freed room is on sale again
        p.call("cancel", "Cancel_Booking", booking_id=existing)
    pick = _hotel_search(rng, p, city, arrival, nights, 1)
    hotel, price = pick.hotel, pick.price
    if hotel.hotel_id == old_hotel.hotel_id:
        raise Retry("the cheapest match is the reservation's own hotel")
    budget = money_down(price, rng) if infeasible else money_up(price, rng)
    keys = {"booking_id": ("booking", "the new booking id"), "hotel_name": ("text", "the new hotel's name"),
            "total_price_eur": ("number", "the new stay's total price in EUR")}
    prompt = (f"My reservation {existing} no longer suits me. Cancel it and instead book, for the same guest and "
              f"the same dates, the cheapest {pick.wording[2:]} in the same city whose stay costs at most {budget} "
              "EUR (one room for one adult, the cheapest room). If there is no such hotel, keep my reservation. "
              + answer_clause(keys))
    dest = p.call("locate", "Search_Hotel_Destination", query=city.name)["data"][0]
    stay = dict(dest_id=dest["dest_id"], search_type=dest["search_type"], arrival_date=arrival.isoformat(),
                departure_date=departure.isoformat())
    p.call("filters", "Get_Hotel_Filter", **stay)
    p.call("sort", "Get_Sort_By", **stay)
    _hotel_pages(p, pick, **stay, categories_filter=pick.filters, sort_by="price")
    if infeasible:
        return infeasible_spec("bookings+hotels", prompt, keys, proof_call(
            p, "Search_Hotels", HOTEL_PROOF, str(hotel.hotel_id)), _hotel_anchor(pick, price), [initial])
    blocks = _cheapest_blocks(p, hotel, pick.days, 1, price)
    p.call("rooms", "Get_Room_List", hotel_id=hotel.hotel_id, arrival_date=stay["arrival_date"],
           departure_date=stay["departure_date"])
    p.call("book", "Book_Hotel", hotel_id=hotel.hotel_id, block_id=blocks[0], arrival_date=stay["arrival_date"],
           departure_date=stay["departure_date"], guest_name=who)
    return Spec("bookings+hotels", prompt, keys, cancels=[existing], initial_bookings=[initial],
                anchor=_hotel_anchor(pick, price),
                requirements=[_hotel_req(hotel, blocks, arrival, departure, who)],
                facts=[{"key": "booking_id", "type": "booking", "req": 0},
                       {"key": "hotel_name", "type": "text", "value": hotel.name},
                       {"key": "total_price_eur", "type": "number", "value": price}])


# ---------------------------------------------------------------------- cars
def car_rental(rng: random.Random, p: Planner, infeasible: bool) -> Spec:
    city = rng.choice(CITIES)
    airport = rng.choice(city.airports)
    day = trip_day(rng)
    start = datetime.combine(day, datetime.min.time()) + timedelta(minutes=rng.choice(range(7 * 60, 15 * 60, 30)))
    end = start + timedelta(days=rng.randint(2, 6), minutes=rng.choice((0, 60, 180, 420)))
    automatic = rng.random() < 0.5
    seats = rng.choice((4, 5, 5, 7))
    min_rating = rng.choice((None, 7.5, 8.0))
    lat, lon = round(airport.lat, 3), round(airport.lon, 3)
    offers = api_ground._offers(p.world, lat, lon, lat, lon, start, end, 30)
    offers.sort(key=lambda o: (o[1], o[0].vehicle_id))

    def ok(v: Any) -> bool:
        return (v.seats >= seats and (not automatic or v.transmission == "Automatic")
                and (min_rating is None or v.depot.rating >= min_rating))

    eligible = [o for o in offers if ok(o[0])]
    if not eligible:
        raise Retry("no car meets the constraints")
    vehicle, price, _km = eligible[0]
    binding(rng, p, next((o for o in offers if o[0].seats >= seats), None), eligible[0])
    budget = money_down(price, rng) if infeasible else money_up(price, rng)
    where = anchor("Search_Car_Rentals", vehicle.vehicle_id, [o[0].vehicle_id for o in offers], "vehicles", {
        "lat": lat, "lon": lon, "start": start.isoformat(), "end": end.isoformat(), "seats": seats,
        "automatic": automatic, "min_rating": min_rating, "before_max": min(price, budget), "after_min": price})
    who = person(rng)
    keys = {"booking_id": ("booking", "the booking id"), "car_model": ("text", "the car model"),
            "supplier": ("text", "the rental company"),
            "total_price_eur": ("number", "the total rental price in EUR")}
    needs = [f"at least {seats} seats"] + (["automatic transmission"] if automatic else []) + (
        [f"a supplier rated {min_rating} or better"] if min_rating else [])
    prompt = (f"Rent a car for {who} (age 30) at {airport.name}: pick-up on {say_date(rng, day)} at "
              f"{say_time(rng, start.hour * 60 + start.minute)}, return to the same place on "
              f"{say_date(rng, end.date())} at {say_time(rng, end.hour * 60 + end.minute)}. It needs "
              f"{', '.join(needs)}. Book the cheapest such car if its total price is at most {budget} EUR. "
              + answer_clause(keys))
    p.call("locate", "Search_Car_Location", query=f"{airport.iata} {city.name}")
    search = dict(pick_up_latitude=airport.lat, pick_up_longitude=airport.lon, drop_off_latitude=airport.lat,
                  drop_off_longitude=airport.lon, pick_up_date=start.date().isoformat(),
                  pick_up_time=start.strftime("%H:%M"), drop_off_date=end.date().isoformat(),
                  drop_off_time=end.strftime("%H:%M"), sort_by="price_low_to_high")
    per_page = p.world.page_size(6)
    rank = offers.index(eligible[0])
    if infeasible:
        rank = min(rank, next((i for i, o in enumerate(offers) if o[1] > budget), len(offers) - 1))
        where = {**where, "item": offers[rank][0].vehicle_id, "rank": rank}  # the offer that proves it
    key = ""
    for page in range(1, page_of(rank, per_page) + 1):
        body = p.call("search", "Search_Car_Rentals", **search, page_number=None if page == 1 else page)
        key = body["data"]["search_key"]
    if infeasible:
        return infeasible_spec("cars", prompt, keys, proof_call(
            p, "Search_Car_Rentals", CAR_PROOF, offers[rank][0].vehicle_id), where)
    p.call("book", "Book_Car", vehicle_id=vehicle.vehicle_id, search_key=key, driver_name=who)
    return Spec("cars", prompt, keys, anchor=where,
                requirements=[{"kind": "car", "match": {"vehicle_id": vehicle.vehicle_id,
                                                        "pick_up": start.strftime("%Y-%m-%dT%H:%M:%S"),
                                                        "drop_off": end.strftime("%Y-%m-%dT%H:%M:%S"),
                                                        "driver_name": who}}],
                facts=[{"key": "booking_id", "type": "booking", "req": 0},
                       {"key": "car_model", "type": "text", "value": vehicle.model},
                       {"key": "supplier", "type": "text", "value": vehicle.depot.supplier},
                       {"key": "total_price_eur", "type": "number", "value": price}])


# ---------------------------------------------------------------------- attractions
def attraction_slot(rng: random.Random, p: Planner, infeasible: bool) -> Spec:
    city = rng.choice(CITIES)
    kinds = sorted({i.kind for i in p.base.catalog.attractions(city.code)})
    kind = rng.choice(kinds)
    min_rating = rng.choice((3.8, 4.0, 4.2, 4.5))
    ranked = sorted([i for i in p.world.catalog.attractions(city.code) if i.kind == kind],
                    key=lambda i: (i.adult_eur, i.slug))
    eligible = [i for i in ranked if i.rating >= min_rating]
    if not eligible:
        raise Retry("no attraction of the type has the rating")
    gold = eligible[0]
    day = trip_day(rng)
    adults, children = rng.choice((1, 2, 2, 3)), rng.choice((0, 0, 1, 2))
    start = rng.choice(range(gold.opens, max(gold.opens + 1, gold.closes - 1)))
    window = (start * 60, start * 60 + rng.choice((120, 180, 240)))
    slots = [s for s in p.world.catalog.slots(gold, day)
             if window[0] <= s.start.hour * 60 + s.start.minute <= window[1]
             and s.remaining - p.world.taken(f"slot|{s.slot_id}") >= adults + children]
    if bool(slots) == infeasible:
        raise Retry("the slots do not give the wanted feasibility")
    naive_slots = [s for s in p.world.catalog.slots(ranked[0], day) if s.remaining >= adults + children]
    binding(rng, p, (ranked[0], naive_slots[0] if naive_slots else None), (gold, slots[0] if slots else None))
    who = person(rng)
    keys = {"booking_id": ("booking", "the booking id"), "attraction": ("text", "the attraction's name"),
            "start_time": ("time", "the slot's start time")}
    rating_text = f" rated at least {min_rating}"
    party = f"{adults} adult(s)" + (f" and {children} child(ren)" if children else "")
    prompt = (f"In {city.name}, find the cheapest attraction of type \"{kind}\"{rating_text} (by adult price) and "
              f"book tickets for {party} under the name {who} on {say_date(rng, day)}, in the earliest time slot "
              f"that starts between {say_time(rng, window[0])} and {say_time(rng, window[1])} and still has room "
              f"for everyone. " + answer_clause(keys))
    dest = p.call("locate", "Search_Attraction_Location", query=city.name)["data"]["destinations"][0]["id"]
    per_page = p.world.page_size(5)
    for page in range(1, page_of(ranked.index(gold), per_page) + 1):
        p.call("search", "Search_Attractions", id=dest, sortBy="lowest_price", typeFilters=kind,
               page=None if page == 1 else page)
    p.call("availability", "Get_Attraction_Availability", slug=gold.slug, date=day.isoformat())
    where = anchor("Search_Attractions", gold.slug, [i.slug for i in ranked], "attractions", {
        "city": city.code, "kind": kind, "min_rating": min_rating, "before_max": gold.adult_eur,
        "after_min": gold.adult_eur})
    if infeasible:
        return infeasible_spec("attractions", prompt, keys,
                               proof_call(p, "Get_Attraction_Availability", ("slug", "date"), None), where)
    slot = slots[0]
    p.call("book", "Book_Attraction", slot_id=slot.slot_id, adults=adults, children=children or None,
           contact_name=who)
    return Spec("attractions", prompt, keys, anchor=where,
                requirements=[{"kind": "attraction", "match": {"slot_id": slot.slot_id, "adults": adults,
                                                               "children": children, "contact_name": who}}],
                facts=[{"key": "booking_id", "type": "booking", "req": 0},
                       {"key": "attraction", "type": "text", "value": gold.name},
                       {"key": "start_time", "type": "time", "value": slot.start.strftime("%H:%M")}])


# ---------------------------------------------------------------------- taxis
def _taxi(rng: random.Random, p: Planner, pickup: Any, dropoff: Any, when: datetime, party: int, bags: int,
          infeasible: bool) -> tuple[Any, int, dict[str, Any]]:
    """The cheapest quote that seats the party and takes the bags, a price cap around it, and its anchor.

    The unconstrained pick that ``binding`` compares with is the cheapest quote of all: comparing with a pick that
    already applies the request's own constraint (as this once did for the seats) makes every draw look
    unconstrained, and the strictest difficulty then redraws nearly forever."""
    quotes = sorted(p.world.catalog.taxi_quotes(pickup, dropoff, when), key=lambda q: (q.price_eur, q.result_id))
    eligible = [q for q in quotes if q.seats >= party and q.bags >= bags]
    if not eligible:
        raise Retry("no vehicle fits the party and the bags")
    gold = eligible[0]
    binding(rng, p, quotes[0], gold)
    budget = money_down(gold.price_eur, rng) if infeasible else money_up(gold.price_eur, rng)
    where = anchor("Search_Taxi", gold.result_id, [q.result_id for q in quotes], "taxis", {
        "pickup": pickup.place_id, "dropoff": dropoff.place_id, "when": when.isoformat(), "party": party,
        "bags": bags, "before_max": gold.price_eur, "after_min": gold.price_eur})
    return gold, budget, where


def taxi_transfer(rng: random.Random, p: Planner, infeasible: bool) -> Spec:
    city = rng.choice(CITIES)
    places = p.world.catalog.places(city.code)
    pickup = rng.choice([x for x in places if x.kind == "airport"])
    dropoff = rng.choice([x for x in places if x.kind == "hotel"])
    day = trip_day(rng)
    when = datetime.combine(day, datetime.min.time()) + timedelta(minutes=rng.choice(range(5 * 60, 23 * 60, 15)))
    party, bags = rng.choice((1, 2, 3, 4, 5, 6)), rng.choice((1, 2, 3, 4))
    who = person(rng)
    gold, budget, where = _taxi(rng, p, pickup, dropoff, when, party, bags, infeasible)
    keys = {"booking_id": ("booking", "the booking id"), "vehicle_type": ("text", "the vehicle type"),
            "price_eur": ("number", "the price in EUR")}
    prompt = (f"Book a taxi for {who} and party ({party} passenger(s), {bags} large bag(s)) from {pickup.name} to "
              f"the hotel {dropoff.name} in {city.name}, picking up on {say_date(rng, day)} at "
              f"{say_time(rng, when.hour * 60 + when.minute)}. Choose the cheapest vehicle that fits everyone and "
              f"all the bags, as long as it costs at most {budget} EUR. " + answer_clause(keys))
    p.call("locate", "Taxi_Search_Location", query=pickup.name)
    p.call("locate", "Taxi_Search_Location", query=dropoff.name)
    p.call("search", "Search_Taxi", pick_up_place_id=pickup.place_id, drop_off_place_id=dropoff.place_id,
           pick_up_date=day.isoformat(), pick_up_time=when.strftime("%H:%M"))
    if infeasible:
        return infeasible_spec("taxis", prompt, keys, proof_call(
            p, "Search_Taxi", ("pick_up_place_id", "drop_off_place_id", "pick_up_date", "pick_up_time"),
            gold.result_id), where)
    p.call("book", "Book_Taxi", result_id=gold.result_id, passenger_name=who, passengers=None if party == 1 else party)
    return Spec("taxis", prompt, keys, parallel=[[0, 1]], anchor=where,
                requirements=[_taxi_req(pickup, dropoff, when, gold, who, party)],
                facts=[{"key": "booking_id", "type": "booking", "req": 0},
                       {"key": "vehicle_type", "type": "text", "value": gold.category},
                       {"key": "price_eur", "type": "number", "value": gold.price_eur}])


def _taxi_req(pickup: Any, dropoff: Any, when: datetime, quote: Any, who: str, party: int) -> dict[str, Any]:
    """The booking a taxi request needs: that quote (the result id, since a route can have several quotes of one
    vehicle type), at that time, for that party."""
    return {"kind": "taxi", "match": {"result_id": quote.result_id, "pick_up_place_id": pickup.place_id,
                                      "drop_off_place_id": dropoff.place_id,
                                      "pick_up": when.strftime("%Y-%m-%dT%H:%M:%S"), "category": quote.category,
                                      "passenger_name": who, "passengers": party}}


# ---------------------------------------------------------------------- cross-domain
def _cheapest_direct(rng: random.Random, p: Planner) -> tuple[City, City, Any, Any, date, list[Any], Any]:
    ca, cb = city_pair(rng, 500)
    a, b = rng.choice(ca.airports), rng.choice(cb.airports)
    day = trip_day(rng)
    offers, gold = _flight_pick(rng, p, "ECONOMY", None, rng.choice((0, 1)), a.iata, b.iata, day)
    return ca, cb, a, b, day, offers, gold


def _flight_too_dear(domain: str, prompt: str, keys: dict[str, tuple[str, str]], p: Planner, gold: Any,
                     offers: list[Any]) -> Spec:
    """A trip whose cheapest flight costs more than the cap: nothing is booked, and the flight search that lists
    that offer (the first of the day, by price) proves it. The answer's item is that offer."""
    args = next(s for s in reversed(p.steps) if s.call.name == "Search_Flights").call.arguments
    fare = gold.price_eur["ECONOMY"]
    flight = anchor("Search_Flights", gold.token, [o.token for o in offers], "flights", {
        "origin": args["fromId"].split(".")[0], "destination": args["toId"].split(".")[0], "day": args["departDate"],
        "cabin": "ECONOMY", "max_stops": args["maxStops"], "window": None, "before_max": fare, "after_min": fare})
    return infeasible_spec(domain, prompt, keys, proof_call(p, "Search_Flights", FLIGHT_PROOF, gold.token), flight)


def flight_then_taxi(rng: random.Random, p: Planner, infeasible: bool) -> Spec:
    ca, cb, a, b, day, offers, gold = _cheapest_direct(rng, p)
    max_stops = max(o.stops for o in offers)
    who = person(rng)
    party, bags = rng.choice((1, 2, 3, 4, 5)), rng.choice((1, 2, 3, 4))
    delay = rng.choice((30, 45, 60))
    when = gold.arrive + timedelta(minutes=delay)
    places = p.world.catalog.places(cb.code)
    pickup = next(x for x in places if x.kind == "airport" and x.ref == b.iata)
    dropoff = next(x for x in places if x.kind == "centre")
    quote, _budget, where = _taxi(rng, p, pickup, dropoff, when, party, bags, False)
    fare = gold.price_eur["ECONOMY"]
    cap = money_down(fare, rng) if infeasible else money_up(fare, rng)
    keys = {"flight_booking_id": ("booking", "the flight booking id"),
            "taxi_booking_id": ("booking", "the taxi booking id"),
            "taxi_pickup": ("datetime", "the taxi pick-up date and time")}
    prompt = (f"{who} flies from {a.name} to {b.name} on {say_date(rng, day)}, {party} traveller(s) in total. Book "
              f"the cheapest economy flight with {'no stops' if max_stops == 0 else 'at most one stop'} that day "
              f"if its fare is at most {cap} EUR (one ticket in the name of {who}), then a taxi "
              f"from the arrival airport to {cb.name} City Centre "
              f"picking up exactly {delay} minutes after the flight lands (local time): the cheapest vehicle that "
              f"seats {party} and takes {bags} large bag(s). " + answer_clause(keys))
    p.call("locate", "Search_Flight_Location", query=ca.name)
    p.call("locate", "Search_Flight_Location", query=cb.name)
    _search_pages(p, "flight_search", offers, offers.index(gold), fromId=f"{a.iata}.AIRPORT", toId=f"{b.iata}.AIRPORT",
                  departDate=day.isoformat(), sort="CHEAPEST", maxStops=max_stops)
    if infeasible:
        return _flight_too_dear("flights+taxis", prompt, keys, p, gold, offers)
    p.call("flight_book", "Book_Flight", token=gold.token, passenger_name=who)
    p.call("taxi_locate", "Taxi_Search_Location", query=pickup.name)
    p.call("taxi_locate", "Taxi_Search_Location", query=dropoff.name)
    p.call("taxi_search", "Search_Taxi", pick_up_place_id=pickup.place_id, drop_off_place_id=dropoff.place_id,
           pick_up_date=when.date().isoformat(), pick_up_time=when.strftime("%H:%M"))
    p.call("taxi_book", "Book_Taxi", result_id=quote.result_id, passenger_name=who,
           passengers=None if party == 1 else party)
    n = len(p.steps)
    return Spec("flights+taxis", prompt, keys, parallel=[[0, 1], [n - 4, n - 3]], anchor=where,
                requirements=[{"kind": "flight", "match": {"token": gold.token, "cabin": "ECONOMY",
                                                           "passenger_name": who}},
                              _taxi_req(pickup, dropoff, when, quote, who, party)],
                facts=[{"key": "flight_booking_id", "type": "booking", "req": 0},
                       {"key": "taxi_booking_id", "type": "booking", "req": 1},
                       {"key": "taxi_pickup", "type": "datetime", "value": when.strftime("%Y-%m-%dT%H:%M")}])


def flight_and_airport_hotel(rng: random.Random, p: Planner, infeasible: bool) -> Spec:
    ca, cb, a, b, day, offers, gold = _cheapest_direct(rng, p)
    max_stops = max(o.stops for o in offers)
    who = person(rng)
    nights = rng.randint(1, 3)
    arrival = gold.arrive.date()
    departure = arrival + timedelta(days=nights)
    radius = rng.choice((3, 5, 8))
    min_score = rng.choice((6.5, 7.0, 7.5))
    days = [arrival + timedelta(days=i) for i in range(nights)]
    near = sorted(((haversine_km(b.lat, b.lon, h.lat, h.lon), h) for h in p.world.catalog.hotels(cb.code)),
                  key=lambda t: (t[0], t[1].hotel_id))
    rows = [(km, h, best) for km, h in near if km <= radius
            and (best := api_hotels.best_room(p.world, h, days, 1, 1)) is not None]
    chosen = [r for r in rows if r[1].review_score >= min_score]
    if not chosen:
        raise Retry("no hotel near the airport has the review score")
    km, hotel, (_room, price) = chosen[0]
    where = anchor("Search_Hotels_By_Coordinates", str(hotel.hotel_id), [str(r[1].hotel_id) for r in rows], "hotels", {
        "mode": "near", "city": cb.code, "lat": b.lat, "lon": b.lon, "radius": radius, "gold_km": km,
        "min_score": min_score, "arrival": arrival.isoformat(), "nights": nights, "adults": 1})
    fare = gold.price_eur["ECONOMY"]
    cap = money_down(fare, rng) if infeasible else money_up(fare, rng)
    keys = {"flight_booking_id": ("booking", "the flight booking id"),
            "hotel_booking_id": ("booking", "the hotel booking id"),
            "hotel_name": ("text", "the hotel's name"), "check_in": ("date", "the check-in date")}
    prompt = (f"Plan a trip for {who}: book the cheapest economy flight from {a.name} to {b.name} on "
              f"{say_date(rng, day)} with {'no stops' if max_stops == 0 else 'at most one stop'}, if its fare is at "
              f"most {cap} EUR. Then book a hotel "
              f"within {radius} km of the arrival airport, checking in on the day the flight lands (local time) for "
              f"{nights} night(s): the closest one to the airport with a review score of at least {min_score}, in its "
              "cheapest room for one adult. " + answer_clause(keys))
    p.call("locate", "Search_Flight_Location", query=ca.name)
    p.call("locate", "Search_Flight_Location", query=cb.name)
    _search_pages(p, "flight_search", offers, offers.index(gold), fromId=f"{a.iata}.AIRPORT", toId=f"{b.iata}.AIRPORT",
                  departDate=day.isoformat(), sort="CHEAPEST", maxStops=max_stops)
    if infeasible:
        return _flight_too_dear("flights+hotels", prompt, keys, p, gold, offers)
    p.call("flight_book", "Book_Flight", token=gold.token, passenger_name=who)
    p.call("geocode", "Location_to_Lat_Long", query=b.name)
    per_page = p.world.page_size(5)
    rank = [r[1].hotel_id for r in rows].index(hotel.hotel_id)
    for page in range(1, page_of(rank, per_page) + 1):
        body = p.call("hotel_search", "Search_Hotels_By_Coordinates", latitude=b.lat, longitude=b.lon,
                      arrival_date=arrival.isoformat(), departure_date=departure.isoformat(), radius=radius,
                      page_number=None if page == 1 else page)
    if hotel.hotel_id not in [c["hotel_id"] for c in body["data"]["hotels"]]:
        raise AssertionError("Search_Hotels_By_Coordinates disagrees with the template's choice")
    blocks = _cheapest_blocks(p, hotel, days, 1, price)
    p.call("rooms", "Get_Room_List", hotel_id=hotel.hotel_id, arrival_date=arrival.isoformat(),
           departure_date=departure.isoformat())
    p.call("hotel_book", "Book_Hotel", hotel_id=hotel.hotel_id, block_id=blocks[0], arrival_date=arrival.isoformat(),
           departure_date=departure.isoformat(), guest_name=who)
    return Spec("flights+hotels", prompt, keys, parallel=[[0, 1]], anchor=where,
                requirements=[{"kind": "flight", "match": {"token": gold.token, "cabin": "ECONOMY",
                                                           "passenger_name": who}},
                              _hotel_req(hotel, blocks, arrival, departure, who)],
                facts=[{"key": "flight_booking_id", "type": "booking", "req": 0},
                       {"key": "hotel_booking_id", "type": "booking", "req": 1},
                       {"key": "hotel_name", "type": "text", "value": hotel.name},
                       {"key": "check_in", "type": "date", "value": arrival.isoformat()}])


Template = Callable[[random.Random, Planner, bool], Spec]
# name -> (template, whether it has an infeasible variant)
TEMPLATES: dict[str, tuple[Template, bool]] = {
    "flight_seat": (flight_seat, True),
    "hotel_cheapest": (hotel_cheapest, True),
    "hotel_price_info": (hotel_price_info, True),
    "cancel_rebook": (cancel_rebook, True),
    "car_rental": (car_rental, True),
    "attraction_slot": (attraction_slot, True),
    "taxi_transfer": (taxi_transfer, True),
    "flight_then_taxi": (flight_then_taxi, True),
    "flight_and_airport_hotel": (flight_and_airport_hotel, True),
}
