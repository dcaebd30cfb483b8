"""The context fill of LoCo-FuncCall-v0: near-miss catalog entries that lengthen the list a task is read from.

A task's core (the request, its gold, the item the answer rests on) is drawn on the world of its seed. At longer
lengths the generator adds entries to exactly one list of that world: the one the answer is read from (a route's
flights that day, a city's hotels, the cars at the pick-up's depots, a city's attractions, the taxi quotes for one
pick-up). ``lead`` of them sort *ahead* of the answer's item in that list's own order and each breaks one of the
request's constraints (a cheaper flight leaving outside the window, a cheaper hotel just under the review floor, a
cheaper car with too few seats, a closer hotel with too low a score, a cheaper cab with no room for the bags);
``trail`` sort after it (dearer, or farther). So the item moves to a chosen depth of a longer list while the
answer stays what it was; the generator checks that by solving the task again on the filled world and drops a
fill that moves anything.

A fill is described by plain data (``kind``, ``seed``, ``lead``, ``trail``, ``params`` from the template's
anchor), stored in the task, and rebuilt from it: :func:`filled` is a pure function of the world's seed and that
description. Fill entries are ordinary catalog entries: their ids and tokens resolve, they can be booked, and they
show up wherever the world lists their kind.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from locogym.core.types import stable_hash
from locogym.scenarios.funccall.api_ground import PICKUP_RADIUS_KM, _quote, _rental_days
from locogym.scenarios.funccall.catalog import (
    AIRLINES,
    ATTRACTION_PATTERNS,
    CABIN_FACTOR,
    CABINS,
    CAR_MODELS,
    DISTRICTS,
    FACILITIES,
    HOTEL_WORDS_A,
    HOTEL_WORDS_B,
    ROOM_TYPES,
    TAXI_SUPPLIERS,
    Attraction,
    Catalog,
    Depot,
    FlightOffer,
    Hotel,
    Place,
    Room,
    TaxiQuote,
    Vehicle,
    city_index,
    flight_legs,
    season_factor,
)
from locogym.scenarios.funccall.geo import AIRPORT_BY_IATA, CITIES, CITY_BY_CODE, haversine_km, offset_point

Entries = dict[tuple[str, ...], tuple[Any, ...]]
# Fill entries get ids past every id the seeded catalog hands out, so they never collide with its own entries.
HOTEL_ID_BASE = 950_000  # within a city's block of a million; seeded hotels stay below 920,000
VEHICLE_SLOT_BASE = 50  # the "j" digits of a vehicle id; seeded fleets use 0-13
ATTRACTION_INDEX_BASE = 50  # the two index digits of a product id; seeded cities use 0-21
TAXI_INDEX_BASE = len(("Standard", "Executive", "People carrier", "Large people carrier",
                       "Executive people carrier", "Electric standard", "Minibus"))
# Extra small vehicles: the near misses of a request for four seats (the seeded fleets start at four).
SMALL_CARS = (("Smart fortwo", "Mini", 2, 3, 1), ("Mazda MX-5", "Convertible", 2, 2, 1),
              ("Fiat Panda", "Mini", 4, 5, 1))
# (category, seats, large bags, price factor) for fill quotes; the first two are the near misses on bags and seats
TAXI_KINDS = (("City car", 3, 0, 0.9), ("Compact", 2, 1, 0.92), ("Standard", 3, 2, 1.0), ("Estate", 4, 4, 1.2),
              ("Electric standard", 3, 2, 1.08), ("Executive", 3, 2, 1.55), ("People carrier", 5, 5, 1.35),
              ("Large people carrier", 7, 7, 1.7), ("Minibus", 16, 16, 2.9))
FILL_TAXI_SUPPLIERS = ("CityHop", "Airport Direct", "Velo Cabs", "NightOwl Taxi", "Harbour Cars", "Greenline Rides")
VARIANTS = ("Classic", "Private", "Small-Group", "Evening", "Family", "Express", "Premium", "Sunset", "Guided",
            "Self-Guided", "Morning", "Combo")
OPERATORS = ("CityQuest", "Urban Trails", "LocalLens", "Wayfarer & Co", "Sightline", "Pathfinder", "Open Gate",
             "Northstar Experiences", "Lantern Tours", "Riverbend")


@dataclass
class FilledCatalog(Catalog):
    """A seeded catalog plus fill entries: each listing method returns the seeded entries followed by the fill's
    for the same key; everything else (look-ups by id or token, places, seat maps) works through those methods."""

    base: Catalog | None = None
    entries: Entries = field(default_factory=dict)

    def _extra(self, *key: str) -> tuple[Any, ...]:
        return self.entries.get(key, ())

    def _seeded(self) -> Catalog:
        assert self.base is not None
        return self.base

    def flights(self, origin: str, destination: str, day: date) -> tuple[FlightOffer, ...]:
        return self._seeded().flights(origin, destination, day) + self._extra(
            "flights", origin, destination, day.isoformat())

    def hotels(self, city: str) -> tuple[Hotel, ...]:
        return self._seeded().hotels(city) + self._extra("hotels", city)

    def vehicles(self, depot: Depot) -> tuple[Vehicle, ...]:
        return self._seeded().vehicles(depot) + self._extra("vehicles", depot.depot_id)

    def attractions(self, city_code: str) -> tuple[Attraction, ...]:
        return self._seeded().attractions(city_code) + self._extra("attractions", city_code)

    # pure functions of the seed and a room's block id (fill rooms have their own ids): share the seeded memos
    def room_day(self, what: str, block_id: str, day: date) -> float:
        return self._seeded().room_day(what, block_id, day)

    def stay(self, room: Room, nights: tuple[date, ...]) -> tuple[int, float]:
        return self._seeded().stay(room, nights)

    def taxi_quotes(self, pickup: Place, dropoff: Place, when: datetime) -> tuple[TaxiQuote, ...]:
        return self._seeded().taxi_quotes(pickup, dropoff, when) + self._extra(
            "taxis", pickup.place_id, dropoff.place_id, when.isoformat())


_FILLED: OrderedDict[str, FilledCatalog] = OrderedDict()


def filled(base: Catalog, spec: dict[str, Any] | None) -> Catalog:
    """The catalog of a world with the fill ``spec`` (None: the seeded catalog itself); a small per-process cache
    keeps rebuilding a task's world at reset cheap."""
    if not spec:
        return base
    key = stable_hash([base.seed, spec], 24)
    catalog = _FILLED.get(key)
    if catalog is None:
        rng = random.Random(int(spec["seed"]))
        entries = MAKERS[spec["kind"]](base, rng, spec["params"], int(spec["lead"]), int(spec["trail"]))
        catalog = _FILLED[key] = FilledCatalog(base.seed, base=base, entries=entries)
        while len(_FILLED) > 32:
            _FILLED.popitem(last=False)
    _FILLED.move_to_end(key)
    return catalog


def _below(rng: random.Random, ceiling: float) -> float:
    """A price that sorts ahead of one at ``ceiling``: 55-97% of it, never within a cent of it."""
    return round(min(ceiling - 0.05, ceiling * rng.uniform(0.55, 0.97)), 2)


def _above(rng: random.Random, floor: float) -> float:
    """A price that sorts after one at ``floor``: 103-190% of it."""
    return round(max(floor + 0.05, floor * rng.uniform(1.03, 1.9)), 2)


# ---------------------------------------------------------------------- flights
def _outside(rng: random.Random, window: list[int]) -> int:
    """A departure (minutes after midnight, on the 5-minute grid) outside the request's window."""
    early = range(300, window[0], 5)
    late = range(window[1] + 5, 1380, 5)
    return rng.choice(list(early) + list(late))


def _flights(base: Catalog, rng: random.Random, p: dict[str, Any], lead: int, trail: int) -> Entries:
    """Near misses ahead: cheaper offers leaving outside the window. After: dearer offers at any time. All have the
    cabin and at most the allowed stops, so the search the request calls for lists every one."""
    origin, destination, day = p["origin"], p["destination"], date.fromisoformat(p["day"])
    first = len(base.flights(origin, destination, day))
    hubs = base.hubs_between(origin, destination)
    a, b = AIRPORT_BY_IATA[origin], AIRPORT_BY_IATA[destination]
    km = haversine_km(a.lat, a.lon, b.lat, b.lon)
    offers = []
    for j in range(lead + trail):
        ahead = j < lead
        code, carrier = AIRLINES[rng.randrange(len(AIRLINES))]
        stops = rng.randint(0, int(p["max_stops"]))
        minutes = _outside(rng, p["window"]) if ahead else 5 * rng.randint(60, 274)
        depart = datetime.combine(day, datetime.min.time()) + timedelta(minutes=minutes)
        legs = flight_legs(rng, [origin, *rng.sample(hubs, stops), destination], depart, code, carrier)
        fare = _below(rng, float(p["before_max"])) if ahead else _above(rng, float(p["after_min"]))
        cabin = p["cabin"]
        cabins = tuple(c for c in CABINS if c in ("ECONOMY", cabin) or rng.random() < 0.4)
        price = {c: fare if c == cabin else round(fare * CABIN_FACTOR[c] / CABIN_FACTOR[cabin], 2) for c in cabins}
        index = first + j
        token = base.token(f"F|{origin}|{destination}|{day.isoformat()}|{index}")
        offers.append(FlightOffer(token, origin, destination, day, index, code, carrier, legs, cabins, price,
                                  rng.choice((0, 1, 1, 2)), round(25 + 30 * rng.random(), 2), rng.random() < 0.3,
                                  int(km * (0.09 + 0.03 * stops))))
    return {("flights", origin, destination, p["day"]): tuple(offers)}


# ---------------------------------------------------------------------- hotels
def _hotel_name(rng: random.Random, taken: set[str]) -> str:
    """A hotel name no other hotel of the city has (two words and a kind: 4,560 of them for at most 94 hotels)."""
    while True:
        first, second = rng.sample(HOTEL_WORDS_A, 2)
        name = f"{first} {second} {rng.choice(HOTEL_WORDS_B)}"
        if name not in taken:
            taken.add(name)
            return name


def _stay_factor(base: Catalog, block_id: str, days: list[date]) -> float:
    """What one euro of a room's base rate costs over the stay (the catalog's night price without rounding)."""
    return sum(season_factor(d) * (0.9 + 0.2 * base.room_day("night", block_id, d)) for d in days)


def _room(base: Catalog, rng: random.Random, hotel_id: int, j: int, kind: tuple[str, int, str, int], total: float,
          refundable: bool, days: list[date]) -> Room:
    """A room type whose stay over ``days`` costs ``total`` and which is on sale every night of it."""
    name, occupancy, beds, size = kind
    room_id = hotel_id * 100 + j + 1
    for _ in range(50):
        block_id = f"{room_id}_{rng.randint(10**7, 10**8 - 1)}_{occupancy}_{int(refundable)}"
        if all(base.room_day("soldout", block_id, d) >= 0.1 for d in days):
            break
    rate = total / _stay_factor(base, block_id, days)
    return Room(block_id, room_id, name, occupancy, beds, size + rng.randint(0, 8), round(rate, 4), refundable,
                rng.random() < 0.4, rng.randint(2, 5))


def _hotel(base: Catalog, rng: random.Random, city: str, index: int, name: str, stars: int, score: float,
           point: tuple[float, float], district: str, facilities: tuple[int, ...], adults: int, total: float,
           refundable: bool, days: list[date]) -> Hotel:
    """A hotel whose cheapest room for ``adults`` (refundable when asked) costs ``total`` for the stay; its other
    rooms cost more."""
    hotel_id = (city_index(city) + 1) * 1_000_000 + HOTEL_ID_BASE + index
    kinds = [k for k in ROOM_TYPES if k[1] >= adults]
    chosen = rng.sample(kinds, min(len(kinds), rng.randint(2, 4)))
    rooms = [_room(base, rng, hotel_id, 0, chosen[0], total, refundable or rng.random() < 0.6, days)]
    rooms += [_room(base, rng, hotel_id, j, kind, total * rng.uniform(1.15, 1.8), rng.random() < 0.6, days)
              for j, kind in enumerate(chosen[1:], start=1)]
    words = ("Rue", "Street", "Avenue", "Lane", "Strasse", "Via")
    return Hotel(hotel_id, city, name, stars, score, rng.randint(12, 4800), point[0], point[1], district,
                 f"{rng.randint(1, 220)} {rng.choice(words)} {rng.choice(HOTEL_WORDS_A)}", facilities, tuple(rooms),
                 f"{rng.choice((14, 15, 16))}:00", f"{rng.choice((10, 11, 12))}:00", rng.choice((0, 1, 2, 3, 7)),
                 4 in facilities, "Hotel")


def _score_between(rng: random.Random, low: float, high: float) -> float:
    """A review score on the 0.1 grid from ``low`` to ``high`` inclusive."""
    steps = max(0, round((high - low) * 10))
    return round(low + rng.randint(0, steps) / 10, 1)


def _hotels(base: Catalog, rng: random.Random, p: dict[str, Any], lead: int, trail: int) -> Entries:
    """City mode (a filtered Search_Hotels sorted by price): ahead, cheaper hotels that pass the search's filters
    but score under the request's floor (between the review bucket and the floor); after, dearer matches. Near
    mode (Search_Hotels_By_Coordinates around an airport, nearest first): ahead, closer hotels scoring under the
    floor; after, hotels farther out within the radius."""
    city = p["city"]
    arrival = date.fromisoformat(p["arrival"])
    days = [arrival + timedelta(days=i) for i in range(int(p["nights"]))]
    taken = {h.name for h in base.hotels(city)}
    out = []
    for j in range(lead + trail):
        ahead = j < lead
        name = _hotel_name(rng, taken)
        extras = tuple(f for f, _n in FACILITIES if rng.random() < 0.3)
        if p["mode"] == "city":
            floor, bucket = int(p["floor"]) / 10, int(p["bucket"]) / 10
            score = _score_between(rng, bucket, floor - 0.1) if ahead else _score_between(rng, bucket, 9.7)
            total = _below(rng, float(p["before_max"])) if ahead else _above(rng, float(p["after_min"]))
            centre = CITY_BY_CODE[city]
            radius, angle = 0.5 + 7 * rng.random(), rng.random() * 2 * math.pi
            point = offset_point(centre.lat, centre.lon, radius * math.sin(angle), radius * math.cos(angle))
            hotel = _hotel(base, rng, city, j, name, int(p["stars"]), score, point, rng.choice(DISTRICTS[1:]),
                           tuple(sorted({int(p["facility"]), *extras})), int(p["adults"]), total,
                           bool(p["refundable"]), days)
        else:
            gold_km, radius = float(p["gold_km"]), float(p["radius"])
            km = rng.uniform(0.15, gold_km - 0.05) if ahead else rng.uniform(gold_km + 0.05, radius - 0.05)
            score = (_score_between(rng, max(4.5, float(p["min_score"]) - 2.0), float(p["min_score"]) - 0.1)
                     if ahead else _score_between(rng, 5.5, 9.6))
            point = _at_distance(rng, float(p["lat"]), float(p["lon"]), km)
            hotel = _hotel(base, rng, city, j, name, rng.choice((2, 3, 3, 4)), score, point, "Airport Area",
                           tuple(sorted(extras)), 1, round(rng.uniform(55, 240) * len(days), 2), False, days)
        out.append(hotel)
    return {("hotels", city): tuple(out)}


def _at_distance(rng: random.Random, lat: float, lon: float, km: float) -> tuple[float, float]:
    """A point ``km`` from (lat, lon) as the haversine measures it (the offset is corrected once for the curve)."""
    angle = rng.random() * 2 * math.pi
    point = offset_point(lat, lon, km * math.sin(angle), km * math.cos(angle))
    got = haversine_km(lat, lon, *point)
    if got > 0:
        scale = km / got
        point = offset_point(lat, lon, km * scale * math.sin(angle), km * scale * math.cos(angle))
    return point


# ---------------------------------------------------------------------- cars
def _depots_near(base: Catalog, lat: float, lon: float) -> list[Depot]:
    """The depots a car search at (lat, lon) lists (the search's own radius)."""
    return [d for c in CITIES if haversine_km(lat, lon, c.lat, c.lon) <= 60 for d in base.depots(c.code)
            if haversine_km(lat, lon, d.lat, d.lon) <= PICKUP_RADIUS_KM]


def _vehicles(base: Catalog, rng: random.Random, p: dict[str, Any], lead: int, trail: int) -> Entries:
    """Ahead: cheaper cars that miss the request (too few seats, a manual gearbox when an automatic is asked for,
    a depot rated under the floor). After: dearer cars of any kind. All at depots the search lists."""
    lat, lon = float(p["lat"]), float(p["lon"])
    start, end = datetime.fromisoformat(p["start"]), datetime.fromisoformat(p["end"])
    depots = _depots_near(base, lat, lon)
    low_rated = [d for d in depots if p["min_rating"] is not None and d.rating < float(p["min_rating"])]
    small = [m for m in CAR_MODELS + SMALL_CARS if m[2] < int(p["seats"])]
    per_euro = _rental_days(start, end) * season_factor(start.date())
    out: dict[str, list[Vehicle]] = {}
    for j in range(lead + trail):
        ahead = j < lead
        model = rng.choice(small if ahead else CAR_MODELS + SMALL_CARS)
        misses = ["seats"] + (["manual"] if p["automatic"] else []) + (["rating"] if low_rated else [])
        miss = rng.choice(misses) if ahead else ""
        if miss in ("manual", "rating"):
            model = rng.choice(CAR_MODELS)
        depot = rng.choice(low_rated if miss == "rating" else depots)
        transmission = "Manual" if miss == "manual" else rng.choice(("Automatic", "Manual"))
        price = _below(rng, float(p["before_max"])) if ahead else _above(rng, float(p["after_min"]))
        slot = VEHICLE_SLOT_BASE + j
        vehicle_id = ((city_index(depot.city) + 1) * 10_000_000 + int(depot.depot_id[3:]) * 1_000_000 + slot * 10_000
                      + rng.randint(0, 9_999))
        name, group, seats, doors, bags = model
        vehicle = Vehicle(str(vehicle_id), depot, name, group, seats, doors, bags, transmission, rng.random() < 0.93,
                          rng.choice(("Full to full", "Pre-purchase (partial)")),
                          rng.choice(("Unlimited", "250 km per day")), price / per_euro,
                          float(rng.choice((300, 500, 800, 1200))))
        vehicle = _priced(vehicle, price, start, end, lat, lon)
        out.setdefault(depot.depot_id, []).append(vehicle)
    return {("vehicles", depot_id): tuple(found) for depot_id, found in out.items()}


def _priced(vehicle: Vehicle, price: float, start: datetime, end: datetime, lat: float, lon: float) -> Vehicle:
    """The vehicle with its day rate nudged so that the search quotes exactly ``price`` (the quote rounds)."""
    for _ in range(4):
        quoted = _quote(vehicle, start, end, lat, lon, 30)
        if abs(quoted - price) < 0.005:
            break
        rate = vehicle.day_rate_eur * price / quoted if quoted else vehicle.day_rate_eur
        vehicle = Vehicle(vehicle.vehicle_id, vehicle.depot, vehicle.model, vehicle.group, vehicle.seats,
                          vehicle.doors, vehicle.bags, vehicle.transmission, vehicle.aircon, vehicle.fuel_policy,
                          vehicle.mileage, rate, vehicle.deposit_eur)
    return vehicle


# ---------------------------------------------------------------------- attractions
def _attractions(base: Catalog, rng: random.Random, p: dict[str, Any], lead: int, trail: int) -> Entries:
    """Ahead: cheaper products of the type rated under the floor. After: dearer products of the type."""
    city, kind = p["city"], p["kind"]
    place = CITY_BY_CODE[city]
    seeded = base.attractions(city)
    taken = {a.name for a in seeded}
    slugs = {a.slug for a in seeded}
    patterns = [pattern for pattern, k in ATTRACTION_PATTERNS if k == kind]
    out = []
    for j in range(lead + trail):
        ahead = j < lead
        k = ATTRACTION_INDEX_BASE + j
        name = _attraction_name(rng, patterns, place.name, taken)
        slug = f"pr{city_index(city):02d}" + hashlib.sha256(
            f"{base.seed}|fill|{city}|{k}|{rng.random()}".encode()).hexdigest()[:8]
        if slug in slugs:
            continue
        slugs.add(slug)
        adult = _below(rng, float(p["before_max"])) if ahead else _above(rng, float(p["after_min"]))
        rating = (_score_between(rng, 3.0, float(p["min_rating"]) - 0.1) if ahead
                  else _score_between(rng, 3.4, 5.0))
        lat, lon = offset_point(place.lat, place.lon, rng.uniform(-4, 4), rng.uniform(-4, 4))
        opens = rng.choice((8, 9, 10, 11))
        out.append(Attraction(f"PR{city_index(city) + 10:02d}{k:02d}{rng.randint(100, 999)}", slug, city, name, kind,
                              adult, round(adult * rng.choice((0.0, 0.5, 0.6, 0.75)), 2), rating,
                              rng.randint(4, 9000), rng.choice((60, 90, 120, 180, 240)), lat, lon, opens,
                              min(23, opens + rng.choice((6, 8, 9, 10))), rng.random() < 0.7,
                              tuple(sorted(rng.sample(("en", "fr", "de", "es", "it"), rng.randint(1, 3)))), None))
    return {("attractions", city): tuple(out)}


def _attraction_name(rng: random.Random, patterns: list[str], city: str, taken: set[str]) -> str:
    """A product name no other product of the city has: a variant of one of the type's patterns by an operator
    (the seeded catalog uses the bare patterns)."""
    while True:
        pattern = rng.choice(patterns).format(c=city, d=rng.choice(DISTRICTS))
        name = f"{rng.choice(VARIANTS)} {pattern} by {rng.choice(OPERATORS)}"
        if name not in taken:
            taken.add(name)
            return name


# ---------------------------------------------------------------------- taxis
def _taxis(base: Catalog, rng: random.Random, p: dict[str, Any], lead: int, trail: int) -> Entries:
    """Ahead: cheaper quotes whose vehicle cannot take the party or the bags. After: dearer quotes of any kind."""
    pickup, dropoff = base.place(p["pickup"]), base.place(p["dropoff"])
    assert pickup is not None and dropoff is not None, "a taxi fill names places of its own world"
    when = datetime.fromisoformat(p["when"])
    seeded = base.taxi_quotes(pickup, dropoff, when)
    small = [k for k in TAXI_KINDS if k[1] < int(p["party"]) or k[2] < int(p["bags"])]
    out = []
    for j in range(lead + trail):
        ahead = j < lead
        category, seats, bags, _factor = rng.choice(small if ahead else TAXI_KINDS)
        price = _below(rng, float(p["before_max"])) if ahead else _above(rng, float(p["after_min"]))
        index = TAXI_INDEX_BASE + j
        out.append(TaxiQuote(base.token(f"T|{pickup.place_id}|{dropoff.place_id}|{when.isoformat()}|{index}"),
                             category, rng.choice(FILL_TAXI_SUPPLIERS + TAXI_SUPPLIERS), seats, bags, price,
                             seeded[0].km, seeded[0].minutes, rng.choice((1, 2, 24))))
    return {("taxis", pickup.place_id, dropoff.place_id, when.isoformat()): tuple(out)}


Maker = Callable[[Catalog, random.Random, dict[str, Any], int, int], Entries]
MAKERS: dict[str, Maker] = {"flights": _flights, "hotels": _hotels, "vehicles": _vehicles,
                            "attractions": _attractions, "taxis": _taxis}


def lead_possible(kind: str, params: dict[str, Any]) -> bool:
    """Whether the request leaves a constraint that a near miss ahead of the answer can break."""
    if kind == "vehicles":
        return True  # a car with fewer seats than asked always exists among the small cars
    if kind == "taxis":
        return any(k[1] < int(params["party"]) or k[2] < int(params["bags"]) for k in TAXI_KINDS)
    if kind == "hotels" and params["mode"] == "near":
        return float(params["gold_km"]) > 0.3
    if kind == "flights":
        return params.get("window") is not None  # the cheapest of the day: nothing cheaper can miss it
    return True
