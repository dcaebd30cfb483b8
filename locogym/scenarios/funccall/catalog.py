"""The static part of the travel world, generated lazily and deterministically from one seed.

Nothing is stored up front: a route's flights on a day, a city's hotels, a depot's cars or an attraction's time
slots are derived on first use from ``sha256(seed | kind | key)`` and cached, so a world of thousands of items
costs only what an episode looks at, and the same seed gives the same item in any process. Opaque tokens encode
the item they stand for (with a seed-keyed checksum), so a token copied from a response always resolves and a
made-up one is rejected the way a real API would.
"""

from __future__ import annotations

import base64
import hashlib
import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from locogym.scenarios.funccall.geo import (
    AIRPORT_BY_IATA,
    CITIES,
    CITY_BY_CODE,
    HUBS,
    City,
    haversine_km,
    offset_point,
    utc_offset_of_airport,
)

TODAY = date(2026, 1, 5)
LAST_DAY = date(2026, 12, 31)
CABINS = ("ECONOMY", "PREMIUM_ECONOMY", "BUSINESS", "FIRST")
CABIN_FACTOR = {"ECONOMY": 1.0, "PREMIUM_ECONOMY": 1.65, "BUSINESS": 3.3, "FIRST": 5.6}
AIRLINES = (("AU", "Aurora Air"), ("BW", "Bluewing"), ("CQ", "Cirrus Atlantic"), ("DL7", "Dalmatia Lines"),
            ("EV", "Evergreen Airways"), ("FJ", "Fjord Jet"), ("GX", "Global Express"), ("HM", "Harmattan Air"),
            ("IR", "Iris Airlines"), ("JN", "Jetnova"), ("KS", "Kestrel"), ("LQ", "Lumiere Air"),
            ("MZ", "Meridian Zephyr"), ("NT", "Northern Tern"), ("OP", "Opal Pacific"))
AIRCRAFT = ("A320neo", "A321", "A330-300", "A350-900", "B737-800", "B737 MAX 8", "B787-9", "B777-300ER", "E195-E2")
CURRENCY_PER_EUR = {"EUR": 1.0, "USD": 1.084, "GBP": 0.853, "JPY": 161.2, "CHF": 0.951, "CZK": 25.21,
                    "NOK": 11.62, "SEK": 11.38, "DKK": 7.458, "TRY": 34.9, "AED": 3.981, "SGD": 1.457,
                    "THB": 38.6, "AUD": 1.652, "CAD": 1.471, "PLN": 4.31, "INR": 90.2, "CNY": 7.82}
CURRENCY_NAMES = {"EUR": "Euro", "USD": "US Dollar", "GBP": "British Pound", "JPY": "Japanese Yen",
                  "CHF": "Swiss Franc", "CZK": "Czech Koruna", "NOK": "Norwegian Krone", "SEK": "Swedish Krona",
                  "DKK": "Danish Krone", "TRY": "Turkish Lira", "AED": "UAE Dirham", "SGD": "Singapore Dollar",
                  "THB": "Thai Baht", "AUD": "Australian Dollar", "CAD": "Canadian Dollar", "PLN": "Polish Zloty",
                  "INR": "Indian Rupee", "CNY": "Chinese Yuan"}
FACILITIES = ((107, "Free WiFi"), (2, "Parking"), (3, "Restaurant"), (5, "Room service"), (11, "Fitness centre"),
              (16, "Non-smoking rooms"), (17, "Airport shuttle"), (28, "Family rooms"), (54, "Spa"),
              (301, "Swimming pool"), (4, "Pets allowed"), (8, "24-hour front desk"), (47, "Electric vehicle charging"),
              (433, "Swimming pool (indoor)"), (22, "Bar"), (46, "Breakfast in the room"))
FACILITY_NAME = dict(FACILITIES)
DISTRICTS = ("Airport Area", "Old Town", "City Centre", "Harbour", "University Quarter", "Riverside",
             "Station District", "Museum Quarter", "Garden District", "Financial District", "Lakeside",
             "Arts Quarter", "Market Square")
HOTEL_WORDS_A = ("Grand", "Royal", "Little", "Blue", "Silver", "Golden", "Urban", "Quiet", "Old", "New", "Park",
                 "Harbour", "Central", "Garden", "River", "Crown", "Maple", "Linden", "Copper", "Amber")
HOTEL_WORDS_B = ("Hotel", "Suites", "Inn", "Residence", "Lodge", "House", "Apartments", "Boutique Hotel",
                 "Hostel", "Palace", "Rooms", "Aparthotel")
ROOM_TYPES = (("Standard Double Room", 2, "1 double bed", 16), ("Twin Room", 2, "2 single beds", 17),
              ("Single Room", 1, "1 single bed", 11), ("Superior Double Room", 2, "1 queen bed", 22),
              ("Deluxe King Room", 2, "1 king bed", 28), ("Family Room", 4, "1 double bed and 2 single beds", 32),
              ("Junior Suite", 3, "1 king bed and 1 sofa bed", 40), ("Economy Triple Room", 3, "3 single beds", 20),
              ("Studio with Kitchenette", 2, "1 double bed", 26))
CAR_SUPPLIERS = (("Drivalia", 8.1), ("Autoway", 7.4), ("Sunroad Rentals", 8.6), ("CityCar", 6.9),
                 ("Pinecar", 7.9), ("Northlane", 8.8), ("Velo Rent", 7.1), ("Keystone Cars", 8.3))
CAR_MODELS = (("Fiat 500", "Mini", 4, 3, 1), ("Toyota Aygo X", "Mini", 4, 5, 1), ("VW Polo", "Economy", 5, 5, 2),
              ("Renault Clio", "Economy", 5, 5, 2), ("Ford Focus", "Compact", 5, 5, 3),
              ("Peugeot 308", "Compact", 5, 5, 3), ("Skoda Octavia Estate", "Intermediate", 5, 5, 4),
              ("Toyota RAV4 Hybrid", "SUV", 5, 5, 4), ("Nissan Qashqai", "SUV", 5, 5, 3),
              ("VW Touran", "People carrier", 7, 5, 3), ("Mercedes Vito", "Van", 9, 4, 6),
              ("BMW 5 Series", "Premium", 5, 4, 4), ("Tesla Model 3", "Electric", 5, 4, 3),
              ("Volvo XC60", "Premium SUV", 5, 5, 4))
ATTRACTION_TYPES = ("Tours", "Museums", "Attractions", "Food & drink", "Nature & outdoor", "Entertainment")
ATTRACTION_PATTERNS = (("{d} Walking Tour", "Tours"), ("{c} Museum of Modern Art", "Museums"),
                       ("{c} Botanical Garden Entry", "Nature & outdoor"), ("{d} Food Tasting Tour", "Food & drink"),
                       ("{c} Sightseeing Cruise", "Tours"), ("{c} History Museum", "Museums"),
                       ("Skyline Observation Deck {c}", "Attractions"), ("{c} Hop-On Hop-Off Bus", "Tours"),
                       ("{d} Street Art Bike Tour", "Tours"), ("{c} Aquarium", "Attractions"),
                       ("{c} Evening Jazz Concert", "Entertainment"), ("{c} Cooking Class", "Food & drink"),
                       ("{c} Castle and Gardens Ticket", "Attractions"), ("{d} Night Photo Walk", "Tours"),
                       ("{c} Science Centre", "Museums"), ("{c} Day Trip to the Coast", "Nature & outdoor"),
                       ("{c} Wine Cellar Visit", "Food & drink"), ("{c} Escape Room Adventure", "Entertainment"),
                       ("{c} Zoo Ticket", "Attractions"), ("{d} Architecture Tour", "Tours"),
                       ("{c} Kayak Tour", "Nature & outdoor"), ("{c} National Gallery", "Museums"))
TAXI_CATEGORIES = (("Standard", 3, 2, 1.0), ("Executive", 3, 2, 1.55), ("People carrier", 5, 5, 1.35),
                   ("Large people carrier", 7, 7, 1.7), ("Executive people carrier", 6, 6, 2.1),
                   ("Electric standard", 3, 2, 1.08), ("Minibus", 16, 16, 2.9))
TAXI_SUPPLIERS = ("Metro Cabs", "Skyline Transfers", "GoRide", "Blue Line Taxi", "PrimeCar Chauffeurs")


def flight_legs(rng: random.Random, stations: list[str], depart_local: datetime, code: str,
                carrier: str) -> tuple[Leg, ...]:
    """The legs of a flight through ``stations`` leaving at ``depart_local``: block times from the distance, local
    times from each airport's UTC offset, a seeded layover between legs."""
    utc = depart_local - timedelta(hours=utc_offset_of_airport(stations[0]))
    legs = []
    for i in range(len(stations) - 1):
        s, t = AIRPORT_BY_IATA[stations[i]], AIRPORT_BY_IATA[stations[i + 1]]
        minutes = int(35 + haversine_km(s.lat, s.lon, t.lat, t.lon) / 13.2) // 5 * 5
        arr_utc = utc + timedelta(minutes=minutes)
        legs.append(Leg(s.iata, t.iata, utc + timedelta(hours=utc_offset_of_airport(s.iata)),
                        arr_utc + timedelta(hours=utc_offset_of_airport(t.iata)),
                        f"{code}{rng.randint(100, 9899)}", code, carrier, rng.choice(AIRCRAFT), minutes))
        utc = arr_utc + timedelta(minutes=5 * rng.randint(9, 48))
    return tuple(legs)


def season_factor(day: date) -> float:
    """Demand by month and weekday: summer and weekends cost more."""
    month = (0.86, 0.84, 0.92, 1.0, 1.06, 1.18, 1.3, 1.28, 1.08, 0.98, 0.9, 1.12)[day.month - 1]
    return month * (1.09 if day.weekday() >= 4 else 1.0)


@dataclass(frozen=True)
class Leg:
    origin: str
    destination: str
    depart: datetime  # local time at origin
    arrive: datetime  # local time at destination
    flight_number: str
    carrier_code: str
    carrier: str
    aircraft: str
    minutes: int


@dataclass(frozen=True)
class FlightOffer:
    token: str
    origin: str
    destination: str
    day: date
    index: int
    carrier_code: str
    carrier: str
    legs: tuple[Leg, ...]
    cabins: tuple[str, ...]
    price_eur: dict[str, float]
    checked_bags: int
    bag_fee_eur: float
    refundable: bool
    co2_kg: int

    @property
    def stops(self) -> int:
        return len(self.legs) - 1

    @property
    def depart(self) -> datetime:
        return self.legs[0].depart

    @property
    def arrive(self) -> datetime:
        return self.legs[-1].arrive

    @property
    def total_minutes(self) -> int:
        first, last = self.legs[0], self.legs[-1]
        dep_utc = first.depart - timedelta(hours=utc_offset_of_airport(first.origin))
        arr_utc = last.arrive - timedelta(hours=utc_offset_of_airport(last.destination))
        return int((arr_utc - dep_utc).total_seconds() // 60)


@dataclass(frozen=True)
class Room:
    block_id: str
    room_id: int
    name: str
    max_occupancy: int
    beds: str
    size_m2: int
    base_eur: float
    refundable: bool
    breakfast: bool
    inventory: int


@dataclass(frozen=True)
class Hotel:
    hotel_id: int
    city: str
    name: str
    stars: int
    review_score: float
    review_count: int
    lat: float
    lon: float
    district: str
    address: str
    facilities: tuple[int, ...]
    rooms: tuple[Room, ...]
    checkin_from: str
    checkout_until: str
    free_cancel_days: int
    pets: bool
    kind: str


@dataclass(frozen=True)
class Depot:
    depot_id: str
    city: str
    supplier: str
    rating: float
    name: str
    lat: float
    lon: float
    at_airport: bool


@dataclass(frozen=True)
class Vehicle:
    vehicle_id: str
    depot: Depot
    model: str
    group: str
    seats: int
    doors: int
    bags: int
    transmission: str
    aircon: bool
    fuel_policy: str
    mileage: str
    day_rate_eur: float
    deposit_eur: float


@dataclass(frozen=True)
class Attraction:
    product_id: str
    slug: str
    city: str
    name: str
    kind: str
    adult_eur: float
    child_eur: float
    rating: float
    review_count: int
    minutes: int
    lat: float
    lon: float
    opens: int  # hour
    closes: int
    free_cancellation: bool
    languages: tuple[str, ...]
    closed_weekday: int | None


@dataclass(frozen=True)
class Slot:
    slot_id: str
    start: datetime
    capacity: int
    remaining: int


@dataclass(frozen=True)
class Place:
    place_id: str
    name: str
    kind: str  # airport, hotel, attraction, station, centre
    city: str
    lat: float
    lon: float
    ref: str  # the airport code, hotel id or slug it stands for


@dataclass(frozen=True)
class TaxiQuote:
    result_id: str
    category: str
    supplier: str
    seats: int
    bags: int
    price_eur: float
    km: float
    minutes: int
    cancellation_hours: int


@dataclass
class Catalog:
    """Everything that exists in a seeded world, derived on demand; see the module docstring."""

    seed: int
    _cache: dict[tuple[str, ...], object] = field(default_factory=dict, repr=False)
    _days: dict[tuple[str, str, date], float] = field(default_factory=dict, repr=False)
    _stays: dict[tuple[str, float, int, tuple[date, ...]], tuple[int, float]] = field(default_factory=dict,
                                                                                      repr=False)

    # ------------------------------------------------------------------ randomness and tokens
    def rng(self, *parts: object) -> random.Random:
        digest = hashlib.sha256("|".join(map(str, (self.seed, *parts))).encode()).digest()
        return random.Random(int.from_bytes(digest[:8], "big"))

    def unit(self, *parts: object) -> float:
        """A uniform number in [0, 1) fixed by ``parts``."""
        digest = hashlib.sha256("|".join(map(str, (self.seed, "u", *parts))).encode()).digest()
        return int.from_bytes(digest[:6], "big") / float(1 << 48)

    def token(self, payload: str) -> str:
        body = base64.b32encode(payload.encode()).decode().rstrip("=").lower()
        check = hashlib.sha256(f"{self.seed}#{payload}".encode()).hexdigest()[:8]
        return f"{check}_{body}"

    def untoken(self, token: str) -> str | None:
        """The payload of a token this world issued, or None for anything else."""
        if not isinstance(token, str) or "_" not in token or len(token) > 400:
            return None
        check, _, body = token.partition("_")
        try:
            payload = base64.b32decode(body.upper() + "=" * (-len(body) % 8)).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        if hashlib.sha256(f"{self.seed}#{payload}".encode()).hexdigest()[:8] != check:
            return None
        return payload

    def _memo(self, key: tuple[str, ...], make):  # type: ignore[no-untyped-def]
        value = self._cache.get(key)
        if value is None:
            value = make()
            self._cache[key] = value
        return value

    # ------------------------------------------------------------------ money
    def rate(self, currency: str) -> float:
        """Units of ``currency`` per euro; a small seeded drift keeps worlds apart."""
        if currency == "EUR":
            return 1.0
        return round(CURRENCY_PER_EUR[currency] * (0.97 + 0.06 * self.unit("fx", currency)), 4)

    def convert(self, amount_eur: float, currency: str) -> float:
        return round(amount_eur * self.rate(currency), 2)

    # ------------------------------------------------------------------ flights
    def flights(self, origin: str, destination: str, day: date) -> tuple[FlightOffer, ...]:
        key = ("flights", origin, destination, day.isoformat())
        return self._memo(key, lambda: self._make_flights(origin, destination, day))  # type: ignore[return-value]

    def _make_flights(self, origin: str, destination: str, day: date) -> tuple[FlightOffer, ...]:
        if origin == destination or AIRPORT_BY_IATA[origin].city == AIRPORT_BY_IATA[destination].city:
            return ()
        rng = self.rng("flights", origin, destination, day.isoformat())
        a, b = AIRPORT_BY_IATA[origin], AIRPORT_BY_IATA[destination]
        km = haversine_km(a.lat, a.lon, b.lat, b.lon)
        offers = []
        for index in range(rng.randint(10, 22)):
            code, carrier = AIRLINES[rng.randrange(len(AIRLINES))]
            roll = rng.random()
            stops = 0 if roll < (0.62 if km < 2500 else 0.38) else (1 if roll < 0.9 else 2)
            via = rng.sample(self.hubs_between(origin, destination), stops)
            stations = [origin, *via, destination]
            depart_local = datetime.combine(day, datetime.min.time()) + timedelta(minutes=5 * rng.randint(60, 274))
            legs = flight_legs(rng, stations, depart_local, code, carrier)
            base = (38 + km * 0.075) * season_factor(day) * (0.72 + 0.9 * rng.random()) * (1.12 if stops == 0 else 0.9)
            cabins = tuple(c for c in CABINS if c == "ECONOMY" or rng.random() < (0.55 if c != "FIRST" else 0.2))
            price = {c: round(base * CABIN_FACTOR[c] * (0.92 + 0.16 * rng.random()), 2) for c in cabins}
            token = self.token(f"F|{origin}|{destination}|{day.isoformat()}|{index}")
            offers.append(FlightOffer(token, origin, destination, day, index, code, carrier, tuple(legs), cabins,
                                      price, rng.choice((0, 0, 1, 1, 2)), round(25 + 30 * rng.random(), 2),
                                      rng.random() < 0.3, int(km * (0.09 + 0.03 * stops))))
        return tuple(offers)

    def hubs_between(self, origin: str, destination: str) -> list[str]:
        """The hubs a connection between two airports may stop at (never in either end's city)."""
        a, b = AIRPORT_BY_IATA[origin], AIRPORT_BY_IATA[destination]
        return [h for h in HUBS if h not in (origin, destination) and AIRPORT_BY_IATA[h].city not in (a.city, b.city)]

    def flight_by_token(self, token: str) -> FlightOffer | None:
        payload = self.untoken(token)
        if payload is None or not payload.startswith("F|"):
            return None
        _, origin, destination, day, index = payload.split("|")
        offers = self.flights(origin, destination, date.fromisoformat(day))
        return offers[int(index)] if int(index) < len(offers) else None

    def seat_map(self, offer: FlightOffer, cabin: str) -> list[tuple[str, str, float, bool]]:
        """(seat, position, extra price in EUR, free) for every seat of the first leg's cabin."""
        key = ("seats", offer.token, cabin)
        return self._memo(key, lambda: self._make_seats(offer, cabin))  # type: ignore[return-value]

    def _make_seats(self, offer: FlightOffer, cabin: str) -> list[tuple[str, str, float, bool]]:
        rng = self.rng("seats", offer.token, cabin)
        letters, rows = {"ECONOMY": ("ABCDEF", range(12, 34)), "PREMIUM_ECONOMY": ("ACDF", range(8, 12)),
                         "BUSINESS": ("ACDF", range(2, 8)), "FIRST": ("AF", range(1, 2))}[cabin]
        occupancy = 0.55 + 0.4 * rng.random()
        seats = []
        for row in rows:
            for letter in letters:
                position = "WINDOW" if letter in (letters[0], letters[-1]) else (
                    "AISLE" if letter in ("C", "D") else "MIDDLE")
                extra = 0.0 if cabin != "ECONOMY" else round((14 if position != "MIDDLE" else 0)
                                                             + (22 if row in (14, 15) else 0) + 6 * rng.random(), 2)
                seats.append((f"{row}{letter}", position, extra, rng.random() > occupancy))
        return seats

    # ------------------------------------------------------------------ hotels
    def hotels(self, city: str) -> tuple[Hotel, ...]:
        return self._memo(("hotels", city), lambda: self._make_hotels(city))  # type: ignore[return-value]

    def _make_hotels(self, city_code: str) -> tuple[Hotel, ...]:
        city = CITY_BY_CODE[city_code]
        rng = self.rng("hotels", city_code)
        hotels, names = [], set()
        for i in range(rng.randint(34, 46)):
            while True:
                name = f"{rng.choice(HOTEL_WORDS_A)} {rng.choice(HOTEL_WORDS_B)} {city.name}" if rng.random() < 0.4 \
                    else f"{rng.choice(HOTEL_WORDS_A)} {rng.choice(HOTEL_WORDS_B)}"
                if name not in names:
                    names.add(name)
                    break
            stars = rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5))
            angle = rng.random() * 6.283
            near_airport = i < 3 * len(city.airports)
            if near_airport:  # a few hotels cluster around each airport
                airport = city.airports[i % len(city.airports)]
                radius = 0.4 + 4 * rng.random()
                lat, lon = offset_point(airport.lat, airport.lon, radius * math.sin(angle), radius * math.cos(angle))
            else:
                radius = 0.3 + 9 * rng.random() ** 1.6
                lat, lon = offset_point(city.lat, city.lon, radius * math.sin(angle), radius * math.cos(angle))
            facilities = tuple(sorted(fid for fid, _ in FACILITIES if rng.random() < 0.2 + 0.1 * stars))
            base = (28 + 26 * stars ** 1.35) * (0.8 + 0.5 * rng.random())
            hotel_id = ((city_index(city_code) + 1) * 1_000_000 + i * 20_000
                        + int(self.unit("hid", city_code, i) * 19_999))
            rooms = []
            for j, (rname, occ, beds, size) in enumerate(rng.sample(ROOM_TYPES, rng.randint(3, 6))):
                room_id = hotel_id * 100 + j + 1
                refundable = rng.random() < 0.6
                rooms.append(Room(f"{room_id}_{rng.randint(10**7, 10**8 - 1)}_{occ}_{int(refundable)}", room_id,
                                  rname, occ, beds, size + rng.randint(0, 8),
                                  round(base * (0.75 + 0.2 * occ) * (1.0 if refundable else 0.88), 2), refundable,
                                  rng.random() < 0.4, rng.randint(1, 5)))
            hotels.append(Hotel(hotel_id, city_code, name, stars, round(5.6 + 4.3 * rng.random() ** 0.7, 1),
                                rng.randint(12, 4800), lat, lon,
                                "Airport Area" if near_airport else rng.choice(DISTRICTS[1:]),
                                f"{rng.randint(1, 220)} "
                                f"{rng.choice(('Rue', 'Street', 'Avenue', 'Lane', 'Strasse', 'Via'))} "
                                f"{rng.choice(HOTEL_WORDS_A)}", facilities, tuple(rooms),
                                f"{rng.choice((14, 15, 15, 16))}:00", f"{rng.choice((10, 11, 11, 12))}:00",
                                rng.choice((0, 1, 2, 3, 7)), 4 in facilities,
                                "Hostel" if "Hostel" in name else ("Apartment" if "Apart" in name else "Hotel")))
        return tuple(hotels)

    def hotel(self, hotel_id: int) -> Hotel | None:
        city = city_at(hotel_id // 1_000_000 - 1)
        return next((h for h in self.hotels(city.code) if h.hotel_id == hotel_id), None) if city else None

    def room_day(self, what: str, block_id: str, day: date) -> float:
        """``unit(what, block_id, day)``, remembered: prices and sell-outs of room-nights are read over and over
        (every hotel search prices every hotel), and a hash per read would dominate generating a task."""
        key = (what, block_id, day)
        value = self._days.get(key)
        if value is None:
            value = self._days[key] = self.unit(what, block_id, day)
        return value

    def night_price(self, hotel: Hotel | None, room: Room, day: date) -> float:
        return round(room.base_eur * season_factor(day) * (0.9 + 0.2 * self.room_day("night", room.block_id, day)), 2)

    def stay(self, room: Room, nights: tuple[date, ...]) -> tuple[int, float]:
        """(rooms of this type on sale every night of the stay, the stay's price in EUR), remembered per stay (and
        per rate: two context fills may give a room of the same block id different rates)."""
        key = (room.block_id, room.base_eur, room.inventory, nights)
        found = self._stays.get(key)
        if found is None:
            found = self._stays[key] = (min(self.room_inventory(room, d) for d in nights),
                                        round(sum(self.night_price(None, room, d) for d in nights), 2))
        return found

    def room_inventory(self, room: Room, day: date) -> int:
        """Rooms of this type left on ``day`` before any booking of this world (0 = sold out)."""
        return 0 if self.room_day("soldout", room.block_id, day) < 0.1 else room.inventory

    # ------------------------------------------------------------------ cars
    def depots(self, city_code: str) -> tuple[Depot, ...]:
        return self._memo(("depots", city_code), lambda: self._make_depots(city_code))  # type: ignore[return-value]

    def _make_depots(self, city_code: str) -> tuple[Depot, ...]:
        city = CITY_BY_CODE[city_code]
        rng = self.rng("depots", city_code)
        depots = []
        for k, (supplier, rating) in enumerate(rng.sample(CAR_SUPPLIERS, 6)):
            if k % 2 == 0 and city.airports:
                airport = city.airports[(k // 2) % len(city.airports)]
                lat, lon = offset_point(airport.lat, airport.lon, rng.uniform(-0.6, 0.6), rng.uniform(-0.6, 0.6))
                name, at_airport = f"{supplier} - {airport.name}", True
            else:
                lat, lon = offset_point(city.lat, city.lon, rng.uniform(-2.5, 2.5), rng.uniform(-2.5, 2.5))
                name, at_airport = f"{supplier} - {city.name} {rng.choice(DISTRICTS)}", False
            depots.append(Depot(f"{city_code}{k}", city_code, supplier, round(rating + rng.uniform(-0.4, 0.4), 1),
                                name, lat, lon, at_airport))
        return tuple(depots)

    def vehicles(self, depot: Depot) -> tuple[Vehicle, ...]:
        return self._memo(("vehicles", depot.depot_id), lambda: self._make_vehicles(depot))  # type: ignore[return-value]

    def _make_vehicles(self, depot: Depot) -> tuple[Vehicle, ...]:
        rng = self.rng("vehicles", depot.depot_id)
        out = []
        for j, (model, group, seats, doors, bags) in enumerate(rng.sample(CAR_MODELS, rng.randint(5, 9))):
            rate = {"Mini": 24, "Economy": 29, "Compact": 36, "Intermediate": 44, "SUV": 58, "People carrier": 66,
                    "Van": 82, "Premium": 95, "Electric": 71, "Premium SUV": 110}[group] * (0.8 + 0.45 * rng.random())
            vid = ((city_index(depot.city) + 1) * 10_000_000 + int(depot.depot_id[3:]) * 1_000_000 + j * 10_000
                   + int(self.unit("veh", depot.depot_id, j) * 9_999))
            out.append(Vehicle(str(vid), depot, model,
                               group, seats, doors, bags, rng.choice(("Automatic", "Manual", "Manual")),
                               rng.random() < 0.93,
                               rng.choice(("Full to full", "Full to full", "Pre-purchase (partial)")),
                               rng.choice(("Unlimited", "Unlimited", "250 km per day")), round(rate, 2),
                               round(rng.choice((300, 500, 800, 1200)) * (1 + (rate > 60)), 2)))
        return tuple(out)

    def vehicle(self, vehicle_id: str) -> Vehicle | None:
        city = city_at(int(vehicle_id) // 10_000_000 - 1) if str(vehicle_id).isdigit() else None
        if city is None:
            return None
        return next((v for d in self.depots(city.code) for v in self.vehicles(d) if v.vehicle_id == vehicle_id), None)

    # ------------------------------------------------------------------ attractions
    def attractions(self, city_code: str) -> tuple[Attraction, ...]:
        return self._memo(("attr", city_code), lambda: self._make_attractions(city_code))  # type: ignore[return-value]

    def _make_attractions(self, city_code: str) -> tuple[Attraction, ...]:
        city = CITY_BY_CODE[city_code]
        rng = self.rng("attractions", city_code)
        out = []
        for k, (pattern, kind) in enumerate(rng.sample(ATTRACTION_PATTERNS, rng.randint(14, 20))):
            name = pattern.format(c=city.name, d=rng.choice(DISTRICTS))
            slug = (f"pr{city_index(city_code):02d}"
                    + hashlib.sha256(f"{self.seed}|slug|{city_code}|{k}".encode()).hexdigest()[:8])
            lat, lon = offset_point(city.lat, city.lon, rng.uniform(-4, 4), rng.uniform(-4, 4))
            adult = round((8 + 70 * rng.random() ** 1.5) * (1.6 if kind in ("Tours", "Food & drink") else 1.0), 2)
            opens = rng.choice((8, 9, 9, 10, 10, 11, 17))
            out.append(Attraction(f"PR{city_index(city_code) + 10:02d}{k:02d}"
                                  f"{int(self.unit('pid', city_code, k) * 900) + 100}",
                                  slug, city_code, name,
                                  kind, adult, round(adult * rng.choice((0.0, 0.5, 0.6, 0.75)), 2),
                                  round(3.4 + 1.6 * rng.random() ** 0.6, 1), rng.randint(4, 9000),
                                  rng.choice((60, 90, 120, 150, 180, 240, 480)), lat, lon, opens,
                                  min(23, opens + rng.choice((3, 6, 8, 9, 10))), rng.random() < 0.7,
                                  tuple(sorted(rng.sample(("en", "fr", "de", "es", "it", "ja", "pt"),
                                                          rng.randint(1, 4)))),
                                  rng.choice((None, None, None, 0, 1))))
        return tuple(out)

    def attraction(self, slug: str) -> Attraction | None:
        text = str(slug)
        index = int(text[2:4]) - (10 if text.startswith("PR") else 0) if text[2:4].isdigit() else -1
        city = city_at(index) if text[:2] in ("pr", "PR") else None
        if city is None:
            return None
        return next((a for a in self.attractions(city.code) if text in (a.slug, a.product_id)), None)

    def slots(self, item: Attraction, day: date) -> tuple[Slot, ...]:
        if item.closed_weekday is not None and day.weekday() == item.closed_weekday:
            return ()
        rng = self.rng("slots", item.slug, day.isoformat())
        step = 30 if item.minutes <= 120 else 60
        out = []
        start = datetime.combine(day, datetime.min.time()) + timedelta(hours=item.opens)
        end = datetime.combine(day, datetime.min.time()) + timedelta(hours=item.closes)
        while start + timedelta(minutes=item.minutes // 2) <= end:
            capacity = rng.choice((10, 12, 20, 25, 40))
            remaining = 0 if rng.random() < 0.22 else rng.randint(1, capacity)
            out.append(Slot(self.token(f"S|{item.slug}|{start.isoformat()}"), start, capacity, remaining))
            start += timedelta(minutes=step)
        return tuple(out)

    def slot_by_id(self, slot_id: str) -> tuple[Attraction, Slot] | None:
        payload = self.untoken(slot_id)
        if payload is None or not payload.startswith("S|"):
            return None
        _, slug, start = payload.split("|")
        item = self.attraction(slug)
        if item is None:
            return None
        moment = datetime.fromisoformat(start)
        for slot in self.slots(item, moment.date()):
            if slot.start == moment:
                return item, slot
        return None

    # ------------------------------------------------------------------ taxi places and quotes
    def places(self, city_code: str) -> tuple[Place, ...]:
        return self._memo(("places", city_code), lambda: self._make_places(city_code))  # type: ignore[return-value]

    def _place_id(self, ref: str) -> str:
        city = ref_city(ref)
        return f"ChIJ{city_index(city):02d}" + base64.urlsafe_b64encode(
            hashlib.sha256(f"{self.seed}|place|{ref}".encode()).digest()[:15]).decode()

    def _make_places(self, city_code: str) -> tuple[Place, ...]:
        city = CITY_BY_CODE[city_code]
        out = [Place(self._place_id(f"A{a.iata}"), a.name, "airport", city_code, a.lat, a.lon, a.iata)
               for a in city.airports]
        out.append(Place(self._place_id(f"C{city_code}"), f"{city.name} City Centre", "centre", city_code,
                         city.lat, city.lon, city_code))
        slat, slon = offset_point(city.lat, city.lon, -0.8, 0.9)
        out.append(Place(self._place_id(f"T{city_code}"), f"{city.name} Central Station", "station", city_code,
                         slat, slon, f"station:{city_code}"))
        out += [Place(self._place_id(f"H{h.hotel_id}"), h.name, "hotel", city_code, h.lat, h.lon, str(h.hotel_id))
                for h in self.hotels(city_code)]
        out += [Place(self._place_id(f"P{a.slug}"), a.name, "attraction", city_code, a.lat, a.lon, a.slug)
                for a in self.attractions(city_code)]
        return tuple(out)

    def place(self, place_id: str) -> Place | None:
        text = str(place_id)
        city = city_at(int(text[4:6])) if text.startswith("ChIJ") and text[4:6].isdigit() else None
        if city is None:
            return None
        return next((p for p in self.places(city.code) if p.place_id == text), None)

    def taxi_quotes(self, pickup: Place, dropoff: Place, when: datetime) -> tuple[TaxiQuote, ...]:
        rng = self.rng("taxi", pickup.place_id, dropoff.place_id, when.isoformat())
        km = round(haversine_km(pickup.lat, pickup.lon, dropoff.lat, dropoff.lon) * 1.28 + 0.4, 1)
        night = 1.2 if when.hour < 6 or when.hour >= 22 else 1.0
        out = []
        for k, (category, seats, bags, factor) in enumerate(TAXI_CATEGORIES):
            if rng.random() < 0.15 and k > 0:
                continue
            price = (6.5 + 1.85 * km) * factor * night * (0.9 + 0.25 * rng.random())
            out.append(TaxiQuote(self.token(f"T|{pickup.place_id}|{dropoff.place_id}|{when.isoformat()}|{k}"),
                                 category, rng.choice(TAXI_SUPPLIERS), seats, bags, round(price, 2), km,
                                 int(6 + km * 1.6), rng.choice((1, 2, 24))))
        return tuple(out)

    def taxi_by_id(self, result_id: str) -> tuple[Place, Place, datetime, TaxiQuote] | None:
        payload = self.untoken(result_id)
        if payload is None or not payload.startswith("T|"):
            return None
        _, a, b, when, _k = payload.split("|")
        pickup, dropoff = self.place(a), self.place(b)
        if pickup is None or dropoff is None:
            return None
        moment = datetime.fromisoformat(when)
        for quote in self.taxi_quotes(pickup, dropoff, moment):
            if quote.result_id == result_id:
                return pickup, dropoff, moment, quote
        return None


_CITY_INDEX = {c.code: i for i, c in enumerate(CITIES)}


def city_index(code: str) -> int:
    """The city's position in the table; ids encode it so that a look-up by id touches one city only."""
    return _CITY_INDEX[code]


def city_at(index: int) -> City | None:
    return CITIES[index] if 0 <= index < len(CITIES) else None


def ref_city(ref: str) -> str:
    """The city of a place reference: an airport (A), centre (C), station (T), hotel (H) or attraction (P)."""
    kind, rest = ref[0], ref[1:]
    if kind == "A":
        return AIRPORT_BY_IATA[rest].city
    if kind in "CT":
        return rest
    if kind == "H":
        return CITIES[int(rest) // 1_000_000 - 1].code
    return CITIES[int(rest[2:4])].code
